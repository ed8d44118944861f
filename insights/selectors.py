"""Reads of the insights module: the figures of a scope and period (from the rollups),
the unit ranking, trends, categories, the map, and the drill-down lists (from the
figure rows). A dashboard costs a fixed number of queries whatever the number of cases."""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import Unit, UnitKind, User
from accounts.scoping import scope_root
from cases.access import accused_exclusion_q, case_scope_q
from cases.models import OPEN_STATES, Case, Category, State
from insights.metrics import RATES
from insights.models import (
    CODE_TO_METRIC,
    RATE_METRICS,
    STEM,
    CaseMetric,
    Grain,
    InsightsSettings,
    Metric,
    RateDefinition,
    Rollup,
    StateCount,
    TownPlace,
    TownRollup,
    rollup_columns,
)
from insights.periods import Period

COLUMNS = rollup_columns()
TREND_DAILY_MAX_DAYS = 62
TREND_COLUMNS = ["received", "replied", "ontime_close_d", "ontime_close_n", "satisfaction_d", "satisfaction_n", "satisfaction_b"]


# ---------------------------------------------------------------------------
# Scope: which units a figure covers
# ---------------------------------------------------------------------------


@dataclass
class Scope:
    """The units a figure covers: ``base`` and its subtree. ``unit_ids`` is None when
    that is the whole district (no filter needed)."""

    user: User
    base: Unit
    unit_ids: list[int] | None
    units: dict[int, Unit]  # every unit of the subtree, by id
    category: Category | None = None
    #: Query results shared by the parts of one page (one query feeds totals, ranking and categories).
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def is_district(self) -> bool:
        return self.base.parent_id is None

    def rollup_q(self, field_name: str = "unit_id") -> Q:
        q = Q()
        if self.unit_ids is not None:
            q &= Q(**{f"{field_name}__in": self.unit_ids})
        return q

    def category_q(self) -> Q:
        return Q(category_id=self.category.pk) if self.category is not None else Q()


def user_may_view(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and scope_root(user) is not None and user.role_set)


def get_scope(user: User, unit_id: int | str | None = None, category_id: int | str | None = None) -> Scope:
    """The scope of a dashboard: the user's own subtree, or a unit inside it (else Http404).
    A user without a unit or role gets PermissionDenied."""
    if not user_may_view(user):
        raise PermissionDenied(_("The dashboards are for staff with a unit and a role."))
    root = scope_root(user)
    assert root is not None
    base = root
    if unit_id not in (None, ""):
        try:
            pk = int(unit_id)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise Http404(_("No such unit."))
        found = Unit.objects.filter(pk=pk).first()
        if found is None or not found.is_within(root):
            raise Http404(_("No such unit."))
        base = found
    units = {u.pk: u for u in Unit.objects.filter(path__startswith=base.path)}
    category = None
    if category_id not in (None, ""):
        try:
            category = Category.objects.filter(pk=int(category_id), level=1).first()  # type: ignore[arg-type]
        except (TypeError, ValueError):
            category = None
        if category is None:
            raise Http404(_("No such category."))
    return Scope(user=user, base=base, unit_ids=None if base.parent_id is None else list(units), units=units, category=category)


# ---------------------------------------------------------------------------
# Period filters on the rollups
# ---------------------------------------------------------------------------


def _first_of_next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def period_segments(start: dt.date, end: dt.date, *, years: bool = True) -> list[tuple[str, dt.date, dt.date]]:
    """(grain, first day, day after the last) pieces that cover ``start``..``end`` exactly:
    whole years from the yearly rows, whole months from the monthly rows, the days at either
    end from the daily rows."""
    after_end = end + dt.timedelta(days=1)
    m_start = start if start.day == 1 else _first_of_next_month(start)
    m_stop = after_end if after_end.day == 1 else end.replace(day=1)
    if m_start >= m_stop:
        return [(Grain.DAY, start, after_end)]
    out: list[tuple[str, dt.date, dt.date]] = []
    if start < m_start:
        out.append((Grain.DAY, start, m_start))
    y_start = m_start if m_start.month == 1 else dt.date(m_start.year + 1, 1, 1)
    y_stop = m_stop if m_stop.month == 1 else dt.date(m_stop.year, 1, 1)
    if years and y_start < y_stop:
        if m_start < y_start:
            out.append((Grain.MONTH, m_start, y_start))
        out.append((Grain.YEAR, y_start, y_stop))
        if y_stop < m_stop:
            out.append((Grain.MONTH, y_stop, m_stop))
    else:
        out.append((Grain.MONTH, m_start, m_stop))
    if m_stop < after_end:
        out.append((Grain.DAY, m_stop, after_end))
    return out


