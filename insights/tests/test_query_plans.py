"""On PostgreSQL, the dashboard pages never read the whole case table or the figure rows:
a few thousand cases written at once, their figures rebuilt, ANALYZE, then the EXPLAIN of
every query the page runs must show no sequential scan of ``cases_case`` or
``insights_casemetric`` (the tables that grow with the number of cases)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.testing import District
from cases.tests.bulk import analyze, bulk_cases, explain, seq_scans
from insights.services import rollups_rebuild

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="query plans are checked on PostgreSQL (the SQLite run has no planner to check)"
    ),
]

BIG = ("cases_case", "insights_casemetric")


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("leader", "/insights/"),
        ("leader", "/insights/?period=year"),
        ("leader", "/insights/ranking/?period=year"),
        ("officer", "/insights/"),
        ("leader", "/insights/overdue/"),
    ],
)
def test_the_dashboard_queries_use_indexes(district: District, client_for, persona: str, path: str) -> None:  # noqa: ANN001
    bulk_cases(6000)
    rollups_rebuild(actor=None, batch_size=2000)
    analyze()
    client = client_for(persona)
    client.get(path)  # warm caches (settings rows, calendar)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    selects = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT") and any(t in q["sql"] for t in BIG)]
    assert selects, "the page reads no case or figure row"
    for sql in selects:
        plan = explain(sql)
        assert seq_scans(plan, BIG) == [], f"{path}:\n{sql}\n{plan}"
