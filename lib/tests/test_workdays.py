"""Deadline arithmetic: fixed cases at China's holiday edges and properties for any calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.workdays import DayType, WorkCalendar
from workcal.seed import china_exceptions

D = dt.date


@pytest.fixture(scope="module")
def cn() -> WorkCalendar:
    return WorkCalendar({d: w for d, (w, _n) in china_exceptions([2025, 2026]).items()})


@pytest.mark.parametrize(
    ("start", "days", "expected", "why"),
    [
        (D(2025, 1, 24), 1, D(2025, 1, 26), "Sunday 26 Jan 2025 is a make-up working day"),
        (D(2025, 1, 27), 1, D(2025, 2, 5), "Spring Festival 28 Jan - 4 Feb 2025 is off"),
        (D(2025, 1, 27), 5, D(2025, 2, 10), "Saturday 8 Feb 2025 is a make-up working day"),
        (D(2025, 9, 26), 1, D(2025, 9, 28), "Sunday 28 Sep 2025 is a make-up working day"),
        (D(2025, 9, 30), 1, D(2025, 10, 9), "National Day 1-8 Oct 2025 is off"),
        (D(2026, 2, 13), 1, D(2026, 2, 14), "Saturday 14 Feb 2026 is a make-up working day"),
        (D(2026, 2, 13), 2, D(2026, 2, 24), "Spring Festival 15-23 Feb 2026 is off"),
        (D(2026, 2, 13), 5, D(2026, 2, 27), "five working days across Spring Festival 2026"),
        (D(2026, 2, 13), 6, D(2026, 2, 28), "Saturday 28 Feb 2026 is a make-up working day"),
        (D(2026, 9, 30), 1, D(2026, 10, 8), "National Day 1-7 Oct 2026 is off"),
        (D(2026, 10, 8), 2, D(2026, 10, 10), "Saturday 10 Oct 2026 is a make-up working day"),
        (D(2026, 11, 27), 5, D(2026, 12, 4), "an ordinary week: Friday + 5 working days"),
    ],
)
def test_it_counts_working_days_across_holidays(cn: WorkCalendar, start: dt.date, days: int, expected: dt.date, why: str) -> None:
    assert cn.add_working_days(start, days) == expected, why


@pytest.mark.parametrize(
    ("start", "days", "expected", "why"),
    [
        (D(2025, 1, 13), 15, D(2025, 2, 5), "falls on 28 Jan 2025 (Spring Festival) -> next working day"),
        (D(2025, 9, 5), 30, D(2025, 10, 9), "falls on 5 Oct 2025 (National Day) -> 9 Oct"),
        (D(2026, 1, 20), 15, D(2026, 2, 4), "an ordinary Wednesday: no move"),
        (D(2026, 9, 15), 16, D(2026, 10, 8), "falls on 1 Oct 2026 -> 8 Oct"),
        (D(2026, 2, 13), 1, D(2026, 2, 14), "falls on a make-up Saturday, which is a working day"),
        (D(2026, 11, 13), 15, D(2026, 11, 30), "falls on Saturday 28 Nov 2026 -> Monday 30 Nov"),
    ],
)
def test_it_moves_calendar_deadlines_off_days_off(cn: WorkCalendar, start: dt.date, days: int, expected: dt.date, why: str) -> None:
    assert cn.add_calendar_days(start, days) == expected, why


def test_it_does_not_count_the_first_day() -> None:
    cal = WorkCalendar()
    assert cal.add_calendar_days(D(2026, 11, 2), 1) == D(2026, 11, 3)
    assert cal.add_working_days(D(2026, 11, 2), 1) == D(2026, 11, 3)


def test_it_refuses_negative_periods() -> None:
    with pytest.raises(ValueError):
        WorkCalendar().add_working_days(D(2026, 1, 1), -1)
    with pytest.raises(ValueError):
        WorkCalendar().add_calendar_days(D(2026, 1, 1), -3)


def test_it_dispatches_on_day_type(cn: WorkCalendar) -> None:
    assert cn.add(D(2026, 2, 13), 2, DayType.WORKING) == D(2026, 2, 24)
    assert cn.add(D(2026, 2, 13), 2, "calendar") == D(2026, 2, 24)  # 15 Feb is a Sunday inside the holiday


dates = st.dates(min_value=D(2025, 1, 1), max_value=D(2026, 12, 31))
exception_maps = st.dictionaries(dates, st.booleans(), max_size=60)


@given(exceptions=exception_maps, start=dates, n=st.integers(min_value=1, max_value=60))
def test_property_working_deadline_is_the_nth_working_day(exceptions: dict, start: dt.date, n: int) -> None:
    cal = WorkCalendar(exceptions)
    due = cal.add_working_days(start, n)
    assert due > start
    assert cal.is_workday(due)
    assert cal.working_days_between(start, due) == n
    assert cal.working_days_between(start, due - dt.timedelta(days=1)) == n - 1


@given(exceptions=exception_maps, start=dates, a=st.integers(min_value=0, max_value=40), b=st.integers(min_value=0, max_value=40))
def test_property_working_deadlines_are_monotonic(exceptions: dict, start: dt.date, a: int, b: int) -> None:
    cal = WorkCalendar(exceptions)
    lo, hi = sorted((a, b))
    assert cal.add_working_days(start, lo) <= cal.add_working_days(start, hi)
    if lo < hi:
        assert cal.add_working_days(start, lo) < cal.add_working_days(start, hi)


@given(exceptions=exception_maps, start=dates, n=st.integers(min_value=0, max_value=90))
def test_property_calendar_deadline_moves_only_over_days_off(exceptions: dict, start: dt.date, n: int) -> None:
    cal = WorkCalendar(exceptions)
    due = cal.add_calendar_days(start, n)
    nominal = start + dt.timedelta(days=n)
    assert due >= nominal
    assert cal.is_workday(due)
    day = nominal
    while day < due:
        assert not cal.is_workday(day)
        day += dt.timedelta(days=1)


@given(start=dates, n=st.integers(min_value=1, max_value=50))
def test_property_plain_weeks_have_five_working_days(start: dt.date, n: int) -> None:
    cal = WorkCalendar()
    if start.weekday() < 5:
        assert cal.add_working_days(start, 5 * n) == start + dt.timedelta(days=7 * n)


@given(exceptions=exception_maps, a=dates, b=dates)
def test_property_working_days_between_is_antisymmetric(exceptions: dict, a: dt.date, b: dt.date) -> None:
    cal = WorkCalendar(exceptions)
    assert cal.working_days_between(a, b) == -cal.working_days_between(b, a)
