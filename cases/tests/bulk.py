"""Many cases at once for the query-plan and query-count tests: rows written with
bulk_create (no services, no timelines), spread over the district's units, states, three
years and deadlines like a real register, plus an EXPLAIN helper."""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

from django.db import connection
from django.utils import timezone

from accounts.models import Unit, UnitKind
from cases.models import FAR_FUTURE, OPEN_STATES, Case, CaseAssignment, CaseType, Category, Channel, State

#: The mix of states of a register three years old, as bench/generate produces it (per
#: mille): most cases finished, about 2 % with a handling unit.
STATE_WEIGHTS = [
    (State.CLOSED, 764),
    (State.REPLIED, 116),
    (State.NOT_ACCEPTED, 54),
    (State.REDIRECTED, 30),
    (State.WITHDRAWN, 14),
    (State.HANDLING, 14),
    (State.REGISTERED, 5),
    (State.REPLY_PENDING, 1.1),
    (State.REPLY_APPROVED, 0.8),
    (State.ACCEPTED, 0.7),
    (State.ASSIGNED, 0.5),
    (State.OBJECTED, 0.2),
]


def bulk_cases(n: int, *, seed: int = 1, prefix: str = "B", weights: list[tuple[str, float]] | None = None) -> int:
    """Add ``n`` cases with bulk_create (states drawn with ``weights``, by default
    ``STATE_WEIGHTS``); returns how many were written."""
    rng = random.Random(seed)
    now = timezone.now()
    units = list(Unit.objects.filter(kind__in=[UnitKind.TOWN, UnitKind.DEPARTMENT]).order_by("id"))
    towns = [u for u in units if u.kind == UnitKind.TOWN] or units
    categories = list(Category.objects.filter(level=3).values_list("id", flat=True)[:50]) or [None]
    states = [s for s, _w in weights or STATE_WEIGHTS]
    shares = [w for _s, w in weights or STATE_WEIGHTS]
    rows = []
    for i in range(n):
        received = now - dt.timedelta(days=rng.uniform(0, 3 * 365))
        state = rng.choices(states, shares)[0]
        is_open = state in OPEN_STATES and state != State.REPLIED
        due = (received + dt.timedelta(days=rng.randint(5, 90))).date() if is_open else None
        rows.append(
            Case(
                number=f"{prefix}{seed}-{i:07d}",
                channel=rng.choice(Channel.values),
                type=rng.choice([CaseType.COMPLAINT, CaseType.HELP, CaseType.SUGGESTION, CaseType.CONSULTATION]),
                title="小区门口道路破损",
                content="路面坑洼，雨天积水，行人通行困难。",
                category_id=rng.choice(categories),
                town=rng.choice(towns),
                state=state,
                received_at=received,
                decided_at=received + dt.timedelta(days=2) if state not in (State.REGISTERED,) else None,
                assigned_at=received + dt.timedelta(days=3)
                if state not in (State.REGISTERED, State.ACCEPTED, State.NOT_ACCEPTED)
                else None,
                replied_at=received + dt.timedelta(days=30) if state in (State.REPLIED, State.CLOSED) else None,
                closed_at=received + dt.timedelta(days=35)
                if state in (State.CLOSED, State.NOT_ACCEPTED, State.REDIRECTED, State.WITHDRAWN)
                else None,
                current_unit=rng.choice(units)
                if state not in (State.REGISTERED, State.ACCEPTED, State.NOT_ACCEPTED, State.REDIRECTED)
                else None,
                next_due=due,
                due_key=due or FAR_FUTURE,
                is_overdue=bool(due and due < now.date()),
                search_tokens="小区 区门 门口 道路 路破 破损",
                created_at=received,
                updated_at=received,
            )
        )
    Case.objects.bulk_create(rows, batch_size=2000)
    return n


def bulk_assignments(*, seed: int = 1) -> int:
    """Give every case with a handling unit its active lead assignment, as the register has
    them (they stay active after the case is closed), one case in eight an active co-handling
    unit and one in ten a superseded (inactive) earlier assignment; returns how many were written."""
    rng = random.Random(seed)
    units = list(Unit.objects.filter(parent__isnull=False).values_list("id", flat=True))
    rows = []
    for case_id, unit_id in Case.objects.filter(current_unit__isnull=False).values_list("id", "current_unit_id"):
        rows.append(CaseAssignment(case_id=case_id, unit_id=unit_id, is_lead=True, is_active=True))
        if rng.random() < 1 / 8:
            rows.append(CaseAssignment(case_id=case_id, unit_id=rng.choice(units), is_lead=False, is_active=True))
        if rng.random() < 1 / 10:
            rows.append(CaseAssignment(case_id=case_id, unit_id=rng.choice(units), is_lead=True, is_active=False))
    CaseAssignment.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def explain(sql: str, params: Any = None) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def seq_scans(plan: str, tables: tuple[str, ...]) -> list[str]:
    """The lines of a plan that read one of ``tables`` whole."""
    return [line.strip() for line in plan.splitlines() if re.search(r"Seq Scan on (%s)\b" % "|".join(tables), line)]
