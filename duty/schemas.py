"""Explicit input and output schemas of the command-and-duty REST API."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class UnitRef(Schema):
    code: str
    name: str


class TargetOut(Schema):
    unit: UnitRef
    state: str = Field(description="unseen, seen, acknowledged or reported")
    first_seen_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    reported_at: dt.datetime | None
    result: str
    ack_overdue: bool
    report_overdue: bool


class InstructionOut(Schema):
    id: int
    number: str
    kind: str
    urgency: str
    title: str
    status: str
    sender_unit: UnitRef
    sent_at: dt.datetime
    ack_deadline: dt.datetime
    report_deadline: dt.datetime
    targets_total: int
    targets_acknowledged: int
    targets_reported: int


class InstructionDetailOut(InstructionOut):
    content: str
    case_numbers: list[str]
    hazard_numbers: list[str]
    closed_at: dt.datetime | None
    close_note: str
    my_target: TargetOut | None = Field(description="The recipient row of the caller's unit, when the instruction was sent to it.")
    targets: list[TargetOut] = Field(description="Every recipient (the board); empty for callers who may not watch it.")


class InstructionIn(Schema):
    title: str = Field(max_length=200)
    content: str
    kind: str = Field("instruction", description="instruction or warning")
    urgency: str = Field("normal", description="normal, urgent or critical")
    unit_codes: list[str] = Field(min_length=1, description="Codes of the units to send to")
    ack_deadline: dt.datetime
    report_deadline: dt.datetime
    case_numbers: list[str] = Field([], description="Complaint cases this instruction is about")
    hazard_numbers: list[str] = Field([], description="Hazards this instruction is about")


class ResultIn(Schema):
    result: str


class CloseIn(Schema):
    note: str = ""


class NoticeOut(Schema):
    id: int
    number: str
    subject: str
    title: str
    requirement: str
    unit: UnitRef
    instruction_id: int | None
    case_number: str | None
    hazard_number: str | None
    issued_at: dt.datetime
    due_date: dt.date
    status: str
    overdue: bool


class AnswerOut(Schema):
    text: str
    answered_at: dt.datetime
    verdict: str
    review_note: str


class NoticeDetailOut(NoticeOut):
    answers: list[AnswerOut]


class NoticeIn(Schema):
    unit_code: str
    title: str = Field(max_length=200)
    requirement: str
    due_date: dt.date
    subject: str = Field("other", description="case, hazard, instruction or other")
    instruction_id: int | None = None
    case_number: str | None = Field(None, description="With subject case")
    hazard_number: str | None = Field(None, description="With subject hazard")


class AnswerIn(Schema):
    text: str


class ReviewIn(Schema):
    accept: bool
    note: str = ""
    new_due_date: dt.date | None = None


class AccountabilityOut(Schema):
    id: int
    unit: UnitRef
    reason: str
    measure: str
    measure_detail: str
    decided_by: str
    decided_on: dt.date
    notice_numbers: list[str]


class AccountabilityIn(Schema):
    unit_code: str
    reason: str
    measure: str
    measure_detail: str = ""
    decided_by: str = Field(max_length=100)
    decided_on: dt.date
    notice_ids: list[int] = []


class ShiftIn(Schema):
    start: dt.time = Field(description="Local time, e.g. 08:30")
    end: dt.time = Field(description="Local time; a time at or before the handover time is on the next day")
    leader_name: str
    officer_name: str
    phone: str


class DayIn(Schema):
    shifts: list[ShiftIn] = Field(description="The whole duty day; an empty list clears the day")


class ShiftOut(Schema):
    duty_date: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    leader_name: str
    officer_name: str
    phone: str


class OnDutyOut(Schema):
    unit: UnitRef
    shift: ShiftOut | None
    roster_tomorrow: bool


class DailyReportIn(Schema):
    date: dt.date
    nothing_to_report: bool = False
    situation: str = ""
    incidents: str = ""
    hazards: str = ""
    help_needed: str = ""


class DailyReportOut(Schema):
    unit: UnitRef
    date: dt.date
    due_at: dt.datetime
    submitted_at: dt.datetime
    is_late: bool
    nothing_to_report: bool
    situation: str
    incidents: str
    hazards: str
    help_needed: str


class SummaryRowOut(Schema):
    unit: UnitRef
    required: bool
    due_at: dt.datetime
    state: str = Field(description="on_time, late, missing, pending or optional")
    report: DailyReportOut | None
    special_period: str | None


class SummaryOut(Schema):
    date: dt.date
    on_time: int
    late: int
    missing: int
    pending: int
    required: int
    rows: list[SummaryRowOut]


class UrgentIn(Schema):
    title: str = Field(max_length=200)
    place: str = Field(max_length=200)
    occurred_at: dt.datetime
    scale: str = ""
    measures: str = ""
    help_needed: str = ""
    parent_id: int | None = Field(None, description="The first report, for a follow-up")


class UrgentOut(Schema):
    id: int
    number: str
    parent_id: int | None
    unit: UnitRef
    reported_at: dt.datetime
    title: str
    place: str
    occurred_at: dt.datetime
    scale: str
    measures: str
    help_needed: str
    status: str


class UrgentDetailOut(UrgentOut):
    follow_ups: list[UrgentOut]


class SpecialPeriodIn(Schema):
    name: str = Field(max_length=100)
    start_date: dt.date
    end_date: dt.date
    report_due_time: dt.time | None = None
    unit_codes: list[str] = Field([], description="Empty: every reporting unit")
    description: str = ""


class SpecialPeriodOut(Schema):
    id: int
    name: str
    start_date: dt.date
    end_date: dt.date
    report_due_time: dt.time | None
    unit_codes: list[str]
    description: str
    cancelled: bool
