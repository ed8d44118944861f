from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from workcal.models import CalendarDay
from workcal.selectors import get_calendar
from workcal.services import calendar_seed

pytestmark = pytest.mark.django_db


def test_it_seeds_china_holidays_and_make_up_days(district) -> None:  # noqa: ANN001
    calendar_seed(actor=None, years=[2025, 2026])
    cal = get_calendar()
    assert not cal.is_workday(dt.date(2026, 2, 17))  # Spring Festival
    assert cal.is_workday(dt.date(2026, 2, 14))  # make-up Saturday
    assert cal.is_workday(dt.date(2026, 10, 10))  # make-up Saturday after National Day
    assert not cal.is_workday(dt.date(2025, 10, 8))
    assert CalendarDay.objects.get(date=dt.date(2026, 2, 14)).note == "调休上班"


def test_it_keeps_administrator_edits_when_reseeding(district) -> None:  # noqa: ANN001
    from workcal.services import calendar_day_set

    calendar_day_set(actor=district.admin, date=dt.date(2026, 2, 17), is_workday=True, note="区内安排")
    calendar_seed(actor=None, years=[2026])
    assert get_calendar().is_workday(dt.date(2026, 2, 17))


def test_it_lets_an_administrator_switch_a_day_and_deadlines_follow(district, client_for) -> None:  # noqa: ANN001
    before = get_calendar().add_working_days(dt.date(2026, 12, 4), 1)  # Friday -> Monday 7 Dec
    assert before == dt.date(2026, 12, 7)
    response = client_for("admin").post(reverse("workcal:day_toggle"), {"date": "2026-12-05", "is_workday": "1"})
    assert response.status_code == 302
    assert get_calendar().add_working_days(dt.date(2026, 12, 4), 1) == dt.date(2026, 12, 5)
    client_for("admin").post(reverse("workcal:day_toggle"), {"date": "2026-12-05", "is_workday": "0"})
    assert not CalendarDay.objects.filter(date=dt.date(2026, 12, 5)).exists()  # back to the rule, no row


def test_it_refuses_calendar_edits_by_other_roles(district, client_for) -> None:  # noqa: ANN001
    for persona in ("intake", "officer", "supervisor", "leader"):
        response = client_for(persona).post(reverse("workcal:day_toggle"), {"date": "2026-12-05", "is_workday": "1"})
        assert response.status_code == 403, persona
    assert not CalendarDay.objects.filter(date=dt.date(2026, 12, 5)).exists()


def test_it_refuses_a_bad_date_clearly(district, client_for) -> None:  # noqa: ANN001
    response = client_for("admin").post(reverse("workcal:day_toggle"), {"date": "2026-13-45", "is_workday": "1"}, follow=True)
    assert "日期无效" in response.content.decode()


def test_it_shows_the_year_to_every_staff_member(district, client_for) -> None:  # noqa: ANN001
    calendar_seed(actor=None, years=[2026])
    body = client_for("officer").get(reverse("workcal:calendar"), {"year": "2026"}).content.decode()
    assert 'data-date="2026-10-10"' in body and "工作日历" in body
    assert "workcal/day" not in body  # no edit buttons for non-administrators
