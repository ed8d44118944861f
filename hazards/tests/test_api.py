"""REST API of the hazard ledgers: scope, the life cycle through the API, and agreement
between the code and the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import api_token_issue
from accounts.testing import District
from hazards.models import Hazard, State
from hazards.tests.conftest import photo

pytestmark = pytest.mark.django_db
FOUND = (timezone.localdate() - dt.timedelta(days=2)).isoformat()


def bearer(user) -> Client:  # noqa: ANN001
    _token, secret = api_token_issue(actor=None, user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post(c: Client, url: str, data: dict) -> object:
    return c.post(url, json.dumps(data), content_type="application/json")


BODY = {
    "category": "fire",
    "grade": "major",
    "title": "商场消防设施失效",
    "description": "喷淋系统停用",
    "address": "青山街道中山路9号",
    "town": "qingshan",
    "unit": "qingshan",
    "found_on": FOUND,
}


def test_it_lists_only_the_hazards_in_scope_with_a_cursor(district: District, make_hazard) -> None:  # noqa: ANN001
    for i in range(3):
        make_hazard(title=f"青山{i}")
    make_hazard(district.officer2, town=district.town_b, title="河西")
    response = bearer(district.officer).get("/api/v1/hazards?limit=2")
    data = response.json()
    assert response.status_code == 200 and data["count"] == 3 and len(data["items"]) == 2 and data["next_cursor"]
    rest = bearer(district.officer).get(f"/api/v1/hazards?limit=2&after={data['next_cursor']}").json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert {i["title"] for i in data["items"] + rest["items"]} == {"青山0", "青山1", "青山2"}
    assert bearer(district.officer2).get("/api/v1/hazards").json()["count"] == 1


def test_it_returns_404_for_a_hazard_outside_the_scope(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard()
    response = bearer(district.officer2).get(f"/api/v1/hazards/{h.number}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_it_runs_the_life_cycle_through_the_api(district: District) -> None:
    officer, head = bearer(district.officer), bearer(district.head)
    created = post(officer, "/api/v1/hazards", BODY)
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    refused = post(officer, f"/api/v1/hazards/{number}/start", {})
    assert refused.status_code == 400 and "整改方案" in refused.json()["message"]
    plan = {"responsible_person": "赵经理", "measures": "维修喷淋", "funds_amount": "6.5", "deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat(), "contingency": "安排专人巡查"}
    saved = officer.put(f"/api/v1/hazards/{number}/plan", json.dumps(plan), content_type="application/json")
    assert saved.status_code == 200 and saved.json()["plan"]["complete"] is True
    assert post(officer, f"/api/v1/hazards/{number}/start", {}).json()["state"] == "rectifying"
    no_photo = post(officer, f"/api/v1/hazards/{number}/rectified", {"note": "已修复"})
    assert no_photo.status_code == 400
    up = officer.post(f"/api/v1/hazards/{number}/photos", {"phase": "after", "file": photo()})
    assert up.status_code == 201, up.content
    assert post(officer, f"/api/v1/hazards/{number}/rectified", {"note": "已修复喷淋"}).json()["state"] == "rectified"
    same = post(officer, f"/api/v1/hazards/{number}/verify", {"passed": True})
    assert same.status_code == 403
    assert post(head, f"/api/v1/hazards/{number}/verify", {"passed": True}).json()["state"] == "verified"
    closed = post(head, f"/api/v1/hazards/{number}/close", {"note": "销号"})
    assert closed.json()["state"] == "closed"
    assert [e["kind"] for e in closed.json()["events"]] == ["registered", "plan_saved", "started", "photo", "rectified", "verify_passed", "closed"]
    assert Hazard.objects.get(number=number).state == State.CLOSED


def test_it_rejects_bad_input_with_a_clear_message(district: District) -> None:
    officer = bearer(district.officer)
    response = post(officer, "/api/v1/hazards", {**BODY, "category": "nope"})
    assert response.status_code == 400 and "nope" in response.json()["message"]
    response = post(officer, "/api/v1/hazards", {**BODY, "found_on": "2026-02-30"})
    assert response.status_code == 400
    response = post(officer, "/api/v1/hazards", {**BODY, "town": "hexi", "unit": "hexi"})
    assert response.status_code == 403
    assert Hazard.objects.count() == 0


def test_it_agrees_with_its_openapi_document(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard()
    c = bearer(district.officer)
    spec = c.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    assert {"/api/v1/hazards", "/api/v1/hazards/{number}", "/api/v1/hazards/{number}/start", "/api/v1/hazards/{number}/rectified", "/api/v1/hazards/{number}/verify", "/api/v1/hazards/{number}/close"} <= set(paths)
    schemas = spec["components"]["schemas"]

    def props(name: str) -> set[str]:
        return set(schemas[name]["properties"])

    detail = c.get(f"/api/v1/hazards/{h.number}").json()
    assert set(detail) == props("HazardDetailOut")
    listing = c.get("/api/v1/hazards").json()
    assert set(listing) == props("HazardPageOut")
    assert set(listing["items"][0]) == props("HazardOut")
    ref = paths["/api/v1/hazards/{number}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/HazardDetailOut")
