"""The demo: a special period in progress, rosters, daily reports (late ones, one unit
missing today), instructions in every state, notices in every state, urgent reports."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.demo import build_demo_district
from duty import selectors
from duty.demo import load_demo
from duty.models import AccountabilityRecord, DailyReport, DutyShift, Instruction, SupervisionNotice, UrgentReport
from duty.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_it_builds_the_demo_with_every_state(db: None) -> None:
    with time_machine.travel(at(2026, 12, 1, 16, 30), tick=False):
        build_demo_district()
        load_demo(seed=7)
        today = timezone.localdate()
        assert selectors.periods_on(today)
        assert DutyShift.objects.filter(duty_date=today).exists()
        assert len(selectors.units_without_roster(today + dt.timedelta(days=1))) == 2
        rows = selectors.daily_summary(today)
        states = [r.state for r in rows]
        assert states.count("missing") == 1 and next(r for r in rows if r.state == "missing").unit.code == "nanhu"
        assert DailyReport.objects.filter(is_late=True).exists()
        target_states = {t.state for i in Instruction.objects.filter(status="open") for t in i.targets.all()}
        assert target_states == {"unseen", "seen", "acknowledged", "reported"}
        assert Instruction.objects.filter(status="closed").exists()
        assert {n.status for n in SupervisionNotice.objects.all()} == {"issued", "answered", "returned", "accepted"}
        assert AccountabilityRecord.objects.count() == 1
        assert UrgentReport.objects.filter(parent__isnull=False).exists()
