"""Helpers for the cases tests: register a case and walk it to a state through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from accounts.testing import District
from cases import services as s
from cases.models import Case, CaseType, Channel, Outcome, Satisfaction, State


def register(d: District, **kw: Any) -> Case:
    data: dict[str, Any] = {
        "actor": d.intake,
        "channel": Channel.VISIT,
        "type": CaseType.COMPLAINT,
        "title": "小区楼下烧烤店油烟噪音扰民",
        "content": "青山街道幸福里小区楼下烧烤店每晚营业到凌晨两点，油烟和噪音严重影响居民休息。",
        "category": "air-fumes",
        "town": d.town_a,
        "address": "青山街道幸福里小区3栋",
        "complainants": [s.ComplainantIn(name="张小三", phone="13812341234", id_number="110101199003071234", address="幸福里小区3栋2单元501")],
    }
    data.update(kw)
    return s.case_register(**data)


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def walk(d: District, case: Case, target: str, unit: Any = None) -> Case:
    """Take ``case`` forward to ``target`` with the personas (town A handles it)."""
    unit = unit or d.town_a
    steps: list[tuple[str, Any]] = [
        (State.ACCEPTED, lambda c: s.case_accept(actor=d.intake, case=c, expected_version=c.version)),
        (State.ASSIGNED, lambda c: s.case_assign(actor=d.intake, case=c, expected_version=c.version, units=[unit])),
        (State.HANDLING, lambda c: s.case_receive(actor=d.officer, case=c, expected_version=c.version)),
        (
            State.REPLY_PENDING,
            lambda c: s.case_draft_reply(actor=d.officer, case=c, expected_version=c.version, outcome=Outcome.SUPPORT, text="经调查，已责令烧烤店安装油烟净化设备并于22时前停止营业。"),
        ),
        (State.REPLY_APPROVED, lambda c: s.case_approve_reply(actor=d.head, case=c, expected_version=c.version)),
        (State.REPLIED, lambda c: s.case_notify_complainant(actor=d.officer, case=c, expected_version=c.version)),
        (
            State.CLOSED,
            lambda c: (
                s.case_record_followup(actor=d.followup, case=c, expected_version=c.version, resolved=True, satisfaction=Satisfaction.SATISFIED),
                s.case_close(actor=d.followup, case=fresh(c), expected_version=fresh(c).version),
            ),
        ),
    ]
    order = [State.REGISTERED] + [st for st, _f in steps]
    if case.state not in order or target not in order:
        raise ValueError(f"cannot walk from {case.state} to {target}")
    for state, step in steps:
        if order.index(case.state) >= order.index(target):
            break
        if order.index(state) <= order.index(case.state):
            continue
        step(case)
        case = fresh(case)
    assert case.state == target, (case.state, target)
    return case


def local(y: int, m: int, day: int, h: int = 10) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime(y, m, day, h, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
