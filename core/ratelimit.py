"""Rate limit of the machine interfaces (/api/ and /open311/), per client, in the Django cache.

A client is its API token (REST, ``Authorization: Bearer``), its Open311 ``api_key`` when the
query string carries it, else its network address. Each client may send
``API_REQUESTS_PER_MINUTE`` requests in a calendar minute; the next ones get 429 with
``Retry-After`` and a message in the user's language, in the interface's own error shape,
and nothing runs. The counter lives in the shared cache (Redis in production; the file
cache of one machine otherwise), keyed by a hash so no token or address is kept in clear.
The portal and sign-in have their own limits (portal/limits.py, django-axes)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

WINDOW = 60


def client_key(request: HttpRequest) -> str:
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer " and auth[7:].strip():
        ident = "token:" + auth[7:].strip()
    elif request.path_info.startswith("/open311/") and request.GET.get("api_key"):
        ident = "key:" + request.GET["api_key"]
    else:
        ident = "ip:" + str(request.META.get("REMOTE_ADDR") or "unknown")
    return hashlib.sha256(ident.encode("utf-8", "replace")).hexdigest()[:24]


def hit(client: str, now: float | None = None) -> tuple[int, int]:
    """Count one request of this client; returns (requests so far this minute, seconds left)."""
    now = time.time() if now is None else now
    window = int(now // WINDOW)
    key = f"ratelimit:{client}:{window}"
    cache.add(key, 0, timeout=WINDOW + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW + 5)
        count = 1
    return count, max(1, int((window + 1) * WINDOW - now) + 1)


def too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    limit = settings.API_REQUESTS_PER_MINUTE
    message = _("Too many requests: at most %(limit)d a minute. Please wait %(seconds)d seconds and try again.") % {
        "limit": limit,
        "seconds": retry_after,
    }
    path = request.path_info
    if path.startswith("/open311/"):
        from open311.render import error

        response = error("json" if ".json" in path else "xml", 429, message)
    else:
        response = JsonResponse({"code": "rate_limited", "message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class ApiRateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.API_REQUESTS_PER_MINUTE
        path = request.path_info
        if limit and (path.startswith("/api/") or path.startswith("/open311/")):
            count, retry_after = hit(client_key(request))
            if count > limit:
                return too_many(request, retry_after)
        return self.get_response(request)
