"""Periods: parsing, navigation, and the rollup pieces (years, months, days) that cover a
period exactly."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from insights.periods import parse_period, period_of
from insights.selectors import period_segments

D = dt.date


def test_it_covers_a_period_with_years_months_and_days() -> None:
    assert period_segments(D(2026, 1, 1), D(2026, 12, 31)) == [("y", D(2026, 1, 1), D(2027, 1, 1))]
    assert period_segments(D(2026, 3, 1), D(2026, 5, 31)) == [("m", D(2026, 3, 1), D(2026, 6, 1))]
    assert period_segments(D(2026, 3, 5), D(2026, 3, 9)) == [("d", D(2026, 3, 5), D(2026, 3, 10))]
    assert period_segments(D(2025, 11, 15), D(2027, 2, 10)) == [
        ("d", D(2025, 11, 15), D(2025, 12, 1)),
        ("m", D(2025, 12, 1), D(2026, 1, 1)),
        ("y", D(2026, 1, 1), D(2027, 1, 1)),
        ("m", D(2027, 1, 1), D(2027, 2, 1)),
        ("d", D(2027, 2, 1), D(2027, 2, 11)),
    ]
    # the trend reads months, never years
    assert period_segments(D(2026, 1, 1), D(2026, 12, 31), years=False) == [("m", D(2026, 1, 1), D(2027, 1, 1))]


@pytest.mark.parametrize(
    ("kind", "anchor", "start", "end"),
    [
        ("day", D(2026, 2, 28), D(2026, 2, 28), D(2026, 2, 28)),
        ("week", D(2026, 3, 1), D(2026, 2, 23), D(2026, 3, 1)),  # a Sunday belongs to the week before
        ("month", D(2024, 2, 10), D(2024, 2, 1), D(2024, 2, 29)),
        ("quarter", D(2026, 11, 29), D(2026, 10, 1), D(2026, 12, 31)),
        ("year", D(2026, 6, 1), D(2026, 1, 1), D(2026, 12, 31)),
    ],
)
def test_it_finds_the_period_around_a_day(kind: str, anchor: dt.date, start: dt.date, end: dt.date) -> None:
    p = period_of(kind, anchor)
    assert (p.start, p.end) == (start, end)
    assert p.next().previous() == p
    assert parse_period(p.query()) == p


def test_it_moves_a_custom_period_by_its_length() -> None:
    p = parse_period({"period": "custom", "from": "2026-03-10", "to": "2026-03-19"})
    assert (p.next().start, p.next().end) == (D(2026, 3, 20), D(2026, 3, 29))
    assert p.days == 10


def test_it_refuses_bad_periods_clearly() -> None:
    for params in (
        {"period": "custom", "from": "2026-03-10", "to": "2026-03-01"},
        {"period": "month", "date": "yesterday"},
        {"period": "decade"},
    ):
        with pytest.raises(ValidationError):
            parse_period(params)
    assert parse_period({}, today=D(2026, 11, 29)) == period_of("month", D(2026, 11, 29))
