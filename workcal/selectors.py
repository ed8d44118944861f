from __future__ import annotations

import datetime as dt

from django.core.cache import cache

from core import local_memo
from lib.workdays import WorkCalendar
from workcal.models import CalendarDay

_CACHE_KEY = "workcal:exceptions:v1"


def _load_calendar() -> WorkCalendar:
    exceptions = cache.get(_CACHE_KEY)
    if exceptions is None:
        exceptions = {d: w for d, w in CalendarDay.objects.values_list("date", "is_workday")}
        cache.set(_CACHE_KEY, exceptions, 3600)
    return WorkCalendar(exceptions)


def get_calendar() -> WorkCalendar:
    """The working-day calendar, from the table (cached until an edit; each process keeps
    the calendar it read for a second: ``core.local_memo``)."""
    return local_memo.remembered(_CACHE_KEY, 1.0, _load_calendar)


def invalidate_calendar() -> None:
    cache.delete(_CACHE_KEY)
    local_memo.forget(_CACHE_KEY)


def month_grid(year: int, month: int) -> list[list[dict[str, object] | None]]:
    """Weeks of a month for display: each day with its working state and note."""
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    rows = {r.date: r for r in CalendarDay.objects.filter(date__gte=first, date__lt=nxt)}
    cal = get_calendar()
    weeks: list[list[dict[str, object] | None]] = []
    week: list[dict[str, object] | None] = [None] * first.weekday()
    day = first
    while day < nxt:
        row = rows.get(day)
        week.append({"date": day, "work": cal.is_workday(day), "note": row.note if row else "", "exception": row is not None})
        if len(week) == 7:
            weeks.append(week)
            week = []
        day += dt.timedelta(days=1)
    if week:
        weeks.append(week + [None] * (7 - len(week)))
    return weeks
