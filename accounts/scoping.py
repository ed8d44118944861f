"""Which units a user's work covers. Access everywhere is scoped to a unit subtree."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Role, Unit, User

DISTRICT_WIDE_ROLES = frozenset({Role.ADMIN, Role.LEADER, Role.SUPERVISOR})


def scope_root(user: User) -> Unit | None:
    """The root of the subtree a user works on: the whole district for administrators,
    leaders, supervisors and staff of a coordinating unit; otherwise their own unit."""
    if not user.is_authenticated or user.unit_id is None:
        return None
    unit = user.unit
    if unit is None:
        return None
    if unit.is_coordinating or user.has_role(*DISTRICT_WIDE_ROLES):
        root = unit
        while root.parent_id is not None:
            root = root.parent  # type: ignore[assignment]
        return root
    return unit


def is_district_wide(user: User) -> bool:
    root = scope_root(user)
    return root is not None and root.parent_id is None


def unit_subtree_q(user: User, field: str = "unit") -> Q:
    """A Q object limiting ``field`` (a FK to Unit) to the user's subtree; matches nothing without one."""
    root = scope_root(user)
    if root is None:
        return Q(pk__in=[])
    if root.parent_id is None:
        return Q()
    return Q(**{f"{field}__path__startswith": root.path})


def visible_units(user: User) -> QuerySet[Unit]:
    root = scope_root(user)
    if root is None:
        return Unit.objects.none()
    return Unit.objects.filter(path__startswith=root.path)


def user_can_see_unit(user: User, unit: Unit) -> bool:
    root = scope_root(user)
    return root is not None and unit.is_within(root)
