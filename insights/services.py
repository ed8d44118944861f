"""Writes of the insights module.

- ``rollup_case(case=...)``: bring one case's figure rows and the rollups in step with the
  case. Called by the case services (``cases.signals.case_changed``) inside the
  transaction of every change, so a counter can never disagree with the case.
- ``rollups_rebuild(actor=...)``: recompute every figure row and rollup from the cases.
- ``insights_settings_update`` / ``rate_definition_update``: the district's choices.
- ``brief_generate``: the daily brief (每日研判), see ``insights.brief``.
- ``ledger_export_request`` / ``ledger_export_run``: Excel ledgers of case lists.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, Unit, User
from accounts.scoping import is_district_wide
from audit.services import audit_record
from cases import choice_cache
from cases.models import Case
from insights import metrics
from insights.models import (
    STEM,
    CaseMetric,
    DailyBrief,
    Grain,
    InsightsSettings,
    LedgerExport,
    Metric,
    RateDefinition,
    Rollup,
    RollupPending,
    StateCount,
    StateCountPending,
    TownPlace,
    TownRollup,
    TownRollupPending,
    rollup_columns,
)

log = logging.getLogger(__name__)

COLUMNS = rollup_columns()
COL_INDEX = {c: i for i, c in enumerate(COLUMNS)}
#: The insert-only table of pending additions of each rollup table (PostgreSQL, see
#: ``insights.models``), and the deferred triggers that fold them in (migration 0006).
PENDING: dict[type, type] = {Rollup: RollupPending, TownRollup: TownRollupPending, StateCount: StateCountPending}
FOLD_TRIGGERS = [f"{m._meta.db_table}_fold" for m in PENDING]
#: Roles that may change the district's settings for the figures.
SETTINGS_ROLES = (Role.ADMIN,)
#: Roles that may generate a daily brief on demand.
BRIEF_ROLES = (Role.LEADER, Role.ADMIN, Role.SUPERVISOR, Role.DUTY)


# ---------------------------------------------------------------------------
# The hook: one case's figures
# ---------------------------------------------------------------------------


def root_unit_id() -> int:
    """The district's unit (cases not assigned to any unit are counted for it)."""
    found = Unit.objects.filter(parent__isnull=True).order_by("id").values_list("id", flat=True).first()
    return int(found or 0)


def _row_columns(row: metrics.Row) -> list[str]:
    """The rollup columns one figure row adds 1 to."""
    metric, _day, _unit, _cat, _town, value = row
    stem = STEM.get(metric)
    if stem is None:
        return []
    if metric in (Metric.RECEIVED, Metric.REPLIED):
        return [stem]
    cols = [f"{stem}_d"]
    if value == 1:
        cols.append(f"{stem}_n")
    elif value == 2 and metric == Metric.SATISFACTION:
        cols.append("satisfaction_b")
    return cols


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _apply_deltas(delta: Counter[metrics.Row], statements: list[tuple[str, list[Any]]] | None = None) -> None:
    """Add ``delta`` (figure row -> +n / -n) to the rollups, in a fixed key order (no deadlocks).
    On PostgreSQL ``statements`` (INSERTs of the caller's) run in the same single statement."""
    statements = list(statements or [])
    rollup: dict[tuple[str, dt.date, int, int], list[int]] = defaultdict(lambda: [0] * len(COLUMNS))
    town: dict[tuple[str, dt.date, int, int], int] = defaultdict(int)
    states: dict[tuple[int, int, str], int] = defaultdict(int)
    for row, n in delta.items():
        if n == 0:
            continue
        metric, day, unit, cat, town_id, value = row
        if metric == Metric.STATE:
            states[(unit, cat, metrics.STATE_BY_CODE.get(value, "other"))] += n
            continue
        if day is None:
            continue
        for grain, bucket in ((Grain.DAY, day), (Grain.MONTH, _month(day)), (Grain.YEAR, day.replace(month=1, day=1))):
            counters = rollup[(str(grain), bucket, unit, cat)]
            for col in _row_columns(row):
                counters[COL_INDEX[col]] += n
            if metric == Metric.RECEIVED:
                town[(str(grain), bucket, unit, town_id)] += n
    parts = [
        (Rollup, ["grain", "day", "unit_id", "category_id"], COLUMNS, {k: v for k, v in rollup.items() if any(v)}),
        (TownRollup, ["grain", "day", "unit_id", "town_id"], ["received"], {k: [v] for k, v in town.items() if v}),
        (StateCount, ["unit_id", "category_id", "state"], ["n"], {k: [v] for k, v in states.items() if v}),
    ]
    if connection.vendor != "postgresql":
        for model, keys, values, rows in parts:
            _upsert(model, keys, values, rows)
        return
    if any(rows for *_x, rows in parts) and not getattr(settings, "INSIGHTS_FOLD_AT_COMMIT", True):
        # The test suite's transactions never commit: fold each pending row at once (through
        # the same triggers, so that they are what every test checks).
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS " + ", ".join(connection.ops.quote_name(t) for t in FOLD_TRIGGERS) + " IMMEDIATE")
    for model, keys, values, rows in parts:
        if rows:
            statements.append(_values_sql(PENDING[model]._meta.db_table, keys + values, rows))  # type: ignore[attr-defined]
    _execute_together(statements)


