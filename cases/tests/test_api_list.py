"""GET /api/v1/cases: filters, scoping, keyset (cursor) pagination and a fixed query count."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.testing import District
from cases.models import Category, State
from cases.tests.test_api import api_for, register, to_state  # noqa: F401  (api_for is a fixture)


def numbers(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [c["number"] for c in response.json()["items"]]


def test_it_filters_the_list(district: District, api_for: Any) -> None:  # noqa: F811
    intake = api_for("intake")
    today = timezone.localdate()
    old = (timezone.now() - dt.timedelta(days=20)).isoformat()
    a = register(intake, title="小区门口烧烤油烟扰民")["number"]
    b = register(
        intake,
        type="suggestion",
        channel="phone",
        category="municipal-light",
        title="建议更换幸福路老旧路灯",
        content="幸福路一带路灯昏暗，建议更换为节能路灯。",
        received_at=old,
    )["number"]
    c = to_state(district, api_for, State.ASSIGNED)

    def ids(**params: Any) -> set[str]:
        return set(numbers(intake.get("/cases", params)))

    assert ids() == {a, b, c}
    assert ids(state="registered") == {a, b}
    assert ids(state=["registered", "assigned"]) == {a, b, c}
    assert ids(state="assigned") == {c}
    assert ids(type="suggestion") == {b}
    assert ids(category="air") == {a, c}  # a level-2 category includes its children
    assert ids(category=str(Category.objects.get(code="municipal-light").pk)) == {b}
    assert ids(unit="qingshan") == {c}
    assert ids(unit=str(district.root.pk)) == {c}  # the subtree of the district
    assert ids(channel="phone") == {b}
    assert ids(received_from=(today - dt.timedelta(days=5)).isoformat()) == {a, c}
    assert ids(received_to=(today - dt.timedelta(days=10)).isoformat()) == {b}
    assert ids(overdue="true") == {b}
    assert ids(overdue="false") == {a, c}
    assert ids(q="路灯") == {b}
    assert ids(q="烧烤 油烟") == {a, c}
    assert ids(q="烧烤", type="suggestion") == set()
    assert ids(open="true", state="assigned") == {c}
    assert ids(level="review") == set()


def test_it_refuses_bad_filters_with_400(district: District, api_for: Any) -> None:  # noqa: F811
    intake = api_for("intake")
    for params, field in (
        ({"type": "gossip"}, "type"),
        ({"state": "lost"}, "state"),
        ({"channel": "pigeon"}, "channel"),
        ({"category": "no-such"}, "category"),
        ({"unit": "no-such"}, "unit"),
        ({"limit": 0}, "limit"),
        ({"limit": 1000}, "limit"),
        ({"received_from": "yesterday"}, "received_from"),
        ({"cursor": "!!not-a-cursor!!"}, "cursor"),
        ({"order": "random"}, "order"),
    ):
        response = intake.get("/cases", params)
        assert response.status_code == 400, (params, response.content)
        body = response.json()
        assert body["code"] == "invalid" and field in body["message"], (params, body)


def test_it_lists_only_cases_in_scope(district: District, api_for: Any) -> None:  # noqa: F811
    register(api_for("intake"))
    mine = to_state(district, api_for, State.HANDLING)
    assert numbers(api_for("officer").get("/cases")) == [mine]
    assert numbers(api_for("head").get("/cases")) == [mine]
    assert numbers(api_for("officer2").get("/cases")) == []
    assert numbers(api_for("dept_officer").get("/cases")) == []
    assert len(numbers(api_for("supervisor").get("/cases"))) == 2


def _walk(api: Any, limit: int, order: str) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit, "order": order}
        if cursor:
            params["cursor"] = cursor
        body = api.get("/cases", params).json()
        pages.append([c["number"] for c in body["items"]])
        cursor = body["next"]
        if cursor is None:
            return pages
        assert len(pages) < 50


def test_it_paginates_by_cursor_without_gaps_or_repeats(district: District, api_for: Any) -> None:  # noqa: F811
    intake = api_for("intake")
    made = []
    for days_ago in (1, 30, 2, 15, 0, 7, 3):
        made.append(register(intake, received_at=(timezone.now() - dt.timedelta(days=days_ago, hours=1)).isoformat())["number"])
    for order in ("deadline", "newest"):
        pages = _walk(intake, 3, order)
        assert [len(p) for p in pages] == [3, 3, 1]
        flat = [n for p in pages for n in p]
        assert sorted(flat) == sorted(made) and len(set(flat)) == len(flat)
        assert flat == numbers(intake.get("/cases", {"limit": 50, "order": order}))
    newest = numbers(intake.get("/cases", {"order": "newest"}))
    by_age = [n for _d, n in sorted(zip((1, 30, 2, 15, 0, 7, 3), made, strict=True))]
    assert newest == by_age
    deadline = intake.get("/cases", {"order": "deadline"}).json()["items"]
    assert [c["next_due"] for c in deadline] == sorted(c["next_due"] for c in deadline)


def test_it_keeps_the_cursor_stable_when_cases_arrive_between_pages(district: District, api_for: Any) -> None:  # noqa: F811
    intake = api_for("intake")
    for days_ago in range(5):
        register(intake, received_at=(timezone.now() - dt.timedelta(days=days_ago, hours=1)).isoformat())
    first = intake.get("/cases", {"limit": 2, "order": "newest"}).json()
    newcomer = register(intake)["number"]  # newest of all: it belongs before the cursor
    second = intake.get("/cases", {"limit": 2, "order": "newest", "cursor": first["next"]}).json()
    third = intake.get("/cases", {"limit": 2, "order": "newest", "cursor": second["next"]}).json()
    seen = [c["number"] for page in (first, second, third) for c in page["items"]]
    assert newcomer not in seen and len(seen) == len(set(seen)) == 5
    assert third["next"] is None
    # a cursor of one order is refused by the other
    assert intake.get("/cases", {"order": "deadline", "cursor": first["next"]}).status_code == 400


def test_it_lists_with_a_fixed_number_of_queries(district: District, api_for: Any) -> None:  # noqa: F811
    intake = api_for("intake")
    register(intake)
    intake.get("/cases")  # warm caches (token, calendar)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert intake.get("/cases").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _ in range(6):
        register(intake, complainants=[{"name": "甲乙", "phone": "13900000000"}, {"name": "丙丁"}], head_count=2)
    to_state(district, api_for, State.HANDLING)
    assert count() == few
