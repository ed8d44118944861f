from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    INTAKE = "intake", _("Intake officer")
    OFFICER = "officer", _("Unit officer")
    HEAD = "head", _("Unit head")
    LEADER = "leader", _("Leader")
    SUPERVISOR = "supervisor", _("Supervisor")
    FOLLOWUP = "followup", _("Follow-up officer")
    DUTY = "duty", _("Duty officer")


class UnitKind(models.TextChoices):
    DISTRICT = "district", _("District")
    OFFICE = "office", _("Office")
    DEPARTMENT = "department", _("Department")
    TOWN = "town", _("Town / street")
    SUBUNIT = "subunit", _("Sub-unit")


class Unit(models.Model):
    """A node of the organisation tree: district -> offices, departments, towns -> sub-units.

    ``path`` is a materialised path ("000001/000004/") so that a unit's subtree is
    one indexed prefix query.
    """

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    leader = models.ForeignKey(
        "accounts.User",
        verbose_name=_("responsible leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_units",
    )
    is_coordinating = models.BooleanField(
        _("district-wide coordinating unit"),
        default=False,
        help_text=_("Staff of a coordinating unit (e.g. the complaint bureau) work on the whole district."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    def is_within(self, other: Unit) -> bool:
        """True when this unit is ``other`` or lies in its subtree."""
        return bool(self.path) and self.path.startswith(other.path)


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    title = models.CharField(_("job title"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @cached_property
    def role_set(self) -> frozenset[str]:
        if not self.pk or not self.is_active:
            return frozenset()
        return frozenset(self.role_assignments.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set.intersection(roles))

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in sorted(self.role_set)]


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="uniq_user_role")]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class ApiToken(models.Model):
    """A personal REST API token. Only a hash of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
