from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from core.querycount import HEADER

pytestmark = pytest.mark.django_db


def test_it_sends_no_query_count_unless_the_benchmark_asks(district, client_for) -> None:  # noqa: ANN001
    assert "core.querycount.QueryCountMiddleware" not in settings.MIDDLEWARE
    assert HEADER not in client_for("intake").get("/cases/")


def test_it_counts_every_query_of_a_request_for_the_benchmark(district, client_for) -> None:  # noqa: ANN001
    client = client_for("intake")
    with override_settings(MIDDLEWARE=["core.querycount.QueryCountMiddleware", *settings.MIDDLEWARE]):
        page = client.get("/cases/")
        health = client.get("/healthz")
    assert page.status_code == 200 and int(page[HEADER]) >= 3  # session, user, roles, list, counts
    assert int(health[HEADER]) < int(page[HEADER])
