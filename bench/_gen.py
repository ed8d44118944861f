"""The benchmark data generator behind ``bench/generate``: N complaint cases with
realistic timelines (every state, clocks, assignments, timeline events, replies,
meetings, follow-ups, attachment metadata), their dashboard figure rows, plus hazards
(with their timelines) and duty daily reports, spread over units and several years.

Every text is invented here from small templates. The result is reproducible from the
seed: the arrival times and numbers are drawn first from the seed, then each chunk of
``CHUNK`` cases draws from its own random state seeded by (seed, chunk), so the same seed
gives the same rows whatever the number of worker processes or the batch size.

The generator writes rows directly (not through the services) for speed, so it keeps to
the invariants the services keep: states follow the lifecycle, timelines are in time
order, clocks follow the configured rules and the working-day calendar, the denormalised
fields (``current_unit``, ``next_due``, ``is_overdue``) agree with the clocks. The figure
rows come from the same ``insights.metrics.case_rows`` as the dashboards' own rebuild,
fed with the facts ``load_facts_bulk`` would read back (a test compares them with
``rebuild_rollups``). Attachments are metadata only: their files are not written.

On PostgreSQL, rows are written with COPY (text format built here), by several worker
processes at once, with the secondary indexes and foreign keys of the loaded tables
dropped during the load and rebuilt (and checked) after it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import multiprocessing
import operator
import random
import time
import uuid
from collections import defaultdict, namedtuple
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, connections, transaction

from accounts.models import Role, Unit, UnitKind, User
from cases.clocks import DEFAULT_RULES
from cases.models import (
    FAR_FUTURE,
    HOTLINE_TYPES,
    Case,
    CaseAssignment,
    CaseAttachment,
    CaseClock,
    CaseEvent,
    CaseFollowUp,
    CaseMeeting,
    CaseNumberCounter,
    CaseReply,
    CaseType,
    Category,
    Channel,
    ClockKind,
    Complainant,
    DeadlineRule,
    HotlineRule,
    Outcome,
    RedirectChannel,
    Satisfaction,
    State,
)
from cases.numbers import highest_numbers, sync_sequences
from cases.search import PG_SETUP, PG_TEARDOWN, tokenize
from files.models import StoredFile
from insights import metrics
from lib.workdays import DayType, WorkCalendar
from workcal.selectors import get_calendar

#: Asia/Shanghai has had no daylight saving since 1991: a fixed offset is exact and fast.
CST = dt.timezone(dt.timedelta(hours=8))


def loc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(CST)


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石"
GIVEN = ["建华", "秀兰", "志刚", "丽娟", "海波", "春梅", "国栋", "小燕", "文杰", "玉芬", "德胜", "晓红", "永强", "淑英", "立新", "桂花"]
PLACES = [
    "阳光花园",
    "幸福家园",
    "滨湖小区",
    "锦华苑",
    "东方明珠小区",
    "和谐里",
    "翠屏新村",
    "长青苑",
    "康乐小区",
    "金盛公寓",
    "南门社区",
    "铁路新村",
]
ROADS = ["胜利路", "建设大道", "友谊路", "红旗街", "解放路", "新民路", "光华路", "江汉路", "青年大道", "民主街"]
# Problems by top-level category code (falls back to the generic list).
PROBLEMS: dict[str, list[tuple[str, str]]] = {
    "construction": [
        ("房屋漏水", "顶楼房屋漏水，墙面发霉，多次找物业未解决"),
        ("电梯故障", "电梯经常停运，老人上下楼困难"),
        ("物业收费", "物业公司未经业主大会同意上调物业费"),
    ],
    "urban": [
        ("占道经营", "路口流动摊贩占道经营，行人只能走机动车道"),
        ("路灯不亮", "一段路的路灯长期不亮，夜间出行不安全"),
        ("垃圾清运", "垃圾站多日未清运，气味很大"),
    ],
    "environment": [("噪音扰民", "商铺夜间音响声过大，影响居民休息"), ("油烟污染", "餐馆油烟直排居民楼"), ("河道污染", "河道水体发黑发臭")],
    "labour": [("拖欠工资", "公司以资金困难为由拖欠工资两个多月"), ("社保缴纳", "单位未按规定缴纳社会保险")],
    "education": [("入学问题", "孩子入学被划到离家较远的学校"), ("培训退费", "培训机构停课后拒不退费")],
    "health": [("医疗纠纷", "对医院诊疗结果有异议"), ("医保报销", "异地就医报销比例过低")],
}
GENERIC = [
    ("设施损坏", "公共设施损坏多时无人维修"),
    ("办事难", "窗口办事要求反复补材料，跑了多趟没办成"),
    ("停水停电", "小区频繁停水停电且无提前通知"),
]
ACCUSATION = ("工作人员作风问题", "反映个别工作人员办事推诿、态度生硬，请求调查处理")
REPLIES = {
    Outcome.SUPPORT: "经调查核实，反映的问题属实，已责成相关单位整改完毕。",
    Outcome.EXPLAIN: "经调查，该问题涉及政策规定，已向您解释说明相关政策和办理渠道。",
    Outcome.NOT_SUPPORT: "经调查核实，反映的情况与事实不符，诉求不予支持。",
}
TYPE_WEIGHTS = [
    (CaseType.COMPLAINT, 34),
    (CaseType.HELP, 22),
    (CaseType.CONSULTATION, 14),
    (CaseType.APPEAL, 16),
    (CaseType.SUGGESTION, 10),
    (CaseType.ACCUSATION, 4),
]
CHANNEL_WEIGHTS = [
    (Channel.PHONE, 45),
    (Channel.WEB, 22),
    (Channel.VISIT, 14),
    (Channel.LETTER, 8),
    (Channel.OPEN311, 6),
    (Channel.TRANSFERRED, 4),
    (Channel.LEADER, 1),
]

CASE_COLUMNS = [
    "id", "number", "level", "channel", "type", "title", "content", "category_id", "urgent", "address", "latitude", "longitude",
    "town_id", "anonymous", "joint", "head_count", "confidential", "accused_unit_id", "state", "received_at", "decided_at",
    "decision_reason", "redirect_channel", "assigned_at", "replied_at", "closed_at", "final", "final_match_reason",
    "current_unit_id", "next_due", "due_key", "is_overdue", "search_tokens", "version", "created_by_id", "created_at",
    "updated_by_id", "updated_at",
]  # fmt: skip
TABLES: dict[str, tuple[type, list[str]]] = {
    "complainant": (Complainant, ["case_id", "name", "phone", "id_number", "address", "is_representative", "order"]),
    "clock": (
        CaseClock,
        ["case_id", "kind", "started_at", "due_date", "due_at", "stopped_at", "days", "day_type", "extended_days", "remind_before_days"],
    ),
    "assignment": (
        CaseAssignment,
        [
            "case_id",
            "unit_id",
            "is_lead",
            "status",
            "is_active",
            "assigned_by_id",
            "assigned_at",
            "received_by_id",
            "received_at",
            "objection_reason",
            "objected_at",
            "instructions",
        ],
    ),
    "event": (CaseEvent, ["case_id", "kind", "actor_id", "actor_name", "unit_id", "at", "text", "public"]),
    "reply": (
        CaseReply,
        [
            "case_id",
            "outcome",
            "text",
            "status",
            "drafted_by_id",
            "drafted_at",
            "approved_by_id",
            "approved_at",
            "return_reason",
            "issued_by_id",
            "issued_at",
            "issued_via",
            "assistance_needed",
            "assistance_what",
            "assistance_by",
            "assistance_when",
        ],
    ),  # fmt: skip
    "meeting": (CaseMeeting, ["case_id", "held_at", "place", "participants", "notes", "recorded_by_id", "recorded_at"]),
    "followup": (CaseFollowUp, ["case_id", "resolved", "satisfaction", "comment", "channel", "by_id", "at"]),
}


TABLES["attachment"] = (CaseAttachment, ["case_id", "file_id", "description", "is_material", "added_by_id", "added_at"])
TABLES["file"] = (
    StoredFile,
    ["id", "original_name", "kind", "content_type", "size", "sha256", "storage_path", "uploaded_by_id", "created_at"],
)
#: Written before the tables that point at them.
WRITE_ORDER = ["file", "complainant", "clock", "assignment", "event", "reply", "meeting", "followup", "attachment"]
METRIC_COLUMNS = ["case_id", "metric", "day", "unit_id", "category_id", "town_id", "value"]
#: Tables whose per-case rows the figures depend on.
FACT_TABLES = ("reply", "followup", "meeting", "assignment")
#: Cases per random state (fixed: changing it changes the data of a seed).
CHUNK = 1000
ATTACHMENT_SHARE = 0.3
TYPES = [t for t, _w in TYPE_WEIGHTS]
TYPE_CUM = list(itertools.accumulate(w for _t, w in TYPE_WEIGHTS))
CHANNELS = [c for c, _w in CHANNEL_WEIGHTS]
CHANNEL_CUM = list(itertools.accumulate(w for _c, w in CHANNEL_WEIGHTS))
OUTCOME_LABELS = {o: str(Outcome(o).label) for o in Outcome.values}
_AT = operator.itemgetter(5)
ATTACHMENT_KINDS = [
    ("现场照片{n}.jpg", "image", "image/jpeg", 40_000, 3_000_000),
    ("证明材料{n}.pdf", "pdf", "application/pdf", 60_000, 5_000_000),
    ("截图{n}.png", "image", "image/png", 20_000, 900_000),
]

# Lightweight stand-ins with the attributes ``insights.metrics.case_rows`` reads (the same
# shapes as ``load_facts_bulk``'s named tuples).


FactCase = namedtuple(
    "FactCase", "id state type anonymous received_at decided_at assigned_at replied_at current_unit_id category_id town_id"
)
FactClock = namedtuple("FactClock", "kind started_at due_date due_at stopped_at")
FactReply = namedtuple("FactReply", "status outcome approved_at")
FactFollowUp = namedtuple("FactFollowUp", "resolved satisfaction")
FactAssignment = namedtuple("FactAssignment", "unit_id assigned_at")
CONTACT_EVENTS = frozenset(str(k) for k in metrics.CONTACT_EVENTS)
REPLY_STATES = frozenset({State.REPLY_PENDING, State.REPLY_APPROVED, State.REPLIED, State.CLOSED, State.WITHDRAWN})
LIVE_ASSIGNMENT = frozenset({CaseAssignment.Status.PENDING, CaseAssignment.Status.RECEIVED})


@dataclass
class Batch:
    cases: list[tuple[Any, ...]] = field(default_factory=list)
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: defaultdict(list))
    metrics: list[tuple[Any, ...]] = field(default_factory=list)

    def size(self) -> int:
        return len(self.cases) + sum(len(v) for v in self.rows.values()) + len(self.metrics)


@dataclass
class Limits:
    days: dict[str, tuple[int, str]]
    hotline: dict[bool, tuple[int | None, int | None, int | None]]  # urgent -> (contact h, resolve h, resolve days)


class Generator:
    """Builds case histories in memory, a chunk at a time."""

    def __init__(self, *, seed: int, now: dt.datetime, years: float, figures: bool = True) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.now = now
        self.start = now - dt.timedelta(days=365 * years)
        self.figures = figures
        self.cal: WorkCalendar = get_calendar()
        self._cal_memo: dict[tuple[dt.date, int, DayType], dt.date] = {}
        self.tokens: dict[tuple[str, str], str] = {}
        units = list(Unit.objects.filter(is_active=True))
        self.root = next(u for u in units if u.parent_id is None)
        self.towns = [u for u in units if u.kind == UnitKind.TOWN]
        self.departments = [u for u in units if u.kind == UnitKind.DEPARTMENT]
        if not self.towns or not self.departments:
            raise SystemExit("The database has no towns or departments: run `manage.py load_demo --cases 0` first.")
        self.staff: dict[tuple[int, str], list[int]] = defaultdict(list)
        names: dict[int, str] = {}
        for user_id, unit_id, role, full_name in (
            User.objects.filter(is_active=True).order_by("id").values_list("id", "unit_id", "role_assignments__role", "full_name")
        ):
            if unit_id and role:
                self.staff[(unit_id, role)].append(user_id)
            names[user_id] = full_name
        self.names = names
        self.intake = (self.staff_of_role(Role.INTAKE) or [None])[0]
        self.followup = (self.staff_of_role(Role.FOLLOWUP) or [self.intake])[0]
        cats = list(Category.objects.filter(is_active=True).order_by("id").values_list("id", "code", "parent_id", "level"))
        parents = {c[0]: c[2] for c in cats}
        codes = {c[0]: c[1] for c in cats}
        self.leaves = [c[0] for c in cats if c[3] == 3] or [c[0] for c in cats]
        self.top_code: dict[int, str] = {}
        for cid in self.leaves:
            node = cid
            while parents.get(node):
                node = parents[node]  # type: ignore[assignment]
            self.top_code[cid] = codes[node]
        self.category_tops = metrics.category_top_map()
        self.limits = self._limits()
        self.year_counters: dict[int, int] = highest_numbers()  # go on after the numbers in use
        self.base_id = (Case.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1

    def staff_of_role(self, role: str) -> list[int]:
        return [uid for (unit_id, r), ids in sorted(self.staff.items()) if r == role for uid in ids]

    def _limits(self) -> Limits:
        days = {k: (v[0], str(v[1])) for k, v in DEFAULT_RULES.items()}
        for row in DeadlineRule.objects.all():
            days[row.step] = (row.days, row.day_type)
        hotline: dict[bool, tuple[int | None, int | None, int | None]] = {False: (24, None, 15), True: (2, None, 7)}
        for rule in HotlineRule.objects.filter(category__isnull=True):
            hotline[rule.urgent] = (rule.contact_hours, rule.resolve_hours, rule.resolve_days)
        return Limits(days, hotline)

    # -- small helpers ---------------------------------------------------------
    def person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def user_of(self, unit_id: int, role: str = Role.OFFICER) -> int | None:
        ids = self.staff.get((unit_id, role)) or self.staff.get((unit_id, Role.HEAD)) or [self.intake]
        return ids[0]

    def office_hours(self, moment: dt.datetime) -> dt.datetime:
        local = loc(moment)
        if local.hour < 8:
            local = local.replace(hour=8 + self.rng.randint(0, 2), minute=self.rng.randint(0, 59))
        elif local.hour >= 18:
            local = (local + dt.timedelta(days=1)).replace(hour=8 + self.rng.randint(0, 2), minute=self.rng.randint(0, 59))
        return local

    def cal_add(self, start: dt.date, days: int, day_type: DayType) -> dt.date:
        key = (start, days, day_type)
        found = self._cal_memo.get(key)
        if found is None:
            found = self._cal_memo[key] = self.cal.add(start, days, day_type)
        return found

    def due(self, start: dt.datetime, step: str, extra: int = 0) -> dt.date:
        days, day_type = self.limits.days[step]
        return self.cal_add(loc(start).date(), days + extra, DayType(day_type))

    # -- the plan: arrival times and numbers -----------------------------------------
    def received_times(self, n: int) -> list[dt.datetime]:
        """Arrival times over the period, more on weekdays and in office hours, growing by ~15% a year."""
        span = (self.now - self.start).total_seconds()
        out = []
        while len(out) < n:
            u = self.rng.random() ** 0.87  # later years busier
            moment = self.start + dt.timedelta(seconds=span * u)
            local = loc(moment)
            if local.weekday() >= 5 and self.rng.random() < 0.55:
                continue
            if (local.hour < 7 or local.hour > 21) and self.rng.random() < 0.8:
                continue
            out.append(moment)
        out.sort()
        return out

    def plan(self, n: int) -> list[tuple[dt.datetime, str]]:
        """(received at, number) of the ``n`` cases, in arrival order; numbers continue the
        counters of the database."""
        out = []
        for moment in self.received_times(n):
            year = loc(moment).year
            self.year_counters[year] = self.year_counters.get(year, 0) + 1
            out.append((moment, f"{year}-{self.year_counters[year]:06d}"))
        return out

    def chunk(self, batch: Batch, plan: Sequence[tuple[dt.datetime, str]], k: int) -> None:
        """Generate chunk ``k`` of the plan (cases ``k * CHUNK`` ...) into ``batch``."""
        self.rng.seed(self.seed * 1_000_003 + k)
        lo = k * CHUNK
        for i in range(lo, min(lo + CHUNK, len(plan))):
            self.case(batch, i, *plan[i])

    def _attachments(self, batch: Batch, cid: int, received: dt.datetime, material: bool, events: list[tuple[Any, ...]]) -> None:
        """One to three files handed in at registration (metadata only)."""
        r = self.rng
        for n in range(1, r.choice((1, 1, 1, 2, 2, 3)) + 1):
            name, kind, content_type, low, high = r.choice(ATTACHMENT_KINDS)
            file_id = uuid.UUID(int=r.getrandbits(128), version=4)
            at = received + dt.timedelta(minutes=n)
            batch.rows["file"].append(
                (file_id, name.format(n=n), kind, content_type, r.randint(low, high), "%064x" % r.getrandbits(256),
                 f"bench/{file_id.hex[:2]}/{file_id.hex}", self.intake, at)
            )  # fmt: skip
            batch.rows["attachment"].append((cid, file_id, "信访人提交的材料", material, self.intake, at))
            events.append(
                (cid, CaseEvent.Kind.ATTACHMENT, self.intake, self.names.get(self.intake or 0, "系统"), None, at, name.format(n=n), False)
            )

    def _figure_rows(
        self,
        batch: Batch,
        cid: int,
        state: str,
        ctype: str,
        anonymous: bool,
        received: dt.datetime,
        decided_at: dt.datetime | None,
        assigned_at: dt.datetime | None,
        replied_at: dt.datetime | None,
        current_unit: int | None,
        category: int,
        town: int,
        clocks: list[tuple[Any, ...]],
        events: list[tuple[Any, ...]],
        rows: dict[str, list[tuple[Any, ...]]],
    ) -> None:
        """The case's dashboard figure rows, from the facts ``load_facts_bulk`` would read back."""
        case = FactCase(cid, state, ctype, anonymous, received, decided_at, assigned_at, replied_at, current_unit, category, town)
        fclocks = sorted((FactClock(c[1], c[2], c[3], c[4], c[5]) for c in clocks), key=operator.attrgetter("started_at"))
        reply = None
        if state in REPLY_STATES and rows["reply"]:
            rp = rows["reply"][-1]
            reply = FactReply(rp[3], rp[1], rp[7])
        followups = [FactFollowUp(f[1], f[2]) for f in sorted(rows["followup"], key=operator.itemgetter(6))] if replied_at else []
        has_meeting = bool(rows["meeting"]) and bool(replied_at) and not anonymous
        assignments = [FactAssignment(a[1], a[6]) for a in rows["assignment"] if a[3] in LIVE_ASSIGNMENT] if assigned_at else []
        contacted = None
        if any(c.kind == ClockKind.CONTACT for c in fclocks):
            contacted = min((e[5] for e in events if e[1] in CONTACT_EVENTS), default=None)
        facts = metrics.CaseFacts(fclocks, reply, followups, has_meeting, assignments, contacted)  # type: ignore[arg-type]
        root = self.root.pk
        for m in metrics.case_rows(case, facts, root_id=root, category_top_id=self.category_tops.get(category or 0, 0)):  # type: ignore[arg-type]
            batch.metrics.append((cid, *m))

    # -- one case -----------------------------------------------------------------
    def case(self, batch: Batch, index: int, received: dt.datetime, number: str) -> None:  # noqa: C901 - one linear story
        """Case ``index`` of the plan (random state: seeded per chunk by ``chunk``)."""
        r = self.rng
        now = self.now
        marks = {k: len(batch.rows[k]) for k in FACT_TABLES} if self.figures else {}
        cid = self.base_id + index
        ctype = r.choices(TYPES, cum_weights=TYPE_CUM)[0]
        channel = r.choices(CHANNELS, cum_weights=CHANNEL_CUM)[0]
        category = r.choice(self.leaves)
        top = self.top_code.get(category, "")
        town = r.choice(self.towns)
        place = r.choice(PLACES)
        road = r.choice(ROADS)
        if ctype == CaseType.ACCUSATION:
            short, body = ACCUSATION
        else:
            short, body = r.choice(PROBLEMS.get(top, GENERIC))
        title = f"{town.name}{place}{short}"
        content = f"我住在{town.name}{road}{place}，{body}。希望有关部门尽快处理。"
        anonymous = r.random() < (0.25 if ctype == CaseType.ACCUSATION else 0.07)
        urgent = ctype in HOTLINE_TYPES and r.random() < 0.05
        accused = r.choice(self.departments).pk if ctype == CaseType.ACCUSATION and r.random() < 0.6 else None
        hotline = ctype in HOTLINE_TYPES
        clocks: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        intake = self.intake
        state = State.REGISTERED
        decided_at = assigned_at = replied_at = closed_at = None
        decision_reason = redirect_channel = ""
        current_unit: int | None = None
        running: list[tuple[dt.date, dt.datetime | None]] = []

        def event(kind: str, at: dt.datetime, actor: int | None, unit: int | None = None, text: str = "", public: bool = False) -> None:
            events.append((cid, kind, actor, self.names.get(actor or 0, "系统"), unit, at, text, public))

        def clock(
            kind: str,
            start: dt.datetime,
            due_date: dt.date,
            stopped: dt.datetime | None,
            days: int,
            day_type: str,
            due_at: dt.datetime | None = None,
            extended: int = 0,
        ) -> None:
            clocks.append((cid, kind, start, due_date, due_at, stopped, days, day_type, extended, 3))
            if stopped is None and kind not in (ClockKind.OBJECTION, ClockKind.REVIEW_REQUEST):
                running.append((due_date, due_at))

        event(CaseEvent.Kind.REGISTERED, received, intake, None, "登记。", True)
        late_decision = r.random() < 0.04
        decide_at = self.office_hours(
            received + dt.timedelta(hours=r.uniform(1, 24 * 9) if not late_decision else r.uniform(24 * 16, 24 * 22))
        )
        decide_due = self.due(received, "decide")
        fate = r.random()
        if decide_at > now:
            clock(ClockKind.DECIDE, received, decide_due, None, 15, DayType.CALENDAR)
        elif fate < 0.015:
            clock(ClockKind.DECIDE, received, decide_due, decide_at, 15, DayType.CALENDAR)
            state, closed_at = State.WITHDRAWN, decide_at
            event(CaseEvent.Kind.WITHDRAWN, decide_at, intake, None, "信访人撤回。", True)
        elif fate < 0.10:
            clock(ClockKind.DECIDE, received, decide_due, decide_at, 15, DayType.CALENDAR)
            decided_at = closed_at = decide_at
            if fate < 0.07:
                state, decision_reason = State.NOT_ACCEPTED, "不属于信访受理范围。"
                event(CaseEvent.Kind.NOT_ACCEPTED, decide_at, intake, None, decision_reason, True)
            else:
                state, redirect_channel = (
                    State.REDIRECTED,
                    r.choice([RedirectChannel.LITIGATION, RedirectChannel.ARBITRATION, RedirectChannel.LABOUR_ARBITRATION]),
                )
                event(CaseEvent.Kind.REDIRECTED, decide_at, intake, None, "请通过法定途径解决。", True)
        else:
            clock(ClockKind.DECIDE, received, decide_due, decide_at, 15, DayType.CALENDAR)
            decided_at = decide_at
            state = State.ACCEPTED
            event(CaseEvent.Kind.ACCEPTED, decide_at, intake, None, "已受理。", True)
            # handling limit: statutory or hotline
            contact_h, resolve_h, resolve_days = self.limits.hotline[urgent] if hotline else (None, None, None)
            if hotline and resolve_days:
                handle_days, handle_type = resolve_days, DayType.CALENDAR
            else:
                handle_days, handle_type = self.limits.days["handle"][0], self.limits.days["handle"][1]
            handle_due = self.cal_add(loc(decide_at).date(), handle_days, DayType(handle_type))
            contact_due_at = decide_at + dt.timedelta(hours=contact_h) if contact_h else None
            # Hotline work orders are dispatched and received within hours; letters and visits take days.
            assign_at = (
                decide_at + dt.timedelta(hours=r.uniform(0.1, 3))
                if hotline
                else self.office_hours(decide_at + dt.timedelta(hours=r.uniform(0.5, 24 * 3)))
            )
            unit = self._unit_for(top, town, ctype, accused)
            objected = r.random() < 0.04
            handle_stop: dt.datetime | None = None
            extended = 0
            if assign_at > now:
                clock(ClockKind.ASSIGN, received, self.due(received, "assign"), None, 15, DayType.CALENDAR)
            else:
                clock(ClockKind.ASSIGN, received, self.due(received, "assign"), assign_at, 15, DayType.CALENDAR)
                obj_at = assign_at
                if objected:
                    wrong = r.choice(self.towns + self.departments)
                    obj_at = assign_at + dt.timedelta(hours=r.uniform(2, 48))
                    if obj_at < now - dt.timedelta(hours=1):
                        batch.rows["assignment"].append(
                            (
                                cid,
                                wrong.pk,
                                True,
                                CaseAssignment.Status.OBJECTED,
                                False,
                                intake,
                                assign_at,
                                None,
                                None,
                                "不属于本单位职责。",
                                obj_at,
                                "",
                            )
                        )
                        event(CaseEvent.Kind.ASSIGNED, assign_at, intake, wrong.pk, f"转交{wrong.name}办理。", True)
                        event(CaseEvent.Kind.OBJECTED, obj_at, self.user_of(wrong.pk), wrong.pk, "不属于本单位职责。")
                        assign_at = self.office_hours(obj_at + dt.timedelta(hours=r.uniform(2, 48)))
                assigned_at = assign_at
                if assign_at > now:
                    state = State.OBJECTED
                    clock(ClockKind.ASSIGN, obj_at, self.due(obj_at, "assign"), None, 15, DayType.CALENDAR)
                else:
                    current_unit = unit.pk
                    state = State.ASSIGNED
                    event(CaseEvent.Kind.ASSIGNED, assign_at, intake, unit.pk, f"转交{unit.name}办理。", True)
                    officer = self.user_of(unit.pk)
                    head = self.user_of(unit.pk, Role.HEAD)
                    receive_at = assign_at + dt.timedelta(hours=r.uniform(0.1, 4) if hotline else r.uniform(0.5, 24 * 3))
                    objection_due = self.cal_add(
                        loc(assign_at).date(), self.limits.days["objection"][0], DayType(self.limits.days["objection"][1])
                    )
                    received_unit = receive_at <= now
                    clock(
                        ClockKind.OBJECTION,
                        assign_at,
                        objection_due,
                        receive_at if received_unit else None,
                        self.limits.days["objection"][0],
                        self.limits.days["objection"][1],
                    )
                    batch.rows["assignment"].append(
                        (cid, unit.pk, True, CaseAssignment.Status.RECEIVED if received_unit else CaseAssignment.Status.PENDING, True, intake, assign_at,
                         officer if received_unit else None, receive_at if received_unit else None, "", None, "")
                    )  # fmt: skip
                    if received_unit:
                        state = State.HANDLING
                        event(CaseEvent.Kind.RECEIVED, receive_at, officer, unit.pk, f"{unit.name}已签收。")
                        late = r.random() < (0.04 if hotline else 0.07)
                        span = handle_days if handle_type == DayType.CALENDAR else handle_days * 1.4
                        work_days = r.uniform(0.1, 0.85) * span if not late else span * r.uniform(1.05, 1.5)
                        if not hotline and r.random() < 0.05:
                            extended = 30
                            ext_at = receive_at + dt.timedelta(days=min(work_days * 0.5, 40))
                            if ext_at < now:
                                handle_due = self.cal_add(loc(decide_at).date(), handle_days + extended, DayType(handle_type))
                                event(CaseEvent.Kind.EXTENSION_APPROVED, ext_at, head, unit.pk, "延期30日。", True)
                                work_days += 20
                            else:
                                extended = 0
                        contacted = None
                        if contact_due_at is not None and not anonymous:
                            in_time = r.random() < 0.95
                            contacted = max(
                                receive_at,
                                decide_at
                                + dt.timedelta(hours=r.uniform(0.3, contact_h * 0.8) if in_time else contact_h * r.uniform(1.1, 3)),
                            )  # type: ignore[operator]
                            if contacted <= now:
                                event(CaseEvent.Kind.CONTACT, contacted, officer, unit.pk, "已电话联系信访人。")
                            else:
                                contacted = None
                        if not anonymous and r.random() < 0.35:
                            met = receive_at + dt.timedelta(days=work_days * r.uniform(0.2, 0.8))
                            if met <= now:
                                batch.rows["meeting"].append(
                                    (cid, met, f"{town.name}{place}", "承办人、信访人", "当面了解情况。", officer, met)
                                )
                                event(CaseEvent.Kind.MEETING, met, officer, unit.pk, "与信访人见面。")
                                contacted = contacted or met
                        drafted = self.office_hours(receive_at + dt.timedelta(days=work_days))
                        outcome = r.choices([Outcome.SUPPORT, Outcome.EXPLAIN, Outcome.NOT_SUPPORT], [55, 35, 10])[0]
                        approved = self.office_hours(drafted + dt.timedelta(hours=r.uniform(2, 48)))
                        issued = self.office_hours(approved + dt.timedelta(hours=r.uniform(1, 30)))
                        if drafted <= now:
                            state = State.REPLY_PENDING
                            event(CaseEvent.Kind.REPLY_SUBMITTED, drafted, officer, unit.pk, OUTCOME_LABELS[outcome])
                            reply = [
                                cid,
                                outcome,
                                REPLIES[outcome],
                                CaseReply.Status.SUBMITTED,
                                officer,
                                drafted,
                                None,
                                None,
                                "",
                                None,
                                None,
                                "",
                                False,
                                "",
                                "",
                                None,
                            ]
                            if approved <= now:
                                state = State.REPLY_APPROVED
                                reply[3], reply[6], reply[7] = CaseReply.Status.APPROVED, head, approved
                                event(CaseEvent.Kind.REPLY_APPROVED, approved, head, unit.pk)
                                if issued <= now:
                                    state = State.REPLIED
                                    reply[3], reply[9], reply[10], reply[11] = CaseReply.Status.ISSUED, officer, issued, "phone"
                                    replied_at = handle_stop = issued
                                    contacted = contacted or issued
                                    event(
                                        CaseEvent.Kind.REPLIED,
                                        issued,
                                        officer,
                                        unit.pk,
                                        f"已出具书面处理意见（{OUTCOME_LABELS[outcome]}）。",
                                        True,
                                    )
                            batch.rows["reply"].append(tuple(reply))
                        if contact_due_at is not None:
                            clock(
                                ClockKind.CONTACT,
                                decide_at,
                                loc(contact_due_at).date(),
                                contacted if contacted and contacted <= now else None,
                                0,
                                DayType.CALENDAR,
                                contact_due_at,
                            )
                        if replied_at is not None:
                            clock(ClockKind.REVIEW_REQUEST, replied_at, self.due(replied_at, "review_request"), None, 30, DayType.CALENDAR)
                            if not anonymous and r.random() < 0.86:
                                fu_at = self.office_hours(replied_at + dt.timedelta(hours=r.uniform(20, 24 * 7)))
                                if fu_at <= now:
                                    sat = r.choices(
                                        [Satisfaction.SATISFIED, Satisfaction.BASICALLY, Satisfaction.DISSATISFIED, ""],
                                        [72, 18, 7, 3] if outcome == Outcome.SUPPORT else [40, 32, 25, 3],
                                    )[0]
                                    resolved = sat != Satisfaction.DISSATISFIED and (outcome == Outcome.SUPPORT or r.random() < 0.55)
                                    batch.rows["followup"].append((cid, resolved, sat, "", "phone", self.followup, fu_at))
                                    event(CaseEvent.Kind.FOLLOWUP, fu_at, self.followup, None, "已解决" if resolved else "未解决")
                                    close_at = fu_at + dt.timedelta(hours=r.uniform(1, 40))
                                    if close_at <= now:
                                        state, closed_at = State.CLOSED, close_at
                                        event(CaseEvent.Kind.CLOSED, close_at, self.followup, None, "", True)
                            elif anonymous:
                                close_at = replied_at + dt.timedelta(hours=r.uniform(2, 72))
                                if close_at <= now:
                                    state, closed_at = State.CLOSED, close_at
                                    event(CaseEvent.Kind.CLOSED, close_at, self.followup, None, "", True)
                    elif contact_due_at is not None:
                        clock(ClockKind.CONTACT, decide_at, loc(contact_due_at).date(), None, 0, DayType.CALENDAR, contact_due_at)
            clock(ClockKind.HANDLE, decide_at, handle_due, handle_stop, handle_days, handle_type, extended=extended)
        # A few open cases are withdrawn on the way.
        if state in (State.HANDLING, State.ASSIGNED) and r.random() < 0.01:
            last = max(e[5] for e in events)
            state, closed_at = State.WITHDRAWN, last + (now - last) * r.uniform(0.2, 0.9)
            running.clear()
            clocks = [c if c[5] is not None else (*c[:5], closed_at, *c[6:]) for c in clocks]
            event(CaseEvent.Kind.WITHDRAWN, closed_at, intake, current_unit, "信访人撤回。", True)
        today = loc(now).date()
        next_due = min((d for d, _a in running), default=None)
        overdue = any((now > a) if a is not None else (today > d) for d, a in running)
        if r.random() < ATTACHMENT_SHARE:
            self._attachments(batch, cid, received, ctype == CaseType.ACCUSATION, events)
        events.sort(key=_AT)  # the timeline in time order, as the services write it
        last = events[-1][5]
        complainant_name = ""
        if not anonymous:
            complainant_name = self.person()
            batch.rows["complainant"].append(
                (cid, complainant_name, f"1{r.choice('3589')}{r.randrange(10**9):09d}", "", f"{town.name}{place}", False, 0)
            )
        tokens = self.tokens.get((title, content))
        if tokens is None:
            tokens = self.tokens[(title, content)] = tokenize(title, content)
        batch.cases.append(
            (cid, number, "original", channel, ctype, title, content, category, urgent, f"{town.name}{road}{r.randint(1, 300)}号",
             None, None, town.pk, anonymous, False, 1, ctype == CaseType.ACCUSATION, accused, state, received, decided_at, decision_reason,
             redirect_channel, assigned_at, replied_at, closed_at, False, "", current_unit, next_due, next_due or FAR_FUTURE, overdue,
             tokens, len(events), intake, received, intake, last)
        )  # fmt: skip
        batch.rows["clock"].extend(clocks)
        batch.rows["event"].extend(events)
        if self.figures:
            self._figure_rows(batch, cid, state, ctype, anonymous, received, decided_at, assigned_at, replied_at, current_unit, category,
                              town.pk, clocks, events, {k: batch.rows[k][m:] for k, m in marks.items()})  # fmt: skip

    def _unit_for(self, top: str, town: Unit, ctype: str, accused: int | None) -> Unit:
        r = self.rng
        if ctype == CaseType.ACCUSATION:
            options = [u for u in self.departments if u.pk != accused] or self.towns
            return r.choice(options)
        return town if r.random() < 0.55 else r.choice(self.departments)


