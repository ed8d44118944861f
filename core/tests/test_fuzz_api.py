"""Fuzzing the REST API from its own OpenAPI document with schemathesis: as a staff persona
with a Bearer token, a bounded number of generated requests per operation, through the
WSGI app (no network). No response may be a server error, and every error response has
the documented {"code", "message"} shape."""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.services import api_token_issue
from accounts.testing import District

pytestmark = pytest.mark.django_db
EXAMPLES = 12
# Writes the fuzzer may not make: none (every write is a service that validates); listed here if ever needed.
SKIP: set[str] = set()


@pytest.fixture
def wsgi_app(settings: Any, tmp_path: Any) -> Iterator[WSGIHandler]:
    """Django's WSGI app inside the test's transaction (like the test Client: connections stay open)."""
    settings.MEDIA_ROOT = tmp_path / "files"
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def fuzz(
    schema: Any, headers: dict[str, str], check: Any, examples: int = EXAMPLES, only: set[str] | None = None
) -> tuple[list[str], Counter[int], int]:
    """Run every operation of the schema; return the failures, the status codes seen and the operation count."""
    problems: list[str] = []
    statuses: Counter[int] = Counter()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in SKIP or (only is not None and operation.label not in only):
            continue
        operations += 1
        _run_operation(operation, headers, check, examples, problems, statuses)
    return problems, statuses, operations


def _run_operation(operation: Any, headers: dict[str, str], check: Any, examples: int, problems: list[str], statuses: Counter[int]) -> None:
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        case = data.draw(operation.as_strategy())
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        problem = check(response)
        if problem:
            problems.append(f"{operation.label}: {problem} <- {case.as_curl_command()}")

    run()


def api_error_shape(response: Any) -> str:
    if response.status_code >= 500:
        return f"server error {response.status_code}: {response.text[:300]}"
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            return f"{response.status_code} is not JSON: {response.text[:200]}"
        if not (isinstance(body, dict) and isinstance(body.get("code"), str) and isinstance(body.get("message"), str)):
            return f"{response.status_code} not in the documented shape: {json.dumps(body, ensure_ascii=False)[:200]}"
    return ""


def test_it_survives_fuzzing_of_the_rest_api(district: District, wsgi_app: WSGIHandler) -> None:
    _token, secret = api_token_issue(actor=None, user=district.intake, name="fuzz")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    problems, statuses, operations = fuzz(schema, {"Authorization": f"Bearer {secret}"}, api_error_shape)
    assert problems == [], "\n".join(sorted(set(problems))[:30])
    assert operations >= 5, operations
    assert sum(n for code, n in statuses.items() if code < 300) >= operations, f"the token must get through: {statuses}"


def open311_error_shape(response: Any) -> str:
    if response.status_code >= 500:
        return f"server error {response.status_code}: {response.text[:300]}"
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            return f"{response.status_code} is not JSON: {response.text[:200]}"
        ok = isinstance(body, list) and body and all(
            isinstance(e, dict) and isinstance(e.get("code"), int) and isinstance(e.get("description"), str) for e in body
        )
        if not ok:
            return f"{response.status_code} not a GeoReport error list: {json.dumps(body, ensure_ascii=False)[:200]}"
    return ""


def test_it_survives_fuzzing_of_open311(district: District, wsgi_app: WSGIHandler) -> None:
    from django.conf import settings as django_settings

    from cases.models import Category
    from open311.services import open311_key_issue

    _client, key = open311_key_issue(actor=None, name="fuzz")
    spec = json.loads((Path(django_settings.BASE_DIR) / "open311" / "openapi.json").read_text())
    # A second pass of the POST carries the real key and real service codes (the rest fuzzed), so the
    # fuzzer gets past the door and into the filing service.
    codes = list(Category.objects.filter(is_active=True).values_list("code", flat=True)[:5])
    keyed = copy.deepcopy(spec)
    form = keyed["paths"]["/requests.json"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    form["required"] = ["api_key", "service_code", "description", "address_string"]
    form["properties"].update(
        api_key={"enum": [key]},
        service_code={"enum": codes},
        description={"type": "string", "minLength": 1, "maxLength": 300},
        address_string={"type": "string", "minLength": 1, "maxLength": 120},
    )
    form["properties"].pop("jurisdiction_id")
    next(p for p in keyed["paths"]["/servicerequestupdates.json"]["get"]["parameters"] if p["name"] == "api_key")["schema"] = {"enum": [key]}
    keyed_schema = schemathesis.openapi.from_dict(keyed)
    keyed_schema.app = wsgi_app
    problems, statuses, _n = fuzz(keyed_schema, {}, open311_error_shape, examples=15, only={"POST /requests.json", "GET /servicerequestupdates.json"})
    schema = schemathesis.openapi.from_dict(spec)
    schema.app = wsgi_app
    more, statuses2, operations = fuzz(schema, {}, open311_error_shape, examples=15)
    problems += more
    statuses += statuses2
    assert problems == [], "\n".join(sorted(set(problems))[:30])
    assert operations == 7
    from open311.models import Open311Submission

    assert Open311Submission.objects.exists(), "some fuzzed requests must be filed"
    assert sum(n for code, n in statuses.items() if code < 300) >= operations, statuses
