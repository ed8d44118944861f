"""Who may see which case, and whose identity they may see.

- ``cases_for_user(user)``: the scoped queryset every list starts from. Intake, the
  complaint bureau and other coordinating units, administrators, leaders, supervisors
  and follow-up officers see the district; unit staff see the cases assigned to their
  unit's subtree. The accused unit (and its subtree) never sees an accusation against it.
- ``get_case_for_user(user, number, write=False)``: one case or Http404.
- ``identity_access(user, case)``: "plain", "reveal" (masked, may reveal with a logged
  click) or "masked" (masked, may not reveal).
- ``mask_name`` / ``mask_phone`` / ``mask_id_number`` / ``mask_address``.
"""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Role, Unit, User
from accounts.scoping import is_district_wide, scope_root
from cases.choice_cache import memo
from cases.models import Case as Case
from cases.models import CaseAssignment, CaseType, Complainant

IdentityAccess = Literal["plain", "reveal", "masked"]


def _ancestor_ids(unit: Unit) -> list[int]:
    """The ids of ``unit`` and its ancestors, from its materialised path."""
    return [int(p) for p in unit.path.strip("/").split("/") if p]


def accused_exclusion_q(user: User) -> Q:
    """Accusations against the user's unit or any unit above it (but the district itself)."""
    if user.unit is None:
        return Q(pk__in=[])
    ids = _ancestor_ids(user.unit)[1:]  # the district root is never "the accused unit" of everyone
    if not ids:
        return Q(pk__in=[])
    return Q(type=CaseType.ACCUSATION, accused_unit_id__in=ids)


def is_accused(user: User, case: Case) -> bool:
    if case.type != CaseType.ACCUSATION or case.accused_unit_id is None or user.unit is None:
        return False
    return case.accused_unit_id in _ancestor_ids(user.unit)[1:]


def case_scope_q(user: User) -> Q | None:
    """The Q object of the cases a user may see, or None when they may see none."""
    if not user.is_authenticated or not user.is_active:
        return None
    root = scope_root(user)
    if root is None:
        return None
    if is_district_wide(user):
        q = Q()
    else:
        # The subtree as its ids (a handful), not as a path pattern, and "assigned to it" as
        # a correlated EXISTS: PostgreSQL then reads the cases through an index and checks
        # the assignments of just those cases (or, where that is cheaper, hashes the
        # subtree's assignments read through ``case_assign_unit_idx``) instead of scanning
        # both tables (docs/performance.md, "Why the budgets are missed", point 2).
        ids = subtree_unit_ids(root)
        assigned = CaseAssignment.objects.filter(case_id=OuterRef("pk"), unit_id__in=ids, is_active=True)
        q = Q(current_unit_id__in=ids) | Q(Exists(assigned))
    return q & ~accused_exclusion_q(user)


def subtree_unit_ids(root: Unit) -> list[int]:
    """The ids of ``root`` and every unit below it, active or not (the same units as a
    ``path__startswith`` condition), from the units' paths kept per process and version of
    the unit tree (``cases.choice_cache.memo``: any unit save or delete starts a new one)."""
    paths = memo("unit_paths", lambda: list(Unit.objects.values_list("pk", "path")))
    return sorted(pk for pk, path in paths if path.startswith(root.path))


def cases_for_user(user: User) -> QuerySet[Case]:
    q = case_scope_q(user)
    if q is None:
        return Case.objects.none()
    return Case.objects.filter(q)


def user_can_see_case(user: User, case: Case) -> bool:
    if is_accused(user, case):
        return False
    q = case_scope_q(user)
    if q is None:
        return False
    if is_district_wide(user):
        return True
    return Case.objects.filter(q, pk=case.pk).exists()


def get_case_for_user(user: User, number: str, write: bool = False) -> Case:
    """The case with this number if the user may see it, else Http404 (never 403: a user
    must not learn that a case outside their scope exists). With ``write=True`` a user who
    may see the case but take no action on it gets PermissionDenied."""
    if "\x00" in number:  # never a case number; PostgreSQL refuses NUL in a query
        raise Http404(_("No such case."))
    case = cases_for_user(user).select_related("category", "current_unit", "town", "accused_unit", "parent_case").filter(number=number).first()
    if case is None:
        raise Http404(_("No such case."))
    if write:
        from cases.services import available_actions

        if not available_actions(user, case):
            raise PermissionDenied(_("You may not act on this case."))
    return case


