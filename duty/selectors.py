"""Reads of command and duty that cross relations: rules of the day, boards, summaries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Unit
from duty.access import duty_units, reporting_units
from duty.models import (
    BatchItem,
    CentralBatch,
    DailyReport,
    DutySettings,
    DutyShift,
    Instruction,
    InstructionTarget,
    ProgressReport,
    SpecialPeriod,
    SupervisionNotice,
    UrgentReport,
)
from workcal.selectors import get_calendar


def district_root() -> Unit | None:
    return Unit.objects.filter(parent__isnull=True).order_by("pk").first()


def get_duty_settings() -> DutySettings:
    """The district's duty settings; the defaults (unsaved) until an administrator saves them."""
    found = DutySettings.objects.select_related("district").filter(district__parent__isnull=True).first()
    if found is not None:
        return found
    root = district_root()
    return DutySettings(district=root) if root is not None else DutySettings()


def local_dt(day: dt.date, at: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, at))


# --- special periods and the daily-report rule -------------------------------------------


def periods_on(day: dt.date) -> list[SpecialPeriod]:
    return list(
        SpecialPeriod.objects.filter(cancelled_at__isnull=True, start_date__lte=day, end_date__gte=day).prefetch_related("units").order_by("start_date", "pk")
    )


def active_periods(now: dt.datetime | None = None) -> list[SpecialPeriod]:
    return periods_on(timezone.localdate(now or timezone.now()))


@dataclass
class DayRule:
    """Which units must file a daily report on a day, and by when."""

    day: dt.date
    due_at: dict[int, dt.datetime] = field(default_factory=dict)  # every duty unit -> its deadline
    required: set[int] = field(default_factory=set)  # units that must report
    periods: list[SpecialPeriod] = field(default_factory=list)
    period_of: dict[int, SpecialPeriod] = field(default_factory=dict)


def day_rule(day: dt.date, units: Iterable[Unit] | None = None) -> DayRule:
    """The daily-report rule of ``day``: special periods make reports mandatory for the
    units they name (every reporting unit when they name none) with their own deadline;
    outside them the district setting decides (optional, working days, every day)."""
    settings_row = get_duty_settings()
    units = list(units if units is not None else reporting_units())
    rule = DayRule(day=day, periods=periods_on(day))
    ordinary_required = settings_row.ordinary_days == DutySettings.OrdinaryDays.EVERY_DAY or (
        settings_row.ordinary_days == DutySettings.OrdinaryDays.WORKDAYS and get_calendar().is_workday(day)
    )
    default_due = local_dt(day, settings_row.report_due_time)
    for unit in units:
        rule.due_at[unit.pk] = default_due
        if ordinary_required:
            rule.required.add(unit.pk)
    for period in rule.periods:
        named = {u.pk for u in period.units.all()}
        for unit in units:
            if named and unit.pk not in named:
                continue
            rule.required.add(unit.pk)
            if unit.pk not in rule.period_of:
                rule.period_of[unit.pk] = period
                if period.report_due_time is not None:
                    rule.due_at[unit.pk] = local_dt(day, period.report_due_time)
    return rule


def due_at_for(unit: Unit, day: dt.date) -> dt.datetime:
    rule = day_rule(day, [unit])
    return rule.due_at[unit.pk]


@dataclass
class SummaryRow:
    unit: Unit
    required: bool
    due_at: dt.datetime
    report: DailyReport | None
    period: SpecialPeriod | None

    @property
    def state(self) -> str:
        if self.report is not None:
            return "late" if self.report.is_late else "on_time"
        if not self.required:
            return "optional"
        return "missing" if timezone.now() > self.due_at else "pending"


def daily_summary(day: dt.date, units: Iterable[Unit] | None = None) -> list[SummaryRow]:
    """One row per reporting unit for ``day``: on time, late, missing, pending or optional."""
    units = list(units if units is not None else reporting_units())
    rule = day_rule(day, units)
    reports = {r.unit_id: r for r in DailyReport.objects.filter(date=day, unit__in=units).select_related("submitted_by")}
    return [SummaryRow(unit=u, required=u.pk in rule.required, due_at=rule.due_at[u.pk], report=reports.get(u.pk), period=rule.period_of.get(u.pk)) for u in units]


