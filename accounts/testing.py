"""A small district and the shared personas for tests of every module.

Personas: intake officer, officer of unit A (青山街道), officer of unit B (河西街道),
head of unit A, leader, supervisor, follow-up officer, duty officer, administrator.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Role, Unit, UnitKind, User
from accounts.services import unit_create, unit_set_leader, user_create

PASSWORD = "persona-pass-123"


@dataclass
class District:
    root: Unit
    bureau: Unit  # 区信访局, coordinating
    supervision: Unit  # 区政府督查室, coordinating
    duty_office: Unit
    housing: Unit  # a department
    town_a: Unit  # 青山街道
    town_b: Unit  # 河西街道
    town_a_sub: Unit
    admin: User
    intake: User
    officer: User  # of town A
    officer2: User  # of town B
    head: User  # of town A
    head_b: User  # of town B
    dept_officer: User
    leader: User
    supervisor: User
    followup: User
    duty: User


def make_district() -> District:
    root = unit_create(actor=None, name="测试区", name_en="Test District", code="district", kind=UnitKind.DISTRICT)
    bureau = unit_create(actor=None, name="区信访局", name_en="Complaint Bureau", code="xfj", kind=UnitKind.OFFICE, parent=root, is_coordinating=True)
    supervision = unit_create(actor=None, name="区政府督查室", name_en="Supervision Office", code="dcs", kind=UnitKind.OFFICE, parent=root, is_coordinating=True)
    duty_office = unit_create(actor=None, name="区政府总值班室", name_en="Duty Office", code="zzb", kind=UnitKind.OFFICE, parent=root, is_coordinating=True)
    housing = unit_create(actor=None, name="区住房和城乡建设局", name_en="Housing Bureau", code="zjj", kind=UnitKind.DEPARTMENT, parent=root)
    town_a = unit_create(actor=None, name="青山街道", name_en="Qingshan Street", code="qingshan", kind=UnitKind.TOWN, parent=root)
    town_b = unit_create(actor=None, name="河西街道", name_en="Hexi Street", code="hexi", kind=UnitKind.TOWN, parent=root)
    town_a_sub = unit_create(actor=None, name="青山街道综治中心", code="qingshan-1", kind=UnitKind.SUBUNIT, parent=town_a)

    def mk(username: str, unit: Unit, *roles: str) -> User:
        return user_create(actor=None, username=username, password=PASSWORD, full_name=username.title(), unit=unit, roles=roles, validate=False)

    d = District(
        root=root,
        bureau=bureau,
        supervision=supervision,
        duty_office=duty_office,
        housing=housing,
        town_a=town_a,
        town_b=town_b,
        town_a_sub=town_a_sub,
        admin=mk("admin", bureau, Role.ADMIN),
        intake=mk("intake", bureau, Role.INTAKE),
        officer=mk("officer", town_a, Role.OFFICER),
        officer2=mk("officer2", town_b, Role.OFFICER),
        head=mk("head", town_a, Role.HEAD),
        head_b=mk("head_b", town_b, Role.HEAD),
        dept_officer=mk("dept_officer", housing, Role.OFFICER),
        leader=mk("leader", root, Role.LEADER),
        supervisor=mk("supervisor", supervision, Role.SUPERVISOR),
        followup=mk("followup", bureau, Role.FOLLOWUP),
        duty=mk("duty", duty_office, Role.DUTY),
    )
    unit_set_leader(actor=None, unit=town_a, leader=d.head)
    unit_set_leader(actor=None, unit=town_b, leader=d.head_b)
    return d
