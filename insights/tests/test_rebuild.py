"""Rebuilding the figures from scratch gives exactly what the case services' hook kept
up to date, on a randomised history driven through the real services."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from accounts.testing import District
from cases import services
from cases.models import Case, CaseAssignment, CaseType, ContactChannel, Outcome, RedirectChannel, Satisfaction
from cases.services import CaseConflict
from insights.models import CaseMetric, Metric, Rollup, StateCount, TownRollup, rollup_columns
from insights.tests.flow import at

pytestmark = pytest.mark.django_db
COLS = rollup_columns()


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    return {
        "rows": sorted(CaseMetric.objects.values_list("case_id", "metric", "day", "unit_id", "category_id", "town_id", "value"), key=repr),
        "rollup": sorted(
            (tuple(r) for r in Rollup.objects.values_list("grain", "day", "unit_id", "category_id", *COLS) if any(r[4:])), key=repr
        ),
        "town": sorted(
            (tuple(r) for r in TownRollup.objects.values_list("grain", "day", "unit_id", "town_id", "received") if r[4]), key=repr
        ),
        "states": sorted((tuple(r) for r in StateCount.objects.values_list("unit_id", "category_id", "state", "n") if r[3]), key=repr),
    }


class History:
    """A random walk of case actions; refused actions (wrong state, window closed, wrong
    person) are part of the walk and must change nothing."""

    TYPES = [CaseType.SUGGESTION, CaseType.COMPLAINT, CaseType.HELP, CaseType.CONSULTATION, CaseType.APPEAL, CaseType.ACCUSATION]
    CATEGORIES = ["noise-business", "property-fee", "wages-arrears", "municipal-road", None]

    #: What usually happens next in each state (the rest of the time: anything, often refused).
    LIKELY: dict[str, dict[str, float]] = {
        "registered": {"accept": 6, "not_accept": 1, "redirect": 1, "withdraw": 0.5},
        "accepted": {"assign": 6, "withdraw": 0.3},
        "objected": {"assign": 6},
        "assigned": {"receive": 6, "object": 1.2},
        "handling": {"contact": 1.5, "meet": 1.5, "extend": 1, "decide_ext": 1, "draft": 4, "receive": 1, "withdraw": 0.2},
        "reply_pending": {"approve": 4, "return": 1, "decide_ext": 0.5},
        "reply_approved": {"issue": 6},
        "replied": {"followup": 4, "close": 2, "review": 1},
        "closed": {"review": 1, "followup": 0.5},
    }

    def __init__(self, d: District, seed: int) -> None:
        self.d = d
        self.rng = random.Random(seed)
        self.now = at(2026, 3, 2, 9)
        self.cases: list[int] = []
        self.units = [d.town_a, d.town_b, d.housing]
        self.officers = {d.town_a.pk: d.officer, d.town_b.pk: d.officer2, d.housing.pk: d.dept_officer}
        self.heads = {d.town_a.pk: d.head, d.town_b.pk: d.head_b}
        self.done: dict[str, int] = {}

    def officer(self, case: Case) -> Any:
        return self.officers.get(case.current_unit_id or 0, self.d.intake)

    def head(self, case: Case) -> Any:
        return self.heads.get(case.current_unit_id or 0, self.d.leader)

    def register(self) -> None:
        r = self.rng
        ctype = r.choice(self.TYPES)
        anonymous = r.random() < 0.2
        case = services.case_register(
            actor=self.d.intake,
            channel=r.choice(["visit", "phone", "letter"]),
            type=ctype,
            title="小区门口道路破损",
            content="路面坑洼，雨天积水，行人通行困难。",
            category=r.choice(self.CATEGORIES),
            town=r.choice([self.d.town_a, self.d.town_b, None]),
            complainants=[] if anonymous else [{"name": "李四", "phone": "13900000000"}],
            anonymous=anonymous,
            accused_unit=self.d.housing if ctype == CaseType.ACCUSATION and r.random() < 0.5 else None,
            urgent=r.random() < 0.1,
        )
        self.cases.append(case.pk)

    def act(self) -> None:
        r = self.rng
        case = Case.objects.get(pk=r.choice(self.cases))
        v = case.version
        d = self.d
        pending = list(CaseAssignment.objects.filter(case=case, is_active=True))
        assigned_unit = r.choice(pending).unit if pending else r.choice(self.units)
        actions: list[tuple[str, Callable[[], Any]]] = [
            ("accept", lambda: services.case_accept(actor=d.intake, case=case, expected_version=v, note="同意受理")),
            ("not_accept", lambda: services.case_not_accept(actor=d.intake, case=case, expected_version=v, reason="不属于受理范围")),
            ("redirect", lambda: services.case_redirect(actor=d.intake, case=case, expected_version=v, channel=RedirectChannel.LITIGATION)),
            (
                "assign",
                lambda: services.case_assign(
                    actor=d.intake, case=case, expected_version=v, units=r.sample(self.units, r.choice([1, 1, 2]))
                ),
            ),
            (
                "receive",
                lambda: services.case_receive(actor=self.officers[assigned_unit.pk], case=case, expected_version=v, unit=assigned_unit),
            ),
            (
                "object",
                lambda: services.case_object(
                    actor=self.officers[assigned_unit.pk], case=case, expected_version=v, reason="不属于本单位", unit=assigned_unit
                ),
            ),
            (
                "contact",
                lambda: services.case_add_note(actor=self.officer(case), case=case, expected_version=v, text="已联系", contact=True),
            ),
            (
                "meet",
                lambda: services.case_record_meeting(
                    actor=self.officer(case), case=case, expected_version=v, held_at=self.now, place="社区", participants="双方"
                ),
            ),
            (
                "extend",
                lambda: services.case_request_extension(
                    actor=self.officer(case), case=case, expected_version=v, days=r.randint(5, 30), reason="需要调查"
                ),
            ),
            (
                "decide_ext",
                lambda: services.case_decide_extension(
                    actor=self.head(case), case=case, expected_version=v, approve=r.random() < 0.8, note="同意"
                ),
            ),
            (
                "draft",
                lambda: services.case_draft_reply(
                    actor=self.officer(case),
                    case=case,
                    expected_version=v,
                    outcome=r.choice(list(Outcome.values)),
                    text="已处理",
                    submit=r.random() < 0.85,
                ),
            ),
            ("approve", lambda: services.case_approve_reply(actor=self.head(case), case=case, expected_version=v)),
            ("return", lambda: services.case_return_reply(actor=self.head(case), case=case, expected_version=v, reason="请补充")),
            (
                "issue",
                lambda: services.case_notify_complainant(actor=self.officer(case), case=case, expected_version=v, via=ContactChannel.PHONE),
            ),
            (
                "followup",
                lambda: services.case_record_followup(
                    actor=d.followup,
                    case=case,
                    expected_version=v,
                    resolved=r.random() < 0.6,
                    satisfaction=r.choice(list(Satisfaction.values) + [""]),
                ),
            ),
            ("close", lambda: services.case_close(actor=d.followup, case=case, expected_version=v)),
            ("withdraw", lambda: services.case_withdraw(actor=d.intake, case=case, expected_version=v, reason="撤回")),
            (
                "review",
                lambda: self.cases.append(services.case_request_review(actor=d.intake, case=case, expected_version=v, reason="不服").pk),
            ),
        ]
        likely = self.LIKELY.get(case.state, {})
        if likely and r.random() < 0.8:
            names = list(likely)
            wanted = r.choices(names, [likely[n] for n in names])[0]
            name, call = next(a for a in actions if a[0] == wanted)
        else:
            name, call = r.choice(actions)
        try:
            call()
        except (ValidationError, PermissionDenied, CaseConflict):
            return
        self.done[name] = self.done.get(name, 0) + 1

    def run(self, steps: int) -> None:
        for _i in range(steps):
            self.now += dt.timedelta(hours=self.rng.uniform(0, 30))
            with time_machine.travel(self.now, tick=False):
                if not self.cases or self.rng.random() < 0.18:
                    self.register()
                else:
                    self.act()


@pytest.mark.parametrize("seed", [11, 2026])
def test_it_rebuilds_exactly_what_the_hook_kept(district: District, seed: int) -> None:
    history = History(district, seed)
    history.run(320)
    incremental = snapshot()
    # The walk really exercised the lifecycle: many kinds of action and of figure.
    assert len(history.done) >= 12, history.done
    metrics_seen = {row[1] for row in incremental["rows"]}
    assert {Metric.RECEIVED, Metric.TIMELY_ACCEPT, Metric.ONTIME_CLOSE, Metric.CLOSURE, Metric.REPLY, Metric.STATE} <= metrics_seen
    assert len(metrics_seen) >= 9
    call_command("rebuild_rollups", "--quiet", "--batch-size", "100")
    rebuilt = snapshot()
    for key in incremental:
        assert rebuilt[key] == incremental[key], key
    # Rebuilding twice changes nothing either.
    call_command("rebuild_rollups", "--quiet")
    assert snapshot() == rebuilt


def test_it_keeps_the_monthly_and_yearly_rollups_equal_to_the_sum_of_the_days(district: District) -> None:
    history = History(district, 7)
    history.run(120)

    def summed(grain: str, bucket: Callable[[dt.date], dt.date]) -> dict[tuple[Any, ...], list[int]]:
        out: dict[tuple[Any, ...], list[int]] = {}
        for row in Rollup.objects.filter(grain=grain).values_list("day", "unit_id", "category_id", *COLS):
            acc = out.setdefault((bucket(row[0]), row[1], row[2]), [0] * len(COLS))
            for i, v in enumerate(row[3:]):
                acc[i] += v
        return {k: v for k, v in out.items() if any(v)}

    days_by_month = summed("d", lambda d: d.replace(day=1))
    assert days_by_month == summed("m", lambda d: d)
    assert summed("d", lambda d: d.replace(month=1, day=1)) == summed("y", lambda d: d)
    assert len(days_by_month) > 5
