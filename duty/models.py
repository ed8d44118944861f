"""Command and duty: instructions and warnings, supervision notices, accountability
records, the duty roster, daily and urgent reports, special periods.

Every record here is about a matter or a unit's work (DESIGN.md principle 1): the
roster holds staff duty shifts only, and accountability records are kept on units.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Unit


class DutySettings(models.Model):
    """The district's duty rules. One row per district (the root unit); every number is editable."""

    class OrdinaryDays(models.TextChoices):
        NONE = "none", _("Optional outside special periods")
        WORKDAYS = "workdays", _("Required on working days")
        EVERY_DAY = "every_day", _("Required every day")

    district = models.OneToOneField(Unit, verbose_name=_("district"), on_delete=models.CASCADE, related_name="duty_settings")
    report_due_time = models.TimeField(_("daily report due at"), default=dt.time(15, 0))
    ordinary_days = models.CharField(
        _("daily reports outside special periods"), max_length=12, choices=OrdinaryDays.choices, default=OrdinaryDays.WORKDAYS
    )
    report_reminder_minutes = models.PositiveIntegerField(_("remind units this many minutes before the daily report is due"), default=60)
    handover_time = models.TimeField(_("duty handover time"), default=dt.time(8, 30), help_text=_("A duty day runs from this time to the same time the next day."))
    roster_check_time = models.TimeField(_("check tomorrow's roster at"), default=dt.time(16, 0))
    ack_reminder_minutes = models.PositiveIntegerField(_("remind units this many minutes before an acknowledgement is due"), default=15)
    result_reminder_minutes = models.PositiveIntegerField(_("remind units this many minutes before a result is due"), default=120)
    notice_reminder_days = models.PositiveIntegerField(_("remind units this many days before a supervision notice is due"), default=1)
    progress_interval_days = models.PositiveIntegerField(_("default interval of progress reports on owned cases (days)"), default=7)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("duty settings")
        verbose_name_plural = _("duty settings")

    def __str__(self) -> str:
        return str(_("Duty settings of %(district)s") % {"district": self.district})


class SpecialPeriod(models.Model):
    """特护期: a named date range with mandatory daily reports for the units it names
    (all reporting units when it names none), possibly with its own deadline."""

    name = models.CharField(_("name"), max_length=100)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    report_due_time = models.TimeField(_("daily report due at"), null=True, blank=True, help_text=_("Empty: the district's usual time."))
    units = models.ManyToManyField(Unit, verbose_name=_("units"), blank=True, related_name="special_periods", help_text=_("Empty: every reporting unit."))
    description = models.TextField(_("requirements"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="duty_period_dates_ordered")]
        indexes = [models.Index(fields=["start_date", "end_date"], name="duty_period_dates_idx")]
        verbose_name = _("special period")
        verbose_name_plural = _("special periods")

    def __str__(self) -> str:
        return self.name

    def covers(self, day: dt.date) -> bool:
        return self.cancelled_at is None and self.start_date <= day <= self.end_date


class Sequence(models.Model):
    """Yearly counters for document numbers (指令, 督办单, 快报, 交办)."""

    key = models.CharField(max_length=20)
    year = models.PositiveIntegerField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "year"], name="duty_sequence_key_year")]

    def __str__(self) -> str:
        return f"{self.key}-{self.year}:{self.value}"


