"""Demo data for the hazard ledgers: about 500 invented hazards in every state, a campaign
in progress with partly covered targets and a finished one. Everything here is generated
from the seed (and today's date); every name, place and company is made up.

Rows are written in bulk for speed (the whole demo must load in seconds), each hazard
with its timeline events and one audit row marked as demo data."""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib
from collections.abc import Callable
from decimal import Decimal
from io import BytesIO
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone

from accounts.demo import TOWNS, fake_name, fake_phone
from accounts.models import Role, Unit, User
from audit.services import audit_record
from files.services import file_store
from hazards.models import (
    Campaign,
    CampaignTarget,
    ChecklistItem,
    Grade,
    Hazard,
    HazardCategory,
    HazardEvent,
    HazardPhoto,
    HazardPlan,
    HazardSequence,
    Inspection,
    ListingLevel,
    Source,
)
from hazards.services import dedupe_key_for

K = HazardEvent.Kind

ROADS = ["建设路", "解放大道", "中山路", "人民路", "和平街", "长江路", "新华路", "光明路", "育才路", "工业大道", "滨江路", "文化路", "幸福路", "健康街", "胜利路", "友谊路", "青年路", "朝阳路", "桃源路", "金桥大道"]
BRANDS = ["江城", "鑫达", "宏远", "华鑫", "恒通", "永安", "顺发", "金盛", "利民", "新城", "长兴", "东方", "瑞丰", "福源", "兴旺", "广泰"]
VILLAGES = ["王家湾", "李家岗", "陈家墩", "刘家庄", "张家咀", "杨树岭", "柳河村", "石桥村", "枫林村", "龙潭村", "白果村", "黄泥湾"]
HILLS = ["龙泉山", "白云岭", "凤凰山", "松柏岭", "青龙山", "石门山"]