# ---------------------------------------------------------------------------
# Hazards and daily reports (small next to the cases: written with the ORM)
# ---------------------------------------------------------------------------

HAZARD_TEXTS = [
    ("消防通道堵塞", "小区消防通道被私家车和杂物长期占用", "fire"),
    ("电动车楼道充电", "居民在楼道内私拉电线给电动自行车充电", "fire"),
    ("燃气管道老化", "老旧小区燃气立管锈蚀，存在泄漏风险", "gas"),
    ("自建房墙体开裂", "自建房外墙出现贯穿裂缝，疑似结构受损", "building"),
    ("边坡滑塌隐患", "雨季边坡局部松动，坡脚有居民通行", "geology"),
    ("危化品违规存放", "仓库内危险化学品与普通货物混放", "chemical"),
    ("施工围挡倾斜", "工地围挡倾斜，临近人行道", "construction"),
    ("河道护栏缺失", "河道沿岸护栏缺失一段，夜间无照明", "water"),
]


def generate_hazards(gen: Generator, n: int) -> int:
    """``n`` hazards found over the period, every state, with their timelines."""
    from hazards.models import Grade, Hazard, HazardCategory, HazardEvent, HazardSequence
    from hazards.models import State as HState

    categories = list(HazardCategory.objects.filter(is_active=True).order_by("id"))
    if not categories or n <= 0:
        return 0
    by_code = {c.code: c for c in categories}
    r = random.Random(gen.seed * 7_919 + 1)
    today = loc(gen.now).date()
    span = max(1, (today - loc(gen.start).date()).days)
    verifier = (gen.staff_of_role(Role.SUPERVISOR) or [gen.intake])[0]
    counters = dict(HazardSequence.objects.values_list("year", "last"))
    specs = sorted((today - dt.timedelta(days=int(span * (1 - r.random() ** 0.8))), i) for i in range(n))
    hazards: list[Hazard] = []
    timelines: list[list[tuple[str, dt.date, int | None, str]]] = []
    for found_on, _i in specs:
        title, body, code = r.choice(HAZARD_TEXTS)
        category = by_code.get(code) or r.choice(categories)
        town = r.choice(gen.towns)
        unit = town if r.random() < 0.6 else r.choice(gen.departments)
        grade = Grade.MAJOR if r.random() < 0.08 else Grade.GENERAL
        deadline = found_on + dt.timedelta(days=7 if grade == Grade.GENERAL else r.choice([60, 90, 180]))
        rectified = found_on + dt.timedelta(
            days=max(1, int(r.triangular(1, (deadline - found_on).days * 1.3, (deadline - found_on).days * 0.6)))
        )
        verified = rectified + dt.timedelta(days=r.randint(1, 6))
        closed = verified + dt.timedelta(days=r.randint(0, 3))
        state = (
            HState.CLOSED
            if closed <= today
            else HState.VERIFIED
            if verified <= today
            else HState.RECTIFIED
            if rectified <= today
            else HState.RECTIFYING
        )
        if state == HState.RECTIFYING and (today - found_on).days < 2 and r.random() < 0.7:
            state = HState.REGISTERED
        year = found_on.year
        counters[year] = counters.get(year, 0) + 1
        registrar = gen.user_of(town.pk)
        rectifier = gen.user_of(unit.pk)

        def aware(day: dt.date) -> dt.datetime:
            return dt.datetime.combine(day, dt.time(r.randint(8, 17), r.randint(0, 59)), tzinfo=CST)

        h = Hazard(
            number=f"YH{year}-{counters[year]:05d}", category=category, grade=grade, title=f"{town.name}{r.choice(PLACES)}{title}",
            description=f"{body}，需尽快整改。", address=f"{town.name}{r.choice(ROADS)}{r.randint(1, 300)}号", town=town, unit=unit,
            responsible_person=gen.person(), source=r.choice(["inspection", "unit_report", "public_report"]), found_on=found_on,
            deadline=deadline, state=state, registered_by_id=registrar, created_at=aware(found_on), updated_at=aware(min(today, closed)),
        )  # fmt: skip
        line = [(HazardEvent.Kind.REGISTERED, found_on, registrar, "")]
        if state != HState.REGISTERED:
            line.append((HazardEvent.Kind.STARTED, found_on + dt.timedelta(days=1), rectifier, ""))
        if state in (HState.RECTIFIED, HState.VERIFIED, HState.CLOSED):
            h.rectified_on, h.rectified_at, h.rectified_by_id = rectified, aware(rectified), rectifier
            h.rectification_note = "已按要求完成整改。"
            line.append((HazardEvent.Kind.RECTIFIED, rectified, rectifier, h.rectification_note))
        if state in (HState.VERIFIED, HState.CLOSED):
            h.verified_at, h.verified_by_id = aware(verified), verifier
            line.append((HazardEvent.Kind.VERIFY_PASSED, verified, verifier, "现场验收合格"))
        if state == HState.CLOSED:
            h.closed_at, h.closed_by_id = aware(closed), verifier
            line.append((HazardEvent.Kind.CLOSED, closed, verifier, ""))
        hazards.append(h)
        timelines.append(line)
    Hazard.objects.bulk_create(hazards, batch_size=2000)
    saved = dict(Hazard.objects.filter(number__in=[h.number for h in hazards]).values_list("number", "id"))
    events = [
        HazardEvent(hazard_id=saved[h.number], at=dt.datetime.combine(day, dt.time(9 + k), tzinfo=CST), actor_id=actor,
                    actor_name=gen.names.get(actor or 0, "系统"), kind=kind, note=note)
        for h, line in zip(hazards, timelines, strict=True) for k, (kind, day, actor, note) in enumerate(line)
    ]  # fmt: skip
    HazardEvent.objects.bulk_create(events, batch_size=5000)
    for year, last in counters.items():
        HazardSequence.objects.update_or_create(year=year, defaults={"last": last})
    return len(hazards) + len(events)


