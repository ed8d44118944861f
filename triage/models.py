"""Smart triage: routing models and their versions, administrator rules, the suggestion
log, the near-duplicate index, duplicate decisions (dismissed / merged) and hotspots.

Writes go through ``triage.services``; the engine itself (text, model, index, clustering)
is Django-free in ``lib.triage``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ClassifierVersion(models.Model):
    """One trained routing model: its file, what it was trained on, its cross-validated
    evaluation, and whether it is the one in use. At most one version is active."""

    class Status(models.TextChoices):
        READY = "ready", pgettext_lazy("routing model", "Ready")
        FAILED = "failed", _("Training failed")

    number = models.PositiveIntegerField(_("version"), unique=True)
    kind = models.CharField(_("model"), max_length=60, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.READY)
    is_active = models.BooleanField(_("in use"), default=False)
    file_name = models.CharField(_("model file"), max_length=200, blank=True)
    sha256 = models.CharField(_("checksum"), max_length=64, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size"), default=0)
    seed = models.IntegerField(_("seed"), default=0)
    trained_cases = models.PositiveIntegerField(_("cases trained on"), default=0)
    categories = models.JSONField(
        pgettext_lazy("routing model", "categories"), default=list, help_text=_("The category ids the model can suggest.")
    )
    evaluation = models.JSONField(_("evaluation"), default=dict, blank=True)
    accuracy = models.FloatField(_("accuracy"), null=True, blank=True)
    macro_f1 = models.FloatField(_("macro-F1"), null=True, blank=True)
    training_seconds = models.FloatField(_("training time (s)"), default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("trained"), default=timezone.now)
    activated_at = models.DateTimeField(_("put in use"), null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=models.Q(is_active=True), name="triage_one_active_classifier")
        ]
        verbose_name = _("routing model version")
        verbose_name_plural = _("routing model versions")

    def __str__(self) -> str:
        return f"v{self.number}"


class TriageRule(models.Model):
    """An administrator's routing rule. Rules win over the model when they match.

    - ``keyword``: any of the words in ``pattern`` (separated by spaces or commas) in the
      text suggests ``category`` (and ``unit`` when set, else the category's default unit).
    - ``regex``: a regular expression over the text suggests ``category`` (and ``unit``).
    - ``place``: any of the place names in ``pattern`` suggests the town / street ``town``.
    Category keywords kept on the categories themselves (``Category.keywords``) are used too.
    """

    class Kind(models.TextChoices):
        KEYWORD = "keyword", _("Keywords → category")
        REGEX = "regex", _("Pattern → category")
        PLACE = "place", _("Place names → town / street")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    pattern = models.CharField(_("words or pattern"), max_length=500)
    category = models.ForeignKey(
        "cases.Category", verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("handling unit"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    town = models.ForeignKey(
        "accounts.Unit", verbose_name=_("town / street"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    priority = models.PositiveSmallIntegerField(_("priority"), default=100, help_text=_("Lower numbers are tried first."))
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="place", town__isnull=False) | (~models.Q(kind="place") & models.Q(category__isnull=False))),
                name="triage_rule_target",
            )
        ]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.pattern[:40]}"

    def words(self) -> list[str]:
        return [w for w in self.pattern.replace("，", " ").replace(",", " ").replace("、", " ").split() if w]


class SuggestionLog(models.Model):
    """What was suggested to someone registering a case, and what they chose.

    One pending row per user is kept up to date while they type (it is telemetry, not a
    business record, so it has no audit row); when they register the case the row is
    attached to it and its outcome is set from the category they chose."""

    class Outcome(models.TextChoices):
        PENDING = "pending", pgettext_lazy("suggestion", "Pending")
        ACCEPTED = "accepted", pgettext_lazy("suggestion", "Accepted")
        OVERRIDDEN = "overridden", _("Overridden")
        NONE = "none", _("No suggestion")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(_("source"), max_length=20, default="form")
    text_hash = models.CharField(max_length=64, blank=True)
    version = models.ForeignKey(ClassifierVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    suggestions = models.JSONField(_("suggestions"), default=list)
    top_category = models.ForeignKey("cases.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    top_unit = models.ForeignKey("accounts.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_rule = models.BooleanField(default=False)
    #: why there is no suggestion (SuggestionResult.status: ok, empty, too_short, foreign,
    #: no_match, inactive); blank on rows written before it was kept
    status = models.CharField(_("status"), max_length=12, blank=True)
    town = models.ForeignKey(
        "accounts.Unit", verbose_name=_("town / street"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    town_reason = models.CharField(max_length=200, blank=True)
    #: True when the routing model could not be used and the rules alone answered
    model_unusable = models.BooleanField(default=False)
    case = models.OneToOneField("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="triage_suggestion")
    chosen_category = models.ForeignKey("cases.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    chosen_rank = models.PositiveSmallIntegerField(
        _("rank of the chosen category"), default=0, help_text=_("1–3, or 0 when it was not suggested.")
    )
    outcome = models.CharField(pgettext_lazy("suggestion", "outcome"), max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "outcome", "updated_at"], name="triage_sugg_user_idx"),
            models.Index(fields=["decided_at", "outcome"], name="triage_sugg_decided_idx"),
        ]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")

    def __str__(self) -> str:
        return f"{self.pk} {self.outcome}"


class CaseFingerprint(models.Model):
    """A case's entry in the near-duplicate index: its MinHash signature, its weighted
    keywords, and the fields candidates are looked up by."""

    case = models.OneToOneField("cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="triage_fingerprint")
    signature = models.BinaryField()
    keywords = models.JSONField(default=dict)
    category = models.ForeignKey("cases.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    town = models.ForeignKey("accounts.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField()
    indexed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["category", "town", "received_at"], name="triage_fp_place_idx"),
            models.Index(fields=["received_at"], name="triage_fp_received_idx"),
        ]
        verbose_name = _("duplicate index entry")
        verbose_name_plural = _("duplicate index entries")

    def __str__(self) -> str:
        return str(self.case_id)


class CaseBandKey(models.Model):
    """One LSH band key of a case (lib.triage.dedup.BANDS per case); the B-tree on ``key``
    makes a duplicate query a handful of index lookups at any history size."""

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["key", "case"], name="triage_band_key_idx"),
            models.Index(fields=["case"], name="triage_band_case_idx"),
        ]
        verbose_name = _("duplicate index key")
        verbose_name_plural = _("duplicate index keys")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.key}"


class DuplicateDecision(models.Model):
    """What staff decided about a suggested duplicate: not a duplicate (dismissed, never
    suggested again for this pair) or merged (``case`` follows ``other``'s reply)."""

    class Kind(models.TextChoices):
        DISMISSED = "dismissed", _("Not a duplicate")
        MERGED = "merged", _("Merged")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(pgettext_lazy("duplicate", "decision"), max_length=10, choices=Kind.choices)
    score = models.FloatField(_("similarity"), default=0)
    reply_followed_at = models.DateTimeField(_("reply followed"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "other"], name="triage_uniq_duplicate_decision"),
            models.CheckConstraint(condition=~models.Q(case=models.F("other")), name="triage_decision_not_self"),
        ]
        indexes = [models.Index(fields=["other", "kind"], name="triage_dup_other_idx")]
        verbose_name = _("duplicate decision")
        verbose_name_plural = _("duplicate decisions")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.other_id}"