# category code -> (responsible department code or "" for the town itself, [(title, description)])
TEXTS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "fire": ("", [
        ("{place}疏散通道堆放杂物", "{addr}{place}一楼疏散通道堆放纸箱、旧家具，通道净宽不足1米，影响人员疏散。"),
        ("{place}电动自行车楼道停放充电", "{addr}{place}多辆电动自行车在楼道内停放，并从住户家中私拉电线充电，存在较大火灾风险。"),
        ("{place}消防设施器材失效", "{addr}{place}室内消火栓箱内水带缺失，3具灭火器压力不足，未建立维护保养记录。"),
        ("{place}电气线路私拉乱接", "{addr}{place}配电箱周边线路私拉乱接，部分电线未穿管保护，绝缘层老化破损。"),
    ]),
    "road": ("jtj", [
        ("{road}急弯路段缺少警示标志", "{road}与{road2}交叉口东侧急弯处无减速带和警示标志，夜间照明不足，近期多次发生刮擦事故。"),
        ("{school}门口缺少减速设施", "{addr}{school}校门口路段无减速带、人行横道线模糊，上下学时段人车混行。"),
        ("{road}临水路段护栏缺失", "{road}沿河段约120米护栏缺失，路面距水面落差2米以上，车辆冲出风险大。"),
    ]),
    "chemicals": ("yjj", [
        ("{company}危化品仓库超量储存", "{addr}{company}甲类仓库实际储存量超过设计储量，部分桶装溶剂露天堆放。"),
        ("{company}重大危险源监测报警失灵", "{addr}{company}储罐区可燃气体检测报警装置2处故障未修复，监控数据未接入平台。"),
        ("{company}作业人员无证上岗", "{addr}{company}装卸作业人员2人未取得危险化学品作业资格证。"),
    ]),
    "fireworks": ("yjj", [
        ("{shop}无证储存烟花爆竹", "{addr}{shop}在居民楼底层门面内储存烟花爆竹约20箱，未取得经营许可。"),
        ("{shop}超量储存烟花爆竹", "{addr}{shop}零售点储存量明显超过许可限量，且与住人场所未有效分隔。"),
    ]),
    "gas": ("zjj", [
        ("{restaurant}未安装燃气泄漏报警装置", "{addr}{restaurant}后厨使用管道天然气，未安装燃气泄漏报警和自动切断装置。"),
        ("{restaurant}燃气软管老化超长", "{addr}{restaurant}灶具连接软管老化龟裂，长度超过2米且穿越墙体。"),
        ("{road}燃气管道被违章建筑占压", "{road}{num}号附近燃气中压管道上方搭建彩钢板房，占压管道约15米。"),
    ]),
    "construction": ("zjj", [
        ("{site}深基坑支护未按方案施工", "{addr}{site}基坑开挖深度约8米，支护桩间距与专项方案不符，未开展监测。"),
        ("{site}塔吊未检测即投入使用", "{addr}{site}新安装塔式起重机未经检验检测合格即投入使用。"),
        ("{site}临边洞口防护缺失", "{addr}{site}主体结构5至8层临边防护栏杆缺失，电梯井口未封闭。"),
    ]),
    "industry": ("yjj", [
        ("{factory}有限空间作业未审批", "{addr}{factory}污水池清理作业未办理审批手续，未通风检测即进入作业。"),
        ("{factory}粉尘涉爆除尘系统不规范", "{addr}{factory}打磨车间除尘系统未设置泄爆装置，积尘未及时清理。"),
        ("{factory}机械设备防护缺失", "{addr}{factory}冲压设备传动部位防护罩缺失，光电保护装置失效。"),
    ]),
    "special-equipment": ("scj", [
        ("{building}电梯超期未检", "{addr}{building}2号电梯检验合格证已过期，仍在运行。"),
        ("{factory}压力容器未定期检验", "{addr}{factory}储气罐超过检验周期未检验，安全阀未校验。"),
    ]),
    "self-built": ("zjj", [
        ("{village}自建房墙体开裂", "{village}{num}号三层自建房外墙出现多处贯通裂缝，一层有人员居住。"),
        ("{village}自建房擅自改作经营场所", "{village}{num}号自建房一至二层改作小旅馆，未经安全鉴定。"),
        ("{village}自建房违规加层", "{village}{num}号自建房在原两层基础上擅自加建两层，结构安全不明。"),
    ]),
    "logistics": ("swj", [
        ("{hub}分拣场所违规住人", "{addr}{hub}分拣仓库内设置员工宿舍，与作业区未有效分隔。"),
        ("{hub}未落实收寄验视制度", "{addr}{hub}网点收寄包裹未开箱验视，未实名登记。"),
    ]),
    "forest-fire": ("nyj", [
        ("{hill}林区入口无防火检查点", "{hill}东侧林区入口未设置防火检查点和宣传牌，进山人员未登记。"),
        ("{hill}林缘违规用火", "{hill}林缘农田存在焚烧秸秆痕迹，距林地不足50米。"),
    ]),
    "waterways": ("jtj", [
        ("{ferry}渡船救生衣配备不足", "{ferry}渡船核载30人，仅配备救生衣18件，部分破损。"),
        ("{ferry}码头安全警示标志缺失", "{ferry}码头引桥护栏松动，安全警示标志缺失。"),
    ]),
    "public-services": ("", [
        ("{school}食堂燃气管道老化", "{addr}{school}食堂燃气管道锈蚀，阀门关闭不严，未安装泄漏报警装置。"),
        ("{home}夜间值班巡查不落实", "{addr}{home}夜间仅1名护理员值班，未按要求开展防火巡查。"),
        ("{hospital}疏散指示标志损坏", "{addr}{hospital}住院部3楼疏散指示标志损坏，应急照明不亮。"),
    ]),
    "events": ("wlj", [
        ("{event}临时舞台未验收", "{addr}{event}临时搭建舞台及灯光架未经验收，未制定安全保卫方案。"),
        ("{event}人流管控措施不足", "{addr}{event}预计客流较大，入口未设置分流通道和限流措施。"),
    ]),
    "internal": ("", [
        ("{company}安全管理制度不健全", "{addr}{company}未建立全员安全生产责任制，安全培训记录缺失。"),
        ("{company}隐患排查台账不完整", "{addr}{company}隐患排查治理台账记录不完整，整改闭环资料缺失。"),
    ]),
}

PLACE_WORDS = ["小区", "商场", "农贸市场", "出租屋", "KTV", "网吧", "宾馆", "仓库", "超市", "写字楼"]

# The demo district's towns on a 4 × 3 grid around an invented centre.
CENTRE = (30.585, 114.290)
SPACING = 0.05


