"""Deadline arithmetic on a working-day calendar. Django-free.

Counting rule (民法典 arts. 201, 203, as DOMAIN.md states it): the day the period
starts is not counted; a deadline that falls on a day off moves to the next
working day. Working days are weekdays, except public holidays, plus the make-up
working days (调休) that fall on a weekend. The caller supplies the exceptions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

MAX_SEARCH_DAYS = 400  # no real calendar has a year of consecutive days off


class DayType(StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"


@dataclass(frozen=True)
class WorkCalendar:
    """A calendar: weekends off, weekdays on, with explicit exceptions.

    ``exceptions`` maps a date to True (a working day, e.g. a make-up Saturday) or
    False (a day off, e.g. a public holiday on a weekday).
    """

    exceptions: Mapping[dt.date, bool] = field(default_factory=dict)

    def is_workday(self, day: dt.date) -> bool:
        override = self.exceptions.get(day)
        if override is not None:
            return override
        return day.weekday() < 5

    def next_workday_on_or_after(self, day: dt.date) -> dt.date:
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_workday(day):
                return day
            day += dt.timedelta(days=1)
        raise ValueError("no working day within a year of %s" % day)

    def add_calendar_days(self, start: dt.date, days: int) -> dt.date:
        """The deadline ``days`` calendar days after ``start`` (start not counted),
        moved to the next working day when it falls on a day off."""
        if days < 0:
            raise ValueError("days must not be negative")
        return self.next_workday_on_or_after(start + dt.timedelta(days=days))

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (start not counted).
        With ``days == 0`` the deadline is ``start`` moved to a working day."""
        if days < 0:
            raise ValueError("days must not be negative")
        if days == 0:
            return self.next_workday_on_or_after(start)
        day = start
        counted = 0
        guard = 0
        while counted < days:
            day += dt.timedelta(days=1)
            guard += 1
            if guard > days * 7 + MAX_SEARCH_DAYS:
                raise ValueError("calendar has too few working days after %s" % start)
            if self.is_workday(day):
                counted += 1
        return day

    def add(self, start: dt.date, days: int, day_type: DayType | str) -> dt.date:
        if DayType(day_type) is DayType.WORKING:
            return self.add_working_days(start, days)
        return self.add_calendar_days(start, days)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in the half-open span (start, end]; negative when end < start."""
        if end == start:
            return 0
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return sign * count
