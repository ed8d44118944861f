"""REST API of the dashboards, under /api/v1/insights/: the same figures as the pages,
from the same selectors, scoped to the caller's unit subtree."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from core.replica import reports_reads
from insights import selectors
from insights.periods import Period, parse_period
from minsheng.api import ErrorOut

router = Router(tags=["insights"])
PREFIX = "/insights"


class PeriodOut(Schema):
    kind: str
    start: dt.date
    end: dt.date
    label: str


class ScopeOut(Schema):
    unit_id: int
    unit: str
    category_id: int | None
    category: str | None


class RateOut(Schema):
    code: str
    label: str
    numerator: int
    denominator: int
    value: float | None
    target: float | None
    status: str
    formula: str


class FiguresOut(Schema):
    period: PeriodOut
    scope: ScopeOut
    received: int
    replied: int
    open: int
    overdue: int
    rates: list[RateOut]


class RankRowOut(Schema):
    unit_id: int | None
    unit: str
    own_cases: bool
    received: int
    open: int
    overdue: int
    rates: list[RateOut]


class RankingOut(Schema):
    period: PeriodOut
    scope: ScopeOut
    rows: list[RankRowOut]


def _period_scope(
    request: HttpRequest, period: str, date: str, start: str, end: str, unit: int | None, category: int | None
) -> tuple[Period, selectors.Scope]:
    params = {"period": period, "date": date, "from": start, "to": end}
    p = parse_period({k: v for k, v in params.items() if v})
    scope = selectors.get_scope(request.user, unit, category)  # type: ignore[arg-type]
    return p, scope


def _period_out(p: Period) -> PeriodOut:
    return PeriodOut(kind=p.kind, start=p.start, end=p.end, label=p.label())


def _scope_out(scope: selectors.Scope) -> ScopeOut:
    return ScopeOut(
        unit_id=scope.base.pk,
        unit=scope.base.name,
        category_id=scope.category.pk if scope.category else None,
        category=scope.category.name if scope.category else None,
    )


def _rates(figs: list[selectors.Figure]) -> list[RateOut]:
    return [
        RateOut(
            code=f.code,
            label=f.label,
            numerator=f.numerator,
            denominator=f.denominator,
            value=f.value,
            target=float(f.target) if f.target is not None else None,
            status=f.status,
            formula=f"{f.formula_num} ÷ {f.formula_den}",
        )
        for f in figs
    ]


@router.get(
    "/figures",
    response={200: FiguresOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Counts and rates of a scope and period",
)
def figures(
    request: HttpRequest,
    period: str = "month",
    date: str = "",
    start: str = "",
    end: str = "",
    unit: int | None = None,
    category: int | None = None,
) -> FiguresOut:
    """``period`` is day, week, month, quarter, year (around ``date``, default today) or
    custom (``start`` and ``end``, YYYY-MM-DD). ``unit`` narrows to a unit of your subtree."""
    with reports_reads():  # the reports replica, when configured (core.replica)
        return _figures(request, period, date, start, end, unit, category)


def _figures(request: HttpRequest, period: str, date: str, start: str, end: str, unit: int | None, category: int | None) -> FiguresOut:
    p, scope = _period_scope(request, period, date, start, end, unit, category)
    config = selectors.load_config()
    sums = selectors.totals(scope, p)
    states = selectors.state_counts(scope)
    open_states = set(selectors.open_states_order())
    return FiguresOut(
        period=_period_out(p),
        scope=_scope_out(scope),
        received=sums["received"],
        replied=sums["replied"],
        open=sum(n for s, n in states.items() if s in open_states),
        overdue=selectors.overdue_count(scope),
        rates=_rates(selectors.figures(sums, config)),
    )


@router.get(
    "/ranking",
    response={200: RankingOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Every unit of a scope with every rate",
)
def ranking(
    request: HttpRequest,
    period: str = "month",
    date: str = "",
    start: str = "",
    end: str = "",
    unit: int | None = None,
    category: int | None = None,
    sort: str = "",
) -> RankingOut:
    with reports_reads():  # the reports replica, when configured (core.replica)
        p, scope = _period_scope(request, period, date, start, end, unit, category)
        rows = selectors.ranking(scope, p, selectors.load_config(), sort=sort)
    if sort and sort not in {"received", "overdue", "behind"} | {f.code for f in (rows[0].figures if rows else [])}:
        raise ValidationError({"sort": _("Unknown sort key.")})
    return RankingOut(
        period=_period_out(p),
        scope=_scope_out(scope),
        rows=[
            RankRowOut(
                unit_id=r.unit.pk if r.unit else None,
                unit=r.label,
                own_cases=r.is_self,
                received=r.received,
                open=r.open,
                overdue=r.overdue,
                rates=_rates(r.figures),
            )
            for r in rows
        ],
    )
