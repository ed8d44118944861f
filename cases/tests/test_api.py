"""The cases REST API through HTTP with bearer tokens: registration, the whole journey
through every transition, errors, masking, attachments and reference data.

``ApiClient``/``api_for``/``register`` here are shared by the other test_api_* modules."""

from __future__ import annotations

import io
import json
import struct
import zlib
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.services import api_token_issue
from accounts.testing import District
from audit.models import AuditEntry
from cases.models import Case, CaseEvent, CaseType, State

API = "/api/v1"


class ApiClient:
    """A REST client authenticated with a bearer token of one persona."""

    def __init__(self, user: User) -> None:
        _token, secret = api_token_issue(actor=None, user=user, name="tests")
        self.user = user
        self.client = Client(headers={"Authorization": f"Bearer {secret}"})

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(API + path, params or {})

    def post(self, path: str, data: dict[str, Any] | None = None, *, key: str | None = None) -> Any:
        headers = {"Idempotency-Key": key} if key else {}
        return self.client.post(API + path, json.dumps(data or {}), content_type="application/json", headers=headers)

    def upload(self, path: str, data: dict[str, Any], *, key: str | None = None) -> Any:
        headers = {"Idempotency-Key": key} if key else {}
        return self.client.post(API + path, data, headers=headers)

    def act(self, number: str, action: str, data: dict[str, Any] | None = None, *, version: int | None = None) -> Any:
        """POST an action with the case's current version (read through the API) unless given."""
        if version is None:
            version = Case.objects.get(number=number).version
        return self.post(f"/cases/{number}/{action}", {"version": version, **(data or {})})


@pytest.fixture
def api_for(district: District):  # noqa: ANN201
    """api_for("intake") -> an ApiClient with that persona's token."""
    cache: dict[str, ApiClient] = {}

    def make(username: str) -> ApiClient:
        if username not in cache:
            cache[username] = ApiClient(getattr(district, username))
        return cache[username]

    return make


def case_payload(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "channel": "visit",
        "type": "complaint",
        "title": "小区门口烧烤摊油烟扰民",
        "content": "青山街道幸福里小区北门每晚有烧烤摊营业到凌晨，油烟和噪音严重影响居民休息，请尽快处理。",
        "category": "air-fumes",
        "location": {"address": "青山街道幸福里小区北门", "latitude": 30.5123, "longitude": 114.3011, "town": "qingshan"},
        "complainants": [{"name": "王建国", "phone": "13812345678", "id_number": "110101199003071234", "address": "幸福里3栋2单元501"}],
    }
    data.update(overrides)
    return data


def register(api: ApiClient, **overrides: Any) -> dict[str, Any]:
    response = api.post("/cases", case_payload(**overrides))
    assert response.status_code == 201, response.content
    return response.json()


def to_state(district: District, api_for: Any, target: str, **overrides: Any) -> str:
    """Drive a new case (assigned to town A) to ``target`` through the API; returns its number."""
    intake, officer, head, followup = api_for("intake"), api_for("officer"), api_for("head"), api_for("followup")
    number = register(intake, **overrides)["number"]
    steps: list[tuple[ApiClient, str, dict[str, Any], str]] = [
        (intake, "accept", {}, State.ACCEPTED),
        (intake, "assign", {"units": ["qingshan"]}, State.ASSIGNED),
        (officer, "receive", {}, State.HANDLING),
        (officer, "reply-draft", {"outcome": "support", "text": "经查，已责令烧烤摊主整改，并加强夜间巡查。"}, State.REPLY_PENDING),
        (head, "reply-approve", {}, State.REPLY_APPROVED),
        (officer, "reply-issue", {"via": "phone"}, State.REPLIED),
        (followup, "followup", {"resolved": True, "satisfaction": "satisfied"}, State.REPLIED),
        (followup, "close", {}, State.CLOSED),
    ]
    state = State.REGISTERED
    for api, action, data, new_state in steps:
        if state == target:
            break
        response = api.act(number, action, data)
        assert response.status_code == 200, (action, response.content)
        state = new_state
        if action == "followup" and target == State.REPLIED:
            break
    assert Case.objects.get(number=number).state == target
    return number


