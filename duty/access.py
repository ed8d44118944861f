"""Who may do what in command and duty, and one access function per object type.

Access functions raise Http404 for objects outside the user's scope (never 403 for
things the user may not know exist); role checks inside services raise PermissionDenied.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import Role, Unit, UnitKind, User
from accounts.scoping import is_district_wide, user_can_see_unit, visible_units
from duty.models import DailyReport, Instruction, InstructionTarget, SpecialPeriod, SupervisionNotice, UrgentReport

COMMAND_ROLES = (Role.DUTY, Role.LEADER, Role.SUPERVISOR)
SUPERVISE_ROLES = (Role.SUPERVISOR, Role.LEADER)
UNIT_STAFF_ROLES = (Role.OFFICER, Role.HEAD, Role.DUTY)


def duty_units() -> QuerySet[Unit]:
    """The units that keep a duty roster and file daily reports: the district's direct
    offices, departments and towns/streets."""
    return Unit.objects.filter(is_active=True, depth=1).exclude(kind=UnitKind.SUBUNIT).order_by("sort_order", "path")


def reporting_units() -> QuerySet[Unit]:
    """The units that file daily reports: every duty unit except the district duty office,
    which receives them."""
    office_ids = Unit.objects.filter(is_coordinating=True, members__is_active=True, members__role_assignments__role=Role.DUTY).values("pk")
    return duty_units().exclude(pk__in=office_ids)


def can_command(user: User) -> bool:
    """Send instructions and warnings, watch their boards (duty office, leaders, supervisors)."""
    return user.is_authenticated and user.has_role(*COMMAND_ROLES) and is_district_wide(user)


def can_supervise(user: User) -> bool:
    """Issue supervision notices, review answers and record accountability."""
    return user.is_authenticated and user.has_role(*SUPERVISE_ROLES) and is_district_wide(user)


def is_duty_office(user: User) -> bool:
    """District duty office staff (and administrators): special periods, settings, every roster."""
    return user.is_authenticated and (user.has_role(Role.ADMIN) or (user.has_role(Role.DUTY) and is_district_wide(user)))


def acts_for(user: User, unit: Unit) -> bool:
    """True when ``user`` works in ``unit`` (or one of its sub-units) in a staff role."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.unit_id is not None
        and user.has_role(*UNIT_STAFF_ROLES)
        and user.unit.is_within(unit)  # type: ignore[union-attr]
    )


def home_unit(user: User) -> Unit | None:
    """The reporting unit a user's daily reports, roster and tasks belong to: their own
    unit, or the top-level unit above their sub-unit."""
    unit = user.unit if user.is_authenticated else None
    while unit is not None and unit.depth > 1:
        unit = unit.parent
    if unit is None or unit.depth != 1:
        return None
    return unit


def home_unit_of(unit: Unit) -> Unit:
    """The top-level (reporting) unit above ``unit``, or ``unit`` itself."""
    while unit.depth > 1 and unit.parent is not None:
        unit = unit.parent
    return unit


def can_edit_roster(user: User, unit: Unit) -> bool:
    return is_duty_office(user) or acts_for(user, unit)


def unit_staff(unit: Unit) -> list[User]:
    """The people of a unit who receive its duty tasks: staff in the unit and its responsible leader."""
    users = list(User.objects.filter(is_active=True, unit=unit, role_assignments__role__in=UNIT_STAFF_ROLES).distinct())
    if unit.leader_id and unit.leader not in users:
        users.append(unit.leader)  # type: ignore[arg-type]
    return users


def duty_office_users() -> list[User]:
    return [u for u in User.objects.filter(is_active=True, role_assignments__role=Role.DUTY).select_related("unit").distinct() if is_district_wide(u)]


def _ancestor_ids(unit: Unit) -> list[int]:
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def target_scope_q(user: User, prefix: str = "") -> Q:
    """Instruction targets (or anything with a ``unit``) the user may see: the whole district
    for district-wide users, otherwise the user's subtree and the units above it."""
    if is_district_wide(user):
        return Q()
    unit = user.unit
    if unit is None:
        return Q(pk__in=[])
    return Q(**{f"{prefix}unit__path__startswith": unit.path}) | Q(**{f"{prefix}unit_id__in": _ancestor_ids(unit)})


def instructions_for(user: User) -> QuerySet[Instruction]:
    qs = Instruction.objects.all()
    if is_district_wide(user):
        return qs
    return qs.filter(Exists(InstructionTarget.objects.filter(target_scope_q(user), instruction=OuterRef("pk"))))


def get_instruction_for_user(user: User, pk: int) -> Instruction:
    instruction = instructions_for(user).select_related("sender", "sender_unit").filter(pk=pk).first()
    if instruction is None:
        raise Http404
    return instruction


def target_for(user: User, instruction: Instruction) -> InstructionTarget | None:
    """The recipient row the user answers for (the nearest unit above the user's own), if any."""
    if not user.is_authenticated or user.unit is None:
        return None
    targets = [t for t in instruction.targets.select_related("unit") if acts_for(user, t.unit)]
    return max(targets, key=lambda t: t.unit.depth) if targets else None


def notices_for(user: User) -> QuerySet[SupervisionNotice]:
    return SupervisionNotice.objects.filter(target_scope_q(user))


def get_notice_for_user(user: User, pk: int) -> SupervisionNotice:
    notice = notices_for(user).select_related("unit", "issued_by", "instruction", "case", "hazard").filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


def urgent_reports_for(user: User) -> QuerySet[UrgentReport]:
    return UrgentReport.objects.filter(target_scope_q(user))


def get_urgent_report_for_user(user: User, pk: int) -> UrgentReport:
    report = urgent_reports_for(user).select_related("unit", "reported_by", "parent").filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def daily_reports_for(user: User) -> QuerySet[DailyReport]:
    return DailyReport.objects.filter(target_scope_q(user))


def get_unit_for_user(user: User, code: str) -> Unit:
    """A unit the user may look at (roster, unit page): within the user's scope, or the
    user's own reporting unit."""
    unit = Unit.objects.filter(code=code, is_active=True).first()
    if unit is None or not (user_can_see_unit(user, unit) or (home_unit(user) == unit)):
        raise Http404
    return unit


def get_special_period(pk: int) -> SpecialPeriod:
    """Special periods are district-wide public information for every signed-in user."""
    period = SpecialPeriod.objects.filter(pk=pk).first()
    if period is None:
        raise Http404
    return period


def visible_duty_units(user: User) -> QuerySet[Unit]:
    if is_district_wide(user):
        return duty_units()
    own = home_unit(user)
    ids = set(visible_units(user).values_list("pk", flat=True))
    if own:
        ids.add(own.pk)
    return duty_units().filter(pk__in=ids)
