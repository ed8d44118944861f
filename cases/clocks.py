"""Case clocks: start, stop and evaluate the deadlines of DOMAIN.md §1.

Day-based limits come from :class:`cases.models.DeadlineRule`, hotline limits from
:class:`cases.models.HotlineRule`; dates are counted on the working-day calendar
(``workcal.selectors.get_calendar()``): the first day is not counted and a deadline on
a day off moves to the next working day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    FAR_FUTURE,
    HOTLINE_TYPES,
    WINDOW_CLOCKS,
    Case,
    CaseClock,
    Category,
    ClockKind,
    ClockState,
    DeadlineRule,
    HotlineRule,
)
from lib.workdays import DayType, WorkCalendar
from workcal.selectors import get_calendar

#: Used when an administrator deleted a rule row: DOMAIN.md's defaults.
DEFAULT_RULES: dict[str, tuple[int, str]] = {
    "decide": (15, DayType.CALENDAR),
    "assign": (15, DayType.CALENDAR),
    "objection": (5, DayType.WORKING),
    "handle": (60, DayType.CALENDAR),
    "extension": (30, DayType.CALENDAR),
    "review_request": (30, DayType.CALENDAR),
    "review_opinion": (30, DayType.CALENDAR),
    "rereview_request": (30, DayType.CALENDAR),
    "rereview_opinion": (30, DayType.CALENDAR),
}


@dataclass(frozen=True)
class Limit:
    days: int
    day_type: str
    remind_before_days: int = 3
    hours: int | None = None  # an hour-based hotline limit


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _configured_rules() -> dict[str, Limit]:
    return {r.step: Limit(r.days, r.day_type, r.remind_before_days) for r in DeadlineRule.objects.all()}


def rule(step: str) -> Limit:
    """The configured limit of a step (a DeadlineRule row, or DOMAIN.md's default). The rows
    are read once per process and version of ``cases.choice_cache``, which a save or delete
    of a rule replaces."""
    from cases import choice_cache

    found = choice_cache.memo("cases.deadline_rules", _configured_rules).get(step)
    if found is not None:
        return found
    days, day_type = DEFAULT_RULES[step]
    return Limit(days, day_type)


def hotline_rule(category: Category | None, urgent: bool) -> HotlineRule | None:
    """The most specific hotline rule for a category and urgency: the category, then its
    parents, then the rule without a category."""
    ids: list[int | None] = []
    node = category
    while node is not None:
        ids.append(node.pk)
        node = node.parent
    rules = {r.category_id: r for r in HotlineRule.objects.filter(urgent=urgent, category_id__in=[i for i in ids if i])}
    for cid in ids:
        if cid in rules:
            return rules[cid]
    return HotlineRule.objects.filter(urgent=urgent, category__isnull=True).first()


def handling_limits(case: Case) -> tuple[Limit, Limit | None]:
    """(handling limit, contact limit or None) for a case: the hotline rule set for
    questions, requests for help and complaints when a rule applies, else the statutory 60 days."""
    statutory = rule("handle")
    if case.type in HOTLINE_TYPES:
        hr = hotline_rule(case.category, case.urgent)
        if hr is not None:
            contact = Limit(0, DayType.CALENDAR, 0, hours=hr.contact_hours) if hr.contact_hours else None
            if hr.resolve_hours:
                return Limit(0, DayType.CALENDAR, 0, hours=hr.resolve_hours), contact
            if hr.resolve_days:
                return Limit(hr.resolve_days, hr.day_type, min(statutory.remind_before_days, max(hr.resolve_days // 3, 1))), contact
            return statutory, contact
    return statutory, None


def due_for(start: dt.datetime, limit: Limit, cal: WorkCalendar, extra_days: int = 0) -> tuple[dt.date, dt.datetime | None]:
    """(due date, due time or None) of a limit started at ``start``."""
    if limit.hours is not None:
        due_at = start + dt.timedelta(hours=limit.hours)
        return local_date(due_at), due_at
    return cal.add(local_date(start), limit.days + extra_days, limit.day_type), None


def build_clock(case: Case, kind: str, start: dt.datetime, limit: Limit, cal: WorkCalendar) -> CaseClock:
    """An unsaved clock (the demo generator bulk-creates these)."""
    due_date, due_at = due_for(start, limit, cal)
    return CaseClock(
        case=case,
        kind=kind,
        started_at=start,
        due_date=due_date,
        due_at=due_at,
        days=limit.days if limit.hours is None else 0,
        day_type=str(limit.day_type),
        remind_before_days=limit.remind_before_days,
    )


def clock_start(case: Case, kind: str, start: dt.datetime, limit: Limit | None = None, cal: WorkCalendar | None = None) -> CaseClock:
    """Start (or restart) a clock. A running clock of the same kind is stopped first."""
    cal = cal or get_calendar()
    limit = limit or rule(kind)
    if case.version:  # a case not yet committed once (version 0, being registered) has no clocks
        CaseClock.objects.filter(case=case, kind=kind, stopped_at__isnull=True).update(stopped_at=start)
    clock = build_clock(case, kind, start, limit, cal)
    clock.save()
    return clock


def clock_stop(case: Case, kinds: list[str] | None, at: dt.datetime) -> int:
    """Stop the running clocks of these kinds (all when ``kinds`` is None)."""
    qs = CaseClock.objects.filter(case=case, stopped_at__isnull=True)
    if kinds is not None:
        qs = qs.filter(kind__in=kinds)
    return qs.update(stopped_at=at)


def clock_extend(clock: CaseClock, days: int, cal: WorkCalendar | None = None) -> CaseClock:
    """Move a day-based clock's due date by ``days`` more days of its day type, counted from its start."""
    cal = cal or get_calendar()
    clock.extended_days += days
    if clock.due_at is not None:
        clock.due_at = clock.due_at + dt.timedelta(days=days)
        clock.due_date = local_date(clock.due_at)
    else:
        clock.due_date = cal.add(local_date(clock.started_at), clock.days + clock.extended_days, clock.day_type)
    clock.save(update_fields=["extended_days", "due_date", "due_at"])
    return clock


def clock_state(clock: CaseClock, today: dt.date | None = None, now: dt.datetime | None = None) -> str:
    """On time / due soon / overdue for a running clock; done on time / late when stopped;
    a complainant's window that ran out is expired, never overdue."""
    now = now or timezone.now()
    today = today or local_date(now)
    if clock.stopped_at is not None:
        if clock.kind in WINDOW_CLOCKS:
            return ClockState.MET
        late = clock.stopped_at > clock.due_at if clock.due_at else local_date(clock.stopped_at) > clock.due_date
        return ClockState.LATE if late else ClockState.MET
    passed = now > clock.due_at if clock.due_at else today > clock.due_date
    if passed:
        return ClockState.EXPIRED if clock.kind in WINDOW_CLOCKS else ClockState.OVERDUE
    if clock.due_at is not None:
        soon = clock.due_at - now <= dt.timedelta(hours=max(1, (clock.due_at - clock.started_at).total_seconds() / 3600 / 4))
    else:
        soon = (clock.due_date - today).days <= clock.remind_before_days
    return ClockState.DUE_SOON if soon else ClockState.ON_TIME


def days_left(clock: CaseClock, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    return (clock.due_date - today).days


def clock_label(clock: CaseClock) -> str:
    return str(ClockKind(clock.kind).label)


def summarise(clocks: list[CaseClock], today: dt.date) -> tuple[dt.date | None, bool]:
    """(next due date, overdue?) over running duty clocks (windows do not count)."""
    running = [c for c in clocks if c.stopped_at is None and c.kind not in WINDOW_CLOCKS]
    if not running:
        return None, False
    now = timezone.now()
    next_due = min(c.due_date for c in running)
    overdue = any(clock_state(c, today, now) == ClockState.OVERDUE for c in running)
    return next_due, overdue


def apply_summary(case: Case, today: dt.date | None = None, running: list[CaseClock] | None = None) -> list[str]:
    """Set ``next_due``, ``due_key`` and ``is_overdue`` from the case's clocks (read, unless
    ``running`` gives them all). Returns the names of the fields that changed (not saved)."""
    today = today or timezone.localdate()
    if running is None:
        running = list(CaseClock.objects.filter(case=case, stopped_at__isnull=True))
    next_due, overdue = summarise(running, today)
    changed = []
    for field, value in (("next_due", next_due), ("due_key", next_due or FAR_FUTURE), ("is_overdue", overdue)):
        if getattr(case, field) != value:
            setattr(case, field, value)
            changed.append(field)
    return changed


def window_message(kind: str, due: dt.date, days: int) -> str:
    """The refusal shown when a complainant's or unit's window has closed."""
    params = {"date": due.isoformat(), "days": days}
    if kind == ClockKind.REVIEW_REQUEST:
        return _("The %(days)d-day window to request a review ended on %(date)s.") % params
    if kind == ClockKind.REREVIEW_REQUEST:
        return _("The %(days)d-day window to request a re-review ended on %(date)s.") % params
    return _("The %(days)d-working-day window to object ended on %(date)s.") % params
