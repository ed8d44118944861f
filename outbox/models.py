"""Messages to complainants (SMS and e-mail): editable templates, the contact a complainant
gave for their own case, and the delivery log with retries.

Personal data (a phone number, an e-mail address) is held here only to serve that
person's own case; it never goes to the application log."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    CODE_ISSUED = "code_issued", _("Query code issued")
    ACCEPTED = "accepted", _("Accepted")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    REDIRECTED = "redirected", _("Redirected to another channel")
    EXTENDED = "extended", _("Handling time extended")
    REPLIED = "replied", _("Written reply issued")
    REVIEW_OPINION = "review_opinion", _("Review opinion issued")
    REREVIEW_OPINION = "rereview_opinion", _("Re-review opinion issued")
    FOLLOWUP_REQUEST = "followup_request", _("Request to rate the answer")


class Medium(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class MessageTemplate(models.Model):
    """The text of one message, per event, medium and language. ``subject`` and ``body``
    are Django templates; the variables are listed in ``VARIABLES``."""

    VARIABLES = ("number", "title", "code", "reason", "channel", "outcome", "unit", "link", "days", "due")

    event = models.CharField(_("event"), max_length=30, choices=Event.choices)
    medium = models.CharField(_("medium"), max_length=10, choices=Medium.choices)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS)
    subject = models.CharField(_("subject (e-mail)"), max_length=200, blank=True)
    body = models.TextField(
        _("text"),
        help_text=_("Variables: {{ number }}, {{ title }}, {{ code }}, {{ reason }}, {{ channel }}, {{ outcome }}, {{ unit }}, {{ link }}, {{ days }}, {{ due }}."),
    )
    is_active = models.BooleanField(_("send this message"), default=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["event", "medium", "language"]
        constraints = [models.UniqueConstraint(fields=["event", "medium", "language"], name="uniq_outbox_template")]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return f"{self.get_event_display()} · {self.get_medium_display()} · {self.language}"


class CaseContact(models.Model):
    """How the complainant of one case asked to be told (given on the portal or through
    Open311). Used for that case only."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="contact")
    phone = models.CharField(_("mobile phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("complainant contact")
        verbose_name_plural = _("complainant contacts")

    def __str__(self) -> str:
        return str(self.case_id)


class Delivery(models.Model):
    """One message to one recipient, with its attempts. A secret (a query code) is kept
    only until the message is sent or given up, then blanked."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    SECRET_MARK = "[[code]]"

    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries")
    event = models.CharField(_("event"), max_length=30, choices=Event.choices)
    medium = models.CharField(_("medium"), max_length=10, choices=Medium.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    secret = models.CharField(max_length=40, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    provider_id = models.CharField(_("gateway reference"), max_length=100, blank=True)
    dedupe_key = models.CharField(max_length=150, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]
        verbose_name = _("delivery")
        verbose_name_plural = _("delivery log")

    def __str__(self) -> str:
        return f"{self.get_medium_display()} {self.get_event_display()} #{self.pk}"

    @property
    def masked_recipient(self) -> str:
        value = self.recipient
        if "@" in value:
            name, _at, domain = value.partition("@")
            return (name[:1] + "***@" + domain) if name else value
        if len(value) >= 7:
            return value[:3] + "****" + value[-4:]
        return "*" * len(value)