def _execute_together(statements: list[tuple[str, list[Any]]]) -> None:
    """Run INSERTs as one statement (PostgreSQL: data-modifying WITH clauses): one round trip
    for a case's figure rows and its pending rollup additions instead of four."""
    if not statements:
        return
    *first, last = statements
    sql = ""
    if first:
        sql = "WITH " + ", ".join(f"w{i} AS ({part})" for i, (part, _p) in enumerate(first)) + " "
    params = [p for _sql, ps in statements for p in ps]
    with connection.cursor() as cursor:
        cursor.execute(sql + last[0], params)


def _values_sql(table: str, cols: list[str], rows: dict[tuple[Any, ...], list[int]]) -> tuple[str, list[Any]]:
    """``INSERT INTO table (cols) VALUES ...`` of ``rows`` (key -> counters) in key order, and
    its parameters. Key order: the rollup rows are locked in the same order by every writer
    (no deadlocks)."""
    qn = connection.ops.quote_name
    one = "(" + ", ".join(["%s"] * len(cols)) + ")"
    params: list[Any] = []
    for key in sorted(rows):
        params.extend(key)
        params.extend(rows[key])
    sql = f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in cols)}) VALUES {', '.join([one] * len(rows))}"  # noqa: S608 - names from the models
    return sql, params


def _upsert(model: type, key_cols: list[str], value_cols: list[str], rows: dict[tuple[Any, ...], list[int]]) -> None:
    """INSERT ... ON CONFLICT DO UPDATE SET col = col + excluded.col (SQLite; on PostgreSQL the
    fold triggers run the same statement at COMMIT)."""
    if not rows:
        return
    table = model._meta.db_table  # type: ignore[attr-defined]
    qn = connection.ops.quote_name
    sql, params = _values_sql(table, key_cols + value_cols, rows)
    sets = ", ".join(f"{qn(c)} = {qn(table)}.{qn(c)} + excluded.{qn(c)}" for c in value_cols)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ON CONFLICT ({', '.join(qn(c) for c in key_cols)}) DO UPDATE SET {sets}", params)


