"""Insights: the figures leaders steer by.

How the figures stay right and fast
-----------------------------------
``CaseMetric`` holds, for every case, one row per figure the case belongs to ("this
case's decision fell due on 5 May, it was decided in time", "this case was accepted on
3 May and has been replied to", ...): the metric, the day it is counted on, the unit and
top-level category it is counted for, and a value (1: in the numerator, 0: only in the
denominator, 2: "basically satisfied"). The rows are computed from the case by one pure
function (``insights.metrics.case_rows``) and kept in step by ``insights.services.
rollup_case``, which the case services call (through ``cases.signals.case_changed``)
inside the transaction of every change.

``Rollup`` (unit × category × day, and the same per month) and ``TownRollup``
(unit × town × day/month, for the map) are sums of those rows, adjusted by the same
call, so a dashboard reads a few hundred rollup rows whatever the number of cases,
while a drill-down lists exactly the ``CaseMetric`` rows behind a figure. ``StateCount``
holds the current number of cases per unit, category and state.

``manage.py rebuild_rollups`` recomputes all of it from the cases.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Metric(models.IntegerChoices):
    """What a ``CaseMetric`` row counts. Rates have a denominator (every row) and a
    numerator (rows with value 1, and value 2 where "basically satisfied" counts)."""

    RECEIVED = 1, _("New cases")
    REPLIED = 2, _("Replies issued")
    TIMELY_ACCEPT = 10, _("Timely acceptance rate")
    ONTIME_CLOSE = 11, _("On-time closure rate")
    CLOSURE = 12, _("Closure rate")
    REPLY = 13, _("Reply rate of handling units")
    MEETING = 14, _("Meeting rate")
    INVESTIGATION = 15, _("Investigation rate")
    FOLLOWUP = 16, _("Follow-up rate")
    PARTICIPATION = 17, _("Evaluation participation rate")
    SATISFACTION = 18, _("Satisfaction rate")
    RESOLUTION = 19, _("Resolution rate (hotline)")
    RESPONSE = 20, _("Response rate (hotline)")
    STATE = 99, _("Current state")


#: Rates in the order they are shown, with their rollup column stem.
RATE_METRICS: list[Metric] = [
    Metric.TIMELY_ACCEPT,
    Metric.ONTIME_CLOSE,
    Metric.CLOSURE,
    Metric.REPLY,
    Metric.MEETING,
    Metric.INVESTIGATION,
    Metric.FOLLOWUP,
    Metric.PARTICIPATION,
    Metric.SATISFACTION,
    Metric.RESOLUTION,
    Metric.RESPONSE,
]
COUNT_METRICS: list[Metric] = [Metric.RECEIVED, Metric.REPLIED]

STEM: dict[int, str] = {
    Metric.RECEIVED: "received",
    Metric.REPLIED: "replied",
    Metric.TIMELY_ACCEPT: "timely_accept",
    Metric.ONTIME_CLOSE: "ontime_close",
    Metric.CLOSURE: "closure",
    Metric.REPLY: "reply",
    Metric.MEETING: "meeting",
    Metric.INVESTIGATION: "investigation",
    Metric.FOLLOWUP: "followup",
    Metric.PARTICIPATION: "participation",
    Metric.SATISFACTION: "satisfaction",
    Metric.RESOLUTION: "resolution",
    Metric.RESPONSE: "response",
}
CODE_TO_METRIC: dict[str, Metric] = {stem: Metric(m) for m, stem in STEM.items()}


def rollup_columns() -> list[str]:
    """The counter columns of ``Rollup`` in a fixed order."""
    cols = [STEM[m] for m in COUNT_METRICS]
    for m in RATE_METRICS:
        cols += [f"{STEM[m]}_d", f"{STEM[m]}_n"]
    cols.append("satisfaction_b")
    return cols


class CaseMetric(models.Model):
    """One figure one case belongs to (see the module docstring). ``unit_id``,
    ``category_id`` (top-level category) and ``town_id`` are plain integers, 0 for none,
    so that they can take part in unique keys and need no joins."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+", db_index=False)
    metric = models.PositiveSmallIntegerField(choices=Metric.choices)
    day = models.DateField(null=True, blank=True)
    unit_id = models.IntegerField(default=0)
    category_id = models.IntegerField(default=0)
    town_id = models.IntegerField(default=0)
    value = models.SmallIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(fields=["case", "metric"], name="ins_casemetric_case_idx"),
            models.Index(fields=["metric", "day", "unit_id", "case"], name="ins_casemetric_drill_idx"),
        ]
        verbose_name = _("case figure")
        verbose_name_plural = _("case figures")

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_metric_display()} {self.day} {self.value}"

    def key(self) -> tuple[int, dt.date | None, int, int, int, int]:
        return (self.metric, self.day, self.unit_id, self.category_id, self.town_id, self.value)


