"""The definitions of the figures (DOMAIN.md §2), in one place.

``case_rows(case)`` says which figures a case belongs to, on which day, for which unit,
and whether it is in the numerator. The dashboards sum these rows (through the
rollups), the drill-downs list them, and the formula text beside each figure is written
here next to the code that counts it, so the three cannot disagree.

A case is counted for its handling unit (the lead unit it is assigned to now), or for
the district itself while it has none; the reply rate counts each unit the case is
assigned to. Categories are counted at their top level. Days are local
(Asia/Shanghai) dates.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Min
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models import (
    HOTLINE_TYPES,
    Case,
    CaseAssignment,
    CaseClock,
    CaseEvent,
    CaseFollowUp,
    CaseMeeting,
    CaseReply,
    CaseType,
    Category,
    ClockKind,
    Outcome,
    Satisfaction,
    State,
)
from insights.models import Metric

#: A figure row: (metric, day, unit id, top category id, town id, value).
Row = tuple[int, "dt.date | None", int, int, int, int]

HANDLE_KINDS = (ClockKind.HANDLE, ClockKind.REVIEW_OPINION, ClockKind.REREVIEW_OPINION)
REPLY_REPORTED = frozenset({CaseReply.Status.SUBMITTED, CaseReply.Status.APPROVED, CaseReply.Status.ISSUED})
NEVER_ACCEPTED = frozenset({State.REGISTERED, State.NOT_ACCEPTED, State.REDIRECTED})

#: Stable small numbers for the states (``CaseMetric.value`` of STATE rows).
STATE_CODES: dict[str, int] = {
    State.REGISTERED: 1,
    State.ACCEPTED: 2,
    State.OBJECTED: 3,
    State.ASSIGNED: 4,
    State.HANDLING: 5,
    State.REPLY_PENDING: 6,
    State.REPLY_APPROVED: 7,
    State.REPLIED: 8,
    State.CLOSED: 9,
    State.NOT_ACCEPTED: 10,
    State.REDIRECTED: 11,
    State.WITHDRAWN: 12,
}
STATE_BY_CODE = {v: k for k, v in STATE_CODES.items()}


@dataclass(frozen=True)
class RateInfo:
    """How a rate is defined, in words shown beside the figure."""

    metric: Metric
    short: Promise  # 及时受理率
    numerator: Promise
    denominator: Promise
    day: Promise  # which date puts a case in a period


RATES: dict[int, RateInfo] = {
    Metric.TIMELY_ACCEPT: RateInfo(
        Metric.TIMELY_ACCEPT,
        pgettext_lazy("rate", "Timely acceptance"),
        _("decided (accepted, not accepted or redirected) by the decision deadline"),
        _("cases whose decision deadline falls in the period (withdrawn before a decision excluded)"),
        _("decision deadline"),
    ),
    Metric.ONTIME_CLOSE: RateInfo(
        Metric.ONTIME_CLOSE,
        pgettext_lazy("rate", "On-time closure"),
        _("reply issued by the handling deadline (60 days, or as extended; hotline limits for hotline cases)"),
        _("accepted cases whose handling deadline falls in the period, open ones included"),
        _("handling deadline"),
    ),
    Metric.CLOSURE: RateInfo(
        Metric.CLOSURE,
        pgettext_lazy("rate", "Closure"),
        pgettext_lazy("insights", "reply issued"),
        _("cases accepted in the period (withdrawn without a reply excluded)"),
        _("date of acceptance"),
    ),
    Metric.REPLY: RateInfo(
        Metric.REPLY,
        pgettext_lazy("rate", "Reply"),
        _("assignments whose unit reported its result (reply submitted, approved or issued)"),
        _("assignments made to the unit in the period (objected and superseded ones excluded)"),
        _("date of assignment"),
    ),
    Metric.MEETING: RateInfo(
        Metric.MEETING,
        pgettext_lazy("rate", "Meeting"),
        _("the handler met the complainant"),
        _("named-complainant cases replied to in the period"),
        _("date of the reply"),
    ),
    Metric.INVESTIGATION: RateInfo(
        Metric.INVESTIGATION,
        pgettext_lazy("rate", "Investigation"),
        _("substantiated accusations acted on (handling decision issued)"),
        _("accusations found substantiated (reply “supported” approved) in the period"),
        _("date the finding was approved"),
    ),
    Metric.FOLLOWUP: RateInfo(
        Metric.FOLLOWUP,
        pgettext_lazy("rate", "Follow-up"),
        _("followed up (at least one follow-up recorded)"),
        _("named-complainant cases replied to in the period"),
        _("date of the reply"),
    ),
    Metric.PARTICIPATION: RateInfo(
        Metric.PARTICIPATION,
        pgettext_lazy("rate", "Evaluation participation"),
        _("the complainant gave a satisfaction rating"),
        _("named-complainant cases replied to in the period (rateable)"),
        _("date of the reply"),
    ),
    Metric.SATISFACTION: RateInfo(
        Metric.SATISFACTION,
        pgettext_lazy("rate", "Satisfaction"),
        _("rated “satisfied” (and “basically satisfied” when the district counts it)"),
        _("rated cases replied to in the period (latest rating)"),
        _("date of the reply"),
    ),
    Metric.RESOLUTION: RateInfo(
        Metric.RESOLUTION,
        pgettext_lazy("rate", "Resolution (hotline)"),
        _("latest follow-up answered “resolved”"),
        _("hotline cases (questions, requests for help, complaints) replied to in the period with a follow-up"),
        _("date of the reply"),
    ),
    Metric.RESPONSE: RateInfo(
        Metric.RESPONSE,
        pgettext_lazy("rate", "Response (hotline)"),
        _("the complainant was contacted (contact note, meeting or reply) within the response limit"),
        _("hotline cases dispatched with a response limit in the period (withdrawn before contact excluded)"),
        _("date of dispatch"),
    ),
}


@functools.lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_date(moment: dt.datetime) -> dt.date:
    """The date of a moment in the district's time zone (settings.TIME_ZONE)."""
    return moment.astimezone(_zone(settings.TIME_ZONE)).date()