def rollup_case(*, case: Case, new_case: bool = False, clocks: list[Any] | None = None) -> int:
    """Bring the figure rows of ``case`` and the rollups in step with the case as saved.
    Runs inside the caller's transaction. Returns the number of rows that changed.
    ``clocks``: every clock of the case, when the caller has them (a registration)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("rollup_case must run inside the case service's transaction")
    facts = metrics.load_facts(case, clocks)
    # the district's unit and the categories' top-level ancestors change with the tree only:
    # read once per process and version of the tree (cases.choice_cache), not per case write
    root = case.current_unit_id or choice_cache.memo("insights.root_unit", root_unit_id)
    top = choice_cache.memo("insights.category_top", metrics.category_top_map).get(case.category_id, 0) if case.category_id else 0
    new = Counter(metrics.case_rows(case, facts, root_id=root, category_top_id=top))
    existing = (
        []
        if new_case  # just registered: no figure rows yet
        else list(CaseMetric.objects.filter(case_id=case.pk).values_list("id", "metric", "day", "unit_id", "category_id", "town_id", "value"))
    )
    old = Counter(tuple(r[1:]) for r in existing)
    if new == old:
        return 0
    added = new - old
    removed = old - new
    if removed:
        doomed: list[int] = []
        left = Counter(removed)
        for row in existing:
            key = tuple(row[1:])
            if left.get(key, 0) > 0:  # type: ignore[call-overload]
                doomed.append(row[0])
                left[key] -= 1  # type: ignore[index]
        CaseMetric.objects.filter(pk__in=doomed).delete()
    statements: list[tuple[str, list[Any]]] = []
    if added and connection.vendor == "postgresql":
        # the figure rows go into the same statement as the rollup additions (_apply_deltas)
        cols = ["case_id", "metric", "day", "unit_id", "category_id", "town_id", "value"]
        table = connection.ops.quote_name(CaseMetric._meta.db_table)
        one = "(" + ", ".join(["%s"] * len(cols)) + ")"
        rows = list(added.elements())
        params = [v for r in rows for v in (case.pk, *r)]
        columns = ", ".join(connection.ops.quote_name(c) for c in cols)
        statements.append((f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(rows))}", params))  # noqa: S608 - names from the model
    elif added:
        CaseMetric.objects.bulk_create(
            [
                CaseMetric(case_id=case.pk, metric=r[0], day=r[1], unit_id=r[2], category_id=r[3], town_id=r[4], value=r[5])
                for r in added.elements()
            ]
        )
    delta: Counter[metrics.Row] = Counter()
    for row, n in added.items():
        delta[row] += n
    for row, n in removed.items():
        delta[row] -= n
    _apply_deltas(delta, statements)
    return sum(added.values()) + sum(removed.values())


def on_case_changed(sender: Any, case: Case, **kwargs: Any) -> None:
    """Receiver of ``cases.signals.case_changed`` (connected in ``InsightsConfig.ready``)."""
    rollup_case(case=case, new_case=kwargs.get("action") == "register", clocks=kwargs.get("clocks"))


# ---------------------------------------------------------------------------
# Rebuild
# ---------------------------------------------------------------------------


@dataclass
class RebuildResult:
    cases: int = 0
    rows: int = 0
    rollups: int = 0


CASE_FIELDS = (
    "id",
    "state",
    "type",
    "anonymous",
    "received_at",
    "decided_at",
    "assigned_at",
    "replied_at",
    "current_unit_id",
    "category_id",
    "town_id",
)


def _copy_metric_rows(rows: list[tuple[Any, ...]]) -> None:
    """Insert figure rows fast: COPY on PostgreSQL, bulk INSERTs elsewhere."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        table = CaseMetric._meta.db_table
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3
            with raw.copy(f"COPY {table} (case_id, metric, day, unit_id, category_id, town_id, value) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        return
    CaseMetric.objects.bulk_create(
        [CaseMetric(case_id=r[0], metric=r[1], day=r[2], unit_id=r[3], category_id=r[4], town_id=r[5], value=r[6]) for r in rows],
        batch_size=2000,
    )


def _clear_tables() -> None:
    tables = [m._meta.db_table for m in (CaseMetric, *PENDING, *PENDING.values())]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Check deferred foreign keys now: TRUNCATE refuses a table with pending checks
            # (when the rebuild runs inside a larger transaction, e.g. a test's); this also
            # folds this transaction's pending rollup additions before they are emptied.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE " + ", ".join(connection.ops.quote_name(t) for t in tables))
        else:
            for t in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(t)}")  # noqa: S608 - table names from the models


def _column_sums_sql() -> list[str]:
    """SQL sums of the figure rows, one per rollup column, in ``COLUMNS`` order."""
    out = []
    for col in COLUMNS:
        if col == "satisfaction_b":
            cond = f"metric = {int(Metric.SATISFACTION)} AND value = 2"
        elif col.endswith("_d") or col.endswith("_n"):
            metric = next(m for m, stem in STEM.items() if stem == col[:-2])
            cond = f"metric = {int(metric)}" + (" AND value = 1" if col.endswith("_n") else "")
        else:
            metric = next(m for m, stem in STEM.items() if stem == col)
            cond = f"metric = {int(metric)}"
        out.append(f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)")
    return out


def _days_from_rows() -> int:
    """The daily rows of both rollup tables, summed from the figure rows in the database."""
    qn = connection.ops.quote_name
    src = qn(CaseMetric._meta.db_table)
    rollup = qn(Rollup._meta.db_table)
    town = qn(TownRollup._meta.db_table)
    cols = ", ".join(qn(c) for c in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {rollup} (grain, day, unit_id, category_id, {cols}) "  # noqa: S608 - names from the models
            f"SELECT %s, day, unit_id, category_id, {', '.join(_column_sums_sql())} FROM {src} "
            f"WHERE metric <> %s AND day IS NOT NULL GROUP BY day, unit_id, category_id ORDER BY day, unit_id, category_id",
            [Grain.DAY, int(Metric.STATE)],
        )
        n = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {town} (grain, day, unit_id, town_id, received) "  # noqa: S608
            f"SELECT %s, day, unit_id, town_id, COUNT(*) FROM {src} WHERE metric = %s GROUP BY day, unit_id, town_id ORDER BY day, unit_id, town_id",
            [Grain.DAY, int(Metric.RECEIVED)],
        )
    return n