class Grain(models.TextChoices):
    DAY = "d", _("Day")
    MONTH = "m", _("Month")
    YEAR = "y", _("Year")


def _counter(label: str) -> models.IntegerField:
    return models.IntegerField(label, default=0)


class RollupRow(models.Model):
    """The columns of a ``Rollup`` row (shared with ``RollupPending``)."""

    grain = models.CharField(max_length=1, choices=Grain.choices)
    day = models.DateField()
    unit_id = models.IntegerField()
    category_id = models.IntegerField()
    received = _counter("received")
    replied = _counter("replied")
    timely_accept_d = _counter("timely_accept_d")
    timely_accept_n = _counter("timely_accept_n")
    ontime_close_d = _counter("ontime_close_d")
    ontime_close_n = _counter("ontime_close_n")
    closure_d = _counter("closure_d")
    closure_n = _counter("closure_n")
    reply_d = _counter("reply_d")
    reply_n = _counter("reply_n")
    meeting_d = _counter("meeting_d")
    meeting_n = _counter("meeting_n")
    investigation_d = _counter("investigation_d")
    investigation_n = _counter("investigation_n")
    followup_d = _counter("followup_d")
    followup_n = _counter("followup_n")
    participation_d = _counter("participation_d")
    participation_n = _counter("participation_n")
    satisfaction_d = _counter("satisfaction_d")
    satisfaction_n = _counter("satisfaction_n")
    satisfaction_b = _counter("satisfaction_b")
    resolution_d = _counter("resolution_d")
    resolution_n = _counter("resolution_n")
    response_d = _counter("response_d")
    response_n = _counter("response_n")

    class Meta:
        abstract = True


class Rollup(RollupRow):
    """Counters per unit × top-level category × day (``grain`` "d"), per month (``grain``
    "m", ``day`` = the first of the month) and per year (``grain`` "y", ``day`` = 1 January).
    A period reads whole years, then whole months, then the days at its ends, so its cost
    depends on units × categories, not on the number of cases. Each rate has a denominator
    ``*_d`` and a numerator ``*_n``; ``satisfaction_b`` counts "basically satisfied" answers."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["grain", "day", "unit_id", "category_id"], name="ins_rollup_key")]
        verbose_name = _("rollup")
        verbose_name_plural = _("rollups")

    def __str__(self) -> str:
        return f"{self.grain} {self.day} u{self.unit_id} c{self.category_id}"


class TownRollupRow(models.Model):
    """The columns of a ``TownRollup`` row (shared with ``TownRollupPending``)."""

    grain = models.CharField(max_length=1, choices=Grain.choices)
    day = models.DateField()
    unit_id = models.IntegerField()
    town_id = models.IntegerField()
    received = models.IntegerField(default=0)

    class Meta:
        abstract = True


class TownRollup(TownRollupRow):
    """New cases per unit × town/street × day, month and year (the map)."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["grain", "day", "unit_id", "town_id"], name="ins_townrollup_key")]
        verbose_name = _("town rollup")
        verbose_name_plural = _("town rollups")

    def __str__(self) -> str:
        return f"{self.grain} {self.day} u{self.unit_id} t{self.town_id}"


class StateCountRow(models.Model):
    """The columns of a ``StateCount`` row (shared with ``StateCountPending``)."""

    unit_id = models.IntegerField()
    category_id = models.IntegerField()
    state = models.CharField(max_length=20)
    n = models.IntegerField(default=0)

    class Meta:
        abstract = True