def generate_daily_reports(gen: Generator) -> int:
    """Every reporting unit's daily report on every working day of the period (a few late,
    a few missing); days that already have a report keep it."""
    from duty.access import reporting_units
    from duty.models import DailyReport
    from duty.selectors import get_duty_settings

    units = list(reporting_units().order_by("id"))
    if not units:
        return 0
    due_time = get_duty_settings().report_due_time
    r = random.Random(gen.seed * 7_919 + 2)
    taken = set(DailyReport.objects.values_list("unit_id", "date"))
    day = loc(gen.start).date()
    today = loc(gen.now).date()
    rows = []
    while day < today:
        if gen.cal.is_workday(day):
            due = dt.datetime.combine(day, due_time, tzinfo=CST)
            for unit in units:
                roll = r.random()
                if roll < 0.03 or (unit.pk, day) in taken:
                    continue
                at = due + dt.timedelta(minutes=r.randint(3, 150)) if roll < 0.11 else due - dt.timedelta(minutes=r.randint(10, 400))
                quiet = r.random() < 0.4
                officer = gen.user_of(unit.pk) or gen.intake
                rows.append(
                    DailyReport(unit=unit, date=day, due_at=due, submitted_at=at, submitted_by_id=officer, is_late=at > due,
                                nothing_to_report=quiet, situation="辖区总体平稳，值班人员在岗在位。" if quiet else "开展安全巡查，处置一般警情。",
                                incidents="" if quiet or r.random() < 0.6 else "处置一起邻里纠纷，已调解。", updated_at=at)
                )  # fmt: skip
        day += dt.timedelta(days=1)
    DailyReport.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return value.hex
    return value