def town_centre(index: int) -> tuple[float, float]:
    row, col = divmod(index, 4)
    return CENTRE[0] + (1 - row) * SPACING, CENTRE[1] + (col - 1.5) * SPACING


def _png(rgb: tuple[int, int, int], w: int = 64, h: int = 48) -> bytes:
    """A small solid-colour PNG with a darker band (a stand-in photo)."""
    rows = b""
    for y in range(h):
        colour = rgb if y < h * 2 // 3 else tuple(max(0, c - 60) for c in rgb)
        rows += b"\x00" + bytes(colour) * w
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


class Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.last: dict[str, str] = {}

    def pick(self, items: list[str]) -> str:
        return self.rng.choice(items)

    def fill(self, template: str, town: str, again: bool = False) -> str:
        """Fill a text template with invented names; ``again`` reuses the previous names
        (so a hazard's title and description speak of the same place)."""
        if again and self.last:
            return template.format(**self.last)
        r = self.rng
        values = {
            "place": f"{self.pick(ROADS)}{self.pick(PLACE_WORDS)}" if r.random() < 0.5 else f"{self.pick(BRANDS)}{self.pick(PLACE_WORDS)}",
            "addr": f"{town}{self.pick(ROADS)}{r.randint(1, 288)}号",
            "road": self.pick(ROADS),
            "road2": self.pick(ROADS),
            "num": str(r.randint(1, 99)),
            "school": f"{town[:2]}{self.pick(['第一', '第二', '实验', '中心', '育英'])}{self.pick(['小学', '中学', '幼儿园'])}",
            "company": f"{self.pick(BRANDS)}{self.pick(['化工有限公司', '新材料有限公司', '物流有限公司', '建材有限公司', '涂料厂'])}",
            "shop": f"{self.pick(BRANDS)}{self.pick(['烟花爆竹零售点', '杂货店', '批发部'])}",
            "restaurant": f"{self.pick(BRANDS)}{self.pick(['酒楼', '餐馆', '快餐店', '火锅店', '大排档'])}",
            "site": f"{self.pick(BRANDS)}{self.pick(['花园', '家园', '广场', '中心'])}{self.pick(['二期', '三期', 'A区', ''])}项目工地",
            "factory": f"{self.pick(BRANDS)}{self.pick(['机械厂', '家具厂', '五金制品厂', '塑料制品有限公司', '食品厂'])}",
            "building": f"{self.pick(BRANDS)}{self.pick(['大厦', '公寓', '小区', '商业广场'])}",
            "village": f"{town}{self.pick(VILLAGES)}",
            "hub": f"{self.pick(BRANDS)}{self.pick(['快递分拨中心', '物流园', '快递驿站'])}",
            "hill": self.pick(HILLS),
            "ferry": f"{self.pick(['东', '西', '南', '北', '老', '新'])}河渡口",
            "home": f"{town[:2]}{self.pick(['敬老院', '康养中心', '颐养院'])}",
            "hospital": f"{town[:2]}{self.pick(['社区卫生服务中心', '卫生院', '中医医院'])}",
            "event": f"{self.pick(['元宵灯会', '美食节', '马拉松赛', '迎春庙会', '音乐节'])}",
        }
        self.last = values
        return template.format(**values)

    def address_for(self, template: str, town: str) -> str:
        """Where the hazard is, from the values the last fill() used."""
        v = self.last
        if "{addr}" in template:
            return v["addr"]
        if "{village}" in template:
            return f"{v['village']}{v['num']}号"
        if "{hill}" in template:
            return f"{town}{v['hill']}林区"
        if "{ferry}" in template:
            return f"{town}{v['ferry']}"
        return f"{town}{v['road']}{v['num']}号附近"


def _aware(day: dt.date, rng: random.Random) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59))))


