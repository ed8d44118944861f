"""The benchmark generator (bench/generate, bench/_gen.py) at a small size: its data keeps
the invariants real data keeps (the same checker passes on a history driven through the
real services), its figures equal what ``rebuild_rollups`` computes from the rows, and the
same seed gives the same rows (on PostgreSQL also with two writer processes and the
indexes dropped during the load)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction

from accounts.testing import District
from bench import _gen
from cases import clocks as case_clocks
from cases.models import (
    OPEN_STATES,
    Case,
    CaseAttachment,
    CaseClock,
    CaseEvent,
    CaseFollowUp,
    CaseReply,
    ClockKind,
    State,
)
from cases.numbers import highest_numbers
from cases.services import allocate_number
from cases.tests.helpers import register
from insights.tests.test_rebuild import History, snapshot

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=TZ)
FINAL = {State.CLOSED, State.NOT_ACCEPTED, State.REDIRECTED, State.WITHDRAWN}
BEFORE_REPLY = {State.REGISTERED, State.ACCEPTED, State.OBJECTED, State.ASSIGNED, State.HANDLING, State.REPLY_PENDING, State.REPLY_APPROVED}
WINDOWS = {ClockKind.REVIEW_REQUEST, ClockKind.REREVIEW_REQUEST, ClockKind.OBJECTION}


def invariant_problems(now: dt.datetime, *, check_overdue: bool = True) -> list[str]:
    """What real case data always satisfies, checked over every case of the database.
    Returns the problems found (empty: all good)."""
    problems: list[str] = []
    events: dict[int, list[tuple[int, str, dt.datetime]]] = defaultdict(list)
    for case_id, pk, kind, at in CaseEvent.objects.order_by("case_id", "id").values_list("case_id", "id", "kind", "at"):
        events[case_id].append((pk, kind, at))
    running: dict[int, list[str]] = defaultdict(list)
    for case_id, kind in CaseClock.objects.filter(stopped_at__isnull=True).values_list("case_id", "kind"):
        running[case_id].append(kind)
    issued = set(CaseReply.objects.filter(status=CaseReply.Status.ISSUED).values_list("case_id", flat=True))
    followed = set(CaseFollowUp.objects.values_list("case_id", flat=True))
    today = now.astimezone(TZ).date()
    for case in Case.objects.order_by("id"):
        line = events.get(case.pk, [])
        where = f"case {case.number} ({case.state})"
        if not line or line[0][1] != CaseEvent.Kind.REGISTERED:
            problems.append(f"{where}: the timeline does not start with its registration")
        times = [at for _pk, _k, at in line]
        if times != sorted(times):
            problems.append(f"{where}: timeline out of time order")
        if times and times[-1] > now:
            problems.append(f"{where}: an event in the future")
        duty = [k for k in running.get(case.pk, []) if k not in WINDOWS]
        if case.state in FINAL and duty:
            problems.append(f"{where}: final state with running clocks {duty}")
        if case.state in BEFORE_REPLY and not duty:
            problems.append(f"{where}: open case with no running clock")
        if case.state == State.REPLIED and ClockKind.HANDLE in duty:
            problems.append(f"{where}: replied but the handling clock still runs")
        if case.state in (State.REPLIED, State.CLOSED) and (case.replied_at is None or case.pk not in issued):
            problems.append(f"{where}: no reply issued")
        if case.replied_at is None and case.pk in followed:
            problems.append(f"{where}: follow-up before any reply")
        if case.state in FINAL and case.closed_at is None:
            problems.append(f"{where}: final state without closed_at")
        if case.state in OPEN_STATES and case.state != State.REPLIED and case.closed_at is not None:
            problems.append(f"{where}: open case with closed_at")
        with time_machine.travel(now, tick=False):
            changed = case_clocks.apply_summary(case, today)
        if not check_overdue and "is_overdue" in changed:
            changed.remove("is_overdue")
        if changed:
            problems.append(f"{where}: {changed} disagree with the clocks")
    return problems


def generate(n: int, seed: int = 7, **kwargs: object) -> _gen.LoadResult:
    with time_machine.travel(NOW, tick=False):
        return _gen.load(cases=n, seed=seed, now=NOW, years=1.0, workers=1, bulk_ddl=False, **kwargs)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_it_generates_cases_that_keep_the_invariants_of_real_data(district: District) -> None:
    result = generate(1500)
    assert result.cases == Case.objects.count() == 1500
    assert invariant_problems(NOW) == []
    states = Counter(Case.objects.values_list("state", flat=True))
    # Every state of the lifecycle but the rare "objected, not yet reassigned" appears.
    assert set(State.values) - {State.OBJECTED} <= set(states), states
    kinds = set(CaseClock.objects.values_list("kind", flat=True))
    assert {ClockKind.DECIDE, ClockKind.ASSIGN, ClockKind.HANDLE, ClockKind.OBJECTION, ClockKind.CONTACT, ClockKind.REVIEW_REQUEST} <= kinds
    assert CaseFollowUp.objects.exists() and CaseAttachment.objects.exists()
    assert CaseAttachment.objects.filter(file__size__gt=0).count() == CaseAttachment.objects.count()
    # Spread over units, towns and the year.
    assert Case.objects.values("current_unit").distinct().count() >= 4
    assert Case.objects.values("town").distinct().count() == 2
    months = {c.astimezone(TZ).strftime("%Y-%m") for c in Case.objects.values_list("received_at", flat=True)}
    assert len(months) >= 12


@pytest.mark.django_db
def test_it_generates_hazards_in_every_state_and_daily_reports(district: District) -> None:
    from duty.models import DailyReport
    from hazards.models import Hazard, HazardCategory, HazardEvent
    from hazards.models import State as HazardState

    if not HazardCategory.objects.exists():
        pytest.skip("no hazard categories seeded")  # pragma: no cover
    result = generate(300, hazards=400)
    assert result.other_rows > 0
    assert set(Hazard.objects.values_list("state", flat=True)) == set(HazardState.values)
    for hazard in Hazard.objects.all()[:100]:
        times = list(HazardEvent.objects.filter(hazard=hazard).order_by("id").values_list("at", flat=True))
        assert times and times == sorted(times)
        assert hazard.deadline >= hazard.found_on
    reports = DailyReport.objects.all()
    assert reports.count() > 200
    assert all(r.is_late == (r.submitted_at > r.due_at) for r in reports)
    assert reports.values("unit").distinct().count() >= 3


@pytest.mark.django_db
def test_the_invariant_checker_passes_on_a_history_of_the_real_services(district: District) -> None:
    """The checker above is about real data: a random walk through the case services passes it
    (is_overdue is only refreshed by the sweep, so it is not compared here)."""
    history = History(district, 11)
    history.run(200)
    assert Case.objects.count() > 20
    assert invariant_problems(history.now, check_overdue=False) == []


@pytest.mark.django_db
def test_its_figures_equal_what_rebuild_rollups_computes(district: District) -> None:
    generate(600)
    generated = snapshot()
    assert generated["rows"] and generated["rollup"]
    call_command("rebuild_rollups", "--quiet", "--batch-size", "100")
    assert snapshot() == generated


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_rows(district: District) -> None:
    generate(300, seed=3)
    first = _gen.digest()
    _gen.delete_all_cases()
    generate(300, seed=3)
    assert _gen.digest() == first
    _gen.delete_all_cases()
    generate(300, seed=4)
    assert _gen.digest() != first


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL load (two processes, COPY, indexes dropped) needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_two_writer_processes_give_the_same_rows_and_restore_every_index(district: District) -> None:
    def schema() -> list[tuple[str, ...]]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2")
            rows = cursor.fetchall()
            cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint ORDER BY 1, 2")
            return rows + cursor.fetchall()

    before = schema()
    generate(2500, seed=5)
    serial = _gen.digest()
    figures = snapshot()
    _gen.delete_all_cases()
    with time_machine.travel(NOW, tick=False):
        result = _gen.load(cases=2500, seed=5, now=NOW, years=1.0, workers=2, bulk_ddl=True)
    assert result.cases == 2500
    assert _gen.digest() == serial
    assert snapshot() == figures
    assert [s for s in schema() if "bench_generate_stash" not in str(s)] == before
    assert _gen.pg_stashed() == []
    assert invariant_problems(NOW) == []


@pytest.mark.django_db
def test_the_next_registration_follows_the_highest_generated_number(district: District) -> None:
    with time_machine.travel(NOW, tick=False):
        first = register(district)  # registered before the load: this year is counting already
    generate(300, seed=3)
    highest = highest_numbers()
    assert highest[NOW.year] > int(first.number[5:])
    with time_machine.travel(NOW, tick=False):
        assert register(district).number == f"{NOW.year}-{highest[NOW.year] + 1:06d}"
    with transaction.atomic():
        assert allocate_number(NOW - dt.timedelta(days=365)) == f"{NOW.year - 1}-{highest[NOW.year - 1] + 1:06d}"