def active_assignments(case: Case) -> list[CaseAssignment]:
    """The case's active assignments with their units, cached on the instance (services
    call ``forget_assignments`` after changing them)."""
    cached = getattr(case, "_active_assignments", None)
    if cached is None:
        cached = list(CaseAssignment.objects.filter(case=case, is_active=True).select_related("unit").order_by("-is_lead", "id"))
        case._active_assignments = cached  # type: ignore[attr-defined]
    return cached


def forget_assignments(case: Case) -> None:
    case.__dict__.pop("_active_assignments", None)


def handles_case(user: User, case: Case, *, lead_only: bool = False, head: bool = False) -> bool:
    """True when the user is an officer (or, with ``head``, the head) of a unit the case is
    actively assigned to, or of a unit above it. Cases handled at the district level itself
    (review and re-review opinions) are prepared by intake and approved by a leader."""
    units = [a.unit for a in active_assignments(case) if a.is_lead or not lead_only]
    if not units:
        return False
    district_level = any(u.parent_id is None for u in units)
    if district_level:
        return user.has_role(Role.LEADER) if head else user.has_role(Role.INTAKE, Role.LEADER)
    if head:
        if not user.has_role(Role.HEAD) and not any(u.leader_id == user.pk for u in units):
            return False
    elif not user.has_role(Role.OFFICER, Role.HEAD):
        return False
    if any(u.leader_id == user.pk for u in units):
        return True
    root = scope_root(user)
    if root is None or root.parent_id is None:
        # district-wide staff are not a handling unit
        return False
    return any(u.is_within(root) for u in units)


def identity_access(user: User, case: Case) -> IdentityAccess:
    """How ``user`` may see the complainants of ``case``.

    Ordinary cases: intake, follow-up officers, administrators and the handling unit see
    the identity; leaders and supervisors see it masked and may reveal it (logged);
    everyone else sees it masked. Accusations: the identity is protected; intake,
    follow-up officers, administrators, leaders and supervisors may reveal it (logged);
    the handling unit and everyone else see it masked; the accused unit never sees the case."""
    if is_accused(user, case):
        return "masked"
    privileged = user.has_role(Role.INTAKE, Role.FOLLOWUP, Role.ADMIN)
    if case.confidential:
        if privileged or user.has_role(Role.LEADER, Role.SUPERVISOR):
            return "reveal"
        return "masked"
    if privileged or handles_case(user, case):
        return "plain"
    if user.has_role(Role.LEADER, Role.SUPERVISOR):
        return "reveal"
    return "masked"


def mask_name(name: str) -> str:
    """张三 -> 张*, 张小三 -> 张*三, 欧阳小明 -> 欧**明; Latin names keep their first letter."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13812341234 -> 138****1234; short numbers keep only their last two digits."""
    phone = (phone or "").strip()
    if len(phone) >= 11:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    if len(phone) > 4:
        return "*" * (len(phone) - 2) + phone[-2:]
    return "*" * len(phone)


def mask_id_number(id_number: str) -> str:
    """110101199003071234 -> 1101**********1234."""
    value = (id_number or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_address(address: str) -> str:
    address = (address or "").strip()
    if len(address) <= 6:
        return "*" * len(address)
    return address[:6] + "****"


def complainant_view(c: Complainant, *, plain: bool) -> dict[str, object]:
    """A complainant as a dict for pages and the API, masked unless ``plain``."""
    if plain:
        return {"name": c.name, "phone": c.phone, "id_number": c.id_number, "address": c.address, "is_representative": c.is_representative, "masked": False}
    return {
        "name": mask_name(c.name),
        "phone": mask_phone(c.phone),
        "id_number": mask_id_number(c.id_number),
        "address": mask_address(c.address),
        "is_representative": c.is_representative,
        "masked": True,
    }


def complainants_for_user(user: User, case: Case) -> tuple[list[dict[str, object]], IdentityAccess]:
    """The complainants as this user may see them (masked unless ``plain``), and the access level.
    Revealing goes through ``cases.services.case_reveal_identity``, which logs it."""
    access = identity_access(user, case)
    return [complainant_view(c, plain=access == "plain") for c in case.complainants.all()], access
