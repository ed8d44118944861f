"""REST API of command and duty, mounted under /api/v1/duty/ by ``minsheng.api``.

Every operation calls the same access functions (404 outside the caller's scope) and
services (403 for a role or unit that may not act, 400 for bad input or state) as the
web pages. Lists are paginated by key: pass the last ``id`` seen as ``before``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from accounts.models import Unit, User
from accounts.scoping import is_district_wide
from duty import access, selectors, services
from duty.models import (
    AccountabilityRecord,
    DailyReport,
    DutyShift,
    Instruction,
    InstructionTarget,
    SpecialPeriod,
    SupervisionNotice,
    UrgentReport,
)
from duty.schemas import (
    AccountabilityIn,
    AccountabilityOut,
    AnswerIn,
    CloseIn,
    DailyReportIn,
    DailyReportOut,
    DayIn,
    InstructionDetailOut,
    InstructionIn,
    InstructionOut,
    NoticeDetailOut,
    NoticeIn,
    NoticeOut,
    OnDutyOut,
    ResultIn,
    ReviewIn,
    ShiftOut,
    SpecialPeriodIn,
    SpecialPeriodOut,
    SummaryOut,
    TargetOut,
    UrgentDetailOut,
    UrgentIn,
    UrgentOut,
)
from minsheng.api import ErrorOut

PREFIX = "/duty"
router = Router(tags=["duty"])

READ_ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
MAX_LIMIT = 100


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_LIMIT))


def _unit(unit: Unit) -> dict[str, str]:
    return {"code": unit.code, "name": unit.name}


def _unit_by_code(user: User, code: str) -> Unit:
    return access.get_unit_for_user(user, code)


# --- instructions ------------------------------------------------------------------------


def _target(t: InstructionTarget, now: dt.datetime) -> dict[str, Any]:
    return {
        "unit": _unit(t.unit),
        "state": t.state,
        "first_seen_at": t.first_seen_at,
        "acknowledged_at": t.acknowledged_at,
        "reported_at": t.reported_at,
        "result": t.result,
        "ack_overdue": t.ack_overdue(now),
        "report_overdue": t.report_overdue(now),
    }


def _instruction(i: Instruction) -> dict[str, Any]:
    return {
        "id": i.pk,
        "number": i.number,
        "kind": i.kind,
        "urgency": i.urgency,
        "title": i.title,
        "status": i.status,
        "sender_unit": _unit(i.sender_unit),
        "sent_at": i.sent_at,
        "ack_deadline": i.ack_deadline,
        "report_deadline": i.report_deadline,
        "targets_total": i.n_targets if hasattr(i, "n_targets") else i.targets.count(),
        "targets_acknowledged": i.n_acked if hasattr(i, "n_acked") else i.targets.filter(acknowledged_at__isnull=False).count(),
        "targets_reported": i.n_reported if hasattr(i, "n_reported") else i.targets.filter(reported_at__isnull=False).count(),
    }


def _instruction_detail(user: User, instruction: Instruction) -> dict[str, Any]:
    instruction = selectors.with_target_counts(Instruction.objects.filter(pk=instruction.pk)).get()
    now = timezone.now()
    mine = access.target_for(user, instruction)
    watch = instruction.sender_id == user.pk or access.can_command(user)
    targets = [_target(t, now) for t in selectors.instruction_board(instruction, now)[0]] if watch else []
    return {
        **_instruction(instruction),
        "content": instruction.content,
        "case_numbers": [c.number for c in instruction.cases.all()],
        "hazard_numbers": [h.number for h in instruction.hazards.all()],
        "closed_at": instruction.closed_at,
        "close_note": instruction.close_note,
        "my_target": _target(mine, now) if mine else None,
        "targets": targets,
    }


@router.get("/instructions", response={200: list[InstructionOut], **READ_ERRORS}, summary="Instructions the caller may see, newest first")
def instruction_list(request: HttpRequest, status: str = "", before: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
    qs = selectors.with_target_counts(access.instructions_for(_user(request)))
    if status:
        qs = qs.filter(status=status)
    if before:
        qs = qs.filter(pk__lt=before)
    return [_instruction(i) for i in qs.order_by("-pk")[: _limit(limit)]]


@router.post("/instructions", response={201: InstructionDetailOut, **WRITE_ERRORS}, summary="Send an instruction or warning")
def instruction_send(request: HttpRequest, payload: InstructionIn) -> Status:
    user = _user(request)
    if not access.can_command(user):
        raise PermissionDenied(_("Only the duty office, leaders and supervisors may send instructions."))
    units = list(access.visible_duty_units(user).filter(code__in=payload.unit_codes))
    unknown = set(payload.unit_codes) - {u.code for u in units}
    if unknown:
        raise ValidationError({"unit_codes": _("Unknown units: %(codes)s") % {"codes": ", ".join(sorted(unknown))}})
    from cases.access import get_case_for_user
    from hazards.access import get_hazard_for_user

    instruction = services.instruction_send(
        actor=user,
        cases=[get_case_for_user(user, n) for n in payload.case_numbers],
        hazards=[get_hazard_for_user(user, n) for n in payload.hazard_numbers],
        title=payload.title,
        content=payload.content,
        kind=payload.kind,
        urgency=payload.urgency,
        units=units,
        ack_deadline=payload.ack_deadline,
        report_deadline=payload.report_deadline,
    )
    return Status(201, _instruction_detail(user, instruction))


@router.get("/instructions/{instruction_id}", response={200: InstructionDetailOut, **READ_ERRORS}, summary="One instruction with its board")
def instruction_get(request: HttpRequest, instruction_id: int) -> dict[str, Any]:
    user = _user(request)
    instruction = access.get_instruction_for_user(user, instruction_id)
    target = access.target_for(user, instruction)
    if target is not None and target.first_seen_at is None:
        services.instruction_mark_seen(actor=user, target=target)
    return _instruction_detail(user, instruction)


def _my_target(user: User, instruction_id: int) -> InstructionTarget:
    instruction = access.get_instruction_for_user(user, instruction_id)
    target = access.target_for(user, instruction)
    if target is None:
        raise PermissionDenied(_("This instruction was not sent to your unit."))
    return target


@router.post("/instructions/{instruction_id}/acknowledge", response={200: TargetOut, **WRITE_ERRORS}, summary="Acknowledge an instruction for the caller's unit")
def instruction_acknowledge(request: HttpRequest, instruction_id: int) -> dict[str, Any]:
    user = _user(request)
    target = services.instruction_acknowledge(actor=user, target=_my_target(user, instruction_id))
    return _target(target, timezone.now())


@router.post("/instructions/{instruction_id}/report", response={200: TargetOut, **WRITE_ERRORS}, summary="Report the result for the caller's unit")
def instruction_report(request: HttpRequest, instruction_id: int, payload: ResultIn) -> dict[str, Any]:
    user = _user(request)
    target = services.instruction_report(actor=user, target=_my_target(user, instruction_id), result=payload.result)
    return _target(target, timezone.now())


@router.post("/instructions/{instruction_id}/close", response={200: InstructionDetailOut, **WRITE_ERRORS}, summary="Close an instruction")
def instruction_close(request: HttpRequest, instruction_id: int, payload: CloseIn) -> dict[str, Any]:
    user = _user(request)
    instruction = services.instruction_close(actor=user, instruction=access.get_instruction_for_user(user, instruction_id), note=payload.note)
    return _instruction_detail(user, instruction)


# --- supervision notices and accountability ---------------------------------------------------


def _notice(n: SupervisionNotice) -> dict[str, Any]:
    return {
        "id": n.pk,
        "number": n.number,
        "subject": n.subject,
        "title": n.title,
        "requirement": n.requirement,
        "unit": _unit(n.unit),
        "instruction_id": n.instruction_id,
        "case_number": n.case.number if n.case_id else None,  # type: ignore[union-attr]
        "hazard_number": n.hazard.number if n.hazard_id else None,  # type: ignore[union-attr]
        "issued_at": n.issued_at,
        "due_date": n.due_date,
        "status": n.status,
        "overdue": n.is_overdue(),
    }


def _notice_detail(n: SupervisionNotice) -> dict[str, Any]:
    answers = [{"text": a.text, "answered_at": a.answered_at, "verdict": a.verdict, "review_note": a.review_note} for a in n.answers.all()]
    return {**_notice(n), "answers": answers}


@router.get("/notices", response={200: list[NoticeOut], **READ_ERRORS}, summary="Supervision notices the caller may see")
def notice_list(request: HttpRequest, status: str = "", before: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
    qs = access.notices_for(_user(request)).select_related("unit", "case", "hazard")
    if status:
        qs = qs.filter(status=status)
    if before:
        qs = qs.filter(pk__lt=before)
    return [_notice(n) for n in qs.order_by("-pk")[: _limit(limit)]]


@router.post("/notices", response={201: NoticeDetailOut, **WRITE_ERRORS}, summary="Issue a supervision notice")
def notice_issue(request: HttpRequest, payload: NoticeIn) -> Status:
    user = _user(request)
    from cases.access import get_case_for_user
    from hazards.access import get_hazard_for_user

    instruction = access.get_instruction_for_user(user, payload.instruction_id) if payload.instruction_id else None
    notice = services.notice_issue(
        case=get_case_for_user(user, payload.case_number) if payload.case_number else None,
        hazard=get_hazard_for_user(user, payload.hazard_number) if payload.hazard_number else None,
        actor=user,
        unit=_unit_by_code(user, payload.unit_code),
        title=payload.title,
        requirement=payload.requirement,
        due_date=payload.due_date,
        subject=payload.subject,
        instruction=instruction,
    )
    return Status(201, _notice_detail(notice))


@router.get("/notices/{notice_id}", response={200: NoticeDetailOut, **READ_ERRORS}, summary="One supervision notice with its answers")
def notice_get(request: HttpRequest, notice_id: int) -> dict[str, Any]:
    return _notice_detail(access.get_notice_for_user(_user(request), notice_id))


@router.post("/notices/{notice_id}/answer", response={200: NoticeDetailOut, **WRITE_ERRORS}, summary="Answer a notice sent to the caller's unit")
def notice_answer(request: HttpRequest, notice_id: int, payload: AnswerIn) -> dict[str, Any]:
    user = _user(request)
    notice = access.get_notice_for_user(user, notice_id)
    services.notice_answer(actor=user, notice=notice, text=payload.text)
    return _notice_detail(access.get_notice_for_user(user, notice_id))


@router.post("/notices/{notice_id}/review", response={200: NoticeDetailOut, **WRITE_ERRORS}, summary="Accept the answer or send it back")
def notice_review(request: HttpRequest, notice_id: int, payload: ReviewIn) -> dict[str, Any]:
    user = _user(request)
    notice = access.get_notice_for_user(user, notice_id)
    services.notice_review(actor=user, notice=notice, accept=payload.accept, note=payload.note, new_due_date=payload.new_due_date)
    return _notice_detail(access.get_notice_for_user(user, notice_id))


def _record(r: AccountabilityRecord) -> dict[str, Any]:
    return {
        "id": r.pk,
        "unit": _unit(r.unit),
        "reason": r.reason,
        "measure": r.measure,
        "measure_detail": r.measure_detail,
        "decided_by": r.decided_by,
        "decided_on": r.decided_on,
        "notice_numbers": [n.number for n in r.notices.all()],
    }


@router.get("/accountability", response={200: list[AccountabilityOut], **READ_ERRORS}, summary="Accountability records the caller may see")
def accountability_list(request: HttpRequest, unit: str = "", before: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
    qs = AccountabilityRecord.objects.filter(access.target_scope_q(_user(request))).select_related("unit").prefetch_related("notices")
    if unit:
        qs = qs.filter(unit__code=unit)
    if before:
        qs = qs.filter(pk__lt=before)
    return [_record(r) for r in qs.order_by("-pk")[: _limit(limit)]]


@router.post("/accountability", response={201: AccountabilityOut, **WRITE_ERRORS}, summary="Record accountability on a unit")
def accountability_create(request: HttpRequest, payload: AccountabilityIn) -> Status:
    user = _user(request)
    notices = [access.get_notice_for_user(user, pk) for pk in payload.notice_ids]
    record = services.accountability_create(
        actor=user,
        unit=_unit_by_code(user, payload.unit_code),
        reason=payload.reason,
        measure=payload.measure,
        measure_detail=payload.measure_detail,
        decided_by=payload.decided_by,
        decided_on=payload.decided_on,
        notices=notices,
    )
    return Status(201, _record(record))


# --- roster ---------------------------------------------------------------------------------


def _shift(s: DutyShift) -> dict[str, Any]:
    return {"duty_date": s.duty_date, "starts_at": s.starts_at, "ends_at": s.ends_at, "leader_name": s.leader_name, "officer_name": s.officer_name, "phone": s.phone}


@router.get("/roster/now", response={200: list[OnDutyOut], **READ_ERRORS}, summary="Who is on duty now in each unit the caller may see")
def roster_now(request: HttpRequest) -> list[dict[str, Any]]:
    units = list(access.visible_duty_units(_user(request)))
    now = timezone.now()
    missing = {u.pk for u in selectors.units_without_roster(timezone.localdate(now) + dt.timedelta(days=1), units)}
    return [{"unit": _unit(u), "shift": _shift(s) if s else None, "roster_tomorrow": u.pk not in missing} for u, s in selectors.on_duty_now(now, units)]


@router.get("/roster/{unit_code}", response={200: list[ShiftOut], **READ_ERRORS}, summary="A unit's shifts in a date range (at most 62 days)")
def roster_get(request: HttpRequest, unit_code: str, start: dt.date = Query(...), end: dt.date = Query(...)) -> list[dict[str, Any]]:  # noqa: B008
    unit = _unit_by_code(_user(request), unit_code)
    if end < start or (end - start).days > 62:
        raise ValidationError(_("Ask for at most 62 days, with the end after the start."))
    return [_shift(s) for s in DutyShift.objects.filter(unit=unit, duty_date__gte=start, duty_date__lte=end).order_by("starts_at")]


@router.put("/roster/{unit_code}/{day}", response={200: list[ShiftOut], **WRITE_ERRORS}, summary="Set (replace) one duty day of a unit's roster")
def roster_set_day(request: HttpRequest, unit_code: str, day: dt.date, payload: DayIn) -> list[dict[str, Any]]:
    user = _user(request)
    unit = _unit_by_code(user, unit_code)
    shifts = [services.ShiftInput(start=s.start, end=s.end, leader_name=s.leader_name, officer_name=s.officer_name, phone=s.phone) for s in payload.shifts]
    services.roster_set_days(actor=user, unit=unit, days={day: shifts})
    return [_shift(s) for s in DutyShift.objects.filter(unit=unit, duty_date=day).order_by("starts_at")]


# --- daily reports --------------------------------------------------------------------------


def _daily(r: DailyReport) -> dict[str, Any]:
    return {
        "unit": _unit(r.unit),
        "date": r.date,
        "due_at": r.due_at,
        "submitted_at": r.submitted_at,
        "is_late": r.is_late,
        "nothing_to_report": r.nothing_to_report,
        "situation": r.situation,
        "incidents": r.incidents,
        "hazards": r.hazards,
        "help_needed": r.help_needed,
    }


@router.post("/daily-reports", response={200: DailyReportOut, **WRITE_ERRORS}, summary="File or correct the caller's unit's daily report")
def daily_report_submit(request: HttpRequest, payload: DailyReportIn) -> dict[str, Any]:
    user = _user(request)
    unit = access.home_unit(user)
    if unit is None:
        raise PermissionDenied(_("Only staff of a reporting unit file daily reports."))
    report = services.daily_report_submit(
        actor=user,
        unit=unit,
        date=payload.date,
        nothing_to_report=payload.nothing_to_report,
        situation=payload.situation,
        incidents=payload.incidents,
        hazards=payload.hazards,
        help_needed=payload.help_needed,
    )
    return _daily(report)


@router.get("/daily-reports/summary", response={200: SummaryOut, **READ_ERRORS}, summary="The district's daily summary (district-wide users)")
def daily_summary(request: HttpRequest, date: dt.date | None = None) -> dict[str, Any]:
    user = _user(request)
    if not is_district_wide(user):
        raise PermissionDenied(_("Only district-wide users see the daily summary."))
    day = date or timezone.localdate()
    rows = selectors.daily_summary(day)
    counts = selectors.summary_counts(rows)
    return {
        "date": day,
        **{k: counts[k] for k in ("on_time", "late", "missing", "pending", "required")},
        "rows": [
            {"unit": _unit(r.unit), "required": r.required, "due_at": r.due_at, "state": r.state, "report": _daily(r.report) if r.report else None, "special_period": r.period.name if r.period else None}
            for r in rows
        ],
    }


# --- urgent reports -------------------------------------------------------------------------


def _urgent(r: UrgentReport) -> dict[str, Any]:
    return {
        "id": r.pk,
        "number": r.number,
        "parent_id": r.parent_id,
        "unit": _unit(r.unit),
        "reported_at": r.reported_at,
        "title": r.title,
        "place": r.place,
        "occurred_at": r.occurred_at,
        "scale": r.scale,
        "measures": r.measures,
        "help_needed": r.help_needed,
        "status": r.status,
    }


def _urgent_detail(r: UrgentReport) -> dict[str, Any]:
    root = r.root
    return {**_urgent(root), "follow_ups": [_urgent(f) for f in root.follow_ups.select_related("unit").order_by("reported_at")]}


@router.get("/urgent-reports", response={200: list[UrgentOut], **READ_ERRORS}, summary="First urgent reports the caller may see, newest first")
def urgent_list(request: HttpRequest, open_only: bool = False, before: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
    qs = access.urgent_reports_for(_user(request)).filter(parent__isnull=True).select_related("unit")
    if open_only:
        qs = qs.filter(status=UrgentReport.Status.OPEN)
    if before:
        qs = qs.filter(pk__lt=before)
    return [_urgent(r) for r in qs.order_by("-pk")[: _limit(limit)]]


@router.post("/urgent-reports", response={201: UrgentDetailOut, **WRITE_ERRORS}, summary="File an urgent incident report or a follow-up")
def urgent_file(request: HttpRequest, payload: UrgentIn) -> Status:
    user = _user(request)
    unit = access.home_unit(user)
    if unit is None:
        raise PermissionDenied(_("Only staff of a reporting unit file urgent reports."))
    parent = access.get_urgent_report_for_user(user, payload.parent_id) if payload.parent_id else None
    report = services.urgent_report_file(
        actor=user,
        unit=unit,
        title=payload.title,
        place=payload.place,
        occurred_at=payload.occurred_at,
        scale=payload.scale,
        measures=payload.measures,
        help_needed=payload.help_needed,
        parent=parent,
    )
    return Status(201, _urgent_detail(report))


@router.get("/urgent-reports/{report_id}", response={200: UrgentDetailOut, **READ_ERRORS}, summary="An urgent report with its follow-ups")
def urgent_get(request: HttpRequest, report_id: int) -> dict[str, Any]:
    return _urgent_detail(access.get_urgent_report_for_user(_user(request), report_id))


# --- special periods ------------------------------------------------------------------------


def _period(p: SpecialPeriod) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "start_date": p.start_date,
        "end_date": p.end_date,
        "report_due_time": p.report_due_time,
        "unit_codes": [u.code for u in p.units.all()],
        "description": p.description,
        "cancelled": p.cancelled_at is not None,
    }


@router.get("/special-periods", response={200: list[SpecialPeriodOut], **READ_ERRORS}, summary="Special periods, current and coming first")
def period_list(request: HttpRequest, current: bool = False) -> list[dict[str, Any]]:
    qs = SpecialPeriod.objects.prefetch_related("units")
    if current:
        today = timezone.localdate()
        qs = qs.filter(Q(cancelled_at__isnull=True), start_date__lte=today, end_date__gte=today)
    return [_period(p) for p in qs.order_by("-start_date", "-pk")[:MAX_LIMIT]]


@router.post("/special-periods", response={201: SpecialPeriodOut, **WRITE_ERRORS}, summary="Declare a special period")
def period_create(request: HttpRequest, payload: SpecialPeriodIn) -> Status:
    user = _user(request)
    units = list(access.reporting_units().filter(code__in=payload.unit_codes))
    if len(units) != len(set(payload.unit_codes)):
        raise ValidationError({"unit_codes": _("Choose units that file daily reports.")})
    period = services.special_period_create(
        actor=user,
        name=payload.name,
        start_date=payload.start_date,
        end_date=payload.end_date,
        report_due_time=payload.report_due_time,
        units=units,
        description=payload.description,
    )
    return Status(201, _period(period))

