"""The code and the OpenAPI document (/api/v1/openapi.json) must agree.

- every route of ``cases.api.router`` is in the document with exactly the responses the
  code declares, and every error response is the JSON error shape;
- every action the services offer (``available_actions``) has its own operation with its
  own input schema taking ``version``;
- real responses of a sample of calls (successes and errors, several personas) validate
  against the documented schema, with no undocumented property.

The validator below is deliberately small and independent of pydantic: it reads the JSON
document the clients read."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from accounts.testing import District
from cases import schemas, services
from cases.api import ACTION_PATHS, router
from cases.models import Case, State
from cases.tests.test_api import ApiClient, api_for, case_payload, register, to_state  # noqa: F401  (api_for is a fixture)

BASE = "/api/v1"


@pytest.fixture
def doc(db: None) -> dict[str, Any]:
    response = Client().get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    return response.json()


# ---------------------------------------------------------------------------
# A small JSON Schema (OpenAPI 3.1 subset) validator
# ---------------------------------------------------------------------------


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = doc
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def validate(doc: dict[str, Any], schema: dict[str, Any], value: Any, where: str = "$") -> list[str]:
    """Errors of ``value`` against ``schema`` (empty when valid)."""
    schema = _resolve(doc, schema)
    errors: list[str] = []
    if "anyOf" in schema:
        if all(validate(doc, option, value, where) for option in schema["anyOf"]):
            errors.append(f"{where}: {value!r} matches none of anyOf")
        return errors
    if "allOf" in schema:
        for part in schema["allOf"]:
            errors += validate(doc, part, value, where)
        return errors
    kind = schema.get("type")
    checks = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
        "null": lambda v: v is None,
    }
    if kind is not None and not checks[kind](value):
        return [f"{where}: {value!r} is not of type {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in enum {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        errors.append(f"{where}: {value!r} is not {schema['const']!r}")
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time" and not _DATETIME.match(value):
            errors.append(f"{where}: {value!r} is not a date-time")
        if fmt == "date" and not _DATE.match(value):
            errors.append(f"{where}: {value!r} is not a date")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{where}: longer than {schema['maxLength']}")
    if kind == "integer" and "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{where}: below {schema['minimum']}")
    if kind == "array":
        for i, item in enumerate(value):
            errors += validate(doc, schema.get("items", {}), item, f"{where}[{i}]")
    if kind == "object":
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{where}: missing required {name!r}")
        for name, item in value.items():
            if name not in props:
                if schema.get("additionalProperties") in (None, False) and props:
                    errors.append(f"{where}: undocumented property {name!r}")
                continue
            errors += validate(doc, props[name], item, f"{where}.{name}")
    return errors


def test_the_validator_catches_drift(doc: dict[str, Any]) -> None:
    error = {"$ref": "#/components/schemas/ErrorOut"}
    assert validate(doc, error, {"code": "x", "message": "y"}) == []
    assert validate(doc, error, {"code": "x"})  # missing message
    assert validate(doc, error, {"code": "x", "message": "y", "extra": 1})  # undocumented
    assert validate(doc, error, {"code": 1, "message": "y"})  # wrong type
    assert validate(doc, {"type": "string", "enum": ["a"]}, "b")
    assert validate(doc, {"type": "string", "format": "date-time"}, "yesterday")
    assert validate(doc, {"anyOf": [{"type": "integer"}, {"type": "null"}]}, "1")


# ---------------------------------------------------------------------------
# Routes and responses
# ---------------------------------------------------------------------------


def _operations() -> list[tuple[str, str, Any]]:
    out = []
    for path, view in router.path_operations.items():
        for op in view.operations:
            for method in op.methods:
                out.append((BASE + re.sub(r"\{(\w+)\}", r"{\1}", path), method.lower(), op))
    return out


def test_every_route_is_documented_with_the_responses_the_code_declares(doc: dict[str, Any]) -> None:
    operations = _operations()
    assert len(operations) >= 27
    ids = [op.operation_id for _p, _m, op in operations]
    assert len(ids) == len(set(ids)), "operation ids must be unique"
    for path, method, op in operations:
        assert path in doc["paths"], path
        documented = doc["paths"][path][method]
        assert documented["operationId"] == op.operation_id
        assert documented.get("summary"), path
        assert {int(code) for code in documented["responses"]} == set(op.response_models), (path, method)
        assert 401 in op.response_models, (path, method)
        for code, response in documented["responses"].items():
            if int(code) >= 400:
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}, (path, code)
        if method == "post":
            headers = [p["name"] for p in documented.get("parameters", []) if p["in"] == "header"]
            assert headers == ["Idempotency-Key"], path
            assert 422 in op.response_models, path


def test_no_other_app_shadows_a_schema_of_ours(doc: dict[str, Any]) -> None:
    """django-ninja names components by class name across the whole API: two apps with a
    ``UnitRef`` would share one (wrong) definition. Each of our schemas must be ours."""
    from ninja import Schema

    ours = [
        obj for obj in vars(schemas).values() if isinstance(obj, type) and issubclass(obj, Schema) and obj.__module__ == schemas.__name__
    ]
    assert len(ours) > 30
    components = doc["components"]["schemas"]
    for model in ours:
        if model.__name__ not in components:
            continue  # not used by an operation
        documented = set(components[model.__name__].get("properties", {}))
        assert documented == set(model.model_fields), model.__name__


def test_every_service_action_has_its_own_operation_taking_version(doc: dict[str, Any]) -> None:
    service_actions = [key for key, *_rest in services.ACTIONS]
    assert sorted(service_actions) == sorted(ACTION_PATHS), "a service action without an API operation (or the reverse)"
    bodies = set()
    for key in service_actions:
        path = f"{BASE}/cases/{{number}}/{ACTION_PATHS[key]}"
        assert "post" in doc["paths"].get(path, {}), path
        post = doc["paths"][path]["post"]
        content = post["requestBody"]["content"]
        media, body = next(iter(content.items()))
        schema = _resolve(doc, body["schema"])
        if key != "reveal_identity":
            assert "version" in schema["required"], key
            assert 409 in {int(c) for c in post["responses"]}, key
        if media == "application/json":
            ref = body["schema"]["$ref"]
            bodies.add(ref)
        else:
            assert key == "add_attachment" and media == "multipart/form-data"
    # one explicit input schema per action (the two review requests share theirs)
    assert len(bodies) == len(service_actions) - 2


def test_the_list_parameters_and_the_register_body_are_documented(doc: dict[str, Any]) -> None:
    params = {p["name"]: p for p in doc["paths"][f"{BASE}/cases"]["get"]["parameters"]}
    assert set(params) >= {
        "state",
        "type",
        "category",
        "unit",
        "channel",
        "received_from",
        "received_to",
        "overdue",
        "q",
        "cursor",
        "limit",
    }
    assert "handling" in params["state"]["schema"]["items"]["enum"]
    body = _resolve(doc, doc["paths"][f"{BASE}/cases"]["post"]["requestBody"]["content"]["application/json"]["schema"])
    assert set(body["required"]) == {"channel", "type", "title", "content"}
    assert body["properties"]["title"]["maxLength"] == 200
    assert "accusation" in body["properties"]["type"]["enum"]
    complainant = _resolve(doc, body["properties"]["complainants"]["items"])
    assert set(complainant["properties"]) >= {"name", "phone", "id_number", "address"}


# ---------------------------------------------------------------------------
# Real responses against the document
# ---------------------------------------------------------------------------


def _template(doc: dict[str, Any], path: str, method: str) -> str:
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$"
        if method in item and re.match(pattern, path):
            return template
    raise AssertionError(f"{method.upper()} {path} is not documented")


def check(doc: dict[str, Any], method: str, path: str, response: Any) -> None:
    template = _template(doc, path.split("?")[0], method)
    responses = doc["paths"][template][method]["responses"]
    assert str(response.status_code) in responses, (
        f"{method.upper()} {path} answered an undocumented {response.status_code}: {response.content[:300]!r}"
    )
    schema = responses[str(response.status_code)]["content"]["application/json"]["schema"]
    errors = validate(doc, schema, response.json())
    assert errors == [], (method, path, response.status_code, errors[:5])


def test_real_responses_validate_against_the_document(district: District, api_for: Any, doc: dict[str, Any]) -> None:  # noqa: F811
    intake, officer, leader = api_for("intake"), api_for("officer"), api_for("leader")
    calls: list[tuple[str, str, Any]] = []

    def get(api: ApiClient, path: str, params: dict[str, Any] | None = None) -> Any:
        response = api.get(path, params)
        calls.append(("get", BASE + path, response))
        return response

    def post(api: ApiClient, path: str, data: dict[str, Any], key: str | None = None) -> Any:
        response = api.post(path, data, key=key)
        calls.append(("post", BASE + path, response))
        return response

    created = post(intake, "/cases", case_payload(), key="doc-check")
    number = created.json()["number"]
    post(intake, "/cases", case_payload(), key="doc-check")  # replay
    post(intake, "/cases", case_payload(title="换一个"), key="doc-check")  # 422
    post(intake, "/cases", case_payload(category="nope"))  # 400
    post(officer, "/cases", case_payload())  # 403
    post(intake, "/cases", {"title": 1})  # 400 from the schema
    get(intake, "/cases")
    get(intake, "/cases", {"limit": 1, "state": "registered"})
    get(intake, "/cases", {"type": "nope"})  # 400
    get(intake, f"/cases/{number}")
    get(leader, f"/cases/{number}")  # masked
    get(officer, f"/cases/{number}")  # 404
    post(leader, f"/cases/{number}/reveal-identity", {"reason": "督办"})
    post(officer, f"/cases/{number}/accept", {"version": 1})  # 404
    post(leader, f"/cases/{number}/accept", {"version": 1})  # 403
    post(intake, f"/cases/{number}/assign", {"version": 1, "units": ["qingshan"]})  # 400 wrong state
    post(intake, f"/cases/{number}/accept", {"version": 1})
    post(intake, f"/cases/{number}/accept", {"version": 1})  # 409
    post(
        intake,
        f"/cases/{number}/assign",
        {"version": 2, "units": ["qingshan"], "due_date": (dt.date.today() + dt.timedelta(days=5)).isoformat()},
    )
    post(officer, f"/cases/{number}/receive", {"version": 3})
    post(officer, f"/cases/{number}/notes", {"version": 4, "text": "内部记录"})
    post(officer, f"/cases/{number}/extension-request", {"version": 5, "days": 5, "reason": "协调"})
    done = to_state(district, api_for, State.CLOSED)
    post(intake, f"/cases/{done}/review-request", {"version": Case.objects.get(number=done).version, "reason": "申请复查"})
    get(officer, f"/cases/{number}")
    get(intake, "/categories")
    get(officer, "/units")
    anonymous = Client().get(f"{BASE}/cases")
    calls.append(("get", f"{BASE}/cases", anonymous))

    chain = [
        r.status_code
        for m, p, r in calls
        if p.startswith(f"{BASE}/cases/{number}/") and p.split("/")[-1] in {"receive", "notes", "extension-request"}
    ]
    assert chain == [200, 200, 200]
    statuses = {r.status_code for _m, _p, r in calls}
    assert statuses >= {200, 201, 400, 401, 403, 404, 409, 422}
    for method, path, response in calls:
        check(doc, method, path, response)
