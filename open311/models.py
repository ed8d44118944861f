"""Open311 GeoReport v2: the client applications allowed to file requests, the extra
attributes a category asks for, and what each Open311 submission brought beside the case."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Open311Client(models.Model):
    """A client application (a 12345 platform, a map app, a FixMyStreet install) with its
    API key. Only a hash of the key is stored; the key is shown once when issued."""

    name = models.CharField(_("client application"), max_length=100)
    contact = models.CharField(_("contact"), max_length=200, blank=True, help_text=_("Who runs the client (unit, person, phone)."))
    prefix = models.CharField(_("key begins with"), max_length=12, db_index=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("issued"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Datatype(models.TextChoices):
    STRING = "string", _("Short text")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Long text")
    SINGLEVALUELIST = "singlevaluelist", _("One choice from a list")
    MULTIVALUELIST = "multivaluelist", _("Several choices from a list")


class ServiceAttribute(models.Model):
    """An extra question a category (an Open311 service) asks, e.g. "which floor?"."""

    category = models.ForeignKey("cases.Category", verbose_name=_("category"), on_delete=models.CASCADE, related_name="open311_attributes")
    code = models.SlugField(_("code"), max_length=50, help_text=_("Sent by clients as attribute[code]."))
    variable = models.BooleanField(_("asked of the citizen"), default=True, help_text=_("Off: informational only, clients show the description."))
    datatype = models.CharField(_("data type"), max_length=20, choices=Datatype.choices, default=Datatype.STRING)
    required = models.BooleanField(_("required"), default=False)
    datatype_description = models.CharField(_("format hint"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    description = models.CharField(_("question"), max_length=300)

    class Meta:
        ordering = ["category", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="uniq_open311_attribute")]
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")

    def __str__(self) -> str:
        return f"{self.category.code}/{self.code}"

    @property
    def is_list(self) -> bool:
        return self.datatype in (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST)


class ServiceAttributeValue(models.Model):
    attribute = models.ForeignKey(ServiceAttribute, on_delete=models.CASCADE, related_name="values")
    key = models.CharField(_("key"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["attribute", "key"], name="uniq_open311_attribute_value")]
        verbose_name = _("list value")
        verbose_name_plural = _("list values")

    def __str__(self) -> str:
        return f"{self.key}: {self.name}"


class Open311Submission(models.Model):
    """Which client filed a case through Open311, with the attribute answers and the media
    URLs it sent (URLs are kept as given; nothing is fetched from them)."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="open311_submission")
    client = models.ForeignKey(Open311Client, on_delete=models.PROTECT, related_name="submissions")
    attributes = models.JSONField(default=dict, blank=True)
    media_urls = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["client", "created_at"], name="open311_sub_client_idx")]
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")

    def __str__(self) -> str:
        return str(self.case_id)