def period_q(period: Period, *, years: bool = True) -> Q:
    """Rollup rows covering exactly ``period`` (see ``period_segments``)."""
    parts = [Q(grain=grain, day__gte=first, day__lt=stop) for grain, first, stop in period_segments(period.start, period.end, years=years)]
    return functools.reduce(operator.or_, parts)


def _sums() -> dict[str, Sum]:
    return {c: Sum(c) for c in COLUMNS}


def _zero() -> dict[str, int]:
    return dict.fromkeys(COLUMNS, 0)


def _clean(row: dict[str, Any]) -> dict[str, int]:
    return {c: int(row.get(c) or 0) for c in COLUMNS}


def rollup_rows(scope: Scope, period: Period) -> QuerySet[Rollup]:
    return Rollup.objects.filter(period_q(period)).filter(scope.rollup_q()).filter(scope.category_q()).order_by()


def unit_category_sums(scope: Scope, period: Period) -> dict[tuple[int, int], dict[str, int]]:
    """The counters of the period per (unit, category): one query that feeds the totals, the
    ranking and the categories of a page."""
    key = ("unit_category", period)
    if key not in scope.cache:
        rows = rollup_rows(scope, period).values("unit_id", "category_id").annotate(**_sums())
        scope.cache[key] = {(r["unit_id"], r["category_id"]): _clean(r) for r in rows}
    return scope.cache[key]


def totals(scope: Scope, period: Period) -> dict[str, int]:
    out = _zero()
    for sums in unit_category_sums(scope, period).values():
        for c in COLUMNS:
            out[c] += sums[c]
    return out


def per_unit(scope: Scope, period: Period) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(_zero)
    for (unit_id, _cat), sums in unit_category_sums(scope, period).items():
        acc = out[unit_id]
        for c in COLUMNS:
            acc[c] += sums[c]
    return dict(out)


def top_categories(scope: Scope) -> list[Category]:
    """The top-level categories (one query per page)."""
    if "top_categories" not in scope.cache:
        scope.cache["top_categories"] = list(Category.objects.filter(level=1).order_by("sort_order", "code"))
    return scope.cache["top_categories"]


# ---------------------------------------------------------------------------
# Rates
# ---------------------------------------------------------------------------


@dataclass
class Figure:
    code: str
    label: str
    numerator: int
    denominator: int
    target: Decimal | None
    formula_num: str
    formula_den: str
    day_basis: str
    note: str = ""

    @property
    def value(self) -> float | None:
        """The rate in percent, None when nothing is in the denominator."""
        if not self.denominator:
            return None
        return round(self.numerator * 100.0 / self.denominator, 1)

    @property
    def status(self) -> str:
        """ "good" (at or above target), "warn" (within 5 points), "bad", or "none"."""
        v = self.value
        if v is None or self.target is None:
            return "none"
        t = float(self.target)
        if v >= t:
            return "good"
        if v >= t - 5:
            return "warn"
        return "bad"


@dataclass
class Config:
    count_basic: bool
    definitions: dict[str, RateDefinition]
    texts: dict[Any, tuple[str, str, str, str]] = field(default_factory=dict, repr=False)

    def shown_codes(self) -> list[str]:
        codes = [STEM[m] for m in RATE_METRICS]
        defs = self.definitions
        ordered = sorted(codes, key=lambda c: (defs[c].sort_order if c in defs else 999, codes.index(c)))
        return [c for c in ordered if c not in defs or defs[c].shown]


