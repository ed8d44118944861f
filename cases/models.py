"""Complaint cases (信访事项 / 工单): the case, its people, its handling and its clocks.

Every write goes through ``cases.services``; read helpers live in ``cases.selectors``
and ``cases.access``. Denormalised fields on :class:`Case` (``current_unit``,
``next_due``, ``due_key``, ``is_overdue``, ``search_tokens``) are maintained by the
services and by the daily sweep, never by hand.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.workdays import DayType

FAR_FUTURE = dt.date(9999, 12, 31)
CONTENT_MAX = 10_000


class Channel(models.TextChoices):
    VISIT = "visit", _("Walk-in visit")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone (12345)")
    WEB = "web", _("Web portal")
    OPEN311 = "open311", _("Open311")
    TRANSFERRED = "transferred", _("Transferred from a higher office")
    LEADER = "leader", _("Assigned by a leader")
    IMPORTED = "imported", _("Imported")


class CaseType(models.TextChoices):
    SUGGESTION = "suggestion", _("Suggestion")
    ACCUSATION = "accusation", _("Accusation")
    APPEAL = "appeal", _("Appeal / request")
    CONSULTATION = "consultation", _("Question")
    HELP = "help", _("Request for help")
    COMPLAINT = "complaint", _("Complaint")


HOTLINE_TYPES = frozenset({CaseType.CONSULTATION, CaseType.HELP, CaseType.COMPLAINT})


class Level(models.TextChoices):
    ORIGINAL = "original", _("First handling")
    REVIEW = "review", _("Review")
    REREVIEW = "rereview", _("Re-review")


class State(models.TextChoices):
    REGISTERED = "registered", _("Registered, to decide")
    ACCEPTED = "accepted", _("Accepted, to assign")
    OBJECTED = "objected", _("Objected by the unit, to reassign")
    ASSIGNED = "assigned", _("Assigned, to receive")
    HANDLING = "handling", _("Being handled")
    REPLY_PENDING = "reply_pending", _("Reply awaiting approval")
    REPLY_APPROVED = "reply_approved", _("Reply approved, to issue")
    REPLIED = "replied", _("Replied, to follow up")
    CLOSED = "closed", _("Closed")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    REDIRECTED = "redirected", _("Redirected to another channel")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATES = frozenset(
    {
        State.REGISTERED,
        State.ACCEPTED,
        State.OBJECTED,
        State.ASSIGNED,
        State.HANDLING,
        State.REPLY_PENDING,
        State.REPLY_APPROVED,
    }
)
UNIT_STATES = frozenset({State.ASSIGNED, State.HANDLING, State.REPLY_PENDING, State.REPLY_APPROVED})
FINISHED_STATES = frozenset({State.CLOSED, State.NOT_ACCEPTED, State.REDIRECTED, State.WITHDRAWN})


class RedirectChannel(models.TextChoices):
    LITIGATION = "litigation", _("Litigation (court)")
    ARBITRATION = "arbitration", _("Arbitration")
    RECONSIDERATION = "reconsideration", _("Administrative reconsideration")
    LABOUR_ARBITRATION = "labour_arbitration", _("Labour dispute arbitration")
    DISCIPLINE = "discipline", _("Discipline inspection and supervision")


class Outcome(models.TextChoices):
    SUPPORT = "support", _("Supported")
    EXPLAIN = "explain", _("Explained")
    NOT_SUPPORT = "not_support", _("Not supported")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS link")
    PORTAL = "portal", _("Web portal")
    VISIT = "visit", _("Visit in person")


class ClockKind(models.TextChoices):
    DECIDE = "decide", _("Decide and notify")
    ASSIGN = "assign", _("Assign to a unit")
    OBJECTION = "objection", _("Objection window")
    CONTACT = "contact", _("Contact the complainant")
    HANDLE = "handle", _("Handle and reply")
    REVIEW_REQUEST = "review_request", _("Window to request review")
    REVIEW_OPINION = "review_opinion", _("Review opinion")
    REREVIEW_REQUEST = "rereview_request", _("Window to request re-review")
    REREVIEW_OPINION = "rereview_opinion", _("Re-review opinion")


#: Clocks that are the complainant's windows, not anyone's duty: they expire, they are never "overdue".
WINDOW_CLOCKS = frozenset({ClockKind.REVIEW_REQUEST, ClockKind.REREVIEW_REQUEST, ClockKind.OBJECTION})


class ClockState(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    MET = "met", _("Done on time")
    LATE = "late", _("Done late")
    EXPIRED = "expired", _("Window closed")


class DeadlineRule(models.Model):
    """A statutory time limit (DOMAIN.md §1), editable by administrators.

    ``step`` is one of :class:`ClockKind` plus ``extension`` (the most days an extension may add)."""

    step = models.CharField(_("step"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    days = models.PositiveSmallIntegerField(_("days"))
    day_type = models.CharField(
        _("day type"), max_length=10, choices=[(DayType.CALENDAR.value, _("Calendar days")), (DayType.WORKING.value, _("Working days"))]
    )
    remind_before_days = models.PositiveSmallIntegerField(_("remind days before"), default=3)

    class Meta:
        ordering = ["id"]
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")

    def __str__(self) -> str:
        return f"{self.name}: {self.days} ({self.get_day_type_display()})"


class Category(models.Model):
    """A node of the three-level case taxonomy (e.g. 城乡建设 > 物业管理 > 物业服务质量)."""

    parent = models.ForeignKey(
        "self", verbose_name=_("parent category"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    default_unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("default handling unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    keywords = models.TextField(
        _("keywords"), blank=True, help_text=_("Words separated by spaces or commas; used to suggest this category.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["level", "sort_order", "code"]
        constraints = [models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=3), name="case_category_level_1_3")]
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    def keyword_list(self) -> list[str]:
        return [w for w in self.keywords.replace("，", " ").replace(",", " ").split() if w]


class HotlineRule(models.Model):
    """Hotline (12345) style limits: a second, per-category rule set for questions, requests
    for help and complaints. The most specific rule wins (the category, then its parents,
    then the rule without a category)."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE, related_name="hotline_rules"
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    contact_hours = models.PositiveSmallIntegerField(_("contact the complainant within hours"), null=True, blank=True)
    resolve_hours = models.PositiveSmallIntegerField(_("resolve within hours"), null=True, blank=True)
    resolve_days = models.PositiveSmallIntegerField(_("resolve within days"), null=True, blank=True)
    day_type = models.CharField(
        _("day type"),
        max_length=10,
        default=DayType.CALENDAR.value,
        choices=[(DayType.CALENDAR.value, _("Calendar days")), (DayType.WORKING.value, _("Working days"))],
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "urgent"], condition=models.Q(category__isnull=False), name="uniq_hotline_rule"),
            models.UniqueConstraint(fields=["urgent"], condition=models.Q(category__isnull=True), name="uniq_hotline_default_rule"),
        ]
        verbose_name = _("hotline time limit")
        verbose_name_plural = _("hotline time limits")

    def __str__(self) -> str:
        return f"{self.category or '*'} {'urgent' if self.urgent else ''}".strip()