def _trunc_sql(column: str, unit: str) -> str:
    """SQL truncating a date column to the first day of its month or year."""
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('{unit}', {column}) AS date)"
    return f"date({column}, 'start of {unit}')"


def _coarser_rows(table: str, key_cols: list[str], value_cols: list[str], source: str, target: str, unit: str) -> int:
    """Add the monthly (or yearly) rows of a rollup table by summing its daily (or monthly)
    rows, in the database."""
    qn = connection.ops.quote_name
    month = _trunc_sql(qn("day"), unit)
    keys = ", ".join(qn(c) for c in key_cols)
    sums = ", ".join(f"SUM({qn(c)})" for c in value_cols)
    stmt = (
        f"INSERT INTO {qn(table)} ({qn('grain')}, {qn('day')}, {keys}, {', '.join(qn(c) for c in value_cols)}) "  # noqa: S608 - names from the models
        f"SELECT %s, {month}, {keys}, {sums} FROM {qn(table)} WHERE {qn('grain')} = %s GROUP BY {month}, {keys} ORDER BY {month}, {keys}"
    )
    with connection.cursor() as cursor:
        cursor.execute(stmt, [target, source])
        return cursor.rowcount


def _aggregate_rollups() -> int:
    """Fill the rollups from the figure rows with a few INSERT ... SELECT statements. Rows go
    in in (day, unit, category) order so that a period's rows sit together on disk (a year
    of the district reads ~150 pages instead of ~1,500)."""
    n = _days_from_rows()
    for table, keys, values in (
        (Rollup._meta.db_table, ["unit_id", "category_id"], COLUMNS),
        (TownRollup._meta.db_table, ["unit_id", "town_id"], ["received"]),
    ):
        count = _coarser_rows(table, keys, values, Grain.DAY, Grain.MONTH, "month")
        count += _coarser_rows(table, keys, values, Grain.MONTH, Grain.YEAR, "year")
        if table == Rollup._meta.db_table:
            n += count
    states: dict[tuple[int, int, str], int] = defaultdict(int)
    for unit, cat, value, count in (
        CaseMetric.objects.filter(metric=Metric.STATE)
        .order_by()
        .values("unit_id", "category_id", "value")
        .annotate(c=Count("id"))
        .values_list("unit_id", "category_id", "value", "c")
    ):
        states[(unit, cat, metrics.STATE_BY_CODE.get(value, "other"))] += count
    StateCount.objects.bulk_create([StateCount(unit_id=k[0], category_id=k[1], state=k[2], n=v) for k, v in states.items()])
    return n


@transaction.atomic
def rollups_rebuild(*, actor: User | None, batch_size: int = 2000, progress: Callable[[int], None] | None = None) -> RebuildResult:
    """Recompute every figure row and rollup from the cases, in one transaction."""
    if actor is not None and not actor.has_role(*SETTINGS_ROLES):
        raise PermissionDenied(_("Only administrators may rebuild the figures."))
    result = RebuildResult()
    _clear_tables()
    root = root_unit_id()
    tops = metrics.category_top_map()
    last_id = 0
    while True:
        batch = list(Case.objects.filter(pk__gt=last_id).order_by("pk").values_list(*CASE_FIELDS, named=True)[:batch_size])
        if not batch:
            break
        last_id = batch[-1].id
        facts = metrics.load_facts_bulk(batch)
        rows: list[tuple[Any, ...]] = []
        for case in batch:
            for r in metrics.case_rows(case, facts[case.id], root_id=root, category_top_id=tops.get(case.category_id or 0, 0)):  # type: ignore[arg-type]
                rows.append((case.id, *r))
        _copy_metric_rows(rows)
        result.cases += len(batch)
        result.rows += len(rows)
        if progress is not None:
            progress(result.cases)
    result.rollups = _aggregate_rollups()
    audit_record(
        actor=actor,
        action="insights.rebuild_rollups",
        object_type="insights.rollup",
        object_label=_("Dashboard figures"),
        after={"cases": result.cases, "rows": result.rows, "rollups": result.rollups},
    )
    return result


