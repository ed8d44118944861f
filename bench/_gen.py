"""The benchmark data generator behind ``bench/generate``: N complaint cases with
realistic timelines (every state, clocks, assignments, timeline events, replies,
meetings, follow-ups), spread over several years, written with COPY on PostgreSQL
(executemany on SQLite), then the dashboard figures rebuilt from them.

Every text is invented here from small templates. The result is reproducible from the
seed. The generator writes rows directly (not through the services) for speed, so it
keeps to the invariants the services keep: states follow the lifecycle, clocks follow
the configured rules and the working-day calendar, the denormalised fields
(``current_unit``, ``next_due``, ``is_overdue``) agree with the clocks.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from accounts.models import Role, Unit, UnitKind, User
from cases.clocks import DEFAULT_RULES
from cases.models import (
    FAR_FUTURE,
    HOTLINE_TYPES,
    Case,
    CaseAssignment,
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
from cases.search import tokenize
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


@dataclass
class Batch:
    cases: list[tuple[Any, ...]] = field(default_factory=list)
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: defaultdict(list))

    def size(self) -> int:
        return len(self.cases) + sum(len(v) for v in self.rows.values())


@dataclass
class Limits:
    days: dict[str, tuple[int, str]]
    hotline: dict[bool, tuple[int | None, int | None, int | None]]  # urgent -> (contact h, resolve h, resolve days)


class Generator:
    """Builds case histories in memory, a batch at a time."""

    def __init__(self, *, seed: int, now: dt.datetime, years: float) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.start = now - dt.timedelta(days=365 * years)
        self.cal: WorkCalendar = get_calendar()
        units = list(Unit.objects.filter(is_active=True))
        self.root = next(u for u in units if u.parent_id is None)
        self.towns = [u for u in units if u.kind == UnitKind.TOWN]
        self.departments = [u for u in units if u.kind == UnitKind.DEPARTMENT]
        if not self.towns or not self.departments:
            raise SystemExit("The database has no towns or departments: run `manage.py load_demo --cases 0` first.")
        self.staff: dict[tuple[int, str], list[int]] = defaultdict(list)
        names: dict[int, str] = {}
        for user_id, unit_id, role, full_name in User.objects.filter(is_active=True).values_list(
            "id", "unit_id", "role_assignments__role", "full_name"
        ):
            if unit_id and role:
                self.staff[(unit_id, role)].append(user_id)
            names[user_id] = full_name
        self.names = names
        self.intake = (self.staff_of_role(Role.INTAKE) or [None])[0]
        self.followup = (self.staff_of_role(Role.FOLLOWUP) or [self.intake])[0]
        cats = list(Category.objects.filter(is_active=True).values_list("id", "code", "parent_id", "level"))
        parents = {c[0]: c[2] for c in cats}
        codes = {c[0]: c[1] for c in cats}
        self.leaves = [c[0] for c in cats if c[3] == 3] or [c[0] for c in cats]
        self.top_code: dict[int, str] = {}
        for cid in self.leaves:
            node = cid
            while parents.get(node):
                node = parents[node]  # type: ignore[assignment]
            self.top_code[cid] = codes[node]
        self.dept_by_top: dict[str, list[Unit]] = defaultdict(list)
        self.limits = self._limits()
        self.year_counters: dict[int, int] = {}
        for year, last in CaseNumberCounter.objects.values_list("year", "last"):
            self.year_counters[year] = last
        self.next_id = (Case.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1

    def staff_of_role(self, role: str) -> list[int]:
        return [uid for (unit_id, r), ids in self.staff.items() if r == role for uid in ids]

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

    def due(self, start: dt.datetime, step: str, extra: int = 0) -> dt.date:
        days, day_type = self.limits.days[step]
        return self.cal.add(loc(start).date(), days + extra, DayType(day_type))

    def number(self, received: dt.datetime) -> str:
        year = loc(received).year
        self.year_counters[year] = self.year_counters.get(year, 0) + 1
        return f"{year}-{self.year_counters[year]:06d}"

    # -- one case -----------------------------------------------------------------
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

    def case(self, batch: Batch, received: dt.datetime) -> None:  # noqa: C901 - one linear story
        r = self.rng
        now = self.now
        cid = self.next_id
        self.next_id += 1
        ctype = r.choices([t for t, _w in TYPE_WEIGHTS], [w for _t, w in TYPE_WEIGHTS])[0]
        channel = r.choices([c for c, _w in CHANNEL_WEIGHTS], [w for _c, w in CHANNEL_WEIGHTS])[0]
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
            handle_due = self.cal.add(loc(decide_at).date(), handle_days, DayType(handle_type))
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
                    objection_due = self.cal.add(
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
                                handle_due = self.cal.add(loc(decide_at).date(), handle_days + extended, DayType(handle_type))
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
                            event(CaseEvent.Kind.REPLY_SUBMITTED, drafted, officer, unit.pk, str(Outcome(outcome).label))
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
                                        f"已出具书面处理意见（{Outcome(outcome).label}）。",
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
            state, closed_at = State.WITHDRAWN, now - dt.timedelta(hours=r.uniform(1, 48))
            running.clear()
            clocks = [c if c[5] is not None else (*c[:5], closed_at, *c[6:]) for c in clocks]
            event(CaseEvent.Kind.WITHDRAWN, closed_at, intake, current_unit, "信访人撤回。", True)
        today = loc(now).date()
        next_due = min((d for d, _a in running), default=None)
        overdue = any((now > a) if a is not None else (today > d) for d, a in running)
        last = max(e[5] for e in events)
        complainant_name = ""
        if not anonymous:
            complainant_name = self.person()
            batch.rows["complainant"].append(
                (cid, complainant_name, f"1{r.choice('3589')}{r.randrange(10**9):09d}", "", f"{town.name}{place}", False, 0)
            )
        tokens = tokenize(title, content)
        batch.cases.append(
            (cid, self.number(received), "original", channel, ctype, title, content, category, urgent, f"{town.name}{road}{r.randint(1, 300)}号",
             None, None, town.pk, anonymous, False, 1, ctype == CaseType.ACCUSATION, accused, state, received, decided_at, decision_reason,
             redirect_channel, assigned_at, replied_at, closed_at, False, "", current_unit, next_due, next_due or FAR_FUTURE, overdue,
             tokens, len(events), intake, received, intake, last)
        )  # fmt: skip
        batch.rows["clock"].extend(clocks)
        batch.rows["event"].extend(events)

    def _unit_for(self, top: str, town: Unit, ctype: str, accused: int | None) -> Unit:
        r = self.rng
        if ctype == CaseType.ACCUSATION:
            options = [u for u in self.departments if u.pk != accused]
            return r.choice(options)
        return town if r.random() < 0.55 else r.choice(self.departments)

    def batches(self, n: int, size: int) -> Iterator[Batch]:
        times = self.received_times(n)
        for i in range(0, n, size):
            batch = Batch()
            for moment in times[i : i + size]:
                self.case(batch, moment)
            yield batch


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def write(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES ({marks})",
                [[_sqlite_value(v) for v in row] for row in rows],
            )


def write_batch(batch: Batch) -> int:
    write(Case._meta.db_table, CASE_COLUMNS, batch.cases)
    for key, (model, columns) in TABLES.items():
        write(model._meta.db_table, columns, batch.rows.get(key, []))
    return batch.size()


def finish(gen: Generator) -> None:
    """Counters and sequences after the bulk load."""
    for year, last in gen.year_counters.items():
        CaseNumberCounter.objects.update_or_create(year=year, defaults={"last": last})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), (SELECT COALESCE(MAX(id), 1) FROM cases_case))")


def delete_all_cases() -> None:
    """Empty the case tables (and the figures) of a benchmark database."""
    from insights.models import CaseMetric, Rollup, StateCount, TownRollup

    tables = [m._meta.db_table for m in (CaseMetric, Rollup, TownRollup, StateCount)]
    tables += [m._meta.db_table for m, _c in TABLES.values()] + [
        "cases_caselink",
        "cases_caseattachment",
        "cases_caseextension",
        Case._meta.db_table,
    ]
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE " + ", ".join(qn(t) for t in tables) + " CASCADE")
        else:
            for t in tables:
                cursor.execute(f"DELETE FROM {qn(t)}")  # noqa: S608
    CaseNumberCounter.objects.all().delete()