class CaseNumberCounter(models.Model):
    """The last case number handed out in a year, one row per year: the numbers on SQLite.
    PostgreSQL counts with a sequence per year (cases/numbers.py) and reads this row only as
    the starting point of a year that began before the sequences (it is no longer updated there)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("case number counter")


class Case(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.ORIGINAL)
    parent_case = models.ForeignKey(
        "self", verbose_name=_("reviewed case"), null=True, blank=True, on_delete=models.PROTECT, related_name="review_cases"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    type = models.CharField(_("type"), max_length=20, choices=CaseType.choices)
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"))
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    town = models.ForeignKey(
        "accounts.Unit", verbose_name=_("town / street"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    anonymous = models.BooleanField(_("anonymous"), default=False)
    joint = models.BooleanField(_("joint complaint"), default=False)
    head_count = models.PositiveIntegerField(_("number of people"), default=1)
    confidential = models.BooleanField(_("confidential"), default=False)
    accused_unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("accused unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.REGISTERED)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    redirect_channel = models.CharField(_("redirected to"), max_length=30, choices=RedirectChannel.choices, blank=True)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    replied_at = models.DateTimeField(_("reply issued"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    final = models.BooleanField(
        _("not to be accepted again"), default=False, help_text=_("Set after a re-review: the matter is finished (终结).")
    )
    final_match = models.ForeignKey(
        "self", verbose_name=_("matches a finished matter"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    final_match_reason = models.CharField(_("why it matches"), max_length=300, blank=True)
    idempotency_key = models.CharField(_("client reference"), max_length=100, null=True, blank=True, unique=True)
    # Denormalised for fast, scoped lists; maintained by the services and the sweep.
    current_unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("handling unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    next_due = models.DateField(_("next deadline"), null=True, blank=True)
    due_key = models.DateField(default=FAR_FUTURE, editable=False)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    search_tokens = models.TextField(blank=True, default="", editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_key", "id"]
        indexes = [
            models.Index(fields=["due_key", "id"], name="case_due_idx"),  # the district-wide list in deadline order
            models.Index(fields=["state", "due_key", "id"], name="case_state_due_idx"),
            models.Index(fields=["current_unit", "state", "due_key", "id"], name="case_unit_state_due_idx"),
            models.Index(fields=["is_overdue", "due_key", "id"], name="case_overdue_idx"),
            models.Index(fields=["received_at", "id"], name="case_received_idx"),
            models.Index(fields=["category", "state"], name="case_category_state_idx"),
            # the few matters finished after re-review, looked up at every registration
            models.Index(fields=["category", "-replied_at"], name="case_final_idx", condition=models.Q(final=True, level="original")),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(head_count__gte=1), name="case_head_count_positive"),
            models.CheckConstraint(
                condition=~models.Q(type="accusation") | models.Q(confidential=True), name="case_accusation_confidential"
            ),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return f"/cases/{self.number}/"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_hotline(self) -> bool:
        return self.type in HOTLINE_TYPES


class Complainant(models.Model):
    """A person who brought the case. Anonymous cases have none; a joint complaint has its
    representatives here and the head count on the case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="complainants")
    name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    id_number = models.CharField(_("ID number"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_representative = models.BooleanField(_("representative"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        indexes = [
            models.Index(fields=["phone"], name="complainant_phone_idx"),
            models.Index(fields=["id_number"], name="complainant_idno_idx"),
        ]
        verbose_name = _("complainant")
        verbose_name_plural = _("complainants")

    def __str__(self) -> str:
        return self.name


class CaseLink(models.Model):
    class Kind(models.TextChoices):
        DUPLICATE_OF = "duplicate_of", _("Duplicate of")
        REVIEW_OF = "review_of", _("Review of")
        RELATED = "related", _("Related to")

    from_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_out")
    to_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_case", "to_case", "kind"], name="uniq_case_link"),
            models.CheckConstraint(condition=~models.Q(from_case=models.F("to_case")), name="case_link_not_self"),
        ]
        verbose_name = _("case link")
        verbose_name_plural = _("case links")

    def __str__(self) -> str:
        return f"{self.from_case_id} {self.kind} {self.to_case_id}"


class CaseAssignment(models.Model):
    """A unit the case is assigned to. Several units may share a case; one is the lead."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To receive")
        RECEIVED = "received", _("Received")
        OBJECTED = "objected", _("Objected")
        WITHDRAWN = "withdrawn", _("Superseded")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="case_assignments")
    is_lead = models.BooleanField(_("lead unit"), default=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    is_active = models.BooleanField(default=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField(null=True, blank=True)
    objection_reason = models.TextField(_("objection reason"), blank=True)
    objected_at = models.DateTimeField(null=True, blank=True)
    instructions = models.TextField(_("instructions"), blank=True)

    class Meta:
        ordering = ["-is_lead", "id"]
        indexes = [models.Index(fields=["unit", "is_active", "case"], name="case_assign_unit_idx")]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(is_active=True, is_lead=True), name="one_active_lead_per_case")
        ]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return f"{self.case_id} -> {self.unit_id}"


class CaseEvent(models.Model):
    """One line of the case's timeline. ``public`` lines are what the complainant may see;
    internal notes are never public."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        ACCEPTED = "accepted", _("Accepted")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")
        REDIRECTED = "redirected", _("Redirected")
        ASSIGNED = "assigned", _("Assigned")
        RECEIVED = "received", _("Received by the unit")
        OBJECTED = "objected", _("Objection by the unit")
        NOTE = "note", _("Investigation note")
        CONTACT = "contact", _("Complainant contacted")
        MEETING = "meeting", _("Meeting with the complainant")
        EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
        EXTENSION_APPROVED = "extension_approved", _("Extension approved")
        EXTENSION_REFUSED = "extension_refused", _("Extension refused")
        REPLY_DRAFTED = "reply_drafted", _("Reply drafted")
        REPLY_SUBMITTED = "reply_submitted", _("Reply submitted for approval")
        REPLY_APPROVED = "reply_approved", _("Reply approved")
        REPLY_RETURNED = "reply_returned", _("Reply returned")
        REPLIED = "replied", _("Reply issued to the complainant")
        FOLLOWUP = "followup", _("Follow-up")
        CLOSED = "closed", _("Closed")
        REVIEW_REQUESTED = "review_requested", _("Review requested")
        REREVIEW_REQUESTED = "rereview_requested", _("Re-review requested")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        LINKED = "linked", _("Linked")
        ATTACHMENT = "attachment", _("Attachment added")
        IDENTITY_REVEALED = "identity_revealed", _("Identity revealed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    unit = models.ForeignKey("accounts.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now)
    text = models.TextField(_("text"), blank=True)
    public = models.BooleanField(_("visible to the complainant"), default=False)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_idx")]
        constraints = [models.CheckConstraint(condition=~models.Q(kind="note", public=True), name="case_note_never_public")]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d}"


class CaseAttachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_material = models.BooleanField(_("accusation material"), default=False)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.description or str(self.file_id)


class CaseReply(models.Model):
    """The written reply (处理意见书), or at review levels the review / re-review opinion."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting approval")
        RETURNED = "returned", _("Returned for changes")
        APPROVED = "approved", _("Approved")
        ISSUED = "issued", _("Issued")

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="reply")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    text = models.TextField(_("reply text"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    drafted_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_via = models.CharField(_("issued via"), max_length=20, blank=True)
    assistance_needed = models.BooleanField(_("assistance referral"), default=False)
    assistance_what = models.CharField(_("what help"), max_length=300, blank=True)
    assistance_by = models.CharField(_("help given by"), max_length=200, blank=True)
    assistance_when = models.DateField(_("help given on"), null=True, blank=True)

    class Meta:
        verbose_name = _("written reply")
        verbose_name_plural = _("written replies")

    def __str__(self) -> str:
        return f"{self.case_id} {self.outcome}"


class CaseMeeting(models.Model):
    """A meeting with the complainant (见面)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meetings")
    held_at = models.DateTimeField(_("when"))
    place = models.CharField(_("where"), max_length=200)
    participants = models.CharField(_("who"), max_length=300)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_at", "id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.case_id} {self.held_at:%Y-%m-%d}"