# ---------------------------------------------------------------------------
# Settings and rate definitions
# ---------------------------------------------------------------------------


def get_settings() -> InsightsSettings:
    """The district's settings row (the defaults, unsaved, until an administrator saves them)."""
    return InsightsSettings.objects.order_by("id").first() or InsightsSettings()


def _require_admin(actor: User) -> None:
    if not actor.has_role(*SETTINGS_ROLES):
        raise PermissionDenied(_("Only administrators may change how the figures are computed."))


@transaction.atomic
def insights_settings_update(*, actor: User, **changes: Any) -> InsightsSettings:
    """Change the district's settings (count basically satisfied, brief time, ...)."""
    _require_admin(actor)
    obj = InsightsSettings.objects.select_for_update().order_by("id").first() or InsightsSettings()
    allowed = {"count_basically_satisfied", "brief_enabled", "brief_time", "brief_due_days", "rising_min_count", "rising_ratio"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("Unknown settings: %(names)s") % {"names": ", ".join(sorted(unknown))})
    before = {k: getattr(obj, k) for k in changes}
    for key, value in changes.items():
        setattr(obj, key, value)
    obj.updated_at = timezone.now()
    obj.full_clean()
    obj.save()
    audit_record(actor=actor, action="insights.settings_update", obj=obj, before=before, after={k: getattr(obj, k) for k in changes})
    return obj


@transaction.atomic
def rate_definition_update(
    *, actor: User, code: str, target: Decimal | None = None, shown: bool | None = None, note: str | None = None
) -> RateDefinition:
    """Change one rate's target, visibility or note."""
    _require_admin(actor)
    rate = RateDefinition.objects.select_for_update().filter(code=code).first()
    if rate is None:
        raise ValidationError(_("Unknown rate."))
    before = {"target": rate.target, "shown": rate.shown, "note": rate.note}
    if target is not None:
        if not (Decimal(0) <= Decimal(target) <= Decimal(100)):
            raise ValidationError({"target": _("A target is a percentage from 0 to 100.")})
        rate.target = Decimal(target)
    if shown is not None:
        rate.shown = bool(shown)
    if note is not None:
        rate.note = note.strip()[:200]
    rate.save(update_fields=["target", "shown", "note"])
    audit_record(
        actor=actor,
        action="insights.rate_update",
        obj=rate,
        before=before,
        after={"target": rate.target, "shown": rate.shown, "note": rate.note},
    )
    return rate


@transaction.atomic
def town_place_set(*, actor: User, town: Unit, latitude: Decimal | float | None, longitude: Decimal | float | None) -> TownPlace | None:
    """Set (or, with no coordinates, clear) where a town/street lies on the dashboard map."""
    _require_admin(actor)
    from accounts.models import UnitKind

    if town.kind != UnitKind.TOWN:
        raise ValidationError({"town": _("Choose a town or street.")})
    existing = TownPlace.objects.filter(town=town).first()
    before = {"latitude": existing.latitude, "longitude": existing.longitude} if existing else None
    if latitude is None and longitude is None:
        if existing is not None:
            existing.delete()
            audit_record(actor=actor, action="insights.town_place_clear", obj=town, before=before)
        return None
    if latitude is None or longitude is None:
        raise ValidationError(_("Give both the latitude and the longitude, or neither."))
    lat, lng = Decimal(str(latitude)), Decimal(str(longitude))
    if not (-90 <= lat <= 90) or not (-180 <= lng <= 180):
        raise ValidationError(_("The position is out of range."))
    place, _created = TownPlace.objects.update_or_create(town=town, defaults={"latitude": lat, "longitude": lng})
    audit_record(actor=actor, action="insights.town_place_set", obj=town, before=before, after={"latitude": lat, "longitude": lng})
    return place


# ---------------------------------------------------------------------------
# Daily brief
# ---------------------------------------------------------------------------


def may_generate_brief(user: User) -> bool:
    return bool(user.is_authenticated and user.has_role(*BRIEF_ROLES) and is_district_wide(user))


