"""REST API of triage (/api/v1/triage/...): answers match the OpenAPI document; permissions."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.testing import District
from cases.models import State
from cases.tests.helpers import fresh, walk
from cases.tests.test_api import ApiClient
from cases.tests.test_api_openapi import validate
from triage import services
from triage.api import router
from triage.tests.helpers import decided_cases, new_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_for(district: District):  # noqa: ANN201
    cache: dict[str, ApiClient] = {}

    def make(username: str) -> ApiClient:
        if username not in cache:
            cache[username] = ApiClient(getattr(district, username))
        return cache[username]

    return make


@pytest.fixture
def doc(db: None) -> dict[str, Any]:
    return Client().get("/api/v1/openapi.json").json()


def _check(doc: dict[str, Any], path: str, method: str, response: Any) -> Any:
    spec = doc["paths"][f"/api/v1/triage{path}"][method]["responses"][str(response.status_code)]
    body = response.json()
    errors = validate(doc, spec["content"]["application/json"]["schema"], body)
    assert errors == [], errors
    return body


def test_it_documents_every_route(doc: dict[str, Any]) -> None:
    documented = {p for p in doc["paths"] if p.startswith("/api/v1/triage/")}
    routes = {"/api/v1/triage" + path for path in router.path_operations}
    assert {
        "/api/v1/triage/suggest",
        "/api/v1/triage/cases/{number}/duplicates",
        "/api/v1/triage/cases/{number}/merge",
        "/api/v1/triage/hotspots",
        "/api/v1/triage/models/rollback",
    } <= documented
    assert routes == documented


def test_it_suggests_over_the_api(d: District, api_for, doc: dict[str, Any]) -> None:  # noqa: ANN001
    decided_cases(d, ["air-fumes", "water-outage", "wages-arrears"], per_category=10)
    services.classifier_train(actor=d.admin)
    api: ApiClient = api_for("intake")
    body = _check(
        doc,
        "/suggest",
        "post",
        api.post("/triage/suggest", {"title": "瑞丰服装厂拖欠工资", "content": "已经四个月没有发工资了。", "town_id": d.town_b.pk}),
    )
    assert body["status"] == "ok" and body["items"][0]["category"]["code"] == "wages-arrears" and body["model_version"] == 1
    body = _check(doc, "/suggest", "post", api.post("/triage/suggest", {"title": "路", "content": ""}))
    assert body["status"] == "too_short" and body["items"] == [] and body["message"]
    response = api_for("officer").post("/triage/suggest", {"title": "瑞丰服装厂拖欠工资"})
    assert response.status_code == 403
    _check(doc, "/suggest", "post", response)


def test_it_lists_duplicates_and_merges_over_the_api(d: District, api_for, doc: dict[str, Any]) -> None:  # noqa: ANN001
    text = (
        "幸福里小区3栋楼下烧烤店油烟扰民",
        "青山街道幸福里小区3栋楼下的老王烧烤每天晚上营业到凌晨两点，排烟管道正对着居民窗户，油烟熏得家里不能开窗，请督促安装净化设备。",
    )
    main = walk(d, new_case(d, *text, category="air-fumes"), State.ACCEPTED)
    dup = new_case(d, "再次反映" + text[0], text[1] + "谢谢！", category="air-fumes")
    services.case_index(case=main)
    services.case_index(case=dup)
    api = api_for("intake")
    body = _check(doc, "/cases/{number}/duplicates", "get", api.get(f"/triage/cases/{dup.number}/duplicates"))
    assert body[0]["case"]["number"] == main.number and body[0]["score"] > 0.5
    response = api.post(f"/triage/cases/{dup.number}/merge", {"into": dup.number})
    assert response.status_code == 400
    _check(doc, "/cases/{number}/merge", "post", response)
    response = api.post(f"/triage/cases/{dup.number}/merge", {"into": main.number, "version": dup.version - 1})
    assert response.status_code == 409
    body = _check(
        doc, "/cases/{number}/merge", "post", api.post(f"/triage/cases/{dup.number}/merge", {"into": main.number, "version": dup.version})
    )
    assert body == {"case": dup.number, "other": main.number, "decision": "merged"} and fresh(dup).state == State.NOT_ACCEPTED
    assert api_for("officer2").get(f"/triage/cases/{dup.number}/duplicates").status_code == 404


def test_it_guards_hotspots_acceptance_and_models(d: District, api_for, doc: dict[str, Any]) -> None:  # noqa: ANN001
    body = _check(doc, "/hotspots", "get", api_for("leader").get("/triage/hotspots"))
    assert body["hotspots"] == []
    body = _check(doc, "/acceptance", "get", api_for("leader").get("/triage/acceptance", {"days": 7}))
    assert body["rate"] is None and body["decided"] == 0
    assert api_for("officer").get("/triage/hotspots").status_code == 403
    assert api_for("officer").get("/triage/acceptance").status_code == 403
    assert api_for("intake").get("/triage/models").status_code == 403
    assert api_for("intake").post("/triage/models/train", {}).status_code == 403
    response = api_for("admin").post("/triage/models/rollback")
    assert response.status_code == 400
    _check(doc, "/models/rollback", "post", response)
    body = _check(doc, "/models", "get", api_for("admin").get("/triage/models"))
    assert body == []
    assert Client().post("/api/v1/triage/suggest", "{}", content_type="application/json").status_code == 401


def test_it_returns_and_applies_the_suggestion_kept_with_a_case(d: District, api_for, doc: dict[str, Any], django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    from cases import services as cs
    from cases.models import CaseType, Channel

    decided_cases(d, ["air-fumes", "water-outage", "wages-arrears"], per_category=10)
    services.classifier_train(actor=d.admin)
    with django_capture_on_commit_callbacks(execute=True):
        case = cs.case_register(
            actor=None, channel=Channel.WEB, type=CaseType.COMPLAINT, title="瑞丰服装厂拖欠工资", content="已经四个月没有发工资了，老板不见人。", anonymous=True
        )
    api = api_for("intake")
    body = _check(doc, "/cases/{number}/suggestion", "get", api.get(f"/triage/cases/{case.number}/suggestion"))
    assert body["outcome"] == "pending" and body["can_apply"] is True and body["model_version"] == 1
    assert body["items"][0]["category"]["code"] == "wages-arrears" and body["items"][0]["reason"]
    # other staff who may see the case read it, but may not apply it
    assert api_for("leader").get(f"/triage/cases/{case.number}/suggestion").json()["can_apply"] is False
    response = api_for("leader").post(f"/triage/cases/{case.number}/suggestion/apply", {"rank": 1})
    assert response.status_code == 403 and fresh(case).category is None
    _check(doc, "/cases/{number}/suggestion/apply", "post", response)
    # a stale version is refused, a rank out of range is bad input: nothing changes
    response = api.post(f"/triage/cases/{case.number}/suggestion/apply", {"rank": 1, "version": case.version - 1})
    assert response.status_code == 409 and fresh(case).category is None
    response = api.post(f"/triage/cases/{case.number}/suggestion/apply", {"rank": 9})
    assert response.status_code == 400 and fresh(case).category is None
    body = _check(
        doc,
        "/cases/{number}/suggestion/apply",
        "post",
        api.post(f"/triage/cases/{case.number}/suggestion/apply", {"rank": 1, "version": case.version}),
    )
    assert body["outcome"] == "accepted" and body["chosen_rank"] == 1 and body["can_apply"] is True
    assert fresh(case).category.code == "wages-arrears"
    # a case whose suggestion is not computed yet (the after-commit step has not run) says so
    bare = new_case(d, "路灯不亮", "幸福路的路灯坏了一个月。")
    body = _check(doc, "/cases/{number}/suggestion", "get", api.get(f"/triage/cases/{bare.number}/suggestion"))
    assert body["status"] == "not_computed" and body["items"] == [] and "登记后" in body["message"] and body["can_apply"] is False