class Instruction(models.Model):
    """指令 / 预警通报 sent by the district office to one or more units."""

    class Kind(models.TextChoices):
        INSTRUCTION = "instruction", _("Instruction")
        WARNING = "warning", _("Warning")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normal")
        URGENT = "urgent", _("Urgent")
        CRITICAL = "critical", _("Extra urgent")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("duty", "Open")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("number"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INSTRUCTION)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"))
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sender"), on_delete=models.PROTECT, related_name="+")
    sender_unit = models.ForeignKey(Unit, verbose_name=_("sending unit"), on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)
    ack_deadline = models.DateTimeField(_("acknowledge by"))
    report_deadline = models.DateTimeField(_("report the result by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    closed_at = models.DateTimeField(pgettext_lazy("duty", "closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    close_note = models.TextField(_("closing note"), blank=True)
    attachments = models.ManyToManyField("files.StoredFile", verbose_name=_("attachments"), blank=True, related_name="+")
    cases = models.ManyToManyField("cases.Case", verbose_name=_("linked cases"), blank=True, related_name="instructions")
    hazards = models.ManyToManyField("hazards.Hazard", verbose_name=_("linked hazards"), blank=True, related_name="instructions")

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(report_deadline__gte=F("ack_deadline")), name="duty_instr_deadlines_ordered")]
        verbose_name = _("instruction")
        verbose_name_plural = pgettext_lazy("duty", "instructions")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class InstructionTarget(models.Model):
    """One unit an instruction was sent to, with its acknowledge/report state."""

    class State(models.TextChoices):
        UNSEEN = "unseen", _("Not seen")
        SEEN = "seen", _("Seen")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        REPORTED = "reported", _("Result reported")

    instruction = models.ForeignKey(Instruction, on_delete=models.CASCADE, related_name="targets")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="instruction_targets")
    first_seen_at = models.DateTimeField(_("first seen at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reported_at = models.DateTimeField(_("result reported at"), null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    result = models.TextField(_("result"), blank=True)
    result_files = models.ManyToManyField("files.StoredFile", verbose_name=_("result attachments"), blank=True, related_name="+")

    class Meta:
        ordering = ["unit__sort_order", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["instruction", "unit"], name="duty_target_unique_unit"),
            models.CheckConstraint(condition=Q(reported_at__isnull=True) | Q(acknowledged_at__isnull=False), name="duty_target_report_after_ack"),
        ]
        indexes = [models.Index(fields=["unit", "acknowledged_at", "reported_at"], name="duty_target_unit_state_idx")]
        verbose_name = _("instruction recipient")
        verbose_name_plural = _("instruction recipients")

    def __str__(self) -> str:
        return f"{self.instruction.number} → {self.unit}"

    @property
    def state(self) -> str:
        if self.reported_at:
            return self.State.REPORTED
        if self.acknowledged_at:
            return self.State.ACKNOWLEDGED
        if self.first_seen_at:
            return self.State.SEEN
        return self.State.UNSEEN

    def get_state_display(self) -> str:
        return str(self.State(self.state).label)

    def ack_overdue(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.acknowledged_at:
            return self.acknowledged_at > self.instruction.ack_deadline
        return self.instruction.is_open and now > self.instruction.ack_deadline

    def report_overdue(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.reported_at:
            return self.reported_at > self.instruction.report_deadline
        return self.instruction.is_open and now > self.instruction.report_deadline


class SupervisionNotice(models.Model):
    """督办单: issued by a supervisor to a unit on a stuck matter; the unit answers by the due date."""

    class Subject(models.TextChoices):
        CASE = "case", _("Complaint case")
        HAZARD = "hazard", _("Hazard")
        INSTRUCTION = "instruction", _("Instruction")
        OTHER = "other", _("Other matter")

    class Status(models.TextChoices):
        ISSUED = "issued", _("Awaiting answer")
        ANSWERED = "answered", _("Answered, under review")
        RETURNED = "returned", _("Sent back")
        ACCEPTED = "accepted", pgettext_lazy("duty", "Accepted")

    number = models.CharField(_("number"), max_length=30, unique=True)
    subject = models.CharField(_("subject"), max_length=12, choices=Subject.choices, default=Subject.OTHER)
    title = models.CharField(_("title"), max_length=200)
    requirement = models.TextField(_("what must be done"))
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="supervision_notices")
    instruction = models.ForeignKey(Instruction, verbose_name=_("instruction"), null=True, blank=True, on_delete=models.PROTECT, related_name="notices")
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="supervision_notices")
    hazard = models.ForeignKey("hazards.Hazard", verbose_name=_("hazard"), null=True, blank=True, on_delete=models.PROTECT, related_name="supervision_notices")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now, db_index=True)
    due_date = models.DateField(_("answer by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ISSUED, db_index=True)
    closed_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["unit", "status"], name="duty_notice_unit_status_idx")]
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def awaiting_unit(self) -> bool:
        return self.status in (self.Status.ISSUED, self.Status.RETURNED)

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.awaiting_unit and today > self.due_date


