"""Sessions that slide without a write on every request.

Staff sessions end after ``SESSION_COOKIE_AGE`` of inactivity. Django's way,
``SESSION_SAVE_EVERY_REQUEST``, writes the session row (and sends the cookie) on every
request, an UPDATE on each page and each form post. This middleware keeps the sliding
expiry but writes an unchanged session at most once per ``SESSION_REFRESH_SECONDS``
(default 60): the session then ends between ``SESSION_COOKIE_AGE - 60 s`` and
``SESSION_COOKIE_AGE`` after the last request. A changed session is saved at once, as always.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse

TOUCHED = "_touched"


class SlidingSessionMiddleware(SessionMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponse) -> Any:
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            every = getattr(settings, "SESSION_REFRESH_SECONDS", 60)
            if session.modified or now - int(session.get(TOUCHED, 0)) >= every:
                session[TOUCHED] = now  # marks it modified: saved, expiry and cookie renewed
        return super().process_response(request, response)
