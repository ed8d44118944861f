"""Which cases a ledger (台账) export holds. Three kinds of list can be exported:

- ``filter``: the staff case list with its filters (the same names as the case list's
  query string: state, type, category, unit, channel, received_from, received_to, overdue
  (yes/no), q; plus town, level and open);
- ``drill``: the cases behind one dashboard figure (numerator or denominator);
- ``overdue``: the overdue cases of a dashboard scope.

Parameters are plain JSON so a background job can rebuild the list later. Every list is
scoped to the user (``cases.access.cases_for_user``) and read in key order, chunk by chunk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import User
from cases.access import cases_for_user
from cases.models import Case
from cases.selectors import CaseFilter, filter_cases
from insights import selectors
from insights.models import CODE_TO_METRIC, CaseMetric, Metric
from insights.periods import parse_period

#: The case list's query-string names (cases.forms.CaseFilterForm), plus town, level and open.
FILTER_KEYS = ("type", "level", "channel", "q", "received_from", "received_to", "overdue", "category", "unit", "town", "open")


def _int(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("“%(value)s” is not a number.") % {"value": str(value)[:20]}})


def _date(value: Any, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: _("“%(value)s” is not a date (use YYYY-MM-DD).") % {"value": str(value)[:20]}})


def filter_params(query: Mapping[str, Any], states: list[str]) -> dict[str, Any]:
    """The ``filter`` parameters from a query string (``states`` from ``getlist("state")``)."""
    params: dict[str, Any] = {"kind": "filter", "state": [s for s in states if s]}
    for key in FILTER_KEYS:
        value = query.get(key)
        if value not in (None, ""):
            params[key] = str(value)[:200]
    return params


def case_filter(params: Mapping[str, Any]) -> CaseFilter:
    overdue_raw = params.get("overdue", "")
    overdue = None if overdue_raw in ("", None) else str(overdue_raw) in ("1", "true", "yes")
    start, end = _date(params.get("received_from"), "received_from"), _date(params.get("received_to"), "received_to")
    if start and end and start > end:
        raise ValidationError(
            _("The start date (%(start)s) is after the end date (%(end)s).") % {"start": start.isoformat(), "end": end.isoformat()}
        )
    return CaseFilter(
        states=list(params.get("state") or []),
        type=str(params.get("type") or ""),
        level=str(params.get("level") or ""),
        category=_int(params.get("category"), "category"),
        unit=_int(params.get("unit"), "unit"),
        town=_int(params.get("town"), "town"),
        channel=str(params.get("channel") or ""),
        received_from=start,
        received_to=end,
        overdue=overdue,
        open_only=str(params.get("open") or "") in ("1", "true", "yes"),
        q=str(params.get("q") or ""),
    )


def drill_params(code: str, part: str, query: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "kind": "drill",
        "code": code,
        "part": part,
        "period": {k: str(query.get(k)) for k in ("period", "date", "from", "to") if query.get(k)},
        "unit": str(query.get("unit") or ""),
        "category": str(query.get("category") or ""),
    }


def overdue_params(query: Mapping[str, Any]) -> dict[str, Any]:
    return {"kind": "overdue", "unit": str(query.get("unit") or ""), "category": str(query.get("category") or "")}


def case_queryset(user: User, params: Mapping[str, Any]) -> QuerySet[Case]:
    kind = params.get("kind")
    if kind == "filter":
        return filter_cases(cases_for_user(user), case_filter(params))
    if kind == "overdue":
        scope = selectors.get_scope(user, params.get("unit") or None, params.get("category") or None)
        return selectors._overdue_qs(scope).filter(pk__in=cases_for_user(user).values("pk"))
    raise ValidationError(_("Unknown kind of list."))


def row_queryset(user: User, params: Mapping[str, Any]) -> QuerySet[CaseMetric]:
    code = str(params.get("code") or "")
    if code not in CODE_TO_METRIC:
        raise ValidationError(_("Unknown figure."))
    scope = selectors.get_scope(user, params.get("unit") or None, params.get("category") or None)
    period = parse_period(params.get("period") or {})
    qs = selectors.drill_rows(scope, period, code, str(params.get("part") or "den"))
    return selectors.visible_rows(user, qs)[0]


def count(user: User, params: Mapping[str, Any]) -> int:
    if params.get("kind") == "drill":
        return row_queryset(user, params).count()
    return case_queryset(user, params).count()


def id_chunks(user: User, params: Mapping[str, Any], size: int) -> Iterator[list[int]]:
    """The case ids of the list in key order, ``size`` at a time (figure rows for a drill-down,
    so a case counted twice, e.g. for two units, appears twice as it does in the figure)."""
    if params.get("kind") == "drill":
        rows = row_queryset(user, params).order_by("id")
        last = 0
        while True:
            chunk = list(rows.filter(id__gt=last).values_list("id", "case_id")[:size])
            if not chunk:
                return
            last = chunk[-1][0]
            yield [c for _i, c in chunk]
    qs = case_queryset(user, params).order_by("id")
    last = 0
    while True:
        ids = list(qs.filter(id__gt=last).values_list("id", flat=True)[:size])
        if not ids:
            return
        last = ids[-1]
        yield ids


def title(params: Mapping[str, Any]) -> str:
    kind = params.get("kind")
    if kind == "drill":
        metric = CODE_TO_METRIC.get(str(params.get("code")))
        label = str(metric.label) if metric else ""
        part = {"num": pgettext("insights", "numerator"), "den": pgettext("insights", "denominator")}.get(str(params.get("part")), "")
        if metric in (Metric.RECEIVED, Metric.REPLIED):
            part = ""
        period = parse_period(params.get("period") or {})
        return _("Ledger: %(figure)s %(part)s, %(period)s") % {"figure": label, "part": part, "period": period.label()}
    if kind == "overdue":
        return _("Ledger: overdue cases")
    return _("Ledger of cases")