class HotspotRun(models.Model):
    """One computation of the hotspots of a period (the job replaces a period's hotspots
    in one transaction, so running it twice leaves the same rows)."""

    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"), help_text=_("Exclusive."))
    computed_at = models.DateTimeField(default=timezone.now)
    cases = models.PositiveIntegerField(_("cases considered"), default=0)

    class Meta:
        ordering = ["-period_end", "-period_start"]
        constraints = [models.UniqueConstraint(fields=["period_start", "period_end"], name="triage_uniq_hotspot_period")]
        verbose_name = _("hotspot run")
        verbose_name_plural = _("hotspot runs")

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end}"


class Hotspot(models.Model):
    run = models.ForeignKey(HotspotRun, on_delete=models.CASCADE, related_name="hotspots")
    key = models.CharField(max_length=32)
    rank = models.PositiveSmallIntegerField(_("rank"))
    size = models.PositiveIntegerField(pgettext_lazy("hotspot", "cases"))
    previous = models.PositiveIntegerField(_("cases in the previous period"))
    growth = models.FloatField(_("growth"))
    heat = models.FloatField(_("heat"))
    title = models.CharField(_("representative title"), max_length=200)
    keywords = models.JSONField(_("keywords"), default=list)
    place = models.CharField(_("place"), max_length=100, blank=True)
    town = models.ForeignKey(
        "accounts.Unit", verbose_name=_("town / street"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.ForeignKey(
        "cases.Category", verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    representative = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    case_ids = models.JSONField(default=list)

    class Meta:
        ordering = ["rank"]
        constraints = [models.UniqueConstraint(fields=["run", "rank"], name="triage_uniq_hotspot_rank")]
        verbose_name = _("hotspot")
        verbose_name_plural = _("hotspots")

    def __str__(self) -> str:
        return self.title


class NewCase(models.Model):
    """A registered case still to be indexed and given its kept suggestion: the durable
    queue of ``triage.tasks.drain_new_cases``. The registration inserts the row in its own
    transaction; the drain deletes it in the transaction that does the work."""

    case = models.OneToOneField("cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return str(self.case_id)
