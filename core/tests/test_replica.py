"""Report pages read from the reports replica when one is configured (core.replica).

The replica here is Django's test mirror of the test database (a second connection to the
same database), so what a page read from which connection can be told apart."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.testing import make_district
from cases.tests.helpers import register

DBS = ["default", "reports"]


def _signed_in(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _figure_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "insights_rollup" in q["sql"]]


@pytest.mark.django_db(transaction=True, databases=DBS)
def test_the_dashboard_reads_its_figures_from_the_replica_and_the_user_from_the_primary(settings) -> None:  # noqa: ANN001
    d = make_district()
    register(d, title="幸福里小区噪音扰民", content="每天夜里施工到凌晨。")
    settings.REPORTS_DATABASE = "reports"
    client = _signed_in(d.leader)
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections["reports"]) as replica:
        response = client.get("/insights/")
    assert response.status_code == 200
    assert _figure_queries(replica) and not _figure_queries(primary)
    # the session and the user come from the primary (a lagging standby must not sign anyone out)
    assert any("django_session" in q["sql"] for q in primary.captured_queries)
    assert not any("django_session" in q["sql"] for q in replica.captured_queries)


@pytest.mark.django_db(transaction=True, databases=DBS)
def test_case_pages_and_writes_stay_on_the_primary(settings) -> None:  # noqa: ANN001
    d = make_district()
    case = register(d, title="幸福里小区噪音扰民", content="每天夜里施工到凌晨。")
    settings.REPORTS_DATABASE = "reports"
    client = _signed_in(d.intake)
    with CaptureQueriesContext(connections["reports"]) as replica:
        assert client.get(case.get_absolute_url()).status_code == 200
        assert client.get("/cases/").status_code == 200
    assert replica.captured_queries == []


@pytest.mark.django_db(transaction=True, databases=DBS)
def test_without_a_replica_the_report_pages_read_the_primary(settings) -> None:  # noqa: ANN001
    d = make_district()
    register(d, title="幸福里小区噪音扰民", content="每天夜里施工到凌晨。")
    settings.REPORTS_DATABASE = None
    client = _signed_in(d.leader)
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections["reports"]) as replica:
        assert client.get("/insights/").status_code == 200
    assert _figure_queries(primary) and replica.captured_queries == []
