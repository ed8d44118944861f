"""A NUL character in a URL's path or query string gets a clean 400 in the user's
language on every door (pages, portal, REST API, Open311), never a 500, and changes nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.testing import District
from audit.models import AuditEntry

STAFF_PAGES = [
    "/cases/?q=%00",
    "/cases/?q=%E6%B0%B4%00",
    "/cases/?state=%00registered",
    "/cases/%00x/",
    "/hazards/?q=%00",
    "/hazards/%00x/",
    "/insights/?unit=%00",
    "/audit/?q=%00",
    "/?next=%00",
]
PUBLIC_PAGES = ["/portal/track/?number=%00&code=%00", "/portal/case/%00x/", "/portal/?x=%00", "/accounts/login/?next=%00"]
API = ["/api/v1/cases?q=%00", "/api/v1/cases?after=%00%ff&limit=-1", "/api/v1/cases/%00%27%20OR%201=1", "/api/v1/hazards?q=%00"]


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_it_answers_nul_in_a_staff_url_with_a_chinese_400_page(client_for, url: str) -> None:  # noqa: ANN001
    c = client_for("intake")
    before = AuditEntry.objects.count()
    r = c.get(url)
    assert r.status_code == 400, (url, r.status_code)
    page = r.content.decode()
    assert "请求有误" in page and "Traceback" not in page
    assert AuditEntry.objects.count() == before


def test_it_answers_in_english_for_a_user_who_chose_english(client_for) -> None:  # noqa: ANN001
    c = client_for("intake")
    c.cookies["django_language"] = "en"
    r = c.get("/cases/?q=%00")
    assert r.status_code == 400 and "Bad request" in r.content.decode()


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_it_answers_nul_in_a_public_url_with_a_chinese_400_page(db: None, url: str) -> None:
    r = Client().get(url)
    assert r.status_code == 400, (url, r.status_code)
    assert "请求有误" in r.content.decode()


@pytest.mark.parametrize("url", API)
def test_it_answers_nul_in_an_api_url_with_the_json_error(client_for, url: str) -> None:  # noqa: ANN001
    c = client_for("intake")
    r = c.get(url)
    assert r.status_code == 400, (url, r.status_code)
    assert r.json() == {"code": "400", "message": "请求有误。"}


def test_it_answers_nul_in_an_open311_url_with_an_open311_error(db: None) -> None:
    r = Client().get("/open311/v2/requests.json?service_code=%00")
    assert r.status_code == 400
    [err] = json.loads(r.content)
    assert err["code"] == 400 and "字符" in err["description"]
    xml = Client().get("/open311/v2/requests.xml?status=%00")
    assert xml.status_code == 400 and b"<errors>" in xml.content


def test_it_refuses_a_post_with_nul_in_the_query_and_writes_nothing(district: District, client_for) -> None:  # noqa: ANN001
    from cases.models import Case

    c = client_for("intake")
    r = c.post(
        "/api/v1/cases?x=%00",
        {"channel": "visit", "type": "complaint", "title": "t", "content": "c", "anonymous": True},
        content_type="application/json",
    )
    assert r.status_code == 400 and not Case.objects.exists()


def test_it_leaves_other_odd_characters_to_the_views(client_for) -> None:  # noqa: ANN001
    c = client_for("intake")
    for url in ("/cases/?q=%ff%fe", "/cases/?q=%2500", "/cases/?q=%E6%B0%B4%E7"):
        assert c.get(url).status_code == 200, url
