"""Command-and-duty demo data for the demo district (``manage.py load_demo``).

Everything is invented here from small phrase lists and is reproducible from the seed:
a special period in progress, two weeks of duty rosters around today (a few units without
tomorrow's roster), a week of daily reports (some late, a few missing, one unit missing
today), open instructions in every state, supervision notices in every state, an
accountability record, urgent reports, leader-owned cases and one central-assignment batch.

Current-state records are written through the services (so they carry audit rows and
notifications); history is then moved back in time on the rows themselves.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, Unit, UnitKind, User
from duty import services
from duty.access import duty_units, reporting_units
from duty.models import (
    CentralBatch,
    DailyReport,
    DutySettings,
    DutyShift,
    Instruction,
    InstructionTarget,
    NoticeAnswer,
    ProgressReport,
    SupervisionNotice,
    UrgentReport,
)
from duty.selectors import day_rule, local_dt

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦许何吕施张孔曹严华金魏陶姜谢邹喻柏水窦章云苏潘葛范彭郎鲁韦马苗方俞任袁柳鲍史唐费廉岑薛雷贺倪汤"
GIVEN = ["志明", "建华", "海涛", "丽娟", "国强", "晓燕", "振宇", "春梅", "立新", "文静", "德胜", "秀兰", "永刚", "慧敏", "宏伟", "淑芬", "卫东", "雅琴", "长青", "玉兰"]

SITUATION = [
    "辖区社会面总体平稳，未发生较大以上安全事故。",
    "辖区治安、交通、消防形势平稳，重点部位运行正常。",
    "今日开展节前安全巡查，重点场所秩序良好。",
    "辖区信访形势总体平稳，无集体访、越级访情况。",
    "各社区网格员到岗在位，巡查工作正常开展。",
    "寒潮期间加强巡查，未发现因降温引发的险情。",
]
PATROL = [
    "出动巡查人员{n}人次，检查沿街商铺{m}家。",
    "检查人员密集场所{m}处，督促整改问题{k}项。",
    "排查燃气用户{m}户，发现并当场整改隐患{k}处。",
    "对辖区{m}处在建工地开展夜间巡查。",
]
INCIDENTS = [
    "{place}发生一起电动车充电引发的小型火情，已及时扑灭，无人员伤亡。",
    "{place}一处供水管道爆裂，已通知供水公司抢修，影响居民约{n}户。",
    "{place}发生一起两车轻微碰撞事故，交警已到场处置。",
    "{place}居民反映燃气异味，经燃气公司检测为阀门松动，已处理。",
]
HAZARDS = [
    "{place}楼道堆放杂物，已责令清理。",
    "{place}户外广告牌固定件锈蚀，已通知业主加固。",
    "{place}电动车飞线充电，已劝导拆除。",
    "{place}建筑工地临边防护缺失，已责令停工整改。",
]
HELP = [
    "{place}老旧管网改造资金缺口较大，请求区里协调住建部门支持。",
    "请求区应急管理局调配应急照明设备两套。",
    "{place}积水点排水能力不足，请求协调市政部门联合处置。",
]
PLACES = ["幸福里小区", "和平路菜市场", "东风商业街", "滨河花园", "建设路口", "光明新村", "文化广场", "工业园区三号路", "翠湖苑", "老街片区"]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    return f"0{rng.randint(10, 99)}-{rng.randint(6000000, 8999999)}"


def _fmt(rng: random.Random, template: str) -> str:
    return template.format(place=rng.choice(PLACES), n=rng.randint(6, 60), m=rng.randint(5, 40), k=rng.randint(1, 9))


def _officer(unit: Unit) -> User:
    found = User.objects.filter(is_active=True, unit=unit, role_assignments__role=Role.OFFICER).order_by("pk").first()
    return found or User.objects.filter(is_active=True, unit=unit).order_by("pk").first()  # type: ignore[return-value]


def load_demo(*, stdout: TextIO | None = None, seed: int = 20261129, **_: Any) -> None:
    rng = random.Random(seed)
    started = timezone.now()
    with transaction.atomic():
        _load(rng)
    if stdout is not None:
        stdout.write(f"Duty demo: rosters, daily reports, instructions, notices, urgent reports and case ownership ({(timezone.now() - started).total_seconds():.1f} s).\n")


def _load(rng: random.Random) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    duty = User.objects.get(username="duty")
    supervisor = User.objects.get(username="supervisor")
    leader = User.objects.get(username="leader")
    root = Unit.objects.get(parent__isnull=True)
    DutySettings.objects.get_or_create(district=root)

    period = services.special_period_create(
        actor=duty,
        name="岁末年初安全生产和信访维稳特护期",
        start_date=today - dt.timedelta(days=4),
        end_date=today + dt.timedelta(days=10),
        description="特护期内各单位每日15时前报送值班日报，严格落实领导带班和24小时值班制度，突发事件第一时间报告。",
    )
    _rosters(rng, today)
    _daily_reports(rng, today, now)
    instructions = _instructions(rng, duty, now)
    _notices(rng, supervisor, instructions, today)
    _urgent(rng, now)
    _cases(rng, leader, today)
    del period


def _rosters(rng: random.Random, today: dt.date) -> None:
    handover = dt.time(8, 30)
    units = list(duty_units())
    skip_tomorrow = {u.pk for u in rng.sample([u for u in units if u.kind == UnitKind.TOWN], 2)}
    rows: list[DutyShift] = []
    now = timezone.now()
    for unit in units:
        members = {u.full_name: u for u in User.objects.filter(unit__path__startswith=unit.path, is_active=True)}
        leaders = [unit.leader.full_name] if unit.leader else []
        leaders += [_name(rng) for _ in range(3)]
        officers = [_name(rng) for _ in range(4)]
        phone = unit.phone or _phone(rng)
        for offset in range(-6, 8):
            day = today + dt.timedelta(days=offset)
            if offset >= 1 and unit.pk in skip_tomorrow:
                continue
            lead = leaders[(offset + 6) % len(leaders)]
            if unit.code == "zzb":  # the district duty office splits its day into a day and a night shift
                spans = [(dt.time(8, 30), dt.time(17, 30), lead, officers[0]), (dt.time(17, 30), dt.time(8, 30), leaders[(offset + 7) % len(leaders)], officers[1])]
            else:
                spans = [(handover, handover, lead, officers[(offset + 6) % len(officers)])]
            for start, end, leader_name, officer_name in spans:
                starts_at, ends_at = services.shift_span(day, start, end, handover)
                rows.append(
                    DutyShift(
                        unit=unit,
                        duty_date=day,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        leader_name=leader_name,
                        leader=members.get(leader_name),
                        officer_name=officer_name,
                        phone=phone,
                        updated_at=now,
                    )
                )
    DutyShift.objects.bulk_create(rows)


def _daily_reports(rng: random.Random, today: dt.date, now: dt.datetime) -> None:
    units = list(reporting_units())
    missing_today = next(u for u in units if u.code == "nanhu")
    rows: list[DailyReport] = []
    for offset in range(-6, 1):
        day = today + dt.timedelta(days=offset)
        rule = day_rule(day, units)
        for unit in units:
            if unit.pk not in rule.required and rng.random() < 0.7:
                continue
            due = rule.due_at[unit.pk]
            if offset == 0:
                if unit == missing_today:
                    continue
                morning = local_dt(day, dt.time(8, 0))
                if now > due:
                    late = rng.random() < 0.15
                    at = due + dt.timedelta(minutes=rng.randint(2, 60)) if late else due - dt.timedelta(minutes=rng.randint(10, 360))
                elif now > morning + dt.timedelta(minutes=30):
                    if rng.random() < 0.3:
                        continue  # not yet filed, still before the deadline
                    late = False
                    at = now - dt.timedelta(minutes=rng.randint(1, int((now - morning).total_seconds() // 60)))
                else:
                    continue
                at = min(at, now - dt.timedelta(minutes=1))
            else:
                roll = rng.random()
                if roll < 0.03:
                    continue  # missing
                late = roll < 0.13
                at = due + dt.timedelta(minutes=rng.randint(3, 150)) if late else due - dt.timedelta(minutes=rng.randint(10, 400))
            quiet = rng.random() < 0.35
            report = DailyReport(
                unit=unit,
                date=day,
                due_at=due,
                submitted_at=at,
                submitted_by=_officer(unit),
                is_late=at > due,
                nothing_to_report=quiet,
                situation=rng.choice(SITUATION) + ("" if quiet else _fmt(rng, rng.choice(PATROL))),
                incidents="" if quiet or rng.random() < 0.6 else _fmt(rng, rng.choice(INCIDENTS)),
                hazards="" if quiet or rng.random() < 0.5 else _fmt(rng, rng.choice(HAZARDS)),
                help_needed="" if quiet or rng.random() < 0.85 else _fmt(rng, rng.choice(HELP)),
                updated_at=at,
            )
            rows.append(report)
    DailyReport.objects.bulk_create(rows)


def _send(actor: User, units: list[Unit], title: str, content: str, *, kind: str, urgency: str) -> Instruction:
    now = timezone.now()
    return services.instruction_send(
        actor=actor,
        title=title,
        content=content,
        units=units,
        kind=kind,
        urgency=urgency,
        ack_deadline=now + dt.timedelta(hours=1),
        report_deadline=now + dt.timedelta(days=1),
    )


def _shift_instruction(instruction: Instruction, sent: dt.datetime, ack: dt.datetime, report: dt.datetime) -> None:
    Instruction.objects.filter(pk=instruction.pk).update(sent_at=sent, ack_deadline=ack, report_deadline=report)
    instruction.refresh_from_db()


def _answer(rng: random.Random, instruction: Instruction, target: InstructionTarget, state: str, results: list[str]) -> None:
    """Take one recipient to ``state`` through the services, then date it realistically."""
    user = _officer(target.unit)
    if state == "unseen":
        return
    services.instruction_mark_seen(actor=user, target=target)
    seen = instruction.sent_at + dt.timedelta(minutes=rng.randint(3, 40))
    fields: dict[str, Any] = {"first_seen_at": seen}
    if state in ("acknowledged", "reported", "reported_late"):
        services.instruction_acknowledge(actor=user, target=target)
        fields["acknowledged_at"] = seen + dt.timedelta(minutes=rng.randint(1, 15))
    if state in ("reported", "reported_late"):
        services.instruction_report(actor=user, target=target, result=_fmt(rng, rng.choice(results)))
        if state == "reported_late":
            fields["reported_at"] = instruction.report_deadline + dt.timedelta(hours=rng.randint(1, 6))
        else:
            fields["reported_at"] = min(timezone.now() - dt.timedelta(minutes=2), fields["acknowledged_at"] + dt.timedelta(hours=rng.randint(1, 5)))
    InstructionTarget.objects.filter(pk=target.pk).update(**fields)


def _instructions(rng: random.Random, duty: User, now: dt.datetime) -> dict[str, Instruction]:
    towns = list(Unit.objects.filter(kind=UnitKind.TOWN, depth=1).order_by("sort_order"))
    departments = {u.code: u for u in Unit.objects.filter(kind=UnitKind.DEPARTMENT, depth=1)}
    results = [
        "已组织排查{m}处重点部位，发现问题{k}项，均已整改到位。",
        "已传达至各社区、网格，出动巡查人员{n}人次，未发现异常。",
        "已落实领导带班和24小时值班，应急队伍{n}人集结待命。",
        "已对{place}等重点区域开展专项检查，督促整改隐患{k}处。",
    ]
    out: dict[str, Instruction] = {}

    # 1. A cold-wave instruction to every town: sent 3 hours ago, every recipient state on the board.
    cold = _send(
        duty,
        towns,
        "关于切实做好寒潮大风天气防范应对工作的紧急通知",
        "据气象部门预报，今明两天我区将出现寒潮大风天气，最低气温降至零下6℃。请各街道（镇）立即组织排查危旧房屋、临时搭建、户外广告牌和在建工地，落实困难群众防寒保暖措施，严格落实24小时值班和领导带班制度，于1小时内签收，次日上午9时前报送落实情况。",
        kind=Instruction.Kind.INSTRUCTION,
        urgency=Instruction.Urgency.URGENT,
    )
    _shift_instruction(cold, now - dt.timedelta(hours=3), now - dt.timedelta(hours=2), now + dt.timedelta(hours=18))
    states = ["reported", "reported", "acknowledged", "acknowledged", "seen", "unseen", "reported", "acknowledged", "seen", "unseen", "reported", "acknowledged"]
    for target, state in zip(cold.targets.select_related("unit").order_by("unit__sort_order"), states, strict=False):
        if target.unit.code in ("qingshan", "hexi"):
            state = "acknowledged" if target.unit.code == "hexi" else "unseen"
        _answer(rng, cold, target, state, results)
    out["cold"] = cold

    # 2. A forest-fire warning sent 20 minutes ago to the mountain towns: mostly not yet seen.
    mountain = [u for u in towns if u.kind == UnitKind.TOWN and u.name.endswith("镇")]
    fire = _send(
        duty,
        mountain,
        "森林火险橙色预警通报",
        "区气象台发布森林火险橙色预警，未来三天森林火险等级高。请相关镇加强林区巡护和野外用火管控，严禁祭祀烧纸、烧荒等野外用火行为，确保扑火队伍和物资随时可用。",
        kind=Instruction.Kind.WARNING,
        urgency=Instruction.Urgency.CRITICAL,
    )
    _shift_instruction(fire, now - dt.timedelta(minutes=20), now + dt.timedelta(minutes=40), now + dt.timedelta(hours=8))
    for target, state in zip(fire.targets.select_related("unit").order_by("unit__sort_order"), ["acknowledged", "seen", "unseen", "unseen", "seen"], strict=False):
        _answer(rng, fire, target, state, results)
    out["fire"] = fire

    # 3. A pre-holiday safety inspection for departments, due yesterday: reported, late and overdue.
    depts = [departments[c] for c in ("zjj", "cgj", "scj", "yjj", "jtj", "wlj") if c in departments]
    check = _send(
        duty,
        depts,
        "关于开展节前安全生产大检查的通知",
        "请各部门围绕建筑施工、城镇燃气、道路交通、食品安全、人员密集场所等重点领域，组织开展节前安全生产大检查，形成问题清单和整改台账，按时报送检查情况。",
        kind=Instruction.Kind.INSTRUCTION,
        urgency=Instruction.Urgency.NORMAL,
    )
    _shift_instruction(check, now - dt.timedelta(days=4), now - dt.timedelta(days=4) + dt.timedelta(hours=2), now - dt.timedelta(days=1))
    for target, state in zip(check.targets.select_related("unit").order_by("unit__sort_order"), ["reported", "reported_late", "acknowledged", "reported", "acknowledged", "reported"], strict=False):
        _answer(rng, check, target, state, results)
    out["check"] = check

    # 4. A closed instruction: everyone reported.
    done = _send(
        duty,
        towns[:6],
        "关于做好元旦期间烟花爆竹禁放宣传工作的通知",
        "请各街道利用社区公告栏、微信群等渠道开展烟花爆竹禁放宣传，落实网格巡查。",
        kind=Instruction.Kind.INSTRUCTION,
        urgency=Instruction.Urgency.NORMAL,
    )
    _shift_instruction(done, now - dt.timedelta(days=6), now - dt.timedelta(days=6) + dt.timedelta(hours=1), now - dt.timedelta(days=4))
    for target in done.targets.select_related("unit"):
        _answer(rng, done, target, "reported", results)
        InstructionTarget.objects.filter(pk=target.pk).update(reported_at=done.report_deadline - dt.timedelta(hours=rng.randint(2, 30)))
    services.instruction_close(actor=duty, instruction=done)
    Instruction.objects.filter(pk=done.pk).update(closed_at=now - dt.timedelta(days=3, hours=2))
    out["done"] = done
    return out


def _notices(rng: random.Random, supervisor: User, instructions: dict[str, Instruction], today: dt.date) -> None:
    check = instructions["check"]
    late_targets = list(check.targets.filter(reported_at__isnull=True).select_related("unit"))
    notices: list[SupervisionNotice] = []
    for target in late_targets:
        notices.append(
            services.notice_issue(
                actor=supervisor,
                unit=target.unit,
                subject=SupervisionNotice.Subject.INSTRUCTION,
                instruction=check,
                title=f"关于{check.number}落实情况逾期未报的督办单",
                requirement="你单位未按期报送节前安全生产大检查情况，请于督办期限内报送检查情况、问题清单和整改台账，并说明逾期原因。",
                due_date=today + dt.timedelta(days=2),
            )
        )
    towns = {u.code: u for u in Unit.objects.filter(kind=UnitKind.TOWN, depth=1)}
    old = services.notice_issue(
        actor=supervisor,
        unit=towns["jinqiao"],
        title="关于金桥街道老旧小区排水管网改造进度滞后的督办单",
        requirement="群众多次反映雨季积水问题，改造工程进度滞后。请说明滞后原因，明确完工时限和过渡期保障措施。",
        due_date=today,
    )
    SupervisionNotice.objects.filter(pk=old.pk).update(issued_at=timezone.now() - dt.timedelta(days=6), due_date=today - dt.timedelta(days=2))
    notices.append(old)

    answered = services.notice_issue(
        actor=supervisor,
        unit=towns["dongcheng"],
        title="关于东城街道夜间施工噪声扰民问题的督办单",
        requirement="请会同城管、生态环境部门查处违规夜间施工行为，并答复整改情况。",
        due_date=today + dt.timedelta(days=3),
    )
    services.notice_answer(actor=_officer(towns["dongcheng"]), notice=answered, text="已联合城管、生态环境部门夜查3次，责令两家工地停止夜间施工，建立夜查长效机制。")

    returned = services.notice_issue(
        actor=supervisor,
        unit=towns["beiyuan"],
        title="关于北苑街道占道经营反复回潮问题的督办单",
        requirement="请制定长效管理措施，明确责任网格和巡查频次。",
        due_date=today + dt.timedelta(days=1),
    )
    services.notice_answer(actor=_officer(towns["beiyuan"]), notice=returned, text="已组织清理。")
    services.notice_review(actor=supervisor, notice=returned, accept=False, note="答复过于简单，未说明长效措施和责任分工，请补充。", new_due_date=today + dt.timedelta(days=3))

    accepted = services.notice_issue(
        actor=supervisor,
        unit=towns["xinhua"],
        title="关于新华街道电动自行车集中充电设施建设的督办单",
        requirement="请按计划完成集中充电设施建设并报送完成情况。",
        due_date=today + dt.timedelta(days=5),
    )
    services.notice_answer(actor=_officer(towns["xinhua"]), notice=accepted, text="已在12个小区建成集中充电车棚，新增充电端口640个，飞线充电现象明显减少。")
    services.notice_review(actor=supervisor, notice=accepted, accept=True, note="情况属实，予以办结。")
    SupervisionNotice.objects.filter(pk=accepted.pk).update(issued_at=timezone.now() - dt.timedelta(days=9))
    NoticeAnswer.objects.filter(notice=accepted).update(answered_at=timezone.now() - dt.timedelta(days=4))

    services.accountability_create(
        actor=supervisor,
        unit=towns["jinqiao"],
        reason="督办单逾期未答复，老旧小区排水管网改造进度严重滞后，群众反复投诉。",
        measure="interview",
        measure_detail="由区政府分管副区长约谈街道主要负责同志，限期提交整改方案。",
        decided_by="区人民政府",
        decided_on=today - dt.timedelta(days=1),
        notices=[old],
    )
    del rng, notices


def _urgent(rng: random.Random, now: dt.datetime) -> None:
    towns = {u.code: u for u in Unit.objects.filter(kind=UnitKind.TOWN, depth=1)}
    unit = towns["hexi"]
    officer = _officer(unit)
    first = services.urgent_report_file(
        actor=officer,
        unit=unit,
        title="河西街道滨河花园小区一住宅楼发生火情",
        place="河西街道滨河花园小区7栋",
        occurred_at=now - dt.timedelta(hours=2, minutes=10),
        scale="7栋3楼一户厨房起火，过火面积约15平方米，疏散居民42人，无人员伤亡。",
        measures="消防救援站已到场扑灭明火，街道、社区干部到场安置受影响居民，燃气公司已关闭该单元燃气阀门。",
        help_needed="",
    )
    follow = services.urgent_report_file(
        actor=officer,
        unit=unit,
        parent=first,
        title="火情续报",
        place="河西街道滨河花园小区7栋",
        occurred_at=now - dt.timedelta(hours=2, minutes=10),
        scale="明火已全部扑灭，无人员伤亡；受影响的3户居民已临时安置。",
        measures="消防部门正在调查起火原因，社区组织对7栋开展燃气和电气线路安全检查。",
    )
    UrgentReport.objects.filter(pk=first.pk).update(reported_at=now - dt.timedelta(hours=1, minutes=55))
    UrgentReport.objects.filter(pk=follow.pk).update(reported_at=now - dt.timedelta(minutes=50))

    town = towns["longquan"]
    older = services.urgent_report_file(
        actor=_officer(town),
        unit=town,
        title="龙泉镇山区道路发生落石",
        place="龙泉镇X205县道12公里处",
        occurred_at=now - dt.timedelta(days=3, hours=5),
        scale="落石约3立方米，阻断单侧车道，无车辆和人员受损。",
        measures="已设置警示标志并安排人员值守，公路养护部门清理完毕后恢复通行。",
    )
    UrgentReport.objects.filter(pk=older.pk).update(reported_at=now - dt.timedelta(days=3, hours=4, minutes=40))
    duty = User.objects.get(username="duty")
    services.urgent_report_close(actor=duty, report=older, note="道路已恢复通行")
    UrgentReport.objects.filter(pk=older.pk).update(closed_at=now - dt.timedelta(days=3, hours=1))
    del rng


def _cases(rng: random.Random, leader: User, today: dt.date) -> None:
    """Leader ownership and a central-assignment batch over open demo cases, when the cases
    module has generated them."""
    from cases.models import OPEN_STATES, UNIT_STATES, Case

    intake = User.objects.filter(username="intake").first() or leader
    candidates = list(Case.objects.filter(state__in=list(UNIT_STATES), current_unit__isnull=False).order_by("-is_overdue", "due_key", "pk")[:60])
    if not candidates:
        return
    rng.shuffle(candidates)
    owned = candidates[:4]
    notes = ["务必于月底前化解，定期报告进展。", "请属地和相关部门联合办理，依法依规解决群众合理诉求。", "要坚持人民至上，把问题解决在基层。", "请每周报告一次进展。"]
    for case, note in zip(owned, notes, strict=False):
        ownership = services.ownership_assign(actor=intake, case=case, leader=leader, interval_days=7, instructions=note)
        if rng.random() < 0.7:
            unit_user = _officer(case.current_unit) if case.current_unit else None
            if unit_user is not None:
                report = services.ownership_progress(actor=unit_user, ownership=ownership, text="已约见信访人当面沟通，会同相关部门现场核实情况，正在研究解决方案。")
                ProgressReport.objects.filter(pk=report.pk).update(reported_at=timezone.now() - dt.timedelta(days=rng.randint(1, 9)))
    batch_cases = [c for c in candidates[4:] if c.state in OPEN_STATES][:10]
    if not batch_cases:
        return
    batch = services.batch_create(
        actor=leader,
        title="2026年第四季度信访积案集中交办",
        deadline=today + dt.timedelta(days=25),
        cases=batch_cases,
        note="各承办单位要逐案明确包案领导和责任人，每周报送一次办理进展，限期内办结并书面反馈。",
    )
    CentralBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - dt.timedelta(days=12))
    texts = ["已与信访人见面沟通，正在协调相关部门。", "已制定化解方案，正在落实。", "诉求已解决，信访人表示满意。"]
    for i, item in enumerate(batch.items.select_related("unit")):
        if i % 3 == 2:
            continue
        user = _officer(item.unit)
        if user is None:
            continue
        report = services.batch_progress(actor=user, item=item, text=texts[i % len(texts)], resolved=(i % 5 == 0))
        ProgressReport.objects.filter(pk=report.pk).update(reported_at=timezone.now() - dt.timedelta(days=rng.randint(1, 8), hours=rng.randint(0, 8)))
