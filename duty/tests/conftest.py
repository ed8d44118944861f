"""Helpers for the duty tests: a fixed clock in Asia/Shanghai and quick builders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Unit
from accounts.testing import District
from duty import services
from duty.models import Instruction

SH = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SH)


# Tuesday 1 December 2026, a working day.
DAY = dt.date(2026, 12, 1)


@pytest.fixture
def send(district: District) -> Callable[..., Instruction]:
    """send(units=[...]) -> an instruction from the duty officer, due in 1 h / 1 day."""

    def make(units: list[Unit] | None = None, **kwargs: object) -> Instruction:
        from django.utils import timezone

        now = timezone.now()
        params: dict[str, object] = {
            "actor": district.duty,
            "title": "关于做好寒潮天气防范工作的紧急通知",
            "content": "请各单位立即排查辖区内危旧房屋和临时搭建，落实值班值守。",
            "units": units if units is not None else [district.town_a, district.town_b],
            "ack_deadline": now + dt.timedelta(hours=1),
            "report_deadline": now + dt.timedelta(days=1),
        }
        params.update(kwargs)
        return services.instruction_send(**params)  # type: ignore[arg-type]

    return make


def full_day(leader: str = "王建国", officer: str = "李海燕", phone: str = "010-61234567") -> list[services.ShiftInput]:
    return [services.ShiftInput(start=dt.time(8, 30), end=dt.time(8, 30), leader_name=leader, officer_name=officer, phone=phone)]
