"""Periods of the dashboards: a day, a week (Monday to Sunday), a month, a quarter, a
year, or a custom range of dates. Parsed from the query string, with clear errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

KINDS = ["day", "week", "month", "quarter", "year", "custom"]
KIND_LABELS = {
    "day": pgettext_lazy("insights", "Day"),
    "week": pgettext_lazy("insights", "Week"),
    "month": pgettext_lazy("insights", "Month"),
    "quarter": pgettext_lazy("insights", "Quarter"),
    "year": pgettext_lazy("insights", "Year"),
    "custom": pgettext_lazy("insights", "Custom"),
}
MAX_CUSTOM_DAYS = 366 * 5
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        s, e = self.start, self.end
        if self.kind == "day":
            return _("%(y)d-%(m)02d-%(d)02d") % {"y": s.year, "m": s.month, "d": s.day}
        if self.kind == "week":
            return _("Week %(w)d of %(y)d (%(start)s to %(end)s)") % {
                "w": s.isocalendar()[1],
                "y": s.isocalendar()[0],
                "start": s.isoformat(),
                "end": e.isoformat(),
            }
        if self.kind == "month":
            return _("%(y)d-%(m)02d") % {"y": s.year, "m": s.month}
        if self.kind == "quarter":
            return _("Q%(q)d %(y)d") % {"q": (s.month - 1) // 3 + 1, "y": s.year}
        if self.kind == "year":
            return _("Year %(y)d") % {"y": s.year}
        return _("%(start)s to %(end)s") % {"start": s.isoformat(), "end": e.isoformat()}

    def query(self) -> dict[str, str]:
        """The query-string parameters that select this period again."""
        if self.kind == "custom":
            return {"period": "custom", "from": self.start.isoformat(), "to": self.end.isoformat()}
        return {"period": self.kind, "date": self.start.isoformat()}

    def shifted(self, steps: int) -> Period:
        """The previous (-1) or next (+1) period of the same kind; a custom range moves by its length."""
        if self.kind == "custom":
            delta = dt.timedelta(days=self.days * steps)
            return Period("custom", self.start + delta, self.end + delta)
        if self.kind == "day":
            return period_of("day", self.start + dt.timedelta(days=steps))
        if self.kind == "week":
            return period_of("week", self.start + dt.timedelta(weeks=steps))
        months = {"month": 1, "quarter": 3, "year": 12}[self.kind] * steps
        y, m = divmod(self.start.month - 1 + months, 12)
        return period_of(self.kind, dt.date(self.start.year + y, m + 1, 1))

    def previous(self) -> Period:
        return self.shifted(-1)

    def next(self) -> Period:
        return self.shifted(1)


def _month_end(day: dt.date) -> dt.date:
    nxt = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def period_of(kind: str, anchor: dt.date) -> Period:
    """The period of ``kind`` that contains ``anchor``."""
    if kind == "day":
        return Period("day", anchor, anchor)
    if kind == "week":
        start = anchor - dt.timedelta(days=anchor.weekday())
        return Period("week", start, start + dt.timedelta(days=6))
    if kind == "month":
        start = anchor.replace(day=1)
        return Period("month", start, _month_end(start))
    if kind == "quarter":
        start = dt.date(anchor.year, (anchor.month - 1) // 3 * 3 + 1, 1)
        end = _month_end(dt.date(start.year, start.month + 2, 1))
        return Period("quarter", start, end)
    if kind == "year":
        return Period("year", dt.date(anchor.year, 1, 1), dt.date(anchor.year, 12, 31))
    raise ValidationError(_("Unknown period “%(kind)s”; choose day, week, month, quarter, year or custom.") % {"kind": kind})


def _parse_date(value: str, label: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(_("%(label)s “%(value)s” is not a date (use YYYY-MM-DD).") % {"label": label, "value": value[:20]})
    if not (EARLIEST <= day <= LATEST):
        raise ValidationError(
            _("%(label)s must be between %(a)s and %(b)s.") % {"label": label, "a": EARLIEST.isoformat(), "b": LATEST.isoformat()}
        )
    return day


def parse_period(params: Mapping[str, str], today: dt.date | None = None) -> Period:
    """The period chosen in the query string (``period``, ``date``, ``from``, ``to``);
    the current month by default. Raises ValidationError with a clear message."""
    today = today or timezone.localdate()
    kind = (params.get("period") or "month").strip()
    if kind not in KINDS:
        raise ValidationError(_("Unknown period “%(kind)s”; choose day, week, month, quarter, year or custom.") % {"kind": kind[:20]})
    if kind == "custom":
        raw_from, raw_to = params.get("from") or "", params.get("to") or ""
        if not raw_from or not raw_to:
            raise ValidationError(_("A custom period needs both a start date and an end date."))
        start = _parse_date(raw_from, _("The start date"))
        end = _parse_date(raw_to, _("The end date"))
        if start > end:
            raise ValidationError(
                _("The start date (%(start)s) is after the end date (%(end)s).") % {"start": start.isoformat(), "end": end.isoformat()}
            )
        if (end - start).days + 1 > MAX_CUSTOM_DAYS:
            raise ValidationError(_("A custom period may cover at most five years."))
        return Period("custom", start, end)
    raw = params.get("date") or ""
    anchor = _parse_date(raw, _("The date")) if raw else today
    return period_of(kind, anchor)
