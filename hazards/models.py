"""Hazard ledgers (隐患台账) and screening campaigns (专项排查).

A hazard moves registered -> rectifying -> rectified -> verified -> closed; a failed
verification sends it back to rectifying. Every step is a service in services.py that
writes an audit row and a timeline event (HazardEvent) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Grade(models.TextChoices):
    GENERAL = "general", _("General hazard")
    MAJOR = "major", _("Major hazard")


class State(models.TextChoices):
    REGISTERED = "registered", pgettext_lazy("hazard", "Registered")
    RECTIFYING = "rectifying", _("Rectifying")
    RECTIFIED = "rectified", _("Rectified")
    VERIFIED = "verified", _("Verified")
    CLOSED = "closed", pgettext_lazy("hazard", "Closed")


OPEN_STATES = (State.REGISTERED, State.RECTIFYING, State.RECTIFIED, State.VERIFIED)
UNRECTIFIED_STATES = (State.REGISTERED, State.RECTIFYING)
RECTIFIED_STATES = (State.RECTIFIED, State.VERIFIED, State.CLOSED)


class Source(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    CASE = "case", _("Complaint case")
    UNIT_REPORT = "unit_report", _("Report by a unit")
    PUBLIC_REPORT = "public_report", _("Report by the public")


class ListingLevel(models.TextChoices):
    DISTRICT = "district", _("District-level listed supervision")
    CITY = "city", _("City-level listed supervision")
    PROVINCE = "province", _("Province-level listed supervision")


class HazardRules(models.Model):
    """The configurable numbers of the hazard rules (one row, edited by an administrator)."""

    general_days = models.PositiveSmallIntegerField(_("deadline of a general hazard (calendar days)"), default=7)
    major_max_days = models.PositiveSmallIntegerField(_("longest deadline of a major hazard (calendar days)"), default=365)
    extension_notice_working_days = models.PositiveSmallIntegerField(
        _("major hazard: request an extension at least this many working days before the deadline"), default=20
    )
    remind_days_before = models.PositiveSmallIntegerField(_("remind this many calendar days before the deadline"), default=3)

    class Meta:
        verbose_name = _("hazard rules")
        verbose_name_plural = _("hazard rules")

    def __str__(self) -> str:
        return str(_("Hazard rules"))

    @classmethod
    def current(cls) -> HazardRules:
        rules = cls.objects.filter(pk=1).first()
        return rules if rules is not None else cls(pk=1)


class HazardCategory(models.Model):
    """A screening category (排查领域); the list is editable by administrators."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("hazard category")
        verbose_name_plural = _("hazard categories")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class HazardSequence(models.Model):
    """The last hazard number given out in a year (numbers are YH<year>-<nnnnn>)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("hazard number sequence")
        verbose_name_plural = _("hazard number sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Campaign(models.Model):
    """A screening campaign (专项排查行动): categories, a period and its targets."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("In progress")
        CLOSED = "closed", _("Finished")

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    categories = models.ManyToManyField(HazardCategory, verbose_name=_("categories"), related_name="campaigns")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    lead_unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("lead unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="campaign_period_order")]
        verbose_name = _("screening campaign")
        verbose_name_plural = _("screening campaigns")

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    """One item to check. Items without a campaign are the defaults of their category;
    a new campaign copies them and may then edit its own."""

    category = models.ForeignKey(HazardCategory, verbose_name=pgettext_lazy("hazard", "category"), on_delete=models.CASCADE, related_name="checklist_items")
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), null=True, blank=True, on_delete=models.CASCADE, related_name="checklist_items"
    )
    text = models.CharField(_("item"), max_length=200)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category__sort_order", "sort_order", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return self.text