class NoticeAnswer(models.Model):
    """A unit's answer to a supervision notice, and the supervisor's verdict on it."""

    class Verdict(models.TextChoices):
        PENDING = "", _("Under review")
        ACCEPTED = "accepted", pgettext_lazy("duty", "Accepted")
        RETURNED = "returned", _("Sent back")

    notice = models.ForeignKey(SupervisionNotice, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(_("answer"))
    files = models.ManyToManyField("files.StoredFile", verbose_name=_("attachments"), blank=True, related_name="+")
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"), on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices, default=Verdict.PENDING, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        ordering = ["answered_at", "id"]
        verbose_name = _("answer to a notice")
        verbose_name_plural = _("answers to notices")

    def __str__(self) -> str:
        return f"{self.notice.number} · {self.answered_at:%Y-%m-%d}"


class AccountabilityRecord(models.Model):
    """问责记录 on a unit: why, which notices or cases, what measure, decided by whom."""

    class Measure(models.TextChoices):
        INTERVIEW = "interview", _("Admonitory talk (约谈)")
        CRITICISM = "criticism", _("Circulated criticism (通报批评)")
        SELF_EXAMINATION = "self_exam", _("Written self-examination (书面检查)")
        RECTIFY_ORDER = "rectify", _("Order to rectify within a time limit (限期整改)")
        ASSESSMENT = "assessment", _("Deduction in performance assessment (考核扣分)")
        REFERRAL = "referral", _("Referred to discipline inspection (移交纪检监察)")
        OTHER = "other", _("Other measure")

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="accountability_records")
    reason = models.TextField(pgettext_lazy("duty", "reason"))
    measure = models.CharField(_("measure"), max_length=12, choices=Measure.choices)
    measure_detail = models.TextField(_("details of the measure"), blank=True)
    decided_by = models.CharField(_("decided by"), max_length=100, help_text=_("The body that decided the measure, e.g. the district government."))
    decided_on = models.DateField(_("decided on"))
    notices = models.ManyToManyField(SupervisionNotice, verbose_name=_("supervision notices"), blank=True, related_name="accountability_records")
    cases = models.ManyToManyField("cases.Case", verbose_name=_("cases"), blank=True, related_name="accountability_records")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_measure_display()} · {self.decided_on}"


class DutyShift(models.Model):
    """One shift of a unit's 24-hour duty: the leader on duty, the officer on duty, the duty phone.

    The shifts of one duty day (handover to handover) tile the 24 hours without gaps
    and without overlaps (two leaders at once); the services check it.
    """

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="duty_shifts")
    duty_date = models.DateField(_("duty day"))
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("to"))
    leader_name = models.CharField(_("leader on duty"), max_length=40)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("leader's account"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    officer_name = models.CharField(_("officer on duty"), max_length=40)
    phone = models.CharField(_("duty phone"), max_length=40)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="duty_shift_positive"),
            models.UniqueConstraint(fields=["unit", "starts_at"], name="duty_shift_unit_start"),
        ]
        indexes = [
            models.Index(fields=["unit", "duty_date"], name="duty_shift_unit_day_idx"),
            models.Index(fields=["starts_at", "ends_at"], name="duty_shift_span_idx"),
        ]
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")

    def __str__(self) -> str:
        return f"{self.unit} {self.duty_date} {self.leader_name}/{self.officer_name}"


