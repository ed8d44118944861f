from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.testing import District
from duty import selectors, services
from duty.models import SpecialPeriod
from duty.tests.conftest import DAY

pytestmark = pytest.mark.django_db


def test_it_declares_and_cancels_a_special_period(district: District, client_for) -> None:
    duty = client_for("duty")
    assert duty.get("/duty/periods/new/").status_code == 200
    response = duty.post(
        "/duty/periods/new/",
        {"name": "春节特护期", "start_date": "2027-02-05", "end_date": "2027-02-15", "report_due_time": "12:00", "units": [district.town_a.pk], "description": "每日12时前报送"},
    )
    assert response.status_code == 302
    period = SpecialPeriod.objects.get()
    assert list(period.units.all()) == [district.town_a]
    assert "春节特护期" in client_for("officer").get("/duty/periods/").content.decode()
    assert selectors.day_rule(dt.date(2027, 2, 6)).due_at[district.town_a.pk].hour == 12
    assert duty.post(f"/duty/periods/{period.pk}/cancel/").status_code == 302
    period.refresh_from_db()
    assert period.cancelled_at is not None
    assert selectors.periods_on(dt.date(2027, 2, 6)) == []


def test_it_refuses_bad_periods_and_outsiders(district: District, client_for) -> None:
    with pytest.raises(ValidationError):
        services.special_period_create(actor=district.duty, name="倒置", start_date=DAY, end_date=DAY - dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        services.special_period_create(actor=district.officer, name="x", start_date=DAY, end_date=DAY)
    assert client_for("officer").get("/duty/periods/new/").status_code == 403
    period = services.special_period_create(actor=district.leader, name="两会特护期", start_date=DAY, end_date=DAY)
    assert client_for("officer").post(f"/duty/periods/{period.pk}/cancel/").status_code == 403
    assert client_for("officer").get("/duty/settings/").status_code == 403
    assert client_for("admin").get("/duty/settings/").status_code == 200


def test_it_saves_settings_through_the_page(district: District, client_for) -> None:
    response = client_for("duty").post(
        "/duty/settings/",
        {
            "report_due_time": "16:00",
            "ordinary_days": "every_day",
            "report_reminder_minutes": 30,
            "handover_time": "09:00",
            "roster_check_time": "17:00",
            "ack_reminder_minutes": 10,
            "result_reminder_minutes": 60,
            "notice_reminder_days": 2,
            "progress_interval_days": 7,
        },
    )
    assert response.status_code == 302
    conf = selectors.get_duty_settings()
    assert conf.report_due_time == dt.time(16, 0) and conf.handover_time == dt.time(9, 0)