def in_time(done: dt.datetime | None, clock: CaseClock) -> bool:
    """Done by the clock's deadline: its due time for an hour-based limit, else by the end of its due date."""
    if done is None:
        return False
    if clock.due_at is not None:
        return done <= clock.due_at
    return local_date(done) <= clock.due_date


def category_top(category_id: int | None) -> int:
    """The id of a category's top-level ancestor (0 for none). The taxonomy has three levels."""
    if not category_id:
        return 0
    row = Category.objects.filter(pk=category_id).values_list("parent_id", "parent__parent_id").first()
    if row is None:
        return 0
    parent, grandparent = row
    return grandparent or parent or category_id


def category_top_map() -> dict[int, int]:
    """Every category id mapped to its top-level ancestor's id (for bulk work)."""
    parents = dict(Category.objects.values_list("id", "parent_id"))
    out: dict[int, int] = {}
    for cid in parents:
        node = cid
        for _guard in range(10):
            parent = parents.get(node)
            if parent is None:
                break
            node = parent
        out[cid] = node
    return out


@dataclass
class CaseFacts:
    """What the figures of one case depend on, besides the case row."""

    clocks: list[CaseClock]
    reply: CaseReply | None
    followups: list[CaseFollowUp]
    has_meeting: bool
    assignments: list[CaseAssignment]
    contacted_at: dt.datetime | None


