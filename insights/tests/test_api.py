"""The dashboard API and its OpenAPI document agree: the documented routes and responses,
and real responses with exactly the documented properties."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.testing import District
from insights.tests.flow import Flow, at

pytestmark = pytest.mark.django_db


def schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return doc["components"]["schemas"][name]


def test_it_documents_and_returns_the_same_shapes(district: District, client_for: Any) -> None:
    f = Flow(district)
    case = f.register(at(2026, 5, 6), town=district.town_a)
    f.handled(case, at(2026, 5, 7), district.town_a)
    doc = Client().get("/api/v1/openapi.json").json()
    for path in ("/api/v1/insights/figures", "/api/v1/insights/ranking"):
        responses = doc["paths"][path]["get"]["responses"]
        assert {"200", "400", "401", "403", "404"} <= set(responses), path
    client = client_for("leader")
    figures = client.get("/api/v1/insights/figures", {"period": "month", "date": "2026-05-01"}).json()
    assert set(figures) == set(schema(doc, "FiguresOut")["properties"])
    assert set(figures["rates"][0]) == set(schema(doc, "RateOut")["properties"])
    assert figures["received"] == 1 and figures["period"]["start"] == "2026-05-01"
    closure = next(r for r in figures["rates"] if r["code"] == "closure")
    assert (closure["numerator"], closure["denominator"], closure["target"]) == (0, 1, 100.0)
    ranking = client.get("/api/v1/insights/ranking", {"period": "month", "date": "2026-05-01"}).json()
    assert set(ranking) == set(schema(doc, "RankingOut")["properties"])
    assert set(ranking["rows"][0]) == set(schema(doc, "RankRowOut")["properties"])
    bad = client.get("/api/v1/insights/figures", {"period": "custom", "start": "2026-05-02", "end": "2026-05-01"})
    assert bad.status_code == 400 and set(bad.json()) == {"code", "message"}
    assert Client().get("/api/v1/insights/figures").status_code == 401
    assert client_for("officer").get("/api/v1/insights/ranking", {"unit": district.town_b.pk}).status_code == 404