def load_config() -> Config:
    settings_row = InsightsSettings.objects.order_by("id").first()
    count_basic = settings_row.count_basically_satisfied if settings_row is not None else True
    return Config(count_basic=count_basic, definitions={d.code: d for d in RateDefinition.objects.all()})


def rate_numerator(code: str, sums: dict[str, int], config: Config) -> int:
    n = sums.get(f"{code}_n", 0)
    if code == "satisfaction" and config.count_basic:
        n += sums.get("satisfaction_b", 0)
    return n


def _texts(config: Config, code: str) -> tuple[str, str, str, str]:
    """(label, numerator text, denominator text, day basis) of a rate, translated once per
    page and language (a ranking shows them for every unit)."""
    from django.utils.translation import get_language

    key = (code, get_language(), config.count_basic)
    found = config.texts.get(key)
    if found is None:
        info = RATES[CODE_TO_METRIC[code]]
        num_text = str(info.numerator)
        if code == "satisfaction":
            num_text = (
                _("rated “satisfied” or “basically satisfied”")
                if config.count_basic
                else _("rated “satisfied” (“basically satisfied” not counted)")
            )
        found = config.texts[key] = (str(info.short), num_text, str(info.denominator), str(info.day))
    return found


def figures(sums: dict[str, int], config: Config, codes: list[str] | None = None) -> list[Figure]:
    out = []
    for code in codes if codes is not None else config.shown_codes():
        definition = config.definitions.get(code)
        label, num_text, den_text, basis = _texts(config, code)
        out.append(
            Figure(
                code=code,
                label=label,
                numerator=rate_numerator(code, sums, config),
                denominator=sums.get(f"{code}_d", 0),
                target=definition.target if definition is not None else None,
                formula_num=num_text,
                formula_den=den_text,
                day_basis=basis,
                note=definition.note if definition is not None else "",
            )
        )
    return out


# ---------------------------------------------------------------------------
# Current counts (states, overdue)
# ---------------------------------------------------------------------------


def _state_rows(scope: Scope) -> list[tuple[int, str, int]]:
    """(unit, state, cases) now; one query per page."""
    if "states" not in scope.cache:
        qs = StateCount.objects.filter(scope.rollup_q()).filter(scope.category_q()).exclude(n=0).order_by()
        scope.cache["states"] = [
            (u, st, int(n or 0))
            for u, st, n in qs.values("unit_id", "state").annotate(total=Sum("n")).values_list("unit_id", "state", "total")
        ]
    return scope.cache["states"]


def state_counts(scope: Scope) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for _unit, state, n in _state_rows(scope):
        out[state] += n
    return {k: v for k, v in out.items() if v}


def _overdue_qs(scope: Scope) -> QuerySet[Case]:
    qs = Case.objects.filter(is_overdue=True, state__in=OPEN_STATES)
    if scope.unit_ids is not None:
        # cases of the district level itself have no unit: they belong to the district only
        qs = qs.filter(current_unit_id__in=scope.unit_ids)
    if scope.category is not None:
        qs = qs.filter(
            Q(category_id=scope.category.pk) | Q(category__parent_id=scope.category.pk) | Q(category__parent__parent_id=scope.category.pk)
        )
    return qs


def overdue_count(scope: Scope) -> int:
    return sum(overdue_by_unit(scope).values())


def overdue_by_unit(scope: Scope) -> dict[int, int]:
    """Overdue open cases now per handling unit (the district's for cases without one)."""
    if "overdue" not in scope.cache:
        root_id = _root_id(scope)
        out: dict[int, int] = defaultdict(int)
        for unit_id, n in (
            _overdue_qs(scope).order_by().values("current_unit_id").annotate(n=Count("id")).values_list("current_unit_id", "n")
        ):
            out[unit_id or root_id] += n
        scope.cache["overdue"] = dict(out)
    return scope.cache["overdue"]


def _root_id(scope: Scope) -> int:
    node = scope.base
    if node.parent_id is None:
        return node.pk
    return int(node.path.strip("/").split("/")[0])


# ---------------------------------------------------------------------------
# Ranking of units
# ---------------------------------------------------------------------------


