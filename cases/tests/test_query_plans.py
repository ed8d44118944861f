"""On PostgreSQL, the inbox lists read the cases through an index, not the whole table:
a few thousand cases written at once, ANALYZE, then the EXPLAIN of the exact query each
inbox runs (the same ``inbox`` + ``paginate`` as the inbox view) and of the tab counts
(``inbox_counts``) must not show a sequential scan of ``cases_case``. No planner switches are touched."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import UnitKind
from accounts.services import unit_create
from accounts.testing import District
from cases.access import cases_for_user
from cases.models import FAR_FUTURE, Case
from cases.selectors import (
    CaseFilter,
    _encode,
    filter_cases,
    inbox,
    inbox_boxes,
    inbox_counts,
    list_order,
    list_queryset,
    paginate,
    paginate_search,
)
from cases.tests.bulk import analyze, bulk_assignments, bulk_cases, explain, seq_scans

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="query plans are checked on PostgreSQL (the SQLite run has no planner to check)"
    ),
]

CASES = 6000


def inbox_plans(user, box: str) -> list[str]:  # noqa: ANN001
    with CaptureQueriesContext(connection) as ctx:
        page = paginate(inbox(user, box), cursor=None, limit=50, order="deadline")
    case_queries = [q["sql"] for q in ctx.captured_queries if "cases_case" in q["sql"]]
    assert len(case_queries) == 1, case_queries
    del page
    return [explain(sql) for sql in case_queries]


@pytest.mark.parametrize(
    ("persona", "boxes"),
    [
        ("officer", ["unit_open"]),  # a handling unit (town A)
        ("dept_officer", ["unit_open"]),
        ("head", ["unit_open", "to_approve"]),
        ("intake", ["to_decide", "to_assign", "objections", "overdue"]),  # the district's complaint bureau
        ("leader", ["to_approve", "overdue"]),
        ("supervisor", ["overdue"]),
        ("followup", ["to_follow_up"]),
    ],
)
def test_every_inbox_reads_cases_through_an_index(district: District, persona: str, boxes: list[str]) -> None:
    bulk_cases(CASES)
    analyze()
    user = getattr(district, persona)
    assert set(boxes) <= {key for key, _label in inbox_boxes(user)}
    for box in boxes:
        for plan in inbox_plans(user, box):
            assert seq_scans(plan, ("cases_case",)) == [], f"{persona} / {box}:\n{plan}"
    # The tab counts shown on every inbox page, in one query.
    with CaptureQueriesContext(connection) as ctx:
        inbox_counts(user)
    (sql,) = [q["sql"] for q in ctx.captured_queries if "cases_case" in q["sql"]]
    plan = explain(sql)
    assert seq_scans(plan, ("cases_case",)) == [], f"{persona} / counts:\n{plan}"


def one_case_query(run) -> str:  # noqa: ANN001
    """The EXPLAIN of the one query on ``cases_case`` that ``run()`` makes."""
    with CaptureQueriesContext(connection) as ctx:
        run()
    (sql,) = [q["sql"] for q in ctx.captured_queries if "cases_case" in q["sql"]]
    return explain(sql)


def test_a_town_officers_scope_reads_cases_and_assignments_through_indexes(district: District) -> None:
    """"Handled by my unit's subtree or assigned to it": the subtree is resolved to its unit
    ids, so neither the cases nor the (ever growing) assignments are read whole, for the
    tab counts, the open-cases inbox, the first page of all cases and a page deep into it."""
    # a district's worth of handling units, so that town A has its share of the cases, not a third
    for i in range(20):
        unit_create(actor=None, name=f"区局{i}", code=f"dept-{i}", kind=UnitKind.DEPARTMENT, parent=district.root)
    bulk_cases(CASES)
    assert bulk_assignments() > CASES // 10
    analyze()
    officer = district.officer
    cases_for_user(officer).exists()  # the subtree's ids are now kept (one query, once)
    tables = ("cases_case", "cases_caseassignment")
    plans = {
        "counts": one_case_query(lambda: inbox_counts(officer)),
        "unit_open": one_case_query(lambda: paginate(inbox(officer, "unit_open"), limit=50)),
        "all, first page": one_case_query(lambda: paginate(list_queryset(cases_for_user(officer)), limit=50)),
    }
    everything = list(cases_for_user(officer).order_by("due_key", "id").values_list("due_key", "id"))
    with_deadline = [key for key in everything if key[0] != FAR_FUTURE]
    for name, (due, pk) in {"all, a page among the deadlines": with_deadline[len(with_deadline) // 2], "all, a deep page": everything[len(everything) * 4 // 5]}.items():
        cursor = _encode(["d", due.isoformat(), str(pk)])
        plans[name] = one_case_query(lambda cursor=cursor: paginate(list_queryset(cases_for_user(officer)), cursor=cursor, limit=50))
    for name, plan in plans.items():
        assert seq_scans(plan, tables) == [], f"{name}:\n{plan}"
        if name.startswith("all"):  # read in key order, a page at a time, not every case sorted
            assert "Sort" not in plan, f"{name}:\n{plan}"
        if name.startswith("all, a "):  # and from the key on, not from the list's start
            assert re.search(r"Index Cond: .*(\bid > |ROW\(due_key, id\) > )", plan), f"{name}:\n{plan}"


def test_a_search_reads_the_matches_of_its_newest_window_only(district: District) -> None:
    """A search (here a word in half the cases) is listed newest first whatever sort was
    asked, and its first page is found among the cases of the newest window of receipt time
    that holds a page (through the receipt index), not by sorting every match or walking
    every case."""
    bulk_cases(CASES)
    Case.objects.filter(pk__in=list(Case.objects.values_list("pk", flat=True)[::2])).update(search_tokens="饭店 油烟 扰民")
    analyze()
    intake = district.intake
    flt = CaseFilter(q="油烟")
    assert list_order(flt, "deadline") == "newest"
    qs = filter_cases(list_queryset(cases_for_user(intake)), flt)
    with CaptureQueriesContext(connection) as ctx:
        page = paginate_search(qs, limit=50)
    *_narrower, sql = [q["sql"] for q in ctx.captured_queries if "cases_case" in q["sql"]]  # the window that had a page
    plan = explain(sql)
    assert seq_scans(plan, ("cases_case",)) == [], plan
    # the window bounds what is read: through the receipt index (with or without the search index)
    assert re.search(r"Index Cond: \(received_at >= ", plan), plan
    assert [c.pk for c in page.items] == [c.pk for c in qs.order_by("-received_at", "-id")[:50]]
