"""On PostgreSQL, the inbox lists read the cases through an index, not the whole table:
a few thousand cases written at once, ANALYZE, then the EXPLAIN of the exact query each
inbox runs (the same ``inbox`` + ``paginate`` as the inbox view) and of the tab counts
(``inbox_counts``) must not show a sequential scan of ``cases_case``. No planner switches are touched."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.testing import District
from cases.selectors import inbox, inbox_boxes, inbox_counts, paginate
from cases.tests.bulk import analyze, bulk_cases, explain, seq_scans

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