@transaction.atomic
def load_hazard_demo(*, stdout: TextIO | None = None, seed: int = 20261129, count: int = 500, today: dt.date | None = None) -> dict[str, int]:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    names = Names(rng)
    categories = {c.code: c for c in HazardCategory.objects.all()}
    units = {u.code: u for u in Unit.objects.all()}
    towns = [units[code] for code, _n, _e in TOWNS if code in units]
    if not towns or not categories:
        return {}
    users_by_unit: dict[int, list[User]] = {}
    for user in User.objects.filter(is_active=True).select_related("unit"):
        if user.unit_id:
            users_by_unit.setdefault(user.unit_id, []).append(user)
    supervisor = User.objects.filter(username="supervisor").first()
    yjj_head = User.objects.filter(unit__code="yjj", role_assignments__role=Role.HEAD).first()
    verifiers = [u for u in (supervisor, yjj_head) if u is not None]

    def officer_of(unit: Unit) -> User | None:
        people = users_by_unit.get(unit.pk) or users_by_unit.get(unit.parent_id or 0) or []
        officers = [u for u in people if u.has_role(Role.OFFICER)]
        return (officers or people or [None])[0]

    def head_of(unit: Unit) -> User | None:
        people = users_by_unit.get(unit.pk, [])
        heads = [u for u in people if u.has_role(Role.HEAD)]
        return heads[0] if heads else None

    # Stand-in photos (four small images stored once and shared).
    system = User.objects.filter(username="admin").first()
    photos = []
    for i, colour in enumerate([(150, 120, 90), (90, 110, 140), (120, 140, 100), (160, 160, 150)]):
        upload = BytesIO(_png(colour))
        photos.append(file_store(actor=system, upload=upload, name=f"demo-photo-{i + 1}.png", allowed_kinds={"image"}))

    campaigns = _demo_campaigns(rng, today, categories, towns, units, officer_of, names)

    weights = [("closed", 44), ("verified", 5), ("rectified", 8), ("rectifying", 23), ("registered", 20)]
    category_codes = [c for c in TEXTS if c in categories]
    plans: list[tuple[int, dict[str, Any]]] = []
    specs = []
    town_index_of = {t.pk: i for i, t in enumerate(towns)}
    anchors: list[Inspection] = []
    if campaigns["active"] is not None:
        anchors = list(
            Inspection.objects.filter(campaign=campaigns["active"]["campaign"], found_hazards=True).select_related("target").order_by("id")
        )
    for i in range(count):
        target_state = rng.choices([s for s, _w in weights], [w for _s, w in weights])[0]
        anchor = anchors[i] if i < len(anchors) else None
        code = anchor.target.category.code if anchor else rng.choice(category_codes)
        dept_code, texts = TEXTS[code]
        town_index = town_index_of[anchor.target.town_id] if anchor else rng.randrange(len(towns))
        town = towns[town_index]
        if code == "public-services":
            dept_code = rng.choice(["jyj", "wjw", "mzj"])
        if dept_code and rng.random() < 0.6:
            unit = units.get(dept_code, town)
        else:
            unit = units.get(f"{town.code}-2", town) if rng.random() < 0.5 else town
        title_t, desc_t = rng.choice(texts)
        title = names.fill(title_t, town.name)[:120]
        description = names.fill(desc_t, town.name, again=True)
        address = names.address_for(desc_t, town.name)
        grade = Grade.MAJOR if rng.random() < 0.09 else Grade.GENERAL
        if anchor:
            age = (today - anchor.inspected_on).days
        elif target_state in ("registered", "rectifying"):
            # open hazards are mostly recent; about a fifth of them have run past their deadline
            if grade == Grade.MAJOR:
                age = int(rng.triangular(0, 200, 30))
            else:
                age = rng.randint(0, 7) if rng.random() < 0.8 else int(rng.triangular(8, 60, 10))
        else:
            age = int(rng.triangular(5, 330, 60))
        found_on = today - dt.timedelta(days=age)
        if grade == Grade.GENERAL:
            deadline = found_on + dt.timedelta(days=7)
        else:
            deadline = found_on + dt.timedelta(days=rng.choice([60, 90, 120, 180, 240]))
        # a state is only possible once its dates have come
        span = (deadline - found_on).days
        rectify_days = max(1, int(rng.triangular(1, span * 1.3, span * 0.6)))
        rectified_on = found_on + dt.timedelta(days=rectify_days)
        verified_on = rectified_on + dt.timedelta(days=rng.randint(1, 6))
        closed_on = verified_on + dt.timedelta(days=rng.randint(0, 3))
        order = ["registered", "rectifying", "rectified", "verified", "closed"]
        state = target_state
        limits = {"rectified": rectified_on, "verified": verified_on, "closed": closed_on}
        while state in limits and limits[state] > today:
            state = order[order.index(state) - 1]
        if state == "registered" and age > 3 and rng.random() < 0.6:
            state = "rectifying"
        lat, lng = town_centre(town_index)
        has_coords = rng.random() < 0.92
        if anchor and anchor.target.latitude is not None:
            lat, lng = float(anchor.target.latitude), float(anchor.target.longitude)
        jitter = 0.0004 if anchor else 1.0
        specs.append(
            {
                "i": i,
                "anchor": anchor,
                "category": categories[code],
                "grade": grade,
                "title": title,
                "description": description,
                "address": anchor.target.address if anchor and anchor.target.address else address,
                "town": town,
                "unit": unit,
                "found_on": found_on,
                "deadline": deadline,
                "state": state,
                "rectified_on": rectified_on,
                "verified_on": verified_on,
                "closed_on": closed_on,
                "lat": Decimal(f"{lat + rng.uniform(-0.019, 0.019) * jitter:.6f}") if has_coords else None,
                "lng": Decimal(f"{lng + rng.uniform(-0.022, 0.022) * jitter:.6f}") if has_coords else None,
            }
        )
    specs.sort(key=lambda s: (s["found_on"], s["i"]))
    per_year: dict[int, int] = {}
    hazards = []
    for n, s in enumerate(specs):
        year = s["found_on"].year
        per_year[year] = per_year.get(year, 0) + 1
        number = f"YH{year}-{per_year[year]:05d}"
        registrar = officer_of(s["town"])
        anchor = s["anchor"]
        source = Source.INSPECTION if anchor else rng.choices([Source.INSPECTION, Source.UNIT_REPORT, Source.PUBLIC_REPORT, Source.CASE], [30, 40, 18, 12])[0]
        state = s["state"]
        rectifier = officer_of(s["unit"])
        verifier = rng.choice(verifiers) if verifiers else None
        if verifier is not None and rectifier is not None and verifier.pk == rectifier.pk:
            verifier = supervisor
        listed = s["grade"] == Grade.MAJOR and rng.random() < 0.45 or (state in ("registered", "rectifying") and s["deadline"] < today - dt.timedelta(days=30) and rng.random() < 0.3)
        h = Hazard(
            number=number,
            category=s["category"],
            grade=s["grade"],
            title=s["title"],
            description=s["description"],
            address=s["address"],
            latitude=s["lat"],
            longitude=s["lng"],
            town=s["town"],
            unit=s["unit"],
            responsible_person=fake_name(300 + n),
            responsible_phone=fake_phone(300 + n),
            source=source,
            source_note={Source.PUBLIC_REPORT: "12345热线转来群众举报", Source.CASE: "由信访件转入", Source.UNIT_REPORT: "单位自查上报"}.get(source, ""),
            found_on=s["found_on"],
            deadline=s["deadline"],
            state=state,
            registered_by=registrar,
            created_at=_aware(s["found_on"], rng),
            updated_at=_aware(min(today, s["closed_on"]), rng),
            dedupe_key=dedupe_key_for(address=s["address"], category_id=s["category"].pk, description=s["description"]),
        )
        if listed:
            h.listed_level = ListingLevel.DISTRICT if rng.random() < 0.8 else ListingLevel.CITY
            h.listed_on = min(today, s["found_on"] + dt.timedelta(days=rng.randint(1, 20)))
            h.listed_note = "区安委办挂牌督办"
        if state in ("rectified", "verified", "closed"):
            h.rectified_on = s["rectified_on"]
            h.rectified_at = _aware(s["rectified_on"], rng)
            h.rectified_by = rectifier
            h.rectification_note = "已按要求完成整改，现场清理完毕，整改前后照片已上传。"
        if state in ("verified", "closed"):
            h.verified_at = _aware(s["verified_on"], rng)
            h.verified_by = verifier
        if state == "closed":
            h.closed_at = _aware(s["closed_on"], rng)
            h.closed_by = verifier
            if h.listed_level:
                h.delisted_on = s["closed_on"]
        if state in ("registered", "rectifying") and s["deadline"] < today:
            h.escalated_for = s["deadline"]
        if anchor is not None:
            h.campaign = anchor.campaign
            h.inspection = anchor
            h.source_note = f"{anchor.campaign.name} · {anchor.target.name}"
        hazards.append((h, s, rectifier, verifier, registrar))
    Hazard.objects.bulk_create([h for h, *_rest in hazards], batch_size=500)
    saved = {h.number: h for h in Hazard.objects.filter(number__in=[h.number for h, *_r in hazards])}
    for year, last in per_year.items():
        seq, _created = HazardSequence.objects.get_or_create(year=year)
        seq.last = max(seq.last, last)
        seq.save(update_fields=["last"])

    events: list[HazardEvent] = []
    hphotos: list[HazardPhoto] = []
    for h0, s, rectifier, verifier, registrar in hazards:
        h = saved[h0.number]
        state = h.state

        def ev(kind: str, day: dt.date, actor: User | None, note: str = "", h: Hazard = h) -> None:
            events.append(HazardEvent(hazard=h, at=_aware(min(day, today), rng), actor=actor, actor_name=str(actor) if actor else "系统", kind=kind, note=note))

        ev(K.REGISTERED, s["found_on"], registrar, f"{h.get_grade_display()} · {h.category.name}")
        if rng.random() < 0.7:
            hphotos.append(HazardPhoto(hazard=h, file=rng.choice(photos[:2]), phase=HazardPhoto.Phase.BEFORE, uploaded_by=registrar))
        if h.grade == Grade.MAJOR and (state != "registered" or rng.random() < 0.5):
            plans.append(
                (
                    h.pk,
                    {
                        "responsible_person": h.responsible_person,
                        "measures": "1. 立即设置警示区域，限制无关人员进入；2. 委托有资质单位制定整改方案并实施；3. 整改期间每日巡查。",
                        "funds_amount": Decimal(rng.choice(["5.00", "12.50", "30.00", "48.00", "120.00"])),
                        "funds_source": rng.choice(["企业自筹", "区级财政安排", "镇街专项资金"]),
                        "deadline": h.deadline,
                        "contingency": "制定专项应急预案，配备应急物资，明确现场处置和人员疏散措施。",
                    },
                )
            )
            ev(K.PLAN_SAVED, s["found_on"] + dt.timedelta(days=2), registrar)
        if h.listed_level:
            ev(K.LISTED, h.listed_on, supervisor, f"{h.get_listed_level_display()} · {h.listed_on}")
        if state != "registered":
            ev(K.STARTED, s["found_on"] + dt.timedelta(days=1 if h.grade == Grade.GENERAL else 3), rectifier)
        if h.escalated_for:
            ev(K.ESCALATED, h.deadline + dt.timedelta(days=1), None, "逾期未整改")
        if state in ("rectified", "verified", "closed"):
            ev(K.RECTIFIED, s["rectified_on"], rectifier, h.rectification_note)
            hphotos.append(HazardPhoto(hazard=h, file=rng.choice(photos[2:]), phase=HazardPhoto.Phase.AFTER, uploaded_by=rectifier))
        if state in ("verified", "closed"):
            ev(K.VERIFY_PASSED, s["verified_on"], verifier, "现场验收合格")
        if state == "closed":
            ev(K.CLOSED, s["closed_on"], verifier)
    HazardEvent.objects.bulk_create(events, batch_size=1000)
    HazardPhoto.objects.bulk_create(hphotos, batch_size=1000)
    HazardPlan.objects.bulk_create([HazardPlan(hazard_id=pk, **data) for pk, data in plans], batch_size=500)
    for h in saved.values():
        audit_record(actor=None, action="hazard.register", obj=h, after={"number": h.number, "state": h.state}, note="demo data")

    counts = {"hazards": len(saved), "campaigns": len([c for c in campaigns.values() if c])}
    if stdout is not None:
        stdout.write(f"Hazards: {counts['hazards']} hazards, {counts['campaigns']} screening campaigns.\n")
    return counts


