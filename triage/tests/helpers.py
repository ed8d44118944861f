"""Invented texts and helpers for the triage tests (nothing here comes from real complaints)."""

from __future__ import annotations

import random
from typing import Any

from accounts.testing import District
from cases import services as cs
from cases.models import Case, CaseType, Channel
from cases.tests.helpers import register

SHOPS = ["老王烧烤", "川味小馆", "好再来饭店", "阿明大排档", "湘菜馆", "夜宵摊"]
PLACES = ["幸福里小区", "翠湖苑", "阳光新城", "书香门第", "滨江花园", "春晖苑"]
COMPANIES = ["宏达建筑公司", "新锐装饰公司", "恒通物流公司", "瑞丰服装厂", "金辉机械厂"]
MONTHS = ["两", "三", "四", "五", "六"]

TEMPLATES: dict[str, list[tuple[str, str]]] = {
    "air-fumes": [
        (
            "{place}楼下{shop}油烟扰民",
            "{place}底商{shop}的排烟管道对着住户窗户，每天中午和晚上油烟很重，家里不敢开窗，请督促安装净化设备。",
        ),
        ("{shop}油烟直排熏人", "我住{place}，楼下{shop}没有油烟净化器，烟味飘进屋里，老人咳嗽不止，希望有关部门检查。"),
    ],
    "water-outage": [
        ("{place}突然停水没有通知", "{place}从昨天早上开始停水，物业和供水公司都没有提前通知，居民做饭洗漱都困难，请尽快恢复供水。"),
        ("{place}频繁停水", "最近{month}个月{place}已经停水好几次，每次都没有公告，老人孩子用水很不方便，希望供水部门说明原因。"),
    ],
    "wages-arrears": [
        ("{company}拖欠工资", "我在{company}上班，公司已经拖欠我们{month}个月工资，老板一直推说资金困难，请劳动监察部门帮忙讨薪。"),
        ("讨要{company}欠薪", "{company}欠我们十几名工人{month}个月的工资没有发，春节前要回家，恳请政府督促企业支付工资。"),
    ],
    "noise-business": [
        ("{place}楼下酒吧噪音太大", "{place}楼下新开的酒吧每晚音响开到凌晨，低音炮震得窗户响，居民无法休息，请查处噪音扰民。"),
        ("{shop}音响噪音扰民", "{place}附近{shop}门口放音响招揽顾客，声音很大，从早到晚不停，严重影响附近住户。"),
    ],
}


def invented(category: str, rng: random.Random) -> tuple[str, str]:
    title, body = rng.choice(TEMPLATES[category])
    values = {"place": rng.choice(PLACES), "shop": rng.choice(SHOPS), "company": rng.choice(COMPANIES), "month": rng.choice(MONTHS)}
    return title.format(**values), body.format(**values)


def decided_cases(d: District, categories: list[str], per_category: int = 10, seed: int = 1, **kw: Any) -> list[Case]:
    """Register and accept invented cases (decided cases are what the model trains on)."""
    rng = random.Random(seed)
    out = []
    for cat in categories:
        for _i in range(per_category):
            title, content = invented(cat, rng)
            case = register(d, title=title, content=content, category=cat, complainants=[], anonymous=True, **kw)
            case = cs.case_accept(actor=d.intake, case=case, expected_version=case.version)
            out.append(case)
    return out


def new_case(d: District, title: str, content: str, **kw: Any) -> Case:
    data: dict[str, Any] = {"channel": Channel.PHONE, "type": CaseType.COMPLAINT, "complainants": [], "anonymous": True}
    data.update(kw)
    return register(d, title=title, content=content, **data)