@dataclass
class RankRow:
    unit: Unit | None
    label: str
    sums: dict[str, int]
    figures: list[Figure]
    open: int = 0
    overdue: int = 0
    is_self: bool = False  # the base unit's own cases (not in a child unit)
    behind: int = 0  # how many rates are below target
    query: str = ""  # the query string of this unit's dashboard and drill-downs (set by views)

    @property
    def received(self) -> int:
        return self.sums.get("received", 0)


def ranking_units(scope: Scope) -> list[Unit]:
    """The units ranked: the base unit's children (departments, towns, offices; or a
    town's sub-units), in their order."""
    kids = [u for u in scope.units.values() if u.parent_id == scope.base.pk]
    kind_order = {UnitKind.TOWN: 0, UnitKind.DEPARTMENT: 1, UnitKind.OFFICE: 2, UnitKind.SUBUNIT: 3}
    return sorted(kids, key=lambda u: (kind_order.get(u.kind, 9), u.sort_order, u.pk))


def _child_of_base(scope: Scope) -> dict[int, int]:
    """unit id -> the id of the ranked unit it belongs to (or the base unit itself)."""
    base_depth = len(scope.base.path.strip("/").split("/"))
    out: dict[int, int] = {}
    for u in scope.units.values():
        parts = u.path.strip("/").split("/")
        out[u.pk] = int(parts[base_depth]) if len(parts) > base_depth else scope.base.pk
    return out


def ranking(scope: Scope, period: Period, config: Config | None = None, sort: str = "") -> list[RankRow]:
    """One row per ranked unit (with its subtree), plus the base unit's own cases, with every
    rate, the open and overdue counts. Sorted by ``sort`` (a rate code, worst first) or by unit order."""
    config = config or load_config()
    sums_per_unit = per_unit(scope, period)
    open_per_unit: dict[int, int] = defaultdict(int)
    for unit_id, state, n in _state_rows(scope):
        if state in OPEN_STATES:
            open_per_unit[unit_id] += n
    overdue = overdue_by_unit(scope)
    owner = _child_of_base(scope)
    grouped: dict[int, dict[str, int]] = defaultdict(_zero)
    opened: dict[int, int] = defaultdict(int)
    late: dict[int, int] = defaultdict(int)
    for unit_id, sums in sums_per_unit.items():
        target = owner.get(unit_id)
        if target is None:
            continue
        acc = grouped[target]
        for c in COLUMNS:
            acc[c] += sums[c]
    for unit_id, n in open_per_unit.items():
        if unit_id in owner:
            opened[owner[unit_id]] += n
    for unit_id, n in overdue.items():
        if unit_id in owner:
            late[owner[unit_id]] += n
    rows: list[RankRow] = []
    codes = config.shown_codes()
    for unit in ranking_units(scope):
        sums = grouped.get(unit.pk, _zero())
        figs = figures(sums, config, codes)
        rows.append(
            RankRow(unit=unit, label=unit.display_name, sums=sums, figures=figs, open=opened.get(unit.pk, 0), overdue=late.get(unit.pk, 0))
        )
    own = grouped.get(scope.base.pk)
    if (own is not None and any(own.values())) or opened.get(scope.base.pk) or late.get(scope.base.pk):
        sums = own or _zero()
        label = (
            _("District level (not assigned to a unit)") if scope.is_district else _("%(unit)s itself") % {"unit": scope.base.display_name}
        )
        rows.append(
            RankRow(
                unit=scope.base,
                label=label,
                sums=sums,
                figures=figures(sums, config, codes),
                open=opened.get(scope.base.pk, 0),
                overdue=late.get(scope.base.pk, 0),
                is_self=True,
            )
        )
    for row in rows:
        row.behind = sum(1 for f in row.figures if f.status in ("bad", "warn"))
    if sort:
        if sort in codes:

            def key(r: RankRow) -> tuple[int, float]:
                f = next(f for f in r.figures if f.code == sort)
                return (1 if f.value is None else 0, f.value if f.value is not None else 0.0)

            rows.sort(key=key)
        elif sort == "received":
            rows.sort(key=lambda r: -r.received)
        elif sort == "overdue":
            rows.sort(key=lambda r: -r.overdue)
        elif sort == "behind":
            rows.sort(key=lambda r: -r.behind)
    return rows


