"""Who sees and does what in the hazard ledgers.

A town (or department) sees the hazards on its territory or under its responsibility,
i.e. whose town or responsible unit lies in its unit subtree. The district-wide users
of ``accounts.scoping`` (coordinating units, administrators, leaders, supervisors) and
the staff of the safety oversight units named in ``HAZARD_OVERSIGHT_UNIT_CODES``
(the emergency management bureau, ``yjj``, by default) see the whole district.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Role, Unit, User
from accounts.scoping import is_district_wide, scope_root
from hazards.models import Campaign, CampaignTarget, Hazard, ImportJob

WORKER_ROLES = (Role.OFFICER, Role.HEAD, Role.ADMIN, Role.SUPERVISOR, Role.LEADER)
MANAGER_ROLES = (Role.HEAD, Role.ADMIN, Role.SUPERVISOR, Role.LEADER)
SUPERVISING_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.LEADER)


def oversight_codes() -> list[str]:
    codes = getattr(settings, "HAZARD_OVERSIGHT_UNIT_CODES", ["yjj"])
    if isinstance(codes, str):
        codes = [c.strip() for c in codes.split(",")]
    return [c for c in codes if c]


def is_oversight_staff(user: User) -> bool:
    """True for members of a safety oversight unit (or of a unit beneath one)."""
    if not user.is_authenticated or user.unit_id is None or not user.is_active:
        return False
    cached = getattr(user, "_hazard_oversight", None)
    if cached is None:
        paths = list(Unit.objects.filter(code__in=oversight_codes()).values_list("path", flat=True))
        unit_path = user.unit.path if user.unit else ""
        cached = any(p and unit_path.startswith(p) for p in paths)
        user._hazard_oversight = cached  # type: ignore[attr-defined]
    return cached


def sees_all_hazards(user: User) -> bool:
    return is_district_wide(user) or is_oversight_staff(user)


def hazard_scope_q(user: User, prefix: str = "") -> Q:
    """Hazards (or, with prefix, objects pointing at a town/unit pair) in the user's scope."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if sees_all_hazards(user):
        return Q()
    root = scope_root(user)
    if root is None:
        return Q(pk__in=[])
    return Q(**{f"{prefix}unit__path__startswith": root.path}) | Q(**{f"{prefix}town__path__startswith": root.path})


def target_scope_q(user: User) -> Q:
    if sees_all_hazards(user):
        return Q()
    root = scope_root(user)
    if root is None:
        return Q(pk__in=[])
    return Q(town__path__startswith=root.path) | Q(target_unit__path__startswith=root.path)


def user_covers_unit(user: User, unit: Unit | None) -> bool:
    if unit is None:
        return False
    if sees_all_hazards(user):
        return True
    root = scope_root(user)
    return root is not None and unit.is_within(root)


def can_see_hazard(user: User, hazard: Hazard) -> bool:
    return user_covers_unit(user, hazard.unit) or user_covers_unit(user, hazard.town)


def can_work(user: User) -> bool:
    """May register hazards and record inspections (within their scope)."""
    return user.is_authenticated and (user.has_role(*WORKER_ROLES) or is_oversight_staff(user))


def can_edit_hazard(user: User, hazard: Hazard) -> bool:
    return can_work(user) and can_see_hazard(user, hazard)


def can_verify_hazard(user: User, hazard: Hazard) -> bool:
    """On-site verification and close-off: heads, supervisors, leaders, administrators
    and the oversight units' staff, within their scope."""
    return can_see_hazard(user, hazard) and (user.has_role(*MANAGER_ROLES) or is_oversight_staff(user))


def can_supervise_hazards(user: User) -> bool:
    """Listed supervision and decisions on extensions: the supervising side."""
    return user.is_authenticated and (user.has_role(*SUPERVISING_ROLES) or is_oversight_staff(user))


def can_manage_campaigns(user: User) -> bool:
    return can_supervise_hazards(user)


def can_import(user: User) -> bool:
    return can_work(user)


def get_hazard_for_user(user: User, number: str, *, write: bool = False) -> Hazard:
    """The hazard with this number if the user may see it (404 otherwise); with ``write``
    a user who may see it but not change it gets PermissionDenied."""
    if "\x00" in number:  # never a hazard number; PostgreSQL refuses NUL in a query
        raise Http404
    hazard = (
        Hazard.objects.select_related("category", "town", "unit", "registered_by", "rectified_by", "verified_by", "closed_by", "campaign", "source_case")
        .filter(hazard_scope_q(user))
        .filter(number=number)
        .first()
    )
    if hazard is None:
        raise Http404
    if write and not can_edit_hazard(user, hazard):
        raise PermissionDenied(_("You may not change this hazard."))
    return hazard


def get_campaign_for_user(user: User, pk: int) -> Campaign:
    """Campaigns are district-wide; every signed-in user with a unit may open one and
    sees the targets in their own scope."""
    if scope_root(user) is None and not sees_all_hazards(user):
        raise Http404
    campaign = Campaign.objects.select_related("lead_unit", "created_by").filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def get_target_for_user(user: User, campaign: Campaign, pk: int) -> CampaignTarget:
    target = (
        CampaignTarget.objects.select_related("category", "town", "target_unit", "campaign")
        .filter(target_scope_q(user), campaign=campaign, pk=pk)
        .first()
    )
    if target is None:
        raise Http404
    return target


def get_import_job_for_user(user: User, pk: str) -> ImportJob:
    job = ImportJob.objects.select_related("file").filter(pk=pk, created_by=user).first()
    if job is None:
        raise Http404
    return job
