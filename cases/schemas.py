"""Input and output schemas of the cases REST API (``cases.api``).

Inputs are explicit: one schema per operation. Enumerations and text limits are
documented in the OpenAPI document (``enum``, ``maxLength``) but checked by the services,
so that a refusal comes back as a JSON error in the user's language and nothing changes.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any, Literal

from django.db import models
from ninja import Field, Schema

from cases.models import (
    CONTENT_MAX,
    CaseAssignment,
    CaseEvent,
    CaseExtension,
    CaseLink,
    CaseReply,
    CaseType,
    Channel,
    ClockKind,
    ClockState,
    ContactChannel,
    Level,
    Outcome,
    RedirectChannel,
    Satisfaction,
    State,
)

TEXT_MAX = 2000


def _enum_extra(values: list[str]) -> Any:
    """Put ``enum`` on the string part of the schema (the items of a list, the string branch
    of an optional value)."""

    def extra(schema: dict[str, Any]) -> None:
        target = schema
        if schema.get("type") == "array":
            target = schema.setdefault("items", {"type": "string"})
        elif "anyOf" in schema:
            target = next((s for s in schema["anyOf"] if s.get("type") == "string"), schema)
        target["enum"] = values

    return extra


def choice(choices: type[models.TextChoices] | type[Enum] | list[str], default: Any = ..., description: str = "", **kwargs: Any) -> Any:
    """A string field whose allowed values are documented as an ``enum``. Inputs are checked by
    the services (translated message); outputs always hold one of the values."""
    values = list(choices) if isinstance(choices, list) else [c.value for c in choices]  # type: ignore[union-attr]
    return Field(default, description=description, json_schema_extra=_enum_extra(values), **kwargs)


def limited(default: Any = ..., max_length: int = TEXT_MAX, description: str = "") -> Any:
    """A text field whose limit is documented (``maxLength``) and checked by the service."""
    return Field(default, description=description, json_schema_extra={"maxLength": max_length})


VERSION_DESCRIPTION = "The case's `version` as last read. If the case changed since, the request is refused with 409."


def version_field() -> Any:
    return Field(..., ge=0, description=VERSION_DESCRIPTION)


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


class CaseComplainantIn(Schema):
    name: str = limited(max_length=60, description="Full name.")
    phone: str = limited("", max_length=30, description="Phone number, e.g. 13812345678.")
    id_number: str = limited("", max_length=30, description="Resident ID number (15 or 18 characters), optional.")
    address: str = limited("", max_length=200)
    is_representative: bool = Field(False, description="A representative of a joint complaint.")


class CaseLocationIn(Schema):
    address: str = limited("", max_length=200, description="Where the matter is.")
    latitude: float | None = Field(None, description="WGS-84 latitude, -90 to 90.")
    longitude: float | None = Field(None, description="WGS-84 longitude, -180 to 180.")
    town: str | None = Field(None, description="The town or street it lies in: a unit code or id (see GET /units?kind=town).")


class CaseCreateIn(Schema):
    channel: str = choice(Channel, description="How the case came in.")
    type: str = choice(CaseType, description="The case type (DOMAIN.md). Accusations are always confidential.")
    title: str = limited(max_length=200)
    content: str = limited(max_length=CONTENT_MAX, description="The complaint in the complainant's words.")
    category: str | None = Field(None, description="A category code or id (see GET /categories).")
    urgent: bool = False
    location: CaseLocationIn = Field(default_factory=CaseLocationIn)
    complainants: list[CaseComplainantIn] = Field(default_factory=list, description="One or more complainants, unless `anonymous`.")
    anonymous: bool = False
    head_count: int | None = Field(None, description="Number of people of a joint complaint (at least the number of complainants).")
    accused_unit: str | None = Field(None, description="Accusations only: the accused unit (code or id). It will never see the case.")
    confidential: bool = Field(False, description="Protect the complainant's identity (always on for accusations).")
    received_at: dt.datetime | None = Field(None, description="When the case was received (default: now); not in the future.")


class CaseAcceptIn(Schema):
    version: int = version_field()
    note: str = limited("", description="Required when the case matches a finished matter (终结).")


class CaseNotAcceptIn(Schema):
    version: int = version_field()
    reason: str = limited(description="Told to the complainant.")


class CaseRedirectIn(Schema):
    version: int = version_field()
    channel: str = choice(RedirectChannel, description="The statutory channel the complainant is referred to (诉访分离).")
    reason: str = limited("")


class CaseAssignIn(Schema):
    version: int = version_field()
    units: list[str] = Field(..., description="Unit codes or ids; several units share the case.")
    lead: str | None = Field(None, description="The lead unit (one of `units`; default the first).")
    instructions: str = limited("")
    due_date: dt.date | None = Field(None, description="An earlier handling deadline than the statutory one.")


class CaseReceiveIn(Schema):
    version: int = version_field()
    unit: str | None = Field(None, description="Which of your units receives (when you belong to several assigned units).")


class CaseObjectIn(Schema):
    version: int = version_field()
    reason: str = limited(description="Why the matter is not your unit's.")
    unit: str | None = None


class CaseNoteIn(Schema):
    version: int = version_field()
    text: str = limited(max_length=CONTENT_MAX, description="Internal; never shown to the complainant.")
    contact: bool = Field(False, description="This note records contact with the complainant (stops the hotline contact clock).")


class CaseMeetingIn(Schema):
    version: int = version_field()
    held_at: dt.datetime
    place: str = limited(max_length=200)
    participants: str = limited(max_length=300)
    notes: str = limited("", max_length=CONTENT_MAX)


class CaseExtensionRequestIn(Schema):
    version: int = version_field()
    days: int = Field(..., description="1 to the configured maximum (30 by default).")
    reason: str = limited()


class CaseExtensionDecisionIn(Schema):
    version: int = version_field()
    approve: bool
    note: str = limited("", description="Required when refusing.")


class CaseReplyDraftIn(Schema):
    version: int = version_field()
    outcome: str = choice(Outcome)
    text: str = limited(max_length=CONTENT_MAX)
    assistance_needed: bool = Field(False, description="Refer a person in hardship for assistance (帮扶救助).")
    assistance_what: str = limited("", max_length=300)
    assistance_by: str = limited("", max_length=200)
    assistance_when: dt.date | None = None
    submit: bool = Field(True, description="Submit to the unit head for approval (false: keep as a draft).")


class CaseReplyApproveIn(Schema):
    version: int = version_field()
    note: str = limited("")


class CaseReplyReturnIn(Schema):
    version: int = version_field()
    reason: str = limited()


class CaseReplyIssueIn(Schema):
    version: int = version_field()
    via: str = choice(ContactChannel, ContactChannel.PHONE.value, description="How the reply reached the complainant.")


class CaseFollowUpIn(Schema):
    version: int = version_field()
    resolved: bool
    satisfaction: str = choice([""] + list(Satisfaction.values), "", description="Empty when the complainant gave no rating.")
    comment: str = limited("")
    channel: str = choice(ContactChannel, ContactChannel.PHONE.value)


class CaseCloseIn(Schema):
    version: int = version_field()
    note: str = limited("")


class CaseReviewRequestIn(Schema):
    version: int = version_field()
    reason: str = limited(max_length=CONTENT_MAX, description="What the complainant asks to be reviewed.")
    received_at: dt.datetime | None = Field(None, description="When the request was received (default: now).")


class CaseWithdrawIn(Schema):
    version: int = version_field()
    reason: str = limited("")


class CaseLinkIn(Schema):
    version: int = version_field()
    other: str = Field(..., description="The number of the other case.")
    kind: str = choice([CaseLink.Kind.DUPLICATE_OF.value, CaseLink.Kind.RELATED.value], CaseLink.Kind.RELATED.value)


class CaseRevealIn(Schema):
    reason: str = limited("", max_length=300, description="Why you need the identity; logged.")


# ---------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------


class CaseUnitRef(Schema):
    id: int
    code: str
    name: str


class CaseCategoryRef(Schema):
    id: int
    code: str
    name: str
    level: int


class CaseComplainantOut(Schema):
    name: str
    phone: str
    id_number: str
    address: str
    is_representative: bool
    masked: bool = Field(..., description="True when the values are masked (张*三, 138****1234).")


class CaseClockOut(Schema):
    kind: str = choice(ClockKind)
    label: str
    started_at: dt.datetime
    due_date: dt.date
    due_at: dt.datetime | None = Field(None, description="Set for hour-based hotline limits.")
    stopped_at: dt.datetime | None
    running: bool
    state: str = choice(ClockState)
    state_label: str
    days_left: int | None = Field(None, description="Calendar days until the due date (negative when overdue); null when stopped.")
    extended_days: int
    is_window: bool = Field(..., description="A complainant's or unit's window (it expires, it is never overdue).")


class CaseEventOut(Schema):
    at: dt.datetime
    kind: str = choice(CaseEvent.Kind)
    label: str
    actor: str
    unit: str | None
    text: str
    public: bool = Field(..., description="Visible to the complainant (internal notes never are).")


class CaseReplyOut(Schema):
    outcome: str = choice(Outcome)
    outcome_label: str
    text: str
    status: str = choice(CaseReply.Status)
    drafted_by: str | None
    drafted_at: dt.datetime
    approved_by: str | None
    approved_at: dt.datetime | None
    return_reason: str
    issued_at: dt.datetime | None
    issued_via: str
    assistance_needed: bool
    assistance_what: str
    assistance_by: str
    assistance_when: dt.date | None


class CaseAssignmentOut(Schema):
    unit: CaseUnitRef
    is_lead: bool
    status: str = choice(CaseAssignment.Status)
    is_active: bool
    assigned_at: dt.datetime
    received_at: dt.datetime | None
    objected_at: dt.datetime | None
    objection_reason: str
    instructions: str


class CaseAttachmentOut(Schema):
    id: int
    name: str
    kind: str
    content_type: str
    size: int
    description: str
    is_material: bool = Field(..., description="An accusation's protected evidence.")
    added_at: dt.datetime
    url: str = Field(..., description="Download it (GET, same permission check).")


class CaseLinkOut(Schema):
    kind: str = choice(CaseLink.Kind)
    direction: Literal["out", "in"] = Field(..., description="`out`: this case → the other; `in`: the other → this case.")
    number: str
    title: str | None = Field(None, description="Null when the other case is outside your scope.")


class CaseMeetingOut(Schema):
    held_at: dt.datetime
    place: str
    participants: str
    notes: str
    recorded_by: str | None


class CaseExtensionOut(Schema):
    days: int
    reason: str
    requested_by: str | None
    requested_at: dt.datetime
    decision: str = choice(CaseExtension.Decision)
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str
    old_due: dt.date | None
    new_due: dt.date | None


class CaseFollowUpOut(Schema):
    resolved: bool
    satisfaction: str
    comment: str
    channel: str = choice(ContactChannel)
    by: str | None
    at: dt.datetime


class CaseActionOut(Schema):
    key: str = Field(..., description="The service's name (case_<key>).")
    label: str
    method: Literal["POST"] = "POST"
    path: str = Field(..., description="The API operation that performs it.")


class CaseSummaryOut(Schema):
    number: str
    level: str = choice(Level)
    type: str = choice(CaseType)
    type_label: str
    channel: str = choice(Channel)
    title: str
    state: str = choice(State)
    state_label: str
    category: CaseCategoryRef | None
    current_unit: CaseUnitRef | None = Field(None, description="The lead handling unit.")
    town: CaseUnitRef | None
    urgent: bool
    anonymous: bool
    confidential: bool
    complainant: str | None = Field(None, description="The first complainant's name, masked unless you may see it.")
    received_at: dt.datetime
    next_due: dt.date | None
    is_overdue: bool
    version: int


class CaseDetailOut(CaseSummaryOut):
    content: str
    address: str
    latitude: float | None
    longitude: float | None
    joint: bool
    head_count: int
    accused_unit: CaseUnitRef | None
    parent_case: str | None = Field(None, description="The case this review or re-review is about.")
    decided_at: dt.datetime | None
    decision_reason: str
    redirect_channel: str = choice([""] + list(RedirectChannel.values))
    assigned_at: dt.datetime | None
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None
    final: bool = Field(..., description="The matter is finished after re-review (终结).")
    final_match: str | None = Field(None, description="A finished matter this case repeats: not to be accepted again.")
    final_match_reason: str
    identity: Literal["plain", "reveal", "masked"] = Field(
        ..., description="plain: you see the complainants; reveal: masked, POST …/reveal-identity shows them (logged); masked: you may not."
    )
    complainants: list[CaseComplainantOut]
    clocks: list[CaseClockOut]
    timeline: list[CaseEventOut]
    reply: CaseReplyOut | None
    assignments: list[CaseAssignmentOut]
    attachments: list[CaseAttachmentOut]
    links: list[CaseLinkOut]
    meetings: list[CaseMeetingOut]
    extensions: list[CaseExtensionOut]
    followups: list[CaseFollowUpOut]
    actions: list[CaseActionOut] = Field(..., description="What you may do now.")


class CasePageOut(Schema):
    items: list[CaseSummaryOut]
    next: str | None = Field(None, description="Opaque cursor of the next page (pass as `cursor`); null on the last page.")


class CaseRevealOut(Schema):
    number: str
    complainants: list[CaseComplainantOut]


class CaseCategoryOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    level: int
    parent: str | None = Field(None, description="The parent's code.")
    default_unit: str | None = Field(None, description="The default handling unit's code.")


class ScopeUnitOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    kind: str
    parent: str | None = Field(None, description="The parent's code.")
    depth: int
