"""The objects the permission matrix calls URLs about: a case, an accusation, a hazard,
an instruction, a notice and an urgent report, all of town A (青山街道), made through the
services; and the personas (shared ones plus the public with a query code and the accused unit)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.test import Client
from django.utils import timezone

from accounts.models import Role, UnitKind, User
from accounts.services import unit_create, user_create
from accounts.testing import PASSWORD, District, make_district

STAFF = ("admin", "intake", "officer", "officer2", "head", "leader", "supervisor", "followup", "duty", "dept_officer", "accused")
PERSONAS = ("anonymous", "public", *STAFF)
MISSING = 987654  # an id no object has


def _png() -> bytes:
    from hazards.demo import _png as make

    return make((120, 130, 140))


@dataclass
class World:
    d: District
    accused: User
    case: Any
    accusation: Any
    attachment: Any
    accusation_material: Any
    hazard: Any
    photo: Any
    instruction: Any
    notice: Any
    urgent: Any
    portal_case: Any
    portal_code: str
    token_pk: int
    clients: dict[str, Client] = field(default_factory=dict)


def build_world() -> World:
    from cases.models import CaseAttachment, CaseType
    from cases.tests.helpers import register, walk
    from duty import services as ds
    from hazards import services as hs
    from hazards.models import HazardCategory
    from portal.services import Submission, portal_submit
    from workcal.selectors import invalidate_calendar
    from workcal.services import calendar_seed

    calendar_seed(actor=None, years=[timezone.localdate().year, timezone.localdate().year + 1])
    invalidate_calendar()
    d = make_district()
    cgj = unit_create(
        actor=None, name="区城市管理局", name_en="City Management Bureau", code="cgj", kind=UnitKind.DEPARTMENT, parent=d.root
    )
    accused = user_create(
        actor=None, username="accused", password=PASSWORD, full_name="Accused", unit=cgj, roles=[Role.OFFICER], validate=False
    )

    png = io.BytesIO(_png())
    case = register(d, attachments=[(png, "现场照片.png")])
    case = walk(d, case, "handling")
    attachment = CaseAttachment.objects.filter(case=case).first()
    accusation = register(
        d,
        type=CaseType.ACCUSATION,
        title="举报城管执法人员收受摊贩财物",
        content="青山街道菜市场门口，城管执法人员多次收受摊贩财物后放任占道经营。",
        accused_unit=cgj,
        materials=[(io.BytesIO(_png()), "证据.png")],
    )
    accusation = walk(d, accusation, "handling")
    material = CaseAttachment.objects.filter(case=accusation).first()

    hazard = hs.hazard_register(
        actor=d.officer,
        category=HazardCategory.objects.get(code="fire"),
        grade="general",
        title="楼道堆放杂物",
        description="一楼疏散通道堆放纸箱",
        address="青山街道中山路1号",
        town=d.town_a,
        unit=d.town_a,
        found_on=timezone.localdate() - dt.timedelta(days=1),
        photos=[_photo()],
    )
    photo = hazard.photos.first()
    now = timezone.now()
    instruction = ds.instruction_send(
        actor=d.duty,
        title="关于做好寒潮天气防范工作的紧急通知",
        content="请各单位立即排查辖区内危旧房屋和临时搭建。",
        units=[d.town_a],
        ack_deadline=now + dt.timedelta(hours=1),
        report_deadline=now + dt.timedelta(days=1),
    )
    notice = ds.notice_issue(
        actor=d.supervisor,
        unit=d.town_a,
        title="督办：背街小巷环境整治",
        requirement="请于期限内报送整治情况。",
        due_date=timezone.localdate() + dt.timedelta(days=10),
    )
    urgent = ds.urgent_report_file(
        actor=d.officer, unit=d.town_a, title="青山路燃气管道泄漏", place="青山路与中山路交叉口", occurred_at=now - dt.timedelta(minutes=30)
    )
    receipt = portal_submit(
        data=Submission(
            type=CaseType.COMPLAINT,
            description="工地夜间施工噪音扰民，晚上11点后仍在打桩。",
            name="李小红",
            phone="13912345678",
            address="青山路18号",
        )
    )
    from accounts.services import api_token_issue

    token = api_token_issue(actor=d.officer, user=d.officer, name="matrix")
    token_obj = token[0] if isinstance(token, tuple) else token
    return World(
        d=d,
        accused=accused,
        case=case,
        accusation=accusation,
        attachment=attachment,
        accusation_material=material,
        hazard=hazard,
        photo=photo,
        instruction=instruction,
        notice=notice,
        urgent=urgent,
        portal_case=receipt.case,
        portal_code=receipt.code,
        token_pk=token_obj.pk,
    )


def _photo() -> io.BytesIO:
    f = io.BytesIO(_png())
    f.name = "photo.png"
    return f


def client_for(world: World, persona: str) -> Client:
    if persona in world.clients:
        return world.clients[persona]
    c = Client()
    if persona == "public":
        r = c.post("/portal/track/", {"number": world.portal_case.number, "code": world.portal_code})
        assert r.status_code == 302, r.status_code
    elif persona == "accused":
        c.force_login(world.accused)
    elif persona != "anonymous":
        c.force_login(getattr(world.d, persona))
    world.clients[persona] = c
    return c