def load_facts(case: Case, clocks: list[CaseClock] | None = None) -> CaseFacts:
    """Read the related rows a case's figures need, skipping the queries its state makes
    pointless (``clocks``: all the case's clocks, when the caller has them in hand)."""
    if clocks is None:
        clocks = list(CaseClock.objects.filter(case_id=case.pk).order_by("started_at", "id"))
    replied_stage = case.state in (State.REPLY_PENDING, State.REPLY_APPROVED, State.REPLIED, State.CLOSED, State.WITHDRAWN)
    reply = CaseReply.objects.filter(case_id=case.pk).first() if replied_stage else None
    followups = list(CaseFollowUp.objects.filter(case_id=case.pk).order_by("at", "id")) if case.replied_at else []
    has_meeting = bool(case.replied_at) and not case.anonymous and CaseMeeting.objects.filter(case_id=case.pk).exists()
    assignments = (
        list(CaseAssignment.objects.filter(case_id=case.pk, status__in=[CaseAssignment.Status.PENDING, CaseAssignment.Status.RECEIVED]))
        if case.assigned_at
        else []
    )
    contacted_at = None
    if any(c.kind == ClockKind.CONTACT for c in clocks):
        contacted_at = first_contact(case.pk)
    return CaseFacts(clocks, reply, followups, has_meeting, assignments, contacted_at)


CONTACT_EVENTS = (CaseEvent.Kind.CONTACT, CaseEvent.Kind.MEETING, CaseEvent.Kind.REPLIED)


def first_contact(case_id: int) -> dt.datetime | None:
    return CaseEvent.objects.filter(case_id=case_id, kind__in=CONTACT_EVENTS).order_by("at").values_list("at", flat=True).first()


def _latest(clocks: Iterable[CaseClock], kinds: Iterable[str]) -> CaseClock | None:
    wanted = set(kinds)
    found = None
    for c in clocks:  # ordered by start
        if c.kind in wanted:
            found = c
    return found


def case_rows(case: Case, facts: CaseFacts, *, root_id: int, category_top_id: int) -> list[Row]:
    """The figure rows of one case (see the module docstring). Pure: reads nothing.
    ``root_id`` is the district's unit (for cases not assigned to a unit),
    ``category_top_id`` the case category's top-level ancestor (0 for none)."""
    unit = case.current_unit_id or root_id
    cat = category_top_id
    town = case.town_id or 0
    rows: list[Row] = []

    def add(metric: int, day: dt.date | None, value: int, unit_id: int = unit) -> None:
        rows.append((int(metric), day, unit_id, cat, town, value))

    state = case.state
    withdrawn = state == State.WITHDRAWN
    add(Metric.RECEIVED, local_date(case.received_at), 1)
    add(Metric.STATE, None, STATE_CODES.get(state, 0))
    if case.replied_at:
        add(Metric.REPLIED, local_date(case.replied_at), 1)

    decide = _latest(facts.clocks, [ClockKind.DECIDE])
    if decide is not None and not (withdrawn and case.decided_at is None):
        add(Metric.TIMELY_ACCEPT, decide.due_date, int(in_time(case.decided_at, decide)))

    accepted = case.decided_at is not None and state not in NEVER_ACCEPTED
    handle = _latest(facts.clocks, HANDLE_KINDS)
    if accepted and handle is not None and not (withdrawn and case.replied_at is None):
        add(Metric.ONTIME_CLOSE, handle.due_date, int(in_time(case.replied_at, handle)))
    if accepted and not (withdrawn and case.replied_at is None):
        assert case.decided_at is not None
        add(Metric.CLOSURE, local_date(case.decided_at), int(case.replied_at is not None))

    reply = facts.reply
    reported = reply is not None and reply.status in REPLY_REPORTED
    if not (withdrawn and not reported):
        for a in facts.assignments:
            add(Metric.REPLY, local_date(a.assigned_at), int(reported), unit_id=a.unit_id)

    if case.replied_at:
        replied_day = local_date(case.replied_at)
        if not case.anonymous:
            add(Metric.MEETING, replied_day, int(facts.has_meeting))
            add(Metric.FOLLOWUP, replied_day, int(bool(facts.followups)))
            rated = [f for f in facts.followups if f.satisfaction]
            add(Metric.PARTICIPATION, replied_day, int(bool(rated)))
            if rated:
                last = rated[-1].satisfaction
                add(Metric.SATISFACTION, replied_day, 1 if last == Satisfaction.SATISFIED else 2 if last == Satisfaction.BASICALLY else 0)
        if case.type in HOTLINE_TYPES and facts.followups:
            add(Metric.RESOLUTION, replied_day, int(facts.followups[-1].resolved))

    if (
        case.type == CaseType.ACCUSATION
        and reply is not None
        and reply.outcome == Outcome.SUPPORT
        and reply.status in (CaseReply.Status.APPROVED, CaseReply.Status.ISSUED)
        and reply.approved_at is not None
    ):
        add(Metric.INVESTIGATION, local_date(reply.approved_at), int(reply.status == CaseReply.Status.ISSUED))

    contact = _latest(facts.clocks, [ClockKind.CONTACT])
    if contact is not None and case.type in HOTLINE_TYPES:
        contacted = facts.contacted_at
        if not (withdrawn and contacted is None):
            add(Metric.RESPONSE, local_date(contact.started_at), int(in_time(contacted, contact)))
    return rows