def _demo_campaigns(
    rng: random.Random,
    today: dt.date,
    categories: dict[str, HazardCategory],
    towns: list[Unit],
    units: dict[str, Unit],
    officer_of: Callable[[Unit], User | None],
    names: Names,
) -> dict[str, Any]:
    creator = User.objects.filter(username="supervisor").first()
    lead = units.get("yjj")
    out: dict[str, Any] = {"active": None, "closed": None}
    plans = [
        ("closed", f"{today.year if today.month > 10 else today.year - 1}年国庆节前重要节点安全检查", ["events", "public-services"], -120, -95, 2, 1.0),
        ("active", f"{today.year}年冬春火灾防控和燃气安全专项排查整治", ["fire", "gas", "self-built", "logistics", "public-services"], -35, 25, 4, 0.63),
    ]
    for key, name, codes, start, end, per_town, covered in plans:
        cats = [categories[c] for c in codes if c in categories]
        if not cats:
            continue
        campaign = Campaign.objects.create(
            name=name,
            description="按照区安委会统一部署，对辖区重点行业领域开展拉网式排查，做到不留死角、不留盲区。",
            starts_on=today + dt.timedelta(days=start),
            ends_on=today + dt.timedelta(days=end),
            lead_unit=lead,
            created_by=creator,
            status=Campaign.Status.CLOSED if key == "closed" else Campaign.Status.ACTIVE,
            closed_at=timezone.now() if key == "closed" else None,
        )
        campaign.categories.set(cats)
        defaults = ChecklistItem.objects.filter(campaign__isnull=True, category__in=cats, is_active=True)
        ChecklistItem.objects.bulk_create([ChecklistItem(category_id=i.category_id, campaign=campaign, text=i.text, sort_order=i.sort_order) for i in defaults])
        items: dict[int, list[ChecklistItem]] = {}
        for item in ChecklistItem.objects.filter(campaign=campaign):
            items.setdefault(item.category_id, []).append(item)
        targets = []
        seen: set[tuple[int, str]] = set()
        for ti, town in enumerate(towns):
            lat0, lng0 = town_centre(ti)
            for cat in cats:
                for _k in range(per_town + rng.randint(0, 1)):
                    label = {
                        "fire": "{place}", "gas": "{restaurant}", "self-built": "{village}{num}号", "logistics": "{hub}",
                        "public-services": "{school}", "events": "{event}",
                    }.get(cat.code, "{company}")
                    tname = names.fill(label, town.name)
                    if (cat.pk, tname) in seen:
                        continue
                    seen.add((cat.pk, tname))
                    targets.append(
                        CampaignTarget(
                            campaign=campaign, category=cat, kind=CampaignTarget.Kind.SITE, name=tname, address=f"{town.name}{rng.choice(ROADS)}{rng.randint(1, 260)}号", town=town,
                            latitude=Decimal(f"{lat0 + rng.uniform(-0.018, 0.018):.6f}"), longitude=Decimal(f"{lng0 + rng.uniform(-0.021, 0.021):.6f}"),
                        )
                    )
        CampaignTarget.objects.bulk_create(targets, batch_size=500)
        targets = list(CampaignTarget.objects.filter(campaign=campaign))
        inspections = []
        days = max(1, (min(today, campaign.ends_on) - campaign.starts_on).days)
        done_targets = [t for t in targets if rng.random() < covered]
        for t in done_targets:
            day = campaign.starts_on + dt.timedelta(days=rng.randint(0, days))
            inspector = officer_of(t.town)
            if inspector is None:
                continue
            found = rng.random() < 0.3
            answers = []
            for item in items.get(t.category_id, []):
                result = "problem" if found and rng.random() < 0.4 else rng.choices(["ok", "na"], [9, 1])[0]
                answers.append({"item": item.pk, "text": item.text, "result": result, "note": "现场发现问题，已要求整改" if result == "problem" else ""})
            if found and not any(a["result"] == "problem" for a in answers) and answers:
                answers[0]["result"] = "problem"
            inspections.append(Inspection(campaign=campaign, target=t, inspected_on=day, inspector=inspector, answers=answers, found_hazards=found, note="已现场检查" + ("，发现隐患并登记" if found else "，未发现隐患")))
            t.inspected_on = day
            t.inspection_count = 1
        Inspection.objects.bulk_create(inspections, batch_size=500)
        CampaignTarget.objects.bulk_update(done_targets, ["inspected_on", "inspection_count"], batch_size=500)
        audit_record(actor=creator, action="campaign.create", obj=campaign, after={"targets": len(targets)}, note="demo data")
        out[key] = {"campaign": campaign, "category_ids": {c.pk for c in cats}}
    return out
