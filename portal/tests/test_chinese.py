"""Simplified Chinese is the portal's default language; English on request."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_it_speaks_chinese_by_default_and_english_on_request(district) -> None:  # noqa: ANN001
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/portal/").content.decode()
    assert "群众诉求门户" in page and "我要反映" in page and "查询办理进度" in page
    english = Client()
    english.cookies["django_language"] = "en"
    assert "Raise a matter" in english.get("/portal/").content.decode()
    form = Client().get("/portal/submit/").content.decode()
    assert "个人信息告知" in form and "匿名反映" in form