class CampaignTarget(models.Model):
    """A unit, site or grid cell to be inspected in a campaign."""

    class Kind(models.TextChoices):
        UNIT = "unit", _("Unit")
        SITE = "site", _("Site")
        GRID = "grid", _("Grid cell")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    category = models.ForeignKey(HazardCategory, verbose_name=pgettext_lazy("hazard", "category"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(pgettext_lazy("hazard", "kind"), max_length=8, choices=Kind.choices, default=Kind.SITE)
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=200, blank=True)
    town = models.ForeignKey("accounts.Unit", verbose_name=pgettext_lazy("hazard", "town / street"), on_delete=models.PROTECT, related_name="+")
    target_unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("unit inspected"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    inspected_on = models.DateField(_("first inspected on"), null=True, blank=True)
    inspection_count = models.PositiveIntegerField(_("inspections"), default=0)

    class Meta:
        ordering = ["campaign", "town__sort_order", "category__sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "category", "name"], name="uniq_campaign_target")]
        indexes = [models.Index(fields=["campaign", "inspected_on"], name="target_coverage_idx")]
        verbose_name = _("campaign target")
        verbose_name_plural = _("campaign targets")

    def __str__(self) -> str:
        return self.name


class Inspection(models.Model):
    """One inspection of a target: what was checked and what was found (possibly nothing)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="inspections")
    target = models.ForeignKey(CampaignTarget, on_delete=models.CASCADE, related_name="inspections")
    inspected_on = models.DateField(_("inspection date"))
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("inspector"), on_delete=models.PROTECT, related_name="+")
    other_inspectors = models.CharField(_("other inspectors"), max_length=200, blank=True)
    answers = models.JSONField(_("checklist answers"), default=list)
    note = models.TextField(_("findings"), blank=True)
    found_hazards = models.BooleanField(_("hazards found"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self) -> str:
        return f"{self.target} {self.inspected_on}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    file = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")

    def __str__(self) -> str:
        return str(self.file)


class Hazard(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    category = models.ForeignKey(HazardCategory, verbose_name=pgettext_lazy("hazard", "category"), on_delete=models.PROTECT, related_name="hazards")
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, default=Grade.GENERAL)
    title = models.CharField(pgettext_lazy("hazard", "title"), max_length=120)
    description = models.TextField(_("description"))
    address = models.CharField(_("location"), max_length=200)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    town = models.ForeignKey("accounts.Unit", verbose_name=pgettext_lazy("hazard", "town / street"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="+")
    responsible_person = models.CharField(_("responsible person"), max_length=60, blank=True)
    responsible_phone = models.CharField(_("phone of the responsible person"), max_length=40, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.UNIT_REPORT)
    source_note = models.CharField(_("source details"), max_length=200, blank=True)
    source_case = models.ForeignKey(
        "cases.Case", verbose_name=_("complaint case"), null=True, blank=True, on_delete=models.PROTECT, related_name="linked_hazards"
    )
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), null=True, blank=True, on_delete=models.SET_NULL, related_name="hazards"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), null=True, blank=True, on_delete=models.SET_NULL, related_name="hazards"
    )
    found_on = models.DateField(_("found on"))
    deadline = models.DateField(_("rectification deadline"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.REGISTERED)
    # Listed supervision (挂牌督办)
    listed_level = models.CharField(_("listed supervision"), max_length=10, choices=ListingLevel.choices, blank=True)
    listed_on = models.DateField(_("listed (published) on"), null=True, blank=True)
    listed_note = models.CharField(_("listing note"), max_length=200, blank=True)
    delisted_on = models.DateField(_("delisted on"), null=True, blank=True)
    # Clocks
    reminded_for = models.DateField(null=True, blank=True, editable=False)
    escalated_for = models.DateField(null=True, blank=True, editable=False)
    # Rectification and verification
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True)
    rectified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rectification_note = models.TextField(_("rectification report"), blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Normalised place + category + description, for duplicate detection.
    dedupe_key = models.CharField(max_length=64, db_index=True, editable=False, default="")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gte=F("found_on")), name="hazard_deadline_after_found"),
            models.CheckConstraint(condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90), name="hazard_latitude_range"),
            models.CheckConstraint(condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180), name="hazard_longitude_range"),
        ]
        indexes = [
            models.Index(fields=["state", "deadline"], name="hazard_state_deadline_idx"),
            models.Index(fields=["category", "state"], name="hazard_category_state_idx"),
            models.Index(fields=["unit", "state"], name="hazard_unit_state_idx"),
            models.Index(fields=["town", "state"], name="hazard_town_state_idx"),
            models.Index(fields=["found_on"], name="hazard_found_idx"),
            models.Index(fields=["deadline", "id"], name="hazard_deadline_id_idx"),
        ]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state != State.CLOSED

    @property
    def is_major(self) -> bool:
        return self.grade == Grade.MAJOR

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.state in UNRECTIFIED_STATES and self.deadline < today

    def days_left(self, today: dt.date | None = None) -> int:
        today = today or timezone.localdate()
        return (self.deadline - today).days

    @property
    def is_listed(self) -> bool:
        return bool(self.listed_level) and self.delisted_on is None


class HazardPlan(models.Model):
    """The rectification plan of a major hazard: the five items (五落实)."""

    hazard = models.OneToOneField(Hazard, on_delete=models.CASCADE, related_name="plan")
    responsible_person = models.CharField(_("person responsible (责任人)"), max_length=60, blank=True)
    measures = models.TextField(_("measures (措施)"), blank=True)
    funds_amount = models.DecimalField(_("funds, 10,000 yuan (资金)"), max_digits=12, decimal_places=2, null=True, blank=True)
    funds_source = models.CharField(_("source of funds"), max_length=100, blank=True)
    deadline = models.DateField(_("deadline (时限)"), null=True, blank=True)
    contingency = models.TextField(_("contingency plan (预案)"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("rectification plan")
        verbose_name_plural = _("rectification plans")

    def __str__(self) -> str:
        return f"{self.hazard.number}"

    def missing_items(self) -> list[str]:
        missing = []
        if not self.responsible_person.strip():
            missing.append(str(_("person responsible")))
        if not self.measures.strip():
            missing.append(str(_("measures")))
        if self.funds_amount is None or self.funds_amount < Decimal("0"):
            missing.append(str(_("funds")))
        if self.deadline is None:
            missing.append(str(_("deadline")))
        if not self.contingency.strip():
            missing.append(str(_("contingency plan")))
        return missing

    @property
    def is_complete(self) -> bool:
        return not self.missing_items()


class HazardPhoto(models.Model):
    class Phase(models.TextChoices):
        BEFORE = "before", _("Before rectification")
        AFTER = "after", _("After rectification")

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="photos")
    file = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    phase = models.CharField(_("phase"), max_length=8, choices=Phase.choices)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["phase", "id"]
        verbose_name = _("hazard photo")
        verbose_name_plural = _("hazard photos")

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.phase}"


class HazardExtension(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", pgettext_lazy("hazard", "Approved")
        REJECTED = "rejected", _("Rejected")

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    old_deadline = models.DateField(_("current deadline"))
    new_deadline = models.DateField(_("new deadline"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["hazard"], condition=Q(status="pending"), name="uniq_pending_extension"),
            models.CheckConstraint(condition=Q(new_deadline__gt=F("old_deadline")), name="extension_moves_deadline_later"),
        ]
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")

    def __str__(self) -> str:
        return f"{self.hazard_id} → {self.new_deadline}"


class HazardEvent(models.Model):
    """One step on a hazard's timeline."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", pgettext_lazy("hazard", "Registered")
        UPDATED = "updated", _("Details changed")
        PLAN_SAVED = "plan_saved", _("Rectification plan saved")
        STARTED = "started", _("Rectification started")
        RECTIFIED = "rectified", _("Rectification reported")
        VERIFY_PASSED = "verify_passed", _("Verified on site: passed")
        VERIFY_FAILED = "verify_failed", _("Verified on site: failed")
        CLOSED = "closed", _("Closed off")
        LISTED = "listed", _("Listed for supervision")
        EXTENSION_REQUESTED = "ext_requested", _("Extension requested")
        EXTENSION_APPROVED = "ext_approved", _("Extension approved")
        EXTENSION_REJECTED = "ext_rejected", _("Extension rejected")
        PHOTO_ADDED = "photo", _("Photo added")
        REMINDED = "reminded", _("Deadline reminder sent")
        ESCALATED = "escalated", _("Overdue: escalated")

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["hazard", "at"], name="hazard_event_idx")]
        verbose_name = _("hazard event")
        verbose_name_plural = _("hazard events")

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.kind}"


class ImportJob(models.Model):
    """An Excel import of a hazard ledger: all-or-nothing, validated row by row."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Checking")
        WRITING = "writing", _("Writing")
        FAILED = "failed", _("Refused: errors found")
        DONE = "done", pgettext_lazy("hazard", "Imported")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    language = models.CharField(max_length=10, default="zh-hans")
    skip_duplicates = models.BooleanField(_("skip duplicates"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)
    duplicates = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("hazard import")
        verbose_name_plural = _("hazard imports")

    def __str__(self) -> str:
        return str(self.file)

    @property
    def percent(self) -> int:
        if self.status in (self.Status.DONE, self.Status.FAILED):
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(self.processed_rows * 100 / self.total_rows))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