def write(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN") as copy:
                write_row = copy.write_row  # psycopg's C formatter: ~4 µs a row (2x faster than text built in Python)
                for row in rows:
                    write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES ({marks})",
                [[_sqlite_value(v) for v in row] for row in rows],
            )


def write_batch(batch: Batch) -> int:
    write(Case._meta.db_table, CASE_COLUMNS, batch.cases)
    for key in WRITE_ORDER:
        model, columns = TABLES[key]
        write(model._meta.db_table, columns, batch.rows.get(key, []))
    if batch.metrics:
        from insights.models import CaseMetric

        write(CaseMetric._meta.db_table, METRIC_COLUMNS, batch.metrics)
    return batch.size()


def generate_serial(
    gen: Generator, plan: Sequence[tuple[dt.datetime, str]], chunks: Iterable[int], report: Callable[[int, int], None]
) -> None:
    """Generate and write the given chunks in this process, one transaction each."""
    for k in chunks:
        batch = Batch()
        gen.chunk(batch, plan, k)
        with transaction.atomic():
            rows = write_batch(batch)
        report(len(batch.cases), rows)


def _worker(gen: Generator, plan: Sequence[tuple[dt.datetime, str]], chunks: list[int], progress: Any) -> None:
    """A worker process: its own database connection, its share of the chunks."""
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit = off")
        generate_serial(gen, plan, chunks, lambda c, r: progress.put((c, r)))
        progress.put(None)
    except BaseException as exc:
        progress.put(("error", repr(exc)))
        raise
    finally:
        connections.close_all()


