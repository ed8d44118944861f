"""The demo district: an invented district with towns/streets, departments, leaders and
users for every role. Every name and phone number here is made up."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from accounts.models import Role, Unit, UnitKind, User
from accounts.services import unit_create, unit_set_leader, user_create

DEMO_PASSWORD = "minsheng-demo"

TOWNS = [
    ("qingshan", "青山街道", "Qingshan Street"),
    ("hexi", "河西街道", "Hexi Street"),
    ("dongcheng", "东城街道", "Dongcheng Street"),
    ("nanhu", "南湖街道", "Nanhu Street"),
    ("beiyuan", "北苑街道", "Beiyuan Street"),
    ("xinhua", "新华街道", "Xinhua Street"),
    ("taoyuan", "桃园镇", "Taoyuan Town"),
    ("shilipu", "十里铺镇", "Shilipu Town"),
    ("longquan", "龙泉镇", "Longquan Town"),
    ("baisha", "白沙镇", "Baisha Town"),
    ("jinqiao", "金桥街道", "Jinqiao Street"),
    ("yunxi", "云溪镇", "Yunxi Town"),
]

OFFICES = [
    ("xfj", "区信访局", "District Complaint Bureau", True),
    ("dcs", "区政府督查室", "District Supervision Office", True),
    ("zzb", "区政府总值班室", "District Duty Office", True),
]

DEPARTMENTS = [
    ("zjj", "区住房和城乡建设局", "Housing and Urban-Rural Development Bureau"),
    ("cgj", "区城市管理局", "Urban Management Bureau"),
    ("hbj", "区生态环境分局", "Ecology and Environment Sub-bureau"),
    ("scj", "区市场监督管理局", "Market Regulation Bureau"),
    ("rsj", "区人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    ("jyj", "区教育局", "Education Bureau"),
    ("wjw", "区卫生健康委员会", "Health Commission"),
    ("mzj", "区民政局", "Civil Affairs Bureau"),
    ("jtj", "区交通运输局", "Transport Bureau"),
    ("yjj", "区应急管理局", "Emergency Management Bureau"),
    ("gaj", "区公安分局", "Public Security Sub-bureau"),
    ("zrj", "区规划和自然资源分局", "Planning and Natural Resources Sub-bureau"),
    ("slj", "区水利局", "Water Resources Bureau"),
    ("nyj", "区农业农村局", "Agriculture and Rural Affairs Bureau"),
    ("swj", "区商务局", "Commerce Bureau"),
    ("wlj", "区文化和旅游局", "Culture and Tourism Bureau"),
    ("ybj", "区医疗保障局", "Medical Security Bureau"),
    ("tyj", "区退役军人事务局", "Veterans Affairs Bureau"),
    ("czj", "区财政局", "Finance Bureau"),
    ("sfj", "区司法局", "Justice Bureau"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["建国", "海燕", "志强", "丽华", "文斌", "秀英", "国庆", "晓东", "红梅", "明亮", "雪梅", "伟", "静", "磊", "敏", "军", "洋", "勇", "艳", "杰", "娟", "涛", "超", "霞", "平", "刚", "桂英", "子涵", "浩然", "思远", "欣怡", "宇航", "佳琪", "俊杰"]


def fake_name(i: int) -> str:
    return SURNAMES[(i * 7) % len(SURNAMES)] + GIVEN[(i * 11) % len(GIVEN)]


def fake_phone(i: int) -> str:
    return f"0{(i % 9) + 1}{(27000000 + i * 7919) % 100000000:08d}"[:12]


@dataclass
class DemoAccount:
    username: str
    roles: tuple[str, ...]
    unit_code: str
    full_name: str
    description: str


FIXED_ACCOUNTS = [
    DemoAccount("admin", (Role.ADMIN,), "xfj", "系统管理员", "administrator"),
    DemoAccount("intake", (Role.INTAKE,), "xfj", "登记员周敏", "intake officer, district complaint bureau"),
    DemoAccount("officer", (Role.OFFICER,), "qingshan", "承办人李海燕", "officer of 青山街道"),
    DemoAccount("officer2", (Role.OFFICER,), "hexi", "承办人陈志强", "officer of 河西街道"),
    DemoAccount("head", (Role.HEAD,), "qingshan", "主任王建国", "head of 青山街道"),
    DemoAccount("leader", (Role.LEADER,), "district", "副区长赵文斌", "district leader"),
    DemoAccount("supervisor", (Role.SUPERVISOR,), "dcs", "督查员孙丽华", "supervisor"),
    DemoAccount("followup", (Role.FOLLOWUP,), "xfj", "回访员吴秀英", "follow-up officer"),
    DemoAccount("duty", (Role.DUTY,), "zzb", "值班员郑晓东", "duty officer"),
]


def demo_exists() -> bool:
    return Unit.objects.filter(code="district").exists()


@transaction.atomic
def build_demo_district() -> dict[str, Unit]:
    """Create the units and users of the demo district. Returns units by code."""
    units: dict[str, Unit] = {}
    district = unit_create(actor=None, name="江城区", name_en="Jiangcheng District", code="district", kind=UnitKind.DISTRICT)
    units["district"] = district
    order = 0
    for code, name, name_en, coordinating in OFFICES:
        order += 1
        units[code] = unit_create(actor=None, name=name, name_en=name_en, code=code, kind=UnitKind.OFFICE, parent=district, is_coordinating=coordinating, sort_order=order, phone=fake_phone(order))
    for code, name, name_en in DEPARTMENTS:
        order += 1
        units[code] = unit_create(actor=None, name=name, name_en=name_en, code=code, kind=UnitKind.DEPARTMENT, parent=district, sort_order=order, phone=fake_phone(order))
    for code, name, name_en in TOWNS:
        order += 1
        town = unit_create(actor=None, name=name, name_en=name_en, code=code, kind=UnitKind.TOWN, parent=district, sort_order=order, phone=fake_phone(order))
        units[code] = town
        for j, (suffix, suffix_en) in enumerate((("综治中心", "Comprehensive Governance Centre"), ("安监站", "Safety Supervision Station"))):
            sub_code = f"{code}-{j + 1}"
            units[sub_code] = unit_create(actor=None, name=f"{name}{suffix}", name_en=f"{name_en} {suffix_en}", code=sub_code, kind=UnitKind.SUBUNIT, parent=town, sort_order=j)

    fixed_by_unit: dict[str, list[str]] = {}
    for i, acc in enumerate(FIXED_ACCOUNTS):
        user = user_create(actor=None, username=acc.username, password=DEMO_PASSWORD, full_name=acc.full_name, unit=units[acc.unit_code], roles=acc.roles, phone=fake_phone(i + 1), validate=False)
        fixed_by_unit.setdefault(acc.unit_code, []).append(acc.username)
        if acc.username == "head":
            unit_set_leader(actor=None, unit=units["qingshan"], leader=user)
        if acc.username == "leader":
            unit_set_leader(actor=None, unit=district, leader=user)

    # Every other unit gets a head (its responsible leader) and an officer.
    n = 100
    for code, unit in units.items():
        if unit.kind in (UnitKind.DISTRICT,):
            continue
        if unit.leader_id is None:
            n += 1
            head = user_create(actor=None, username=f"{code}-head", password=DEMO_PASSWORD, full_name=fake_name(n), unit=unit, roles=[Role.HEAD], phone=fake_phone(n), title="负责人", validate=False)
            unit_set_leader(actor=None, unit=unit, leader=head)
        if unit.kind != UnitKind.SUBUNIT and not any(u for u in fixed_by_unit.get(code, []) if u.startswith("officer")):
            n += 1
            user_create(actor=None, username=f"{code}-officer", password=DEMO_PASSWORD, full_name=fake_name(n), unit=unit, roles=[Role.OFFICER], phone=fake_phone(n), validate=False)
    return units


def demo_account_lines() -> list[str]:
    return [f"  {a.username:<11} {a.description}" for a in FIXED_ACCOUNTS]


def user_by_name(username: str) -> User:
    return User.objects.get(username=username)