# ---------------------------------------------------------------------------
# Trend, categories, map
# ---------------------------------------------------------------------------


@dataclass
class TrendPoint:
    label: str
    start: dt.date
    end: dt.date
    sums: dict[str, int] = field(default_factory=_zero)


def trend(scope: Scope, period: Period) -> tuple[str, list[TrendPoint]]:
    """Per day (periods up to two months) or per month: the counters the trend chart and the
    export show (new cases, replies, on-time closure, satisfaction) for each bucket."""
    base = Rollup.objects.filter(scope.rollup_q()).filter(scope.category_q()).order_by()
    sums = {c: Sum(c) for c in TREND_COLUMNS}
    if period.days <= TREND_DAILY_MAX_DAYS:
        points = {}
        day = period.start
        while day <= period.end:
            points[day] = TrendPoint(label=day.strftime("%m-%d"), start=day, end=day)
            day += dt.timedelta(days=1)
        for row in base.filter(grain=Grain.DAY, day__gte=period.start, day__lte=period.end).values("day").annotate(**sums):
            points[row["day"]].sums = _clean(row)
        return "day", list(points.values())
    months: dict[dt.date, TrendPoint] = {}
    m = period.start.replace(day=1)
    while m <= period.end:
        end = min(_first_of_next_month(m) - dt.timedelta(days=1), period.end)
        months[m] = TrendPoint(label=m.strftime("%Y-%m"), start=max(m, period.start), end=end)
        m = _first_of_next_month(m)
    for row in base.filter(period_q(period, years=False)).values("grain", "day").annotate(**sums):
        bucket = months.get(row["day"].replace(day=1))
        if bucket is None:
            continue
        for c in TREND_COLUMNS:
            bucket.sums[c] += int(row[c] or 0)
    return "month", list(months.values())


def categories(scope: Scope, period: Period) -> list[dict[str, Any]]:
    """New cases per top-level category (largest first)."""
    by_cat: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (_unit, cat), sums in unit_category_sums(scope, period).items():
        by_cat[cat][0] += sums["received"]
        by_cat[cat][1] += sums["replied"]
    names = {c.pk: c.display_name for c in top_categories(scope)}
    out = [
        {"id": cat, "name": names.get(cat, pgettext("insights", "Uncategorised")), "received": received, "replied": replied}
        for cat, (received, replied) in by_cat.items()
        if received
    ]
    return sorted(out, key=lambda r: (-r["received"], r["id"]))


def town_places() -> dict[int, tuple[float, float]]:
    """Where each town/street lies: the position an administrator set, else the average
    position of its recent geolocated cases (cached for a day; towns do not move)."""
    set_places = {t: (float(lat), float(lng)) for t, lat, lng in TownPlace.objects.values_list("town_id", "latitude", "longitude")}
    key = "insights:town-places:v1"
    found = cache.get(key)
    if found is not None:
        return {**found, **set_places}
    since = timezone.now() - dt.timedelta(days=120)
    qs = Case.objects.filter(latitude__isnull=False, longitude__isnull=False, town__isnull=False)
    rows = list(qs.filter(received_at__gte=since).order_by().values("town_id").annotate(lat=Avg("latitude"), lng=Avg("longitude")))
    if not rows:
        rows = list(qs.order_by().values("town_id").annotate(lat=Avg("latitude"), lng=Avg("longitude")))
    places = {r["town_id"]: (float(r["lat"]), float(r["lng"])) for r in rows if r["lat"] is not None}
    cache.set(key, places, 24 * 3600)
    return {**places, **set_places}


