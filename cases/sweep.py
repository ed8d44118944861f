"""The deadline sweep: refresh the overdue flags, remind before deadlines, escalate after.

Idempotent: notifications carry dedupe keys (one reminder and one escalation per clock
and recipient), so running it twice sends nothing twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, Unit, User
from cases.models import OPEN_STATES, WINDOW_CLOCKS, Case, CaseClock, ClockKind
from notifications.models import Notification
from notifications.services import notify

INTAKE_CLOCKS = frozenset({ClockKind.DECIDE, ClockKind.ASSIGN})


@dataclass
class SweepResult:
    flagged: int = 0
    cleared: int = 0
    reminders: int = 0
    escalations: int = 0


def _overdue_q(today: dt.date, now: dt.datetime) -> Q:
    return Q(due_at__isnull=True, due_date__lt=today) | Q(due_at__isnull=False, due_at__lt=now)


@transaction.atomic
def sweep(*, today: dt.date | None = None, now: dt.datetime | None = None) -> SweepResult:
    """Run the sweep once."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    result = SweepResult()
    running = CaseClock.objects.filter(stopped_at__isnull=True, case__state__in=OPEN_STATES).exclude(kind__in=WINDOW_CLOCKS)
    overdue_ids = running.filter(_overdue_q(today, now)).values("case_id")
    result.flagged = Case.objects.filter(pk__in=overdue_ids, is_overdue=False).update(is_overdue=True)
    result.cleared = Case.objects.filter(is_overdue=True).exclude(pk__in=overdue_ids).update(is_overdue=False)

    staff_cache: dict[tuple[int, str], list[User]] = {}

    def unit_people(unit: Unit | None, role: str) -> list[User]:
        if unit is None:
            return []
        key = (unit.pk, role)
        if key not in staff_cache:
            people = list(User.objects.filter(is_active=True, unit=unit, role_assignments__role=role).distinct())
            if role == Role.HEAD and unit.leader_id and all(p.pk != unit.leader_id for p in people):
                people += list(User.objects.filter(pk=unit.leader_id, is_active=True))
            staff_cache[key] = people
        return staff_cache[key]

    intake = list(User.objects.filter(is_active=True, role_assignments__role=Role.INTAKE).distinct())
    supervisors = list(User.objects.filter(is_active=True, role_assignments__role=Role.SUPERVISOR).distinct())
    leaders = list(User.objects.filter(is_active=True, role_assignments__role=Role.LEADER).distinct())

    def handlers(case: Case) -> list[User]:
        if case.current_unit is None:
            return intake
        if case.current_unit.parent_id is None:  # opinions prepared at the district level
            return intake
        return unit_people(case.current_unit, Role.OFFICER)

    def heads(case: Case) -> list[User]:
        if case.current_unit is None or case.current_unit.parent_id is None:
            return leaders
        return unit_people(case.current_unit, Role.HEAD)

    soon = running.exclude(_overdue_q(today, now)).filter(due_date__lte=today + dt.timedelta(days=31)).select_related("case__current_unit")
    for clock in soon:
        if (clock.due_date - today).days > clock.remind_before_days and not (clock.due_at and clock.due_at - now <= dt.timedelta(hours=2)):
            continue
        case = clock.case
        who = intake if clock.kind in INTAKE_CLOCKS else handlers(case)
        label = ClockKind(clock.kind).label
        sent = notify(
            users=who,
            title=_("%(number)s: “%(clock)s” is due on %(date)s") % {"number": case.number, "clock": label, "date": clock.due_date.isoformat()},
            body=case.title,
            url=case.get_absolute_url(),
            level=Notification.Level.REMINDER,
            dedupe_key=f"case:{case.number}:remind:{clock.pk}",
        )
        result.reminders += len(sent)
    for clock in running.filter(_overdue_q(today, now)).select_related("case__current_unit"):
        case = clock.case
        who = (intake if clock.kind in INTAKE_CLOCKS else heads(case)) + supervisors
        label = ClockKind(clock.kind).label
        sent = notify(
            users=who,
            title=_("%(number)s is overdue: “%(clock)s” was due on %(date)s") % {"number": case.number, "clock": label, "date": clock.due_date.isoformat()},
            body=case.title,
            url=case.get_absolute_url(),
            level=Notification.Level.ESCALATION,
            dedupe_key=f"case:{case.number}:overdue:{clock.pk}",
        )
        result.escalations += len(sent)
    return result