def png_bytes() -> bytes:
    """A valid 2x2 red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xc8\x1e\x1e" * 2 for _ in range(2))
    ihdr = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


# ---------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------


def test_it_registers_a_case_with_complainants_and_location(district: District, api_for: Any) -> None:
    body = register(api_for("intake"))
    case = Case.objects.get(number=body["number"])
    assert body["state"] == "registered" and body["version"] == case.version == 1
    assert body["category"]["code"] == "air-fumes"
    assert body["town"]["code"] == "qingshan"
    assert body["address"] == "青山街道幸福里小区北门" and body["latitude"] == pytest.approx(30.5123)
    assert body["identity"] == "plain"
    assert body["complainants"][0] == {
        "name": "王建国",
        "phone": "13812345678",
        "id_number": "110101199003071234",
        "address": "幸福里3栋2单元501",
        "is_representative": False,
        "masked": False,
    }
    assert [c["kind"] for c in body["clocks"]] == ["decide"]
    assert body["timeline"][0]["kind"] == "registered"
    assert {a["key"] for a in body["actions"]} >= {"accept", "not_accept", "redirect"}
    accept = next(a for a in body["actions"] if a["key"] == "accept")
    assert accept["path"] == f"/api/v1/cases/{body['number']}/accept"
    assert case.created_by == district.intake
    assert AuditEntry.objects.filter(action="case.register", object_label=body["number"]).count() == 1


def test_it_registers_an_anonymous_joint_complaint(district: District, api_for: Any) -> None:
    body = register(api_for("intake"), anonymous=True, complainants=[], head_count=1)
    assert body["anonymous"] is True and body["complainants"] == [] and body["complainant"] is None
    joint = register(
        api_for("intake"),
        complainants=[{"name": "李四", "phone": "13900001111", "is_representative": True}, {"name": "赵六", "is_representative": True}],
        head_count=12,
    )
    assert joint["joint"] is True and joint["head_count"] == 12 and len(joint["complainants"]) == 2


def test_it_refuses_registration_by_a_unit_officer(district: District, api_for: Any) -> None:
    response = api_for("officer").post("/cases", case_payload())
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden" and response.json()["message"]
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "no-such-category"}, "category"),
        ({"title": "长" * 201}, "title"),
        ({"content": ""}, "content"),
        ({"type": "gossip"}, "type"),
        ({"channel": "pigeon"}, "channel"),
        ({"complainants": []}, "complainants"),
        ({"complainants": [{"name": "王五", "phone": "call me"}]}, "complainants.0.phone"),
        ({"location": {"town": "housing-bureau-unknown"}}, "town"),
        ({"location": {"latitude": 123.0}}, "latitude"),
        ({"received_at": "2999-01-01T08:00:00+08:00"}, "received_at"),
        ({"accused_unit": "qingshan"}, "accused_unit"),
    ],
)
def test_it_refuses_bad_input_with_a_json_error_and_stores_nothing(
    district: District, api_for: Any, overrides: dict[str, Any], field: str
) -> None:
    response = api_for("intake").post("/cases", case_payload(**overrides))
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"code", "message"} and body["code"] == "invalid"
    assert field in body["message"]
    assert not Case.objects.exists()


def test_it_refuses_a_malformed_body_with_a_json_error(district: District, api_for: Any) -> None:
    missing = api_for("intake").post("/cases", {"channel": "visit"})
    assert missing.status_code == 400 and missing.json()["code"] == "invalid" and "title" in missing.json()["message"]
    wrong_type = api_for("intake").post("/cases", case_payload(urgent="very"))
    assert wrong_type.status_code == 400 and "urgent" in wrong_type.json()["message"]
    not_json = api_for("intake").client.post(f"{API}/cases", "{not json", content_type="application/json")
    assert not_json.status_code == 400 and set(not_json.json()) == {"code", "message"}


def test_it_stores_script_as_text(district: District, api_for: Any) -> None:
    body = register(api_for("intake"), title="<script>alert(1)</script>投诉")
    assert api_for("intake").get(f"/cases/{body['number']}").json()["title"] == "<script>alert(1)</script>投诉"


def test_it_answers_401_in_json_without_a_valid_token(district: District) -> None:
    for client in (Client(), Client(headers={"Authorization": "Bearer msk_not-a-token"})):
        response = client.get(f"{API}/cases")
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"
    assert Client().post(f"{API}/cases", "{}", content_type="application/json").status_code == 401


def test_it_accepts_the_browser_session_too(district: District, client_for: Any, api_for: Any) -> None:
    number = register(api_for("intake"))["number"]
    assert client_for("officer").get(f"{API}/cases/{number}").status_code == 404
    assert client_for("intake").get(f"{API}/cases/{number}").json()["number"] == number


# ---------------------------------------------------------------------------
# The journey through every transition
# ---------------------------------------------------------------------------


def test_it_runs_the_whole_journey_through_the_api(district: District, api_for: Any) -> None:
    intake, officer, head, followup, leader = (api_for(n) for n in ("intake", "officer", "head", "followup", "leader"))
    number = register(intake)["number"]

    def ok(api: ApiClient, action: str, data: dict[str, Any] | None = None, status: int = 200) -> dict[str, Any]:
        response = api.act(number, action, data)
        assert response.status_code == status, (action, response.content)
        return response.json()

    assert ok(intake, "accept")["state"] == "accepted"
    body = ok(intake, "assign", {"units": ["qingshan"], "instructions": "请三日内联系信访人"})
    assert body["state"] == "assigned" and body["current_unit"]["code"] == "qingshan"
    assert body["assignments"][0]["unit"]["code"] == "qingshan" and body["assignments"][0]["is_lead"]

    # the town officer now sees it, with the identity (a handling unit of an ordinary case)
    seen = officer.get(f"/cases/{number}").json()
    assert seen["identity"] == "plain" and seen["complainants"][0]["name"] == "王建国"
    assert {a["key"] for a in seen["actions"]} >= {"receive", "object"}

    assert ok(officer, "receive")["state"] == "handling"
    body = ok(officer, "notes", {"text": "已电话联系信访人，约定周三现场查看。", "contact": True})
    assert body["timeline"][-1]["kind"] == "contact" and body["timeline"][-1]["public"] is False
    body = ok(
        officer, "meetings", {"held_at": timezone.now().isoformat(), "place": "幸福里社区居委会", "participants": "王建国；网格员小李"}
    )
    assert body["meetings"][0]["place"] == "幸福里社区居委会"
    body = ok(officer, "extension-request", {"days": 20, "reason": "需协调市场监管部门联合执法"})
    assert body["extensions"][0]["decision"] == "pending"
    handle_before = next(c for c in body["clocks"] if c["kind"] == "handle")["due_date"]
    body = ok(head, "extension-decision", {"approve": True, "note": "同意"})
    assert body["extensions"][0]["decision"] == "approved"
    handle_after = next(c for c in body["clocks"] if c["kind"] == "handle" and c["running"])
    assert handle_after["due_date"] > handle_before and handle_after["extended_days"] == 20

    body = ok(officer, "reply-draft", {"outcome": "support", "text": "经查属实，已取缔该烧烤摊。"})
    assert body["state"] == "reply_pending" and body["reply"]["status"] == "submitted"
    body = ok(head, "reply-return", {"reason": "请补充后续巡查安排"})
    assert body["state"] == "handling" and body["reply"]["return_reason"] == "请补充后续巡查安排"
    body = ok(
        officer,
        "reply-draft",
        {
            "outcome": "support",
            "text": "经查属实，已取缔该烧烤摊，城管中队每晚巡查。",
            "assistance_needed": True,
            "assistance_what": "协调社区为信访人家庭申请临时救助",
            "assistance_by": "幸福里社区居委会",
        },
    )
    assert body["reply"]["assistance_needed"] is True
    assert ok(head, "reply-approve", {"note": "同意答复"})["state"] == "reply_approved"
    body = ok(officer, "reply-issue", {"via": "sms"})
    assert body["state"] == "replied" and body["reply"]["status"] == "issued" and body["replied_at"]
    assert any(c["kind"] == "review_request" and c["running"] for c in body["clocks"])

    body = ok(followup, "followup", {"resolved": True, "satisfaction": "satisfied", "comment": "处理及时"})
    assert body["followups"][0]["satisfaction"] == "satisfied"
    assert ok(followup, "close", {"note": "回访满意，办结"})["state"] == "closed"

    # review, then re-review: each answers with the new case (201), linked to the one before
    review = ok(intake, "review-request", {"reason": "信访人认为烧烤摊仍偶有出现，申请复查"}, status=201)
    assert review["level"] == "review" and review["parent_case"] == number and review["number"] != number
    assert review["links"] == [{"kind": "review_of", "direction": "out", "number": number, "title": "小区门口烧烤摊油烟扰民"}]
    original = intake.get(f"/cases/{number}").json()
    assert {"kind": "review_of", "direction": "in", "number": review["number"], "title": review["title"]} in original["links"]

    # the review opinion is prepared by intake and approved by a leader (handled at district level)
    r = review["number"]
    for api, action, data in (
        (intake, "reply-draft", {"outcome": "explain", "text": "复查认为原处理意见并无不当。"}),
        (leader, "reply-approve", {}),
        (intake, "reply-issue", {"via": "phone"}),
    ):
        response = api.act(r, action, data)
        assert response.status_code == 200, (action, response.content)
    rereview = intake.act(r, "rereview-request", {"reason": "信访人不服复查意见"})
    assert rereview.status_code == 201 and rereview.json()["level"] == "rereview"

    events = list(CaseEvent.objects.filter(case__number=number).values_list("kind", flat=True))
    assert events[:3] == ["registered", "accepted", "assigned"] and "review_requested" in events


def test_it_not_accepts_redirects_and_withdraws(district: District, api_for: Any) -> None:
    intake = api_for("intake")
    a = register(intake)["number"]
    body = intake.act(a, "not-accept", {"reason": "不属于信访事项受理范围"}).json()
    assert body["state"] == "not_accepted" and body["decision_reason"] == "不属于信访事项受理范围"
    b = register(intake, type="appeal")["number"]
    body = intake.act(b, "redirect", {"channel": "labour_arbitration", "reason": "劳动争议请申请仲裁"}).json()
    assert body["state"] == "redirected" and body["redirect_channel"] == "labour_arbitration"
    c = register(intake)["number"]
    assert intake.act(c, "withdraw", {"reason": "信访人主动撤回"}).json()["state"] == "withdrawn"


def test_it_sends_an_objection_back_to_intake(district: District, api_for: Any) -> None:
    number = to_state(district, api_for, State.ASSIGNED)
    response = api_for("officer").act(number, "object", {"reason": "该路段属河西街道管辖"})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "objected" and body["current_unit"] is None
    assert body["assignments"][0]["status"] == "objected"
    # the officer no longer handles it, so the identity is masked in the answer
    assert body["identity"] == "masked" and body["complainants"][0]["name"] == "王*国"
    assert api_for("officer").get(f"/cases/{number}").status_code == 404
    again = api_for("intake").act(number, "assign", {"units": ["hexi"]})
    assert again.status_code == 200 and again.json()["current_unit"]["code"] == "hexi"


def test_it_links_cases_the_user_can_see(district: District, api_for: Any) -> None:
    intake = api_for("intake")
    a, b = register(intake)["number"], register(intake)["number"]
    body = intake.act(a, "links", {"other": b, "kind": "duplicate_of"}).json()
    assert body["links"] == [{"kind": "duplicate_of", "direction": "out", "number": b, "title": "小区门口烧烤摊油烟扰民"}]
    missing = intake.act(a, "links", {"other": "2020-999999"})
    assert missing.status_code == 400 and "other" in missing.json()["message"]
    twice = intake.act(a, "links", {"other": b, "kind": "duplicate_of"})
    assert twice.status_code == 400


# ---------------------------------------------------------------------------
# Refusals: wrong state, wrong role, stale version
# ---------------------------------------------------------------------------


def test_it_refuses_a_transition_from_the_wrong_state_with_400(district: District, api_for: Any) -> None:
    number = register(api_for("intake"))["number"]
    response = api_for("intake").act(number, "assign", {"units": ["qingshan"]})
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    case = Case.objects.get(number=number)
    assert case.state == State.REGISTERED and case.version == 1


def test_it_refuses_a_stale_version_with_409_naming_who_changed_it(district: District, api_for: Any) -> None:
    number = register(api_for("intake"))["number"]
    assert api_for("intake").act(number, "accept", version=1).status_code == 200
    stale = api_for("intake").act(number, "not-accept", {"reason": "重复"}, version=1)
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "conflict"
    assert number in body["message"] and str(district.intake) in body["message"]
    case = Case.objects.get(number=number)
    assert case.state == State.ACCEPTED and case.version == 2


def test_it_validates_the_version_field(district: District, api_for: Any) -> None:
    number = register(api_for("intake"))["number"]
    response = api_for("intake").post(f"/cases/{number}/accept", {})
    assert response.status_code == 400 and "version" in response.json()["message"]


# ---------------------------------------------------------------------------
# Personal data
# ---------------------------------------------------------------------------


def test_it_masks_complainants_for_leaders_until_revealed_and_logs_it(district: District, api_for: Any) -> None:
    number = register(api_for("intake"))["number"]
    leader = api_for("leader")
    body = leader.get(f"/cases/{number}").json()
    assert body["identity"] == "reveal"
    assert body["complainants"][0] | {} == {
        "name": "王*国",
        "phone": "138****5678",
        "id_number": "1101**********1234",
        "address": "幸福里3栋2****",
        "is_representative": False,
        "masked": True,
    }
    assert body["complainant"] == "王*国"
    assert "reveal_identity" in {a["key"] for a in body["actions"]}
    revealed = leader.post(f"/cases/{number}/reveal-identity", {"reason": "督办需要"})
    assert revealed.status_code == 200
    assert revealed.json()["complainants"][0]["phone"] == "13812345678"
    entry = AuditEntry.objects.get(action="case.reveal_identity")
    assert entry.actor == district.leader and entry.after["reason"] == "督办需要"
    # an officer outside the case cannot reveal (404: not in scope); the duty officer may not (403)
    assert api_for("officer2").post(f"/cases/{number}/reveal-identity", {}).status_code == 404
    assert api_for("duty").post(f"/cases/{number}/reveal-identity", {}).status_code == 403
    assert AuditEntry.objects.filter(action="case.reveal_identity").count() == 1


def test_it_protects_an_accuser_from_the_handling_and_the_accused_unit(district: District, api_for: Any) -> None:
    intake = api_for("intake")
    number = register(
        intake,
        type=CaseType.ACCUSATION.value,
        title="举报河西街道某工作人员吃拿卡要",
        category=None,
        accused_unit="hexi",
    )["number"]
    assert intake.get(f"/cases/{number}").json()["confidential"] is True
    intake.act(number, "accept")
    assert intake.act(number, "assign", {"units": ["hexi"]}).status_code == 400  # never to the accused unit
    assert intake.act(number, "assign", {"units": ["qingshan"]}).status_code == 200
    handler = api_for("officer").get(f"/cases/{number}").json()
    assert handler["identity"] == "masked" and handler["complainants"][0]["masked"] is True
    assert "reveal_identity" not in {a["key"] for a in handler["actions"]}
    assert api_for("officer").post(f"/cases/{number}/reveal-identity", {}).status_code == 403
    for who in ("officer2", "head_b"):
        accused = api_for(who)
        assert accused.get(f"/cases/{number}").status_code == 404
        assert number not in [c["number"] for c in accused.get("/cases").json()["items"]]
        assert accused.act(number, "notes", {"text": "x"}).status_code == 404
    assert intake.get(f"/cases/{number}").json()["identity"] == "reveal"


# ---------------------------------------------------------------------------
# Attachments (multipart)
# ---------------------------------------------------------------------------


def test_it_uploads_checks_and_serves_attachments(district: District, api_for: Any) -> None:
    intake = api_for("intake")
    number = register(intake)["number"]
    version = Case.objects.get(number=number).version
    photo = io.BytesIO(png_bytes())
    photo.name = "现场照片.png"
    response = intake.upload(f"/cases/{number}/attachments", {"file": photo, "version": version, "description": "烧烤摊现场"})
    assert response.status_code == 200, response.content
    attachment = response.json()["attachments"][0]
    assert attachment["name"] == "现场照片.png" and attachment["kind"] == "image" and attachment["description"] == "烧烤摊现场"
    download = intake.client.get(attachment["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == png_bytes()
    assert api_for("officer2").client.get(attachment["url"]).status_code == 404

    fake = io.BytesIO(b"MZ\x90\x00 this is not an image")
    fake.name = "照片.png"
    refused = intake.upload(f"/cases/{number}/attachments", {"file": fake, "version": version + 1})
    assert refused.status_code == 400 and ".png" in refused.json()["message"]
    assert Case.objects.get(number=number).attachments.count() == 1

    stale = io.BytesIO(png_bytes())
    stale.name = "a.png"
    assert intake.upload(f"/cases/{number}/attachments", {"file": stale, "version": version}).status_code == 409
    other = io.BytesIO(png_bytes())
    other.name = "a.png"
    assert api_for("officer").upload(f"/cases/{number}/attachments", {"file": other, "version": version + 1}).status_code == 404


# ---------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------


def test_it_lists_categories_in_tree_order(district: District, api_for: Any) -> None:
    cats = api_for("officer").get("/categories").json()
    by_code = {c["code"]: c for c in cats}
    assert by_code["air-fumes"]["level"] == 3 and by_code["air-fumes"]["parent"] == "air"
    positions = {c["code"]: i for i, c in enumerate(cats)}
    assert positions["environment"] < positions["air"] < positions["air-fumes"]


def test_it_lists_only_the_units_in_the_users_scope(district: District, api_for: Any) -> None:
    officer_units = {u["code"] for u in api_for("officer").get("/units").json()}
    assert officer_units == {"qingshan", "qingshan-1"}
    intake_units = {u["code"] for u in api_for("intake").get("/units").json()}
    assert {"district", "qingshan", "hexi", "zjj"} <= intake_units
    towns = api_for("intake").get("/units", {"kind": "town"}).json()
    assert {u["code"] for u in towns} == {"qingshan", "hexi"}
    assert Client().get(f"{API}/units").status_code == 401
