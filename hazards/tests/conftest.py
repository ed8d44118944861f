"""Fixtures for the hazard tests: the shared test district plus the emergency management
bureau (a safety oversight unit, code yjj) with one officer, and helpers to make hazards."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import Role, Unit, UnitKind, User
from accounts.services import unit_create, user_create
from accounts.testing import PASSWORD, District
from hazards import services
from hazards.demo import _png
from hazards.models import Grade, Hazard, HazardCategory


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def yjj(district: District) -> Unit:
    return unit_create(actor=None, name="区应急管理局", name_en="Emergency Management Bureau", code="yjj", kind=UnitKind.DEPARTMENT, parent=district.root)


@pytest.fixture
def safety(yjj: Unit) -> User:
    """An officer of the emergency management bureau: sees every hazard of the district."""
    return user_create(actor=None, username="safety", password=PASSWORD, full_name="Safety", unit=yjj, roles=[Role.OFFICER], validate=False)


@pytest.fixture
def client_of() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return make


def photo(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _png((120, 130, 140)), content_type="image/png")


def photo_file(name: str = "photo.png") -> io.BytesIO:
    f = io.BytesIO(_png((120, 130, 140)))
    f.name = name
    return f


def category(code: str = "fire") -> HazardCategory:
    return HazardCategory.objects.get(code=code)


PLAN = {
    "responsible_person": "王建国",
    "measures": "拆除违章搭建，增设喷淋",
    "funds_amount": 12,
    "funds_source": "企业自筹",
    "deadline": None,  # filled by make_hazard
    "contingency": "设置警戒区，每日巡查",
}


@pytest.fixture
def make_hazard(district: District) -> Callable[..., Hazard]:
    def make(actor: User | None = None, *, grade: str = Grade.GENERAL, town: Unit | None = None, unit: Unit | None = None, plan: bool | dict[str, Any] = False, **kw: Any) -> Hazard:
        actor = actor or district.officer
        town = town or district.town_a
        found_on = kw.pop("found_on", timezone.localdate() - dt.timedelta(days=1))
        data: dict[str, Any] = {
            "category": kw.pop("category", category()),
            "grade": grade,
            "title": kw.pop("title", "楼道堆放杂物"),
            "description": kw.pop("description", "一楼疏散通道堆放纸箱"),
            "address": kw.pop("address", "青山街道中山路1号"),
            "town": town,
            "unit": unit or town,
            "found_on": found_on,
        }
        if isinstance(plan, dict):
            data["plan"] = plan
        elif plan:
            data["plan"] = {**PLAN, "deadline": found_on + dt.timedelta(days=90)}
        data.update(kw)
        return services.hazard_register(actor=actor, **data)

    return make
