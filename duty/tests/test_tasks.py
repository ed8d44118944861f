"""The periodic jobs run their services and are idempotent: a second run sends nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.testing import District
from duty import tasks
from duty.tests.conftest import at
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_it_runs_every_periodic_job_twice_without_repeating_itself(district: District, send) -> None:  # noqa: ANN001
    with time_machine.travel(at(2026, 12, 1, 9, 0), tick=False):
        send()
        from duty import services

        services.notice_issue(actor=district.supervisor, unit=district.town_a, title="督办", requirement="请办理", due_date=dt.date(2026, 12, 1))
    with time_machine.travel(at(2026, 12, 2, 16, 30), tick=False):
        jobs = [tasks.sweep_instructions, tasks.sweep_daily_reports, tasks.check_tomorrow_roster, tasks.sweep_notices, tasks.sweep_progress]
        first = [job.call_local() for job in jobs]
        assert first[0] > 0 and first[1] > 0 and first[2] > 0 and first[3] > 0
        count = Notification.objects.count()
        assert [job.call_local() for job in jobs] == [0, 0, 0, 0, 0]
        assert Notification.objects.count() == count