def summary_counts(rows: list[SummaryRow]) -> dict[str, int]:
    counts = {"on_time": 0, "late": 0, "missing": 0, "pending": 0, "optional": 0}
    for row in rows:
        counts[row.state] += 1
    counts["required"] = sum(1 for r in rows if r.required)
    return counts


def missing_units(day: dt.date, now: dt.datetime) -> list[Unit]:
    """Units that had to report on ``day`` and had not when their deadline passed."""
    rule = day_rule(day)
    reported = set(DailyReport.objects.filter(date=day).values_list("unit_id", flat=True))
    units = {u.pk: u for u in reporting_units()}
    return [units[pk] for pk in units if pk in rule.required and pk not in reported and now > rule.due_at[pk]]


# --- roster --------------------------------------------------------------------------------


def duty_day_of(moment: dt.datetime) -> dt.date:
    """The duty day a moment belongs to (a duty day starts at the handover time)."""
    local = timezone.localtime(moment)
    handover = get_duty_settings().handover_time
    return local.date() if local.time() >= handover else local.date() - dt.timedelta(days=1)


def on_duty_now(now: dt.datetime | None = None, units: Iterable[Unit] | None = None) -> list[tuple[Unit, DutyShift | None]]:
    now = now or timezone.now()
    units = list(units if units is not None else duty_units())
    shifts = {s.unit_id: s for s in DutyShift.objects.filter(starts_at__lte=now, ends_at__gt=now, unit__in=units)}
    return [(u, shifts.get(u.pk)) for u in units]


def units_without_roster(day: dt.date, units: Iterable[Unit] | None = None) -> list[Unit]:
    """Units with no shift on duty day ``day`` (a saved day always covers all 24 hours)."""
    units = list(units if units is not None else duty_units())
    have = set(DutyShift.objects.filter(duty_date=day, unit__in=units).values_list("unit_id", flat=True))
    return [u for u in units if u.pk not in have]


def current_shift(unit: Unit, now: dt.datetime | None = None) -> DutyShift | None:
    now = now or timezone.now()
    return DutyShift.objects.filter(unit=unit, starts_at__lte=now, ends_at__gt=now).select_related("leader").first()


def month_shifts(unit: Unit, year: int, month: int) -> dict[dt.date, list[DutyShift]]:
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    out: dict[dt.date, list[DutyShift]] = {}
    for shift in DutyShift.objects.filter(unit=unit, duty_date__gte=first, duty_date__lt=nxt).order_by("starts_at"):
        out.setdefault(shift.duty_date, []).append(shift)
    return out


# --- instructions --------------------------------------------------------------------------


def with_target_counts(qs: QuerySet[Instruction]) -> QuerySet[Instruction]:
    return qs.select_related("sender_unit").annotate(
        n_targets=Count("targets", distinct=True),
        n_seen=Count("targets", filter=Q(targets__first_seen_at__isnull=False), distinct=True),
        n_acked=Count("targets", filter=Q(targets__acknowledged_at__isnull=False), distinct=True),
        n_reported=Count("targets", filter=Q(targets__reported_at__isnull=False), distinct=True),
    )


@dataclass
class BoardCounts:
    total: int = 0
    unseen: int = 0
    seen: int = 0
    acknowledged: int = 0
    reported: int = 0
    ack_overdue: int = 0
    report_overdue: int = 0


