"""Reminders before the deadline and escalation after it, by the periodic job (idempotent)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.testing import District
from hazards import services
from hazards.models import HazardEvent
from hazards.tasks import sweep_hazard_clocks
from hazards.tests.conftest import photo_file
from notifications.models import Notification

pytestmark = pytest.mark.django_db

FOUND = dt.date(2026, 3, 2)  # deadline 2026-03-09 (Monday)


@pytest.fixture
def hazard(district: District, make_hazard):  # noqa: ANN001, ANN201
    with time_machine.travel(dt.datetime(2026, 3, 2, 2, tzinfo=dt.UTC), tick=False):
        return make_hazard(found_on=FOUND)


def test_it_reminds_the_unit_once_within_the_reminder_window(district: District, hazard) -> None:  # noqa: ANN001
    assert sweep_hazard_clocks(on=dt.date(2026, 3, 5)) == {"reminded": 0, "escalated": 0}  # 4 days ahead: not yet
    assert sweep_hazard_clocks(on=dt.date(2026, 3, 6)) == {"reminded": 1, "escalated": 0}
    notes = Notification.objects.filter(dedupe_key=f"hazard:{hazard.pk}:remind:2026-03-09")
    assert {n.user.username for n in notes} == {"officer", "head"}
    assert sweep_hazard_clocks(on=dt.date(2026, 3, 7)) == {"reminded": 0, "escalated": 0}
    assert notes.count() == 2
    assert hazard.events.filter(kind=HazardEvent.Kind.REMINDED).count() == 1


def test_it_escalates_an_overdue_hazard_once_to_the_head_and_the_supervisors(district: District, hazard) -> None:  # noqa: ANN001
    assert sweep_hazard_clocks(on=dt.date(2026, 3, 9))["escalated"] == 0  # due today, not overdue
    assert sweep_hazard_clocks(on=dt.date(2026, 3, 10))["escalated"] == 1
    key = f"hazard:{hazard.pk}:escalate:2026-03-09"
    assert {n.user.username for n in Notification.objects.filter(dedupe_key=key)} == {"head", "supervisor"}
    second = sweep_hazard_clocks(on=dt.date(2026, 3, 11))
    assert second["escalated"] == 0
    assert Notification.objects.filter(dedupe_key=key).count() == 2
    assert hazard.events.filter(kind=HazardEvent.Kind.ESCALATED).count() == 1


def test_it_does_not_chase_a_rectified_hazard(district: District, hazard) -> None:  # noqa: ANN001
    with time_machine.travel(dt.datetime(2026, 3, 3, 2, tzinfo=dt.UTC), tick=False):
        services.hazard_report_rectified(actor=district.officer, hazard=hazard, note="已清理", photos=[photo_file()])
    assert sweep_hazard_clocks(on=dt.date(2026, 3, 20)) == {"reminded": 0, "escalated": 0}
    assert not Notification.objects.filter(dedupe_key__startswith=f"hazard:{hazard.pk}:escalate").exists()


def test_it_runs_the_periodic_task_without_error(district: District, hazard) -> None:  # noqa: ANN001
    from hazards.tasks import hazard_clock_sweep

    with time_machine.travel(dt.datetime(2026, 3, 12, 2, tzinfo=dt.UTC), tick=False):
        hazard_clock_sweep.call_local()
    hazard.refresh_from_db()
    assert hazard.escalated_for == dt.date(2026, 3, 9)