def town_counts(scope: Scope, period: Period) -> list[dict[str, Any]]:
    """New cases per town/street in the period, with a position for the map when known."""
    rows = TownRollup.objects.filter(period_q(period)).filter(scope.rollup_q()).order_by().values("town_id").annotate(n=Sum("received"))
    counts = {r["town_id"]: int(r["n"] or 0) for r in rows}
    if scope.is_district:
        towns = {u.pk: u for u in sorted((u for u in scope.units.values() if u.kind == UnitKind.TOWN), key=lambda u: (u.sort_order, u.pk))}
    else:
        towns = {u.pk: u for u in Unit.objects.filter(kind=UnitKind.TOWN).order_by("sort_order", "id")}
    places = town_places()
    out = []
    for town_id, unit in towns.items():
        n = counts.get(town_id, 0)
        if scope.unit_ids is not None and n == 0 and town_id not in scope.units:
            continue
        lat, lng = places.get(town_id, (None, None))
        out.append({"id": town_id, "name": unit.display_name, "n": n, "lat": lat, "lng": lng})
    if counts.get(0):
        out.append({"id": 0, "name": _("Town not recorded"), "n": counts[0], "lat": None, "lng": None})
    return out


# ---------------------------------------------------------------------------
# Drill-down
# ---------------------------------------------------------------------------

PARTS = ("num", "den")


def drill_rows(scope: Scope, period: Period, code: str, part: str, config: Config | None = None) -> QuerySet[CaseMetric]:
    """The figure rows behind one number: the rate's numerator or denominator (or a count).
    Their number equals the figure shown on the dashboard for the same scope and period."""
    metric = CODE_TO_METRIC.get(code)
    if metric is None or metric == Metric.STATE:
        raise Http404(_("No such figure."))
    qs = CaseMetric.objects.filter(metric=metric, day__gte=period.start, day__lte=period.end)
    if scope.unit_ids is not None:
        qs = qs.filter(unit_id__in=scope.unit_ids)
    if scope.category is not None:
        qs = qs.filter(category_id=scope.category.pk)
    if metric in RATE_METRICS and part == "num":
        config = config or load_config()
        values = [1, 2] if (metric == Metric.SATISFACTION and config.count_basic) else [1]
        qs = qs.filter(value__in=values)
    elif metric in RATE_METRICS and part != "den":
        raise Http404(_("No such figure."))
    return qs


def visible_rows(user: User, qs: QuerySet[CaseMetric]) -> tuple[QuerySet[CaseMetric], bool]:
    """Rows of cases the user may open, and whether a filter was needed.

    The rows of a drill-down are already limited to units of the user's subtree, and a case
    is counted for a unit only while that unit handles it (its current unit, or an active
    assignment for the reply rate): exactly the cases ``cases.access`` shows to the unit's
    staff. What is left is the accused unit's exclusion: an accusation against the user's
    unit (or a unit above it) is never listed."""
    if case_scope_q(user) is None:
        return qs.none(), True
    excluded = accused_exclusion_q(user)
    if excluded.children == [("pk__in", [])]:
        return qs, False
    return qs.exclude(case__in=Case.objects.filter(excluded).values("pk")), True


@dataclass
class DrillPage:
    rows: list[CaseMetric]
    cases: dict[int, Case]
    next_cursor: str | None
    total: int
    visible: int


def drill_page(user: User, qs: QuerySet[CaseMetric], cursor: str = "", limit: int = 50) -> DrillPage:
    """One page of a drill-down, by key (day, id)."""
    total = qs.count()
    vis, filtered = visible_rows(user, qs)
    visible = vis.count() if filtered else total
    ordered = vis.order_by("day", "id")
    if cursor:
        try:
            day_s, id_s = cursor.split("_", 1)
            ordered = ordered.filter(Q(day__gt=dt.date.fromisoformat(day_s)) | Q(day=dt.date.fromisoformat(day_s), id__gt=int(id_s)))
        except ValueError:
            pass
    rows = list(ordered[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    cases = {
        c.pk: c
        for c in Case.objects.filter(pk__in=[r.case_id for r in rows])
        .select_related("category", "current_unit", "town")
        .defer("content", "search_tokens")
    }
    nxt = f"{rows[-1].day.isoformat()}_{rows[-1].pk}" if more and rows and rows[-1].day else None
    return DrillPage(rows=rows, cases=cases, next_cursor=nxt, total=total, visible=visible)


def open_states_order() -> list[str]:
    return [s for s in State.values if s in OPEN_STATES]
