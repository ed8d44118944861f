"""Idempotency-Key on the cases API (and the generic store in core.idempotency)."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
import time_machine
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Role
from accounts.services import user_create
from accounts.testing import District
from audit.models import AuditEntry
from cases.models import Case, CaseAttachment
from cases.tests.test_api import ApiClient, api_for, case_payload, png_bytes, register  # noqa: F401  (api_for is a fixture)
from core.idempotency import idempotency_purge, idempotent
from core.models import IdempotencyKey


def test_it_returns_the_first_result_to_a_retry_without_a_second_case(district: District, api_for: Any) -> None:  # noqa: F811
    intake = api_for("intake")
    first = intake.post("/cases", case_payload(), key="b7c1e8a2-0d4f-4b8e-9a51-5d0e6c1f3a77")
    retry = intake.post("/cases", case_payload(), key="b7c1e8a2-0d4f-4b8e-9a51-5d0e6c1f3a77")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert Case.objects.count() == 1
    assert AuditEntry.objects.filter(action="case.register").count() == 1
    # without a key every POST acts
    assert intake.post("/cases", case_payload()).status_code == 201
    assert Case.objects.count() == 2


def test_it_compares_json_bodies_by_value(district: District, api_for: Any) -> None:  # noqa: F811
    intake = api_for("intake")
    payload = case_payload()
    first = intake.client.post("/api/v1/cases", json.dumps(payload), content_type="application/json", headers={"Idempotency-Key": "k-1"})
    reordered = json.dumps(dict(reversed(list(payload.items()))), indent=2, ensure_ascii=False)
    retry = intake.client.post("/api/v1/cases", reordered, content_type="application/json", headers={"Idempotency-Key": "k-1"})
    assert retry.status_code == 201 and retry.json()["number"] == first.json()["number"]
    assert Case.objects.count() == 1


def test_it_refuses_the_same_key_with_a_different_request(district: District, api_for: Any) -> None:  # noqa: F811
    intake = api_for("intake")
    first = intake.post("/cases", case_payload(), key="same-key")
    other = intake.post("/cases", case_payload(title="另一件事：楼道堆放杂物"), key="same-key")
    assert other.status_code == 422
    body = other.json()
    assert body["code"] == "idempotency_key_reused" and "Idempotency-Key" in body["message"]
    number = first.json()["number"]
    elsewhere = intake.post(f"/cases/{number}/accept", {"version": 1}, key="same-key")
    assert elsewhere.status_code == 422
    assert Case.objects.count() == 1 and Case.objects.get().version == 1


def test_it_keeps_each_users_keys_apart(district: District, api_for: Any) -> None:  # noqa: F811
    intake2 = user_create(
        actor=None,
        username="intake2",
        full_name="Intake Two",
        password="x-persona-pass-1",
        unit=district.bureau,
        roles=[Role.INTAKE],
        validate=False,
    )
    a = api_for("intake").post("/cases", case_payload(), key="shared")
    b = ApiClient(intake2).post("/cases", case_payload(), key="shared")
    assert a.status_code == b.status_code == 201
    assert a.json()["number"] != b.json()["number"]


def test_it_stores_nothing_for_a_refused_request(district: District, api_for: Any) -> None:  # noqa: F811
    intake = api_for("intake")
    bad = intake.post("/cases", case_payload(category="no-such"), key="fix-and-retry")
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()
    good = intake.post("/cases", case_payload(), key="fix-and-retry")
    assert good.status_code == 201 and Case.objects.count() == 1


def test_it_expires_keys_after_a_day(district: District, api_for: Any) -> None:  # noqa: F811
    intake = api_for("intake")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert intake.post("/cases", case_payload(), key="daily").status_code == 201
    with time_machine.travel(start + dt.timedelta(hours=23), tick=False):
        assert intake.post("/cases", case_payload(), key="daily").headers.get("Idempotent-Replayed") == "true"
    with time_machine.travel(start + dt.timedelta(hours=25), tick=False):
        again = intake.post("/cases", case_payload(title="新的事项"), key="daily")
        assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert Case.objects.count() == 2
    with time_machine.travel(start + dt.timedelta(hours=50), tick=False):
        assert idempotency_purge() == 1
        assert idempotency_purge() == 0
    assert not IdempotencyKey.objects.exists()


def test_it_makes_a_retried_transition_answer_as_the_first_time(district: District, api_for: Any) -> None:  # noqa: F811
    intake = api_for("intake")
    number = register(intake)["number"]
    first = intake.post(f"/cases/{number}/accept", {"version": 1}, key="accept-once")
    retry = intake.post(f"/cases/{number}/accept", {"version": 1}, key="accept-once")
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json() and retry.json()["version"] == 2
    assert AuditEntry.objects.filter(action="case.accept").count() == 1
    # the same retry without a key is an optimistic-lock conflict
    assert intake.post(f"/cases/{number}/accept", {"version": 1}).status_code == 409


def test_it_replays_a_multipart_upload(district: District, api_for: Any) -> None:  # noqa: F811
    intake = api_for("intake")
    number = register(intake)["number"]

    def send() -> Any:
        photo = io.BytesIO(png_bytes())
        photo.name = "现场.png"
        return intake.upload(f"/cases/{number}/attachments", {"file": photo, "version": 1}, key="upload-1")

    first, retry = send(), send()
    assert first.status_code == retry.status_code == 200 and retry.headers["Idempotent-Replayed"] == "true"
    assert CaseAttachment.objects.count() == 1


@pytest.mark.parametrize("key", ["has space", "x" * 201, "中文键"])
def test_it_refuses_a_malformed_key(district: District, api_for: Any, key: str) -> None:  # noqa: F811
    response = api_for("intake").client.post(
        "/api/v1/cases", json.dumps(case_payload()), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["message"]
    assert not Case.objects.exists()


def test_it_serves_other_doors_with_an_explicit_owner(db: None) -> None:
    """The store is generic: an anonymous door (e.g. Open311) names its own key space."""
    factory = RequestFactory()
    calls: list[int] = []

    def act() -> tuple[int, Any]:
        calls.append(1)
        return 201, {"service_request_id": len(calls)}

    def request() -> Any:
        req = factory.post("/open311/v2/requests.json", {"service_code": "001", "description": "路灯不亮"})
        return req

    first = idempotent(request(), key="abc", call=act, owner="open311:client-7")
    again = idempotent(request(), key="abc", call=act, owner="open311:client-7")
    other = idempotent(request(), key="abc", call=act, owner="open311:client-8")
    assert (first.status, first.body, first.replayed) == (201, {"service_request_id": 1}, False)
    assert (again.body, again.replayed) == ({"service_request_id": 1}, True)
    assert other.body == {"service_request_id": 2} and len(calls) == 2
    with pytest.raises(ValueError):
        anonymous = request()
        from django.contrib.auth.models import AnonymousUser

        anonymous.user = AnonymousUser()
        idempotent(anonymous, key="abc", call=act)
    # no key: just acts
    assert idempotent(request(), key=None, call=act).body == {"service_request_id": 3}
