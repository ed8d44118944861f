"""The permission matrix of the cases API: every persona against reading, and every action
against the personas who may not take it (404 outside the scope, 403 inside it), with
nothing changed by a refusal."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.utils import timezone

from accounts.testing import District
from audit.models import AuditEntry
from cases.api import ACTION_PATHS
from cases.models import Case, State
from cases.tests.test_api import ApiClient, api_for, png_bytes, register, to_state  # noqa: F401  (api_for is a fixture)

ACTIONS = sorted(set(ACTION_PATHS.values()))


def valid_payload(action: str, other: str) -> dict[str, Any]:
    """A body the action's schema accepts, so that a refusal is about who, not what."""
    return {
        "accept": {},
        "not-accept": {"reason": "不属于受理范围"},
        "redirect": {"channel": "litigation", "reason": "已进入诉讼程序"},
        "assign": {"units": ["qingshan"]},
        "receive": {},
        "object": {"reason": "非本单位职责"},
        "notes": {"text": "走访了解情况"},
        "meetings": {"held_at": timezone.now().isoformat(), "place": "社区居委会", "participants": "信访人"},
        "extension-request": {"days": 10, "reason": "需要协调"},
        "extension-decision": {"approve": True},
        "reply-draft": {"outcome": "support", "text": "已处理"},
        "reply-approve": {},
        "reply-return": {"reason": "请补充"},
        "reply-issue": {"via": "phone"},
        "followup": {"resolved": True, "satisfaction": "satisfied"},
        "close": {},
        "review-request": {"reason": "申请复查"},
        "rereview-request": {"reason": "申请复核"},
        "withdraw": {"reason": "撤回"},
        "links": {"other": other, "kind": "related"},
        "reveal-identity": {"reason": "查看"},
    }[action]


def attempt(api: ApiClient, number: str, action: str, other: str) -> Any:
    version = Case.objects.get(number=number).version
    if action == "attachments":
        upload = io.BytesIO(png_bytes())
        upload.name = "photo.png"
        return api.upload(f"/cases/{number}/attachments", {"file": upload, "version": version})
    if action == "reveal-identity":
        return api.post(f"/cases/{number}/reveal-identity", valid_payload(action, other))
    return api.post(f"/cases/{number}/{action}", {"version": version, **valid_payload(action, other)})


def snapshot(number: str) -> tuple[str, int, int, int]:
    case = Case.objects.get(number=number)
    return case.state, case.version, case.events.count(), case.attachments.count()


@pytest.mark.parametrize("persona", ["officer2", "head_b", "dept_officer"])
def test_it_answers_404_for_every_action_on_a_case_outside_the_scope(district: District, api_for: Any, persona: str) -> None:  # noqa: F811
    number = to_state(district, api_for, State.ASSIGNED)
    other = register(api_for("intake"))["number"]
    api = api_for(persona)
    before = snapshot(number)
    wrong = {}
    for action in ACTIONS:
        response = attempt(api, number, action, other)
        if response.status_code != 404 or response.json() != {"code": "not_found", "message": response.json().get("message")}:
            wrong[action] = (response.status_code, response.content)
    assert wrong == {}
    assert snapshot(number) == before


def test_it_answers_403_for_every_action_by_a_role_that_may_not_act(district: District, api_for: Any) -> None:  # noqa: F811
    """The duty officer works district-wide (sees every case) but takes no part in cases."""
    number = to_state(district, api_for, State.ASSIGNED)
    other = register(api_for("intake"))["number"]
    duty = api_for("duty")
    before = snapshot(number)
    audit_before = AuditEntry.objects.count()
    wrong = {}
    for action in ACTIONS:
        response = attempt(duty, number, action, other)
        body = response.json()
        if response.status_code != 403 or body["code"] != "forbidden" or not body["message"]:
            wrong[action] = (response.status_code, response.content)
    assert wrong == {}
    assert snapshot(number) == before
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize(
    ("persona", "target", "action"),
    [
        ("officer", State.ASSIGNED, "assign"),  # an officer does not assign
        ("leader", State.REGISTERED, "accept"),
        ("supervisor", State.ACCEPTED, "assign"),
        ("followup", State.HANDLING, "reply-draft"),
        ("officer", State.REPLY_PENDING, "reply-approve"),  # only the head approves
        ("officer", State.REPLY_PENDING, "reply-return"),
        ("officer", State.HANDLING, "extension-decision"),
        ("head", State.REPLIED, "followup"),  # follow-up officers follow up
        ("officer", State.REPLIED, "close"),
        ("officer", State.CLOSED, "review-request"),  # intake registers review requests
        ("admin", State.HANDLING, "withdraw"),
    ],
)
def test_it_refuses_an_action_to_a_persona_who_sees_the_case_but_may_not_take_it(
    district: District,
    api_for: Any,  # noqa: F811
    persona: str,
    target: str,
    action: str,
) -> None:
    number = to_state(district, api_for, target)
    if action == "extension-decision":
        assert api_for("officer").act(number, "extension-request", {"days": 5, "reason": "需要协调"}).status_code == 200
    before = snapshot(number)
    response = attempt(api_for(persona), number, action, number)
    assert response.status_code == 403, response.content
    assert snapshot(number) == before


IDENTITY = {
    "intake": "plain",
    "officer": "plain",
    "head": "plain",
    "followup": "plain",
    "admin": "plain",
    "leader": "reveal",
    "supervisor": "reveal",
    "duty": "masked",
}


def test_it_shows_a_case_to_each_persona_per_the_rules(district: District, api_for: Any) -> None:  # noqa: F811
    number = to_state(district, api_for, State.HANDLING)
    for persona in [*IDENTITY, "officer2", "head_b", "dept_officer"]:
        api = api_for(persona)
        detail = api.get(f"/cases/{number}")
        listed = {c["number"]: c for c in api.get("/cases").json()["items"]}
        if persona not in IDENTITY:
            assert (persona, detail.status_code, number in listed) == (persona, 404, False)
            continue
        assert (persona, detail.status_code, number in listed) == (persona, 200, True)
        body = detail.json()
        assert (persona, body["identity"]) == (persona, IDENTITY[persona])
        person = body["complainants"][0]
        if IDENTITY[persona] == "plain":
            assert (person["name"], person["phone"], person["masked"]) == ("王建国", "13812345678", False), persona
        else:
            assert (person["name"], person["phone"], person["masked"]) == ("王*国", "138****5678", True), persona
        assert listed[number]["complainant"] == person["name"], persona
        # the staff timeline shows internal lines too
        assert any(not e["public"] for e in body["timeline"]), persona