def generate_parallel(
    gen: Generator, plan: Sequence[tuple[dt.datetime, str]], workers: int, report: Callable[[int, int], None], batch_chunks: int = 1
) -> None:
    """Split the chunks among ``workers`` forked processes (round robin), each COPYing its
    own. The data does not depend on ``workers``: each chunk has its own random state."""
    n_chunks = (len(plan) + CHUNK - 1) // CHUNK
    if workers <= 1 or connection.vendor != "postgresql" or n_chunks < 2:
        generate_serial(gen, plan, range(n_chunks), report)
        return
    ctx = multiprocessing.get_context("fork")
    progress = ctx.Queue()
    connections.close_all()  # each child opens its own
    procs = [
        ctx.Process(target=_worker, args=(gen, plan, list(range(w, n_chunks, workers)), progress), daemon=True) for w in range(workers)
    ]
    for p in procs:
        p.start()
    running = workers
    error = None
    while running:
        msg = progress.get()
        if msg is None:
            running -= 1
        elif msg[0] == "error":
            error = msg[1]
            running -= 1
        else:
            report(*msg)
    for p in procs:
        p.join()
    if error or any(p.exitcode for p in procs):
        raise RuntimeError(f"a generator process failed: {error or [p.exitcode for p in procs]}")


# ---------------------------------------------------------------------------
# PostgreSQL: secondary indexes and foreign keys off during the load
# ---------------------------------------------------------------------------