def instruction_board(instruction: Instruction, now: dt.datetime | None = None) -> tuple[list[InstructionTarget], BoardCounts]:
    now = now or timezone.now()
    targets = list(
        instruction.targets.select_related("unit", "acknowledged_by", "reported_by", "instruction").prefetch_related("result_files").order_by("unit__sort_order", "unit__path")
    )
    counts = BoardCounts(total=len(targets))
    for t in targets:
        setattr(counts, t.state, getattr(counts, t.state) + 1)
        if not t.acknowledged_at and t.ack_overdue(now):
            counts.ack_overdue += 1
        if not t.reported_at and t.report_overdue(now):
            counts.report_overdue += 1
    return targets, counts


def pending_targets(unit: Unit) -> QuerySet[InstructionTarget]:
    """Instructions waiting for ``unit``: to acknowledge or to report on."""
    return (
        InstructionTarget.objects.filter(unit=unit, instruction__status=Instruction.Status.OPEN, reported_at__isnull=True)
        .select_related("instruction")
        .order_by("instruction__report_deadline")
    )


def notice_list(qs: QuerySet[SupervisionNotice]) -> QuerySet[SupervisionNotice]:
    return qs.select_related("unit", "issued_by", "instruction")


def open_urgent_reports(qs: QuerySet[UrgentReport]) -> QuerySet[UrgentReport]:
    return qs.filter(parent__isnull=True, status=UrgentReport.Status.OPEN).select_related("unit").annotate(n_follow_ups=Count("follow_ups"))


# --- central assignment ------------------------------------------------------------------------


@dataclass
class BatchRow:
    item: BatchItem
    last: ProgressReport | None
    reports: list[ProgressReport]


@dataclass
class UnitTotals:
    unit: Unit
    total: int = 0
    pending: int = 0
    progressing: int = 0
    resolved: int = 0


@dataclass
class BatchTable:
    rows: list[BatchRow]
    per_unit: list[UnitTotals]

    @property
    def units(self) -> list[Unit]:
        return [t.unit for t in self.per_unit]

    @property
    def totals(self) -> UnitTotals:
        out = UnitTotals(unit=None)  # type: ignore[arg-type]
        for t in self.per_unit:
            out.total += t.total
            out.pending += t.pending
            out.progressing += t.progressing
            out.resolved += t.resolved
        return out


def batch_table(batch: CentralBatch, scope: Q | None = None) -> BatchTable:
    """The progress table of a batch, per case and per unit (limited to ``scope`` for unit users)."""
    items = batch.items.select_related("case", "unit").prefetch_related(Prefetch("progress", queryset=ProgressReport.objects.select_related("reported_by").order_by("-reported_at")))
    if scope is not None:
        items = items.filter(scope)
    rows: list[BatchRow] = []
    per_unit: dict[int, UnitTotals] = {}
    for item in items.order_by("unit__sort_order", "unit__path", "pk"):
        reports = list(item.progress.all())
        rows.append(BatchRow(item=item, last=reports[0] if reports else None, reports=reports))
        totals = per_unit.setdefault(item.unit_id, UnitTotals(unit=item.unit))
        totals.total += 1
        setattr(totals, item.status, getattr(totals, item.status) + 1)
    return BatchTable(rows=rows, per_unit=list(per_unit.values()))


def special_period_brief(day: dt.date, now: dt.datetime | None = None) -> list[dict[str, object]]:
    """The special-period section of the daily brief: each period in force on ``day`` with
    its units' report states (for insights' daily brief and the Word summary)."""
    now = now or timezone.now()
    rows = daily_summary(day)
    out: list[dict[str, object]] = []
    for period in periods_on(day):
        mine = [r for r in rows if r.period is not None and r.period.pk == period.pk]
        out.append(
            {
                "name": period.name,
                "start": period.start_date.isoformat(),
                "end": period.end_date.isoformat(),
                "requirements": period.description,
                "units": len(mine),
                "on_time": [r.unit.name for r in mine if r.state == "on_time"],
                "late": [r.unit.name for r in mine if r.state == "late"],
                "missing": [r.unit.name for r in mine if r.state == "missing"],
                "help_needed": [{"unit": r.unit.name, "text": r.report.help_needed} for r in mine if r.report is not None and r.report.help_needed],
            }
        )
    return out
