"""Every list page costs the same number of queries with 5 rows as with 50: no query per
row (N+1). Each page is requested once to warm its caches, then counted with a few rows and
again after adding many more."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.testing import District
from cases.models import State
from cases.tests.bulk import bulk_cases

pytestmark = pytest.mark.django_db

Adder = Callable[[District, int, int], None]


def add_cases(d: District, n: int, seed: int) -> None:
    """Cases in every state, mostly open, so that every inbox has rows."""
    bulk_cases(n, seed=seed, weights=[(s, 1 if s in (State.CLOSED, State.REPLIED) else 3) for s in State.values])


def add_hazards(d: District, n: int, seed: int) -> None:
    from hazards.models import Grade, Hazard, HazardCategory, State

    category = HazardCategory.objects.order_by("id").first()
    today = timezone.localdate()
    states = list(State.values)
    Hazard.objects.bulk_create(
        [
            Hazard(
                number=f"YHT{seed}-{i:05d}",
                category=category,
                grade=Grade.MAJOR if i % 7 == 0 else Grade.GENERAL,
                title="消防通道堵塞",
                description="小区消防通道被杂物占用。",
                address="青山街道胜利路1号",
                town=d.town_a if i % 2 else d.town_b,
                unit=d.town_a if i % 3 else d.housing,
                found_on=today - dt.timedelta(days=i),
                deadline=today - dt.timedelta(days=i) + dt.timedelta(days=7),
                state=states[i % len(states)],
                registered_by=d.officer,
            )
            for i in range(n)
        ]
    )


def add_instructions(d: District, n: int, seed: int) -> None:
    from duty import services

    now = timezone.now()
    for i in range(n):
        services.instruction_send(
            actor=d.duty,
            title=f"关于做好防汛工作的通知{seed}-{i}",
            content="请各单位落实值班值守。",
            units=[d.town_a, d.town_b],
            ack_deadline=now + dt.timedelta(hours=1),
            report_deadline=now + dt.timedelta(days=1),
        )


def add_notices(d: District, n: int, seed: int) -> None:
    from duty import services

    for i in range(n):
        services.notice_issue(
            actor=d.supervisor,
            unit=d.town_a if i % 2 else d.town_b,
            title=f"关于积水问题久拖未决的督办单{seed}-{i}",
            requirement="请于期限内查明原因、落实整改并书面报告。",
            due_date=timezone.localdate() + dt.timedelta(days=5),
        )


def add_urgent(d: District, n: int, seed: int) -> None:
    from duty import services

    for i in range(n):
        services.urgent_report_file(
            actor=d.officer, unit=d.town_a, title=f"路面塌陷{seed}-{i}", place="胜利路", occurred_at=timezone.now() - dt.timedelta(hours=1)
        )


def add_notifications(d: District, n: int, seed: int) -> None:
    from notifications.services import notify

    for i in range(n):
        notify(users=[d.officer], title=f"新的待办{seed}-{i}", url="/cases/", dedupe_key=f"qc:{seed}:{i}")


def add_audit(d: District, n: int, seed: int) -> None:
    from audit.services import audit_record

    for i in range(n):
        audit_record(actor=d.admin, action="test.row", object_type="test", object_id=f"{seed}-{i}", object_label=f"row {i}")


PAGES: list[tuple[str, str, Adder]] = [
    ("intake", "/cases/?box=all", add_cases),
    ("intake", "/cases/?box=all&order=newest", add_cases),
    ("officer", "/cases/?box=unit_open", add_cases),
    ("supervisor", "/cases/?box=overdue", add_cases),
    ("leader", "/insights/overdue/", add_cases),
    ("leader", "/insights/ledger/", add_cases),
    ("supervisor", "/hazards/", add_hazards),
    ("officer", "/hazards/", add_hazards),
    ("duty", "/duty/instructions/", add_instructions),
    ("officer", "/duty/instructions/", add_instructions),
    ("supervisor", "/duty/notices/", add_notices),
    ("officer", "/duty/notices/", add_notices),
    ("duty", "/duty/urgent/", add_urgent),
    ("officer", "/notifications/", add_notifications),
    ("admin", "/audit/", add_audit),
]


def count(client, path: str) -> int:  # noqa: ANN001
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("persona", "path", "add"), PAGES, ids=[f"{p}:{u}" for p, u, _a in PAGES])
def test_a_list_page_costs_the_same_queries_with_5_and_50_rows(district: District, client_for, persona: str, path: str, add: Adder) -> None:  # noqa: ANN001
    client = client_for(persona)
    add(district, 5, 1)
    client.get(path)  # warm: per-user and per-process caches
    few = count(client, path)
    add(district, 45, 2)
    many = count(client, path)
    assert many == few, f"{path} as {persona}: {few} queries with 5 rows, {many} with 50"
