"""The REST API and Open311 limit each client to API_REQUESTS_PER_MINUTE requests a minute,
with 429, Retry-After and a message in the interface's own error shape; nothing runs."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.services import api_token_issue
from accounts.testing import District
from cases.models import Case
from open311.services import open311_key_issue


@pytest.fixture(autouse=True)
def _small_limit(settings):  # noqa: ANN001, ANN202
    settings.API_REQUESTS_PER_MINUTE = 3
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_it_answers_429_in_chinese_after_the_limit_and_other_tokens_go_on(district: District) -> None:
    _t, mine = api_token_issue(actor=None, user=district.officer, name="脚本")
    _t, other = api_token_issue(actor=None, user=district.officer, name="另一个脚本")
    client = Client()
    answers = [client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {mine}") for _i in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused["Content-Type"].startswith("application/json")
    body = refused.json()
    assert body["code"] == "rate_limited" and "请求过于频繁" in body["message"], body
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 200


@pytest.mark.django_db
def test_a_refused_registration_changes_nothing(district: District) -> None:
    _t, secret = api_token_issue(actor=None, user=district.intake, name="脚本")
    client = Client()
    for _i in range(3):
        client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    before = Case.objects.count()
    answer = client.post("/api/v1/cases", data={}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert answer.status_code == 429
    assert Case.objects.count() == before


@pytest.mark.django_db
def test_open311_gets_its_own_error_shape(district: District) -> None:
    _c, key = open311_key_issue(actor=None, name="FixMyStreet")
    client = Client()
    answers = [client.get(f"/open311/v2/servicerequestupdates.json?api_key={key}") for _i in range(4)]
    assert answers[-1].status_code == 429
    errors = answers[-1].json()
    assert errors[0]["code"] == 429 and "请求过于频繁" in errors[0]["description"]
    xml = client.get(f"/open311/v2/servicerequestupdates.xml?api_key={key}")
    assert xml.status_code == 429 and b"<errors>" in xml.content


@pytest.mark.django_db
def test_staff_pages_are_not_counted(district: District, client_for) -> None:  # noqa: ANN001
    client = client_for("officer")
    assert all(client.get("/cases/").status_code == 200 for _i in range(5))