LOADED_TABLES = [Case._meta.db_table] + [m._meta.db_table for m, _c in TABLES.values()] + ["insights_casemetric"]
STASH = "bench_generate_stash"


def pg_drop_secondary(tables: Sequence[str]) -> list[str]:
    """Drop the secondary indexes (not the primary keys or unique constraints) and the
    foreign keys of ``tables``; return the DDL that puts them back. The DDL is also kept in
    a table of its own until restored, so an interrupted load can be repaired by running
    the generator again."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {STASH} (n serial PRIMARY KEY, ddl text NOT NULL)")  # noqa: S608
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE t.relname = ANY(%s) AND NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "ORDER BY 1",
            [list(tables)],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            [list(tables)],
        )
        fkeys = cursor.fetchall()
        ddl = [sql for _name, sql in indexes] + [f'ALTER TABLE {t} ADD CONSTRAINT "{name}" {definition}' for t, name, definition in fkeys]
        for sql in ddl:
            cursor.execute(f"INSERT INTO {STASH} (ddl) VALUES (%s)", [sql])  # noqa: S608
        for t, name, _d in fkeys:
            cursor.execute(f'ALTER TABLE {t} DROP CONSTRAINT "{name}"')
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {name}")
    return ddl


def pg_stashed() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [STASH])
        if cursor.fetchone()[0] is None:
            return []
        cursor.execute(f"SELECT ddl FROM {STASH} ORDER BY n")  # noqa: S608
        return [r[0] for r in cursor.fetchall()]


def pg_restore(ddl: Sequence[str], *, only: Sequence[str] | None = None, threads: int = 2) -> float:
    """Run the stashed DDL (indexes first, two at a time; then foreign keys, which check
    every row), forgetting each statement once done. ``only``: statements on these tables."""
    started = time.monotonic()
    todo = [s for s in ddl if only is None or any(f" ON public.{t} " in s or f"ALTER TABLE {t} " in s for t in only)]
    creates = [s for s in todo if s.startswith("CREATE")]
    alters = [s for s in todo if not s.startswith("CREATE")]
    db = connection.settings_dict

    def run(sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"] or None, password=db["PASSWORD"] or None, dbname=db["NAME"],
            autocommit=True,
        ) as conn:  # fmt: skip
            conn.execute("SET maintenance_work_mem = '512MB'")
            conn.execute(sql)
            conn.execute(f"DELETE FROM {STASH} WHERE ddl = %s", [sql])  # noqa: S608

    for group in (creates, alters):
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(run, group))
    return time.monotonic() - started


def finish(gen: Generator) -> None:
    """Case number sequences (counter rows on SQLite) and id sequences after the bulk load."""
    sync_sequences()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), (SELECT COALESCE(MAX(id), 1) FROM cases_case))")


def aggregate_figures(actor: User | None = None) -> int:
    """The rollups from the figure rows written with the cases (the last step of
    ``rollups_rebuild``, in SQL), recorded in the audit trail like a rebuild."""
    from audit.services import audit_record
    from insights.models import CaseMetric
    from insights.services import PENDING, _aggregate_rollups

    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in (*PENDING, *PENDING.values()):  # the rollups and their (normally empty) pending additions
            cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}")  # noqa: S608 - names from the models
    n = _aggregate_rollups()
    audit_record(
        actor=actor,
        action="insights.rebuild_rollups",
        object_type="insights.rollup",
        object_label="Dashboard figures (bench/generate)",
        after={"cases": Case.objects.count(), "rows": CaseMetric.objects.count(), "rollups": n},
    )
    return n


def delete_all_cases() -> None:
    """Empty the case tables (and the figures) of a benchmark database."""
    from insights.models import CaseMetric
    from insights.services import PENDING

    tables = [m._meta.db_table for m in (CaseMetric, *PENDING, *PENDING.values())]
    tables += [m._meta.db_table for key, (m, _c) in TABLES.items() if key != "file"] + [
        "cases_caselink",
        "cases_caseextension",
        Case._meta.db_table,
    ]
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses tables with pending checks
            cursor.execute("TRUNCATE " + ", ".join(qn(t) for t in tables) + " CASCADE")
        else:
            for t in tables:
                cursor.execute(f"DELETE FROM {qn(t)}")  # noqa: S608
    StoredFile.objects.filter(storage_path__startswith="bench/").delete()
    CaseNumberCounter.objects.all().delete()
    sync_sequences()  # PostgreSQL: the number sequences start again at 1


def digest() -> str:
    """A fingerprint of the generated rows (ids and times included), for the
    reproducibility test."""
    h = hashlib.sha256()
    for key in ["case", *WRITE_ORDER]:
        model, columns = (Case, CASE_COLUMNS) if key == "case" else TABLES[key]
        cols = [c for c in columns if c != "id" or key in ("case", "file")]
        order = ["case_id", "id"] if "case_id" in columns else ["id"]
        for row in model.objects.order_by(*order).values_list(*cols):
            h.update(json.dumps([str(v) for v in row], ensure_ascii=False).encode())
    return h.hexdigest()


# ---------------------------------------------------------------------------
# The whole load
# ---------------------------------------------------------------------------


@dataclass
class LoadResult:
    cases: int = 0
    rows: int = 0
    other_rows: int = 0
    rollups: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def load(
    *,
    cases: int,
    seed: int = 7,
    now: dt.datetime,
    years: float = 3.0,
    workers: int = 2,
    figures: bool = True,
    hazards: int | None = None,
    bulk_ddl: bool = True,
    replace: bool = False,
    say: Callable[[str], None] = lambda s: None,
) -> LoadResult:
    """Generate ``cases`` cases (plus ``hazards`` hazards, by default one per 50 cases, and
    the daily reports of the period) and their dashboard figures into the default database.
    ``bulk_ddl`` (PostgreSQL): drop secondary indexes, foreign keys and the search index
    during the load (needs committed data: not inside a test's transaction)."""
    result = LoadResult()
    started = time.monotonic()
    postgres = connection.vendor == "postgresql"
    bulk_ddl = bulk_ddl and postgres
    if bulk_ddl and (left := pg_stashed()):
        say(f"Restoring {len(left)} indexes and keys left by an interrupted load…")
        pg_restore(left)
    if replace:
        delete_all_cases()
    gen = Generator(seed=seed, now=now, years=years, figures=figures)
    ddl: list[str] = []
    if bulk_ddl:
        with connection.cursor() as cursor:
            for sql in PG_TEARDOWN:
                cursor.execute(sql)
        ddl = pg_drop_secondary(LOADED_TABLES)
    t = time.monotonic()
    plan = gen.plan(cases)
    done = 0

    def report(n: int, rows: int) -> None:
        nonlocal done
        done += n
        result.rows += rows
        if done * 20 // cases != (done - n) * 20 // cases:
            elapsed = time.monotonic() - t
            say(f"  {done:>9} cases, {result.rows:>10} rows, {elapsed:7.1f} s ({done / max(elapsed, 1e-9):,.0f} cases/s)")

    generate_parallel(gen, plan, workers if bulk_ddl else 1, report)
    result.cases = done
    with transaction.atomic():
        finish(gen)
    result.timings["cases"] = time.monotonic() - t
    t = time.monotonic()
    with transaction.atomic():
        result.other_rows += generate_hazards(gen, cases // 50 if hazards is None else hazards)
        result.other_rows += generate_daily_reports(gen)
    result.timings["hazards and daily reports"] = time.monotonic() - t
    if bulk_ddl:
        t = time.monotonic()
        pg_restore(ddl, only=[t for t in LOADED_TABLES if t != "insights_casemetric"])
        with connection.cursor() as cursor:
            for sql in PG_SETUP:
                cursor.execute(sql)
        result.timings["indexes, keys and search index"] = time.monotonic() - t
    if figures:
        t = time.monotonic()
        with transaction.atomic():
            result.rollups = aggregate_figures()
        result.timings["rollups"] = time.monotonic() - t
    if bulk_ddl:
        t = time.monotonic()
        pg_restore(pg_stashed())
        result.timings["figure indexes and keys"] = time.monotonic() - t
    if postgres and bulk_ddl:
        t = time.monotonic()
        with connection.cursor() as cursor:
            # VACUUM too, as autovacuum would soon after a load: it sets the visibility map,
            # without which no index-only scan is used (the unit's assignments, 1 M cases)
            cursor.execute("VACUUM (ANALYZE)")
        result.timings["vacuum and analyze"] = time.monotonic() - t
    result.timings["total"] = time.monotonic() - started
    return result