@transaction.atomic
def brief_generate(*, actor: User | None, now: dt.datetime | None = None, kind: str | None = None) -> DailyBrief:
    """Generate a daily brief: ``actor=None`` is the scheduled job (one per day; a second
    run returns the first), a user generates one on demand."""
    from insights import brief as brief_mod

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    if actor is not None and not may_generate_brief(actor):
        raise PermissionDenied(_("Only leaders, supervisors, duty officers and administrators may generate the daily brief."))
    kind = kind or (DailyBrief.Kind.SCHEDULED if actor is None else DailyBrief.Kind.MANUAL)
    if kind == DailyBrief.Kind.SCHEDULED:
        existing = DailyBrief.objects.select_for_update().filter(day=today, kind=DailyBrief.Kind.SCHEDULED).first()
        if existing is not None:
            return existing
    previous = DailyBrief.objects.filter(generated_at__lt=now).order_by("-generated_at").first()
    since = previous.generated_at if previous is not None else now - dt.timedelta(days=1)
    data = brief_mod.compute(now=now, since=since, settings=get_settings())
    brief = DailyBrief.objects.create(day=today, kind=kind, generated_at=now, generated_by=actor, since=since, data=data)
    brief.docx = brief_mod.store_docx(brief, actor=actor)
    brief.save(update_fields=["docx"])
    audit_record(
        actor=actor,
        action="insights.brief_generate",
        obj=brief,
        after={"day": today.isoformat(), "kind": kind, "new_cases": data.get("new", {}).get("total", 0)},
    )
    return brief


def brief_due(now: dt.datetime | None = None) -> bool:
    """True when the scheduled brief of today should be generated now."""
    now = now or timezone.now()
    cfg = get_settings()
    if not cfg.brief_enabled:
        return False
    local = timezone.localtime(now)
    if local.time() < cfg.brief_time:
        return False
    return not DailyBrief.objects.filter(day=local.date(), kind=DailyBrief.Kind.SCHEDULED).exists()


# ---------------------------------------------------------------------------
# Ledger exports
# ---------------------------------------------------------------------------


@transaction.atomic
def ledger_export_request(*, actor: User, params: dict[str, Any], title: str, total: int) -> LedgerExport:
    """Record a background ledger export; the job starts after commit."""
    if not actor.is_authenticated:
        raise PermissionDenied(_("Sign in first."))
    job = LedgerExport.objects.create(requested_by=actor, params=params, title=title[:200], total=total)
    audit_record(actor=actor, action="insights.ledger_export", obj=job, after={"rows": total, "title": title[:200]})
    job_id = job.pk
    transaction.on_commit(lambda: _queue_ledger(job_id))
    return job


@transaction.atomic
def ledger_export_now(*, actor: User, params: dict[str, Any], title: str) -> bytes:
    """Write a small ledger at once and record the export in the audit log."""
    import io

    from insights import exports, ledger

    if not actor.is_authenticated:
        raise PermissionDenied(_("Sign in first."))
    out = io.BytesIO()
    rows = exports.write_ledger(out, actor, ledger.id_chunks(actor, params, exports.CHUNK), title)
    audit_record(
        actor=actor,
        action="insights.ledger_export",
        object_type="insights.ledger",
        object_label=title[:200],
        after={"rows": rows, "background": False},
    )
    return out.getvalue()


def _queue_ledger(job_id: int) -> None:
    from insights.tasks import run_ledger_export

    run_ledger_export(job_id)


def ledger_export_run(*, job_id: int) -> LedgerExport:
    """Write the ledger of a queued export (the background job). Idempotent: a finished job is left alone."""
    from insights import exports

    job = LedgerExport.objects.select_related("requested_by").get(pk=job_id)
    if job.status in (LedgerExport.Status.DONE, LedgerExport.Status.RUNNING):
        return job
    LedgerExport.objects.filter(pk=job.pk).update(status=LedgerExport.Status.RUNNING)
    try:
        path = exports.write_ledger_file(job)
    except Exception as exc:  # recorded for the user; the job is not retried blindly
        log.exception("ledger export %s failed", job.pk)
        LedgerExport.objects.filter(pk=job.pk).update(status=LedgerExport.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now())
        job.refresh_from_db()
        return job
    LedgerExport.objects.filter(pk=job.pk).update(
        status=LedgerExport.Status.DONE, file_path=path, finished_at=timezone.now(), done=job.total
    )
    job.refresh_from_db()
    return job


def progress_callback(job_id: int) -> Callable[[int], None]:
    def report(done: int) -> None:
        LedgerExport.objects.filter(pk=job_id).update(done=done)

    return report


def units_by_id(ids: Iterable[int]) -> dict[int, Unit]:
    return {u.pk: u for u in Unit.objects.filter(pk__in=list(ids))}
