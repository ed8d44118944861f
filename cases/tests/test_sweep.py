from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from accounts.testing import District
from cases.models import CaseClock, ClockKind, State
from cases.sweep import sweep
from cases.tests.helpers import fresh, local, register, walk
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_it_reminds_before_and_escalates_after_and_never_twice(d: District) -> None:
    with time_machine.travel(local(2026, 3, 2), tick=False):
        waiting = register(d)  # decision due 2026-03-17
        handled = walk(d, register(d, type="appeal", category="wages-arrears"), State.HANDLING)  # handling due 2026-05-06
    with time_machine.travel(local(2026, 3, 15), tick=False):
        first = sweep()
        assert first.reminders >= 1 and first.escalations == 0
        assert d.intake.notifications.filter(level=Notification.Level.REMINDER, title__contains=waiting.number).count() == 1
        assert sweep().reminders == 0
    with time_machine.travel(local(2026, 3, 18), tick=False):
        result = sweep()
        assert result.flagged == 1 and fresh(waiting).is_overdue
        assert d.supervisor.notifications.filter(level=Notification.Level.ESCALATION, title__contains=waiting.number).count() == 1
        again = sweep()
        assert (again.flagged, again.reminders, again.escalations) == (0, 0, 0)
    due = CaseClock.objects.get(case=handled, kind=ClockKind.HANDLE).due_date
    with time_machine.travel(local(due.year, due.month, due.day) + dt.timedelta(days=1), tick=False):
        sweep()
        assert d.head.notifications.filter(level=Notification.Level.ESCALATION, title__contains=handled.number).count() == 1
        assert not d.head_b.notifications.filter(title__contains=handled.number).exists()
        assert fresh(handled).is_overdue
        total = Notification.objects.count()
        sweep()
        assert Notification.objects.count() == total


def test_it_clears_the_flag_when_the_clock_stops(d: District) -> None:
    from cases import services as s

    with time_machine.travel(local(2026, 3, 2), tick=False):
        case = register(d)
    with time_machine.travel(local(2026, 3, 20), tick=False):
        sweep()
        assert fresh(case).is_overdue
        s.case_not_accept(actor=d.intake, case=fresh(case), expected_version=fresh(case).version, reason="不属于信访事项")
        assert not fresh(case).is_overdue
        assert sweep().cleared == 0


def test_it_runs_once_from_the_command(d: District) -> None:
    with time_machine.travel(local(2026, 3, 2), tick=False):
        register(d)
    with time_machine.travel(local(2026, 3, 18), tick=False):
        out = StringIO()
        call_command("case_sweep", stdout=out)
        assert "flagged overdue: 1" in out.getvalue()
        out = StringIO()
        call_command("case_sweep", stdout=out)
        assert "flagged overdue: 0" in out.getvalue() and "escalations sent: 0" in out.getvalue()
