"""Rate limits of the public portal, kept in the Django cache (shared by all web workers in
production: Redis or the file cache)."""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

HOUR = 3600
DAY = 24 * HOUR


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _key(kind: str, value: str) -> str:
    # Phone numbers and IPs are hashed: the cache holds no personal data in clear.
    return f"portal:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:24]}"


def _count(key: str) -> int:
    state = cache.get(key)
    if not state or state.get("until", 0) < time.time():
        return 0
    return int(state.get("n", 0))


def _hit(key: str, window: int) -> int:
    now = time.time()
    state = cache.get(key)
    if not state or state.get("until", 0) < now:
        state = {"n": 0, "until": now + window}
    state["n"] += 1
    cache.set(key, state, timeout=max(1, int(state["until"] - now)))
    return int(state["n"])


def submit_allowed(ip: str, phone: str = "") -> bool:
    if _count(_key("submit-ip", ip)) >= settings.PORTAL_SUBMITS_PER_IP_HOUR:
        return False
    return not (phone and _count(_key("submit-phone", phone)) >= settings.PORTAL_SUBMITS_PER_PHONE_DAY)


def submit_record(ip: str, phone: str = "") -> None:
    _hit(_key("submit-ip", ip), HOUR)
    if phone:
        _hit(_key("submit-phone", phone), DAY)


def lookup_allowed(ip: str) -> bool:
    return _count(_key("lookup-ip", ip)) < settings.PORTAL_LOOKUPS_PER_IP_HOUR


def lookup_record(ip: str) -> None:
    _hit(_key("lookup-ip", ip), HOUR)


def wrong_code_wait_minutes(number: str) -> int:
    """Minutes left before another code may be tried for this case number (0: may try now)."""
    state = cache.get(_key("wrong", number))
    if not state or state.get("n", 0) < settings.PORTAL_WRONG_CODES:
        return 0
    left = state.get("until", 0) - time.time()
    return max(0, int(left // 60) + 1) if left > 0 else 0


def wrong_code_record(number: str) -> int:
    """Count a wrong code for this number; the count lives for the delay, so after
    PORTAL_WRONG_CODES wrong codes the number is locked for that many minutes."""
    delay = settings.PORTAL_WRONG_CODE_DELAY_MINUTES * 60
    key = _key("wrong", number)
    count = _hit(key, delay)
    if count >= settings.PORTAL_WRONG_CODES:  # the delay runs from the last wrong code
        cache.set(key, {"n": count, "until": time.time() + delay}, timeout=delay)
    return count


def wrong_code_reset(number: str) -> None:
    cache.delete(_key("wrong", number))