def load_facts_bulk(cases: list[Any]) -> dict[int, CaseFacts]:
    """``load_facts`` for a batch of cases in a fixed number of queries (rebuilds, the
    generator). Related rows are read as named tuples with the attributes ``case_rows``
    uses, which is several times faster than model instances."""
    ids = [c.id for c in cases]
    by_case: dict[int, CaseFacts] = {i: CaseFacts([], None, [], False, [], None) for i in ids}
    clock_rows = CaseClock.objects.filter(case_id__in=ids).order_by("started_at", "id")
    for clock in clock_rows.values_list("case_id", "kind", "started_at", "due_date", "due_at", "stopped_at", named=True):
        by_case[clock.case_id].clocks.append(clock)  # type: ignore[arg-type]
    for reply in CaseReply.objects.filter(case_id__in=ids).values_list("case_id", "status", "outcome", "approved_at", named=True):
        by_case[reply.case_id].reply = reply  # type: ignore[assignment]
    for fu in (
        CaseFollowUp.objects.filter(case_id__in=ids).order_by("at", "id").values_list("case_id", "resolved", "satisfaction", named=True)
    ):
        by_case[fu.case_id].followups.append(fu)  # type: ignore[arg-type]
    for cid in CaseMeeting.objects.filter(case_id__in=ids).values_list("case_id", flat=True).distinct():
        by_case[cid].has_meeting = True
    assigned = CaseAssignment.objects.filter(case_id__in=ids, status__in=[CaseAssignment.Status.PENDING, CaseAssignment.Status.RECEIVED])
    for a in assigned.values_list("case_id", "unit_id", "assigned_at", named=True):
        by_case[a.case_id].assignments.append(a)  # type: ignore[arg-type]
    with_contact = [cid for cid, f in by_case.items() if any(c.kind == ClockKind.CONTACT for c in f.clocks)]
    if with_contact:
        contacts = CaseEvent.objects.filter(case_id__in=with_contact, kind__in=CONTACT_EVENTS).values("case_id").annotate(first=Min("at"))
        for cid, first in contacts.values_list("case_id", "first"):
            by_case[cid].contacted_at = first
    reply_states = (State.REPLY_PENDING, State.REPLY_APPROVED, State.REPLIED, State.CLOSED, State.WITHDRAWN)
    for case in cases:
        facts = by_case[case.id]
        if case.anonymous or not case.replied_at:
            facts.has_meeting = False
        if not case.replied_at:
            facts.followups = []
        if not case.assigned_at:
            facts.assignments = []
        if facts.reply is not None and case.state not in reply_states:
            facts.reply = None
    return by_case
