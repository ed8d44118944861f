"""Smart triage in the demo district (``manage.py load_demo``, after the cases demo).

- a few administrator rules (place names → towns; keywords and a pattern → category and
  unit), invented for the demo district;
- a small burst of invented complaints about night-time work on a metro site in 金桥街道
  (a rising hotspot), among them a re-post with small edits and a neighbour's complaint
  (duplicates to merge), registered through the cases services;
- the duplicate index of every case, the first routing model trained on the demo's
  decided cases, the hotspots of the last 7 days, and the suggestion log of recent
  registrations (what the model would have suggested against the category chosen).

Reproducible from the seed; a few seconds on top of the cases demo.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Unit, User
from cases.models import Case, Category, State

BURST = [
    (
        "金桥大道地铁站工地夜间施工扰民",
        "金桥大道地铁站工地每天夜里施工到凌晨两三点，打桩机和挖掘机声音很大，{place}的居民根本无法休息，请查处夜间违规施工。",
    ),
    (
        "金桥大道地铁工地半夜还在打桩",
        "半夜一点多金桥大道地铁工地还在打桩，窗户都在震，已经连续{n}天了，家里老人心脏不好，请有关部门管一管。",
    ),
    ("投诉金桥大道地铁施工噪音", "金桥大道地铁工地夜间施工噪音扰民，渣土车通宵进出，{place}的孩子第二天还要上学，希望限定施工时间。"),
    (
        "金桥大道地铁工地夜间施工有没有许可",
        "想问一下金桥大道地铁站工地夜间施工有没有办理夜间施工许可？每天晚上十点以后还在施工，{place}居民意见很大。",
    ),
]
PLACES = ["金桥花园", "锦绣花园", "阳光新城", "翠湖苑", "和平里"]

RULES: list[dict[str, Any]] = [
    {"kind": "place", "pattern": "青山湖公园 青山菜市场 青山路小学", "town": "qingshan", "note": "青山街道辖区地名"},
    {"kind": "place", "pattern": "河西工业园 河西客运站 河西中心幼儿园", "town": "hexi", "note": "河西街道辖区地名"},
    {"kind": "place", "pattern": "金桥大道 金桥地铁站 金桥花园", "town": "jinqiao", "note": "金桥街道辖区地名"},
    {"kind": "place", "pattern": "桃园水库 桃园集市", "town": "taoyuan", "note": "桃园镇辖区地名"},
    {
        "kind": "keyword",
        "pattern": "燃气泄漏 煤气味 液化气罐 天然气味",
        "category": "gas-leak",
        "unit": "yjj",
        "priority": 10,
        "note": "燃气安全隐患由应急管理局牵头",
    },
    {"kind": "keyword", "pattern": "农民工工资 讨薪 欠薪", "category": "wages-migrant", "unit": "rsj", "priority": 20, "note": "根治欠薪"},
    {
        "kind": "regex",
        "pattern": "电梯.{0,6}(困人|夹人|坠落|冲顶)",
        "category": "housing-elevator",
        "unit": "scj",
        "priority": 10,
        "note": "特种设备由市场监管局监管",
    },
]


def load_demo(*, stdout: Any, cases: int, seed: int) -> None:
    from triage.models import ClassifierVersion

    if cases <= 0 or not Case.objects.exists():
        return
    if ClassifierVersion.objects.exists():
        stdout.write("Demo triage already present; skipped.")
        return
    started = time.perf_counter()
    rng = random.Random(seed + 8)
    _rules()
    made = _burst(rng)
    from triage import services

    while services.index_backfill(batch=5000):
        pass
    try:
        version = services.classifier_train(actor=None, seed=seed % 1000, activate=True, note="demo")
        model_note = f"routing model v{version.number} on {version.trained_cases} cases, accuracy {version.accuracy}"
    except Exception as exc:  # the demo must load even if there is too little to train on
        model_note = f"no routing model ({exc})"
    run = services.hotspots_compute(days=7, notify_leaders=False)
    logged = _suggestion_log(rng)
    stdout.write(
        f"Demo triage: {len(RULES)} rules, {made} extra cases, {model_note}, {run.hotspots.count()} hotspots, "
        f"{logged} suggestion outcomes in {time.perf_counter() - started:.1f} s."
    )


@transaction.atomic
def _rules() -> None:
    from audit.services import audit_record
    from triage.models import TriageRule

    units = {u.code: u for u in Unit.objects.all()}
    cats = {c.code: c for c in Category.objects.all()}
    for spec in RULES:
        rule = TriageRule.objects.create(
            kind=spec["kind"],
            pattern=spec["pattern"],
            town=units.get(spec.get("town", "")),
            category=cats.get(spec.get("category", "")),
            unit=units.get(spec.get("unit", "")),
            priority=spec.get("priority", 100),
            note=spec["note"],
        )
        audit_record(actor=None, action="triage.rule.create", obj=rule, after={"pattern": rule.pattern, "kind": rule.kind})


def _burst(rng: random.Random) -> int:
    """Register the metro-site complaints of the last 7 days (and one the week before)."""
    from cases import services as cs
    from cases.models import CaseType, Channel

    intake = User.objects.filter(username="intake").first()
    town = Unit.objects.filter(code="jinqiao").first()
    if intake is None or town is None or not Category.objects.filter(code="site-night").exists():
        return 0
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    plan = [(10, 0)] + [(day, k) for day in range(6, 0, -1) for k in range(2 if day < 4 else 1)]
    made: list[Case] = []
    for i, (days_ago, k) in enumerate(plan):
        title, body = BURST[(i + k) % len(BURST)]
        text = body.format(place=rng.choice(PLACES), n=rng.randint(3, 9))
        received = now - dt.timedelta(days=days_ago, hours=rng.randint(1, 10))
        case = cs.case_register(
            actor=intake,
            channel=rng.choice([Channel.PHONE, Channel.WEB, Channel.PHONE]),
            type=CaseType.COMPLAINT,
            title=title,
            content=text,
            category="site-night",
            town=town,
            address=f"金桥街道{rng.choice(PLACES)}",
            anonymous=True,
            received_at=received,
            idempotency_key=f"demo-triage-burst-{i}",
        )
        made.append(case)
    # the first of this week is accepted and assigned: the others can be merged into it
    main = made[1]
    main = cs.case_accept(actor=intake, case=main, expected_version=main.version)
    housing = Unit.objects.filter(code="cgj").first() or town
    cs.case_assign(actor=intake, case=main, expected_version=main.version, units=[housing])
    # a re-post of the main case with small edits, registered today
    repost = cs.case_register(
        actor=intake,
        channel=Channel.WEB,
        type=CaseType.COMPLAINT,
        title="再次反映：" + main.title,
        content=main.content.replace("请", "恳请").replace("。", "！", 1) + "上次反映后没有任何变化。",
        category="site-night",
        town=town,
        address=main.address,
        anonymous=True,
        received_at=now - dt.timedelta(hours=2),
        idempotency_key="demo-triage-repost",
    )
    made.append(repost)
    return len(made)


def _suggestion_log(rng: random.Random, limit: int = 300) -> int:
    """What the routing model suggests for the most recent registrations, against the
    category the intake officer chose (the dashboard's acceptance figure)."""
    from triage import runtime
    from triage.models import SuggestionLog

    loaded = runtime.load_active()
    if loaded.model is None:
        return 0
    intake = User.objects.filter(username="intake").first()
    recent = list(
        Case.objects.filter(category__isnull=False, triage_suggestion__isnull=True)
        .exclude(state=State.REGISTERED)
        .order_by("-received_at")[:limit]
        .values_list("pk", "title", "content", "category_id", "received_at")
    )
    rows = []
    for pk, title, content, cat_id, received in recent:
        preds = loaded.model.top(f"{title}\n{content}", k=3)
        suggested = [int(p.label) for p in preds if p.label.isdigit()]
        rank = suggested.index(cat_id) + 1 if cat_id in suggested else 0
        rows.append(
            SuggestionLog(
                user=intake,
                source="form",
                version=loaded.version,
                suggestions=[{"category": int(p.label), "confidence": p.confidence, "source": "model"} for p in preds],
                top_category_id=suggested[0] if suggested else None,
                case_id=pk,
                chosen_category_id=cat_id,
                chosen_rank=rank,
                outcome=SuggestionLog.Outcome.ACCEPTED if rank else SuggestionLog.Outcome.OVERRIDDEN,
                created_at=received,
                updated_at=received,
                decided_at=received,
            )
        )
    SuggestionLog.objects.bulk_create(rows)
    del rng
    return len(rows)
