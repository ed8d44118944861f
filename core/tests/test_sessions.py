"""Staff sessions slide with use but an unchanged session is written at most once a minute
(core.sessions.SlidingSessionMiddleware instead of a write on every request)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _expiry(client: Client) -> dt.datetime:
    return Session.objects.get(session_key=client.cookies["sessionid"].value).expire_date


def test_an_unchanged_session_is_written_once_a_minute_and_still_slides(district: Any, settings: Any) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        c = Client()
        c.force_login(district.intake)
        assert c.get("/cases/").status_code == 200
        first = _expiry(c)
        traveller.shift(dt.timedelta(seconds=20))
        response = c.get("/cases/")
        assert response.status_code == 200 and "sessionid" not in response.cookies  # no write, no new cookie
        assert _expiry(c) == first
        traveller.shift(dt.timedelta(seconds=settings.SESSION_REFRESH_SECONDS))
        response = c.get("/cases/")
        assert "sessionid" in response.cookies and _expiry(c) > first  # the end moved with use
        # idle past the timeout: signed out
        traveller.shift(dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 1))
        r = c.get("/cases/")
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_signing_out_leaves_no_session(district: Any) -> None:
    c = Client()
    c.force_login(district.intake)
    assert c.get("/cases/").status_code == 200
    c.post("/accounts/logout/")
    assert not Session.objects.exists()  # the old one deleted, no empty one written
    r = c.get("/cases/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