class CaseExtension(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("days"))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("note on the decision"), blank=True)
    old_due = models.DateField(null=True, blank=True)
    new_due = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(decision="pending"), name="one_pending_extension"),
            models.UniqueConstraint(fields=["case"], condition=models.Q(decision="approved"), name="one_approved_extension"),
            models.CheckConstraint(condition=models.Q(days__gte=1), name="extension_days_positive"),
        ]
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")

    def __str__(self) -> str:
        return f"{self.case_id} +{self.days}"


class CaseFollowUp(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followups")
    resolved = models.BooleanField(_("resolved"))
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=ContactChannel.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return f"{self.case_id} {self.satisfaction}"


class CaseClock(models.Model):
    """One deadline of a case: when it started, when it is due, when it stopped.

    ``due_at`` is set for hour-based hotline limits; day-based clocks are due at the end
    of ``due_date``."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices)
    started_at = models.DateTimeField(_("started"))
    due_date = models.DateField(_("due date"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    days = models.PositiveSmallIntegerField(default=0)
    day_type = models.CharField(max_length=10, default=DayType.CALENDAR.value)
    extended_days = models.PositiveSmallIntegerField(default=0)
    remind_before_days = models.PositiveSmallIntegerField(default=3)

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["stopped_at", "due_date"], name="case_clock_running_idx")]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], condition=models.Q(stopped_at__isnull=True), name="one_running_clock_per_kind")
        ]
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.due_date}"

    @property
    def is_window(self) -> bool:
        return self.kind in WINDOW_CLOCKS

    @property
    def is_running(self) -> bool:
        return self.stopped_at is None
