from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import api_token_issue
from accounts.testing import District
from duty.models import DailyReport, DutyShift, Instruction, SupervisionNotice, UrgentReport

pytestmark = pytest.mark.django_db


def api(user) -> Client:  # noqa: ANN001
    _token, secret = api_token_issue(actor=None, user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def schema_of(doc: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    content = doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    return resolve(doc, content)


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return doc["components"]["schemas"][name]
    if schema.get("type") == "array":
        return {"type": "array", "items": resolve(doc, schema["items"])}
    return schema


def check(doc: dict[str, Any], schema: dict[str, Any], data: Any) -> None:
    """The response has exactly the documented properties, recursively."""
    schema = resolve(doc, schema)
    if schema.get("type") == "array":
        assert isinstance(data, list)
        for item in data:
            check(doc, schema["items"], item)
        return
    if "anyOf" in schema:
        if data is None:
            return
        schema = resolve(doc, next(s for s in schema["anyOf"] if s.get("type") != "null"))
    if "properties" in schema:
        assert isinstance(data, dict)
        assert set(data) == set(schema["properties"]), (set(data) ^ set(schema["properties"]))
        for name in schema.get("required", []):
            assert name in data
        for name, sub in schema["properties"].items():
            check(doc, sub, data[name])


def test_it_documents_every_duty_operation(district: District, client_for) -> None:
    doc = client_for("duty").get("/api/v1/openapi.json").json()
    expected = {
        ("/api/v1/duty/instructions", "get"),
        ("/api/v1/duty/instructions", "post"),
        ("/api/v1/duty/instructions/{instruction_id}", "get"),
        ("/api/v1/duty/instructions/{instruction_id}/acknowledge", "post"),
        ("/api/v1/duty/instructions/{instruction_id}/report", "post"),
        ("/api/v1/duty/instructions/{instruction_id}/close", "post"),
        ("/api/v1/duty/notices", "get"),
        ("/api/v1/duty/notices", "post"),
        ("/api/v1/duty/notices/{notice_id}", "get"),
        ("/api/v1/duty/notices/{notice_id}/answer", "post"),
        ("/api/v1/duty/notices/{notice_id}/review", "post"),
        ("/api/v1/duty/accountability", "get"),
        ("/api/v1/duty/accountability", "post"),
        ("/api/v1/duty/roster/now", "get"),
        ("/api/v1/duty/roster/{unit_code}", "get"),
        ("/api/v1/duty/roster/{unit_code}/{day}", "put"),
        ("/api/v1/duty/daily-reports", "post"),
        ("/api/v1/duty/daily-reports/summary", "get"),
        ("/api/v1/duty/urgent-reports", "get"),
        ("/api/v1/duty/urgent-reports", "post"),
        ("/api/v1/duty/urgent-reports/{report_id}", "get"),
        ("/api/v1/duty/special-periods", "get"),
        ("/api/v1/duty/special-periods", "post"),
    }
    documented = {(p, m) for p, ops in doc["paths"].items() if p.startswith("/api/v1/duty/") for m in ops}
    assert documented == expected


def test_it_runs_an_instruction_through_the_api_as_documented(district: District, client_for) -> None:
    doc = client_for("duty").get("/api/v1/openapi.json").json()
    duty, officer, officer2 = api(district.duty), api(district.officer), api(district.officer2)
    now = timezone.now()
    body = {
        "title": "防汛紧急通知",
        "content": "请立即检查排水设施。",
        "urgency": "urgent",
        "unit_codes": ["qingshan", "hexi"],
        "ack_deadline": (now + dt.timedelta(hours=1)).isoformat(),
        "report_deadline": (now + dt.timedelta(hours=5)).isoformat(),
    }
    assert officer.post("/api/v1/duty/instructions", body, content_type="application/json").status_code == 403
    bad = duty.post("/api/v1/duty/instructions", {**body, "unit_codes": ["nowhere"]}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    created = duty.post("/api/v1/duty/instructions", body, content_type="application/json")
    assert created.status_code == 201
    check(doc, schema_of(doc, "/api/v1/duty/instructions", "post", "201"), created.json())
    pk = created.json()["id"]
    assert len(created.json()["targets"]) == 2

    early = officer.post(f"/api/v1/duty/instructions/{pk}/report", {"result": "x"}, content_type="application/json")
    assert early.status_code == 400
    mine = officer.get(f"/api/v1/duty/instructions/{pk}").json()
    check(doc, schema_of(doc, "/api/v1/duty/instructions/{instruction_id}", "get", "200"), mine)
    assert mine["targets"] == [] and mine["my_target"]["state"] == "seen"
    ack = officer.post(f"/api/v1/duty/instructions/{pk}/acknowledge")
    check(doc, schema_of(doc, "/api/v1/duty/instructions/{instruction_id}/acknowledge", "post", "200"), ack.json())
    rep = officer.post(f"/api/v1/duty/instructions/{pk}/report", {"result": "已检查排水口36处"}, content_type="application/json")
    assert rep.status_code == 200 and rep.json()["state"] == "reported"
    listing = officer2.get("/api/v1/duty/instructions").json()
    check(doc, schema_of(doc, "/api/v1/duty/instructions", "get", "200"), listing)
    assert [i["id"] for i in listing] == [pk]
    closed = duty.post(f"/api/v1/duty/instructions/{pk}/close", {"note": "河西街道未报，另行督办"}, content_type="application/json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert Instruction.objects.get().status == "closed"


def test_it_hides_instructions_of_other_units(district: District) -> None:
    from duty import services

    instruction = services.instruction_send(
        actor=district.duty, title="t", content="c", units=[district.town_a], ack_deadline=timezone.now() + dt.timedelta(hours=1), report_deadline=timezone.now() + dt.timedelta(hours=2)
    )
    assert api(district.officer2).get(f"/api/v1/duty/instructions/{instruction.pk}").status_code == 404
    assert api(district.officer2).post(f"/api/v1/duty/instructions/{instruction.pk}/acknowledge").status_code == 404
    assert Client().get("/api/v1/duty/instructions").status_code == 401


def test_it_runs_notices_reports_roster_and_periods_through_the_api(district: District, client_for) -> None:
    doc = client_for("duty").get("/api/v1/openapi.json").json()
    supervisor, officer, officer2, duty = api(district.supervisor), api(district.officer), api(district.officer2), api(district.duty)
    notice = supervisor.post(
        "/api/v1/duty/notices", {"unit_code": "qingshan", "title": "督办", "requirement": "请答复", "due_date": "2099-01-01"}, content_type="application/json"
    )
    assert notice.status_code == 201
    check(doc, schema_of(doc, "/api/v1/duty/notices", "post", "201"), notice.json())
    nid = notice.json()["id"]
    assert officer2.post(f"/api/v1/duty/notices/{nid}/answer", {"text": "x"}, content_type="application/json").status_code == 404
    answered = officer.post(f"/api/v1/duty/notices/{nid}/answer", {"text": "已答复"}, content_type="application/json")
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    reviewed = supervisor.post(f"/api/v1/duty/notices/{nid}/review", {"accept": True}, content_type="application/json")
    assert reviewed.json()["status"] == "accepted" and SupervisionNotice.objects.get().status == "accepted"
    record = supervisor.post(
        "/api/v1/duty/accountability",
        {"unit_code": "qingshan", "reason": "逾期", "measure": "criticism", "decided_by": "区政府", "decided_on": "2026-11-01", "notice_ids": [nid]},
        content_type="application/json",
    )
    assert record.status_code == 201
    check(doc, schema_of(doc, "/api/v1/duty/accountability", "post", "201"), record.json())
    check(doc, schema_of(doc, "/api/v1/duty/accountability", "get", "200"), supervisor.get("/api/v1/duty/accountability").json())

    today = timezone.localdate()
    day = officer.put(
        f"/api/v1/duty/roster/qingshan/{today.isoformat()}",
        {"shifts": [{"start": "08:30", "end": "08:30", "leader_name": "王建国", "officer_name": "李海燕", "phone": "010-1234567"}]},
        content_type="application/json",
    )
    assert day.status_code == 200 and len(day.json()) == 1
    gap = officer.put(
        f"/api/v1/duty/roster/qingshan/{today.isoformat()}",
        {"shifts": [{"start": "08:30", "end": "12:00", "leader_name": "王建国", "officer_name": "李海燕", "phone": "010-1234567"}]},
        content_type="application/json",
    )
    assert gap.status_code == 400 and DutyShift.objects.count() == 1
    assert officer2.put(f"/api/v1/duty/roster/qingshan/{today.isoformat()}", {"shifts": []}, content_type="application/json").status_code == 404
    now_board = duty.get("/api/v1/duty/roster/now").json()
    check(doc, schema_of(doc, "/api/v1/duty/roster/now", "get", "200"), now_board)
    rng = officer.get(f"/api/v1/duty/roster/qingshan?start={today.isoformat()}&end={today.isoformat()}")
    check(doc, schema_of(doc, "/api/v1/duty/roster/{unit_code}", "get", "200"), rng.json())

    filed = officer.post("/api/v1/duty/daily-reports", {"date": today.isoformat(), "nothing_to_report": True}, content_type="application/json")
    assert filed.status_code == 200
    check(doc, schema_of(doc, "/api/v1/duty/daily-reports", "post", "200"), filed.json())
    future = officer.post("/api/v1/duty/daily-reports", {"date": (today + dt.timedelta(days=1)).isoformat(), "nothing_to_report": True}, content_type="application/json")
    assert future.status_code == 400 and DailyReport.objects.count() == 1
    summary = duty.get(f"/api/v1/duty/daily-reports/summary?date={today.isoformat()}")
    check(doc, schema_of(doc, "/api/v1/duty/daily-reports/summary", "get", "200"), summary.json())
    assert officer.get("/api/v1/duty/daily-reports/summary").status_code == 403

    urgent = officer.post(
        "/api/v1/duty/urgent-reports",
        {"title": "路面塌陷", "place": "青山路与人民路交叉口", "occurred_at": timezone.now().isoformat(), "scale": "约2平方米"},
        content_type="application/json",
    )
    assert urgent.status_code == 201
    check(doc, schema_of(doc, "/api/v1/duty/urgent-reports", "post", "201"), urgent.json())
    follow = officer.post(
        "/api/v1/duty/urgent-reports",
        {"title": "续报", "place": "同上", "occurred_at": timezone.now().isoformat(), "parent_id": urgent.json()["id"]},
        content_type="application/json",
    )
    assert len(follow.json()["follow_ups"]) == 1 and UrgentReport.objects.count() == 2
    check(doc, schema_of(doc, "/api/v1/duty/urgent-reports", "get", "200"), duty.get("/api/v1/duty/urgent-reports").json())

    period = duty.post(
        "/api/v1/duty/special-periods", {"name": "国庆特护期", "start_date": "2027-10-01", "end_date": "2027-10-07", "unit_codes": ["qingshan"]}, content_type="application/json"
    )
    assert period.status_code == 201
    check(doc, schema_of(doc, "/api/v1/duty/special-periods", "post", "201"), period.json())
    assert officer.post("/api/v1/duty/special-periods", {"name": "x", "start_date": "2027-10-01", "end_date": "2027-10-07"}, content_type="application/json").status_code == 403