class StateCount(StateCountRow):
    """The current number of cases per unit × top-level category × state."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit_id", "category_id", "state"], name="ins_statecount_key")]
        verbose_name = _("state count")
        verbose_name_plural = _("state counts")

    def __str__(self) -> str:
        return f"u{self.unit_id} c{self.category_id} {self.state}: {self.n}"


# Pending additions (PostgreSQL). A case write inserts its +n/-n here instead of updating
# the shared rollup rows: the tables have no unique key, so concurrent case writes never wait
# on each other. A deferred constraint trigger on each table (migration 0006) adds every
# pending row to its rollup row and deletes it when the case transaction commits, so the
# rollups are exact as soon as the case is committed, and the hot rollup rows are locked for
# the duration of the commit only. Outside a transaction's own writes these tables are empty.
# A new counter column needs a migration that re-creates the fold functions (as 0006 does).


class RollupPending(RollupRow):
    """A not yet folded addition to one ``Rollup`` row (see above)."""

    class Meta:
        verbose_name = _("pending rollup addition")
        verbose_name_plural = _("pending rollup additions")


class TownRollupPending(TownRollupRow):
    """A not yet folded addition to one ``TownRollup`` row."""

    class Meta:
        verbose_name = _("pending town rollup addition")
        verbose_name_plural = _("pending town rollup additions")


class StateCountPending(StateCountRow):
    """A not yet folded addition to one ``StateCount`` row."""

    class Meta:
        verbose_name = _("pending state count addition")
        verbose_name_plural = _("pending state count additions")


class RateDefinition(models.Model):
    """The target and visibility of one rate, editable by administrators. The formula
    text shown beside a figure comes from the code (``insights.metrics``) so that it
    always says what is really counted; ``note`` adds the district's own remark."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    target = models.DecimalField(
        _("target (%)"), max_digits=5, decimal_places=2, default=Decimal("100"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    shown = models.BooleanField(_("shown on the dashboard"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("rate definition")
        verbose_name_plural = _("rate definitions")

    def __str__(self) -> str:
        metric = CODE_TO_METRIC.get(self.code)
        return str(metric.label) if metric else self.code


class InsightsSettings(models.Model):
    """The district's choices for the figures and the daily brief (one row)."""

    count_basically_satisfied = models.BooleanField(
        _("count “basically satisfied” as satisfied"), default=True, help_text=_("Used by the satisfaction rate.")
    )
    brief_enabled = models.BooleanField(_("generate the daily brief every day"), default=True)
    brief_time = models.TimeField(_("generate the daily brief at"), default=dt.time(7, 30))
    brief_due_days = models.PositiveSmallIntegerField(
        _("brief: cases due within this many days"), default=3, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    rising_min_count = models.PositiveSmallIntegerField(
        _("brief: a rising topic has at least this many cases this week"), default=3, validators=[MinValueValidator(1)]
    )
    rising_ratio = models.DecimalField(
        _("brief: and this many times last week's count"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.5"),
        validators=[MinValueValidator(Decimal("1"))],
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("insights settings")
        verbose_name_plural = _("insights settings")

    def __str__(self) -> str:
        return str(_("Insights settings"))


class DailyBrief(models.Model):
    """One daily brief (每日研判): the figures frozen at generation time, its Word
    document, and who or what generated it."""

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        MANUAL = "manual", _("On demand")

    day = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SCHEDULED)
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    since = models.DateTimeField(_("covers from"))
    data = models.JSONField(_("content"), default=dict)
    docx = models.ForeignKey("files.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-generated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["day"], condition=models.Q(kind="scheduled"), name="ins_one_scheduled_brief_per_day"),
        ]
        indexes = [models.Index(fields=["-generated_at"], name="ins_brief_recent_idx")]
        verbose_name = _("daily brief")
        verbose_name_plural = _("daily briefs")

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()}"


class TownPlace(models.Model):
    """Where a town/street lies on the map (its centre), set by an administrator. Without
    one the map uses the average position of the town's geolocated cases."""

    town = models.OneToOneField("accounts.Unit", verbose_name=_("town / street"), on_delete=models.CASCADE, related_name="+")
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )

    class Meta:
        verbose_name = _("town position")
        verbose_name_plural = _("town positions")

    def __str__(self) -> str:
        return f"{self.town_id} ({self.latitude}, {self.longitude})"


class LedgerExport(models.Model):
    """An Excel ledger (台账) of a filtered case list, written in the background when it
    is large. The file lives under MEDIA_ROOT/exports/ and only its requester may fetch it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    params = models.JSONField(default=dict)
    title = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file_path = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("ledger export")
        verbose_name_plural = _("ledger exports")

    def __str__(self) -> str:
        return f"{self.pk} {self.status}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