class DailyReport(models.Model):
    """日报: a unit's report on one day's situation, or an explicit "nothing to report"."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="daily_reports")
    date = models.DateField(_("date"))
    due_at = models.DateTimeField(_("due at"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+")
    is_late = models.BooleanField(_("late"), default=False)
    nothing_to_report = models.BooleanField(_("nothing to report"), default=False)
    situation = models.TextField(_("situation of the day"), blank=True)
    incidents = models.TextField(_("new incidents"), blank=True)
    hazards = models.TextField(_("hazards found"), blank=True)
    help_needed = models.TextField(_("matters needing help from the district"), blank=True)
    updated_at = models.DateTimeField(_("last changed at"), default=timezone.now)

    class Meta:
        ordering = ["-date", "unit__sort_order"]
        constraints = [models.UniqueConstraint(fields=["unit", "date"], name="duty_daily_unit_date")]
        indexes = [models.Index(fields=["date", "unit"], name="duty_daily_date_unit_idx")]
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")

    def __str__(self) -> str:
        return f"{self.unit} {self.date}"


class UrgentReport(models.Model):
    """突发事件快报, filed at once; follow-up reports chain to the first one (``parent``)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("duty", "Being handled")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("number"), max_length=30, unique=True)
    parent = models.ForeignKey("self", verbose_name=_("first report"), null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="urgent_reports")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now, db_index=True)
    title = models.CharField(_("what happened"), max_length=200)
    place = models.CharField(_("where"), max_length=200)
    occurred_at = models.DateTimeField(_("when it happened"))
    scale = models.TextField(_("scale and impact"), blank=True)
    measures = models.TextField(_("measures taken"), blank=True)
    help_needed = models.TextField(_("help needed"), blank=True)
    files = models.ManyToManyField("files.StoredFile", verbose_name=_("attachments"), blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(pgettext_lazy("duty", "closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("urgent incident report")
        verbose_name_plural = _("urgent incident reports")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def root(self) -> UrgentReport:
        return self.parent or self


class CaseOwnership(models.Model):
    """领导包案: a district leader personally owns a prominent case until it is settled;
    the handling unit reports progress at the set interval."""

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="leader_ownerships")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("leader"), on_delete=models.PROTECT, related_name="owned_cases")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("owned since"), default=timezone.now)
    interval_days = models.PositiveIntegerField(_("progress report every (days)"), default=7)
    instructions = models.TextField(_("leader's instructions"), blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ended by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    end_note = models.TextField(_("closing note"), blank=True)

    class Meta:
        ordering = ["-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(ended_at__isnull=True), name="duty_one_active_owner_per_case"),
            models.CheckConstraint(condition=Q(interval_days__gte=1), name="duty_ownership_interval_positive"),
        ]
        indexes = [models.Index(fields=["leader", "ended_at"], name="duty_ownership_leader_idx")]
        verbose_name = _("case ownership")
        verbose_name_plural = _("case ownerships")

    def __str__(self) -> str:
        return f"{self.leader} · {self.case}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class CentralBatch(models.Model):
    """集中交办: prominent cases assigned together with one deadline and periodic progress."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("duty", "Open")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("number"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=200)
    note = models.TextField(_("requirements"), blank=True)
    deadline = models.DateField(pgettext_lazy("duty", "deadline"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(pgettext_lazy("duty", "closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("central assignment batch")
        verbose_name_plural = _("central assignment batches")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class BatchItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("No progress yet")
        PROGRESSING = "progressing", _("In progress")
        RESOLVED = "resolved", pgettext_lazy("duty", "Resolved")

    batch = models.ForeignKey(CentralBatch, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="central_items")
    unit = models.ForeignKey(Unit, verbose_name=_("handling unit"), on_delete=models.PROTECT, related_name="central_items")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["unit__sort_order", "unit__path", "id"]
        constraints = [models.UniqueConstraint(fields=["batch", "case"], name="duty_batch_case_once")]
        verbose_name = _("case in a batch")
        verbose_name_plural = _("cases in a batch")

    def __str__(self) -> str:
        return f"{self.batch.number} · {self.case}"


class ProgressReport(models.Model):
    """A handling unit's progress on an owned case or a centrally assigned case."""

    ownership = models.ForeignKey(CaseOwnership, null=True, blank=True, on_delete=models.CASCADE, related_name="progress")
    item = models.ForeignKey(BatchItem, null=True, blank=True, on_delete=models.CASCADE, related_name="progress")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("progress"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)

    class Meta:
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(ownership__isnull=False) & Q(item__isnull=True)) | (Q(ownership__isnull=True) & Q(item__isnull=False)),
                name="duty_progress_one_parent",
            )
        ]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")

    def __str__(self) -> str:
        return f"{self.unit} {self.reported_at:%Y-%m-%d}"
