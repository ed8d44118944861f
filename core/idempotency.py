"""Idempotent POSTs: an ``Idempotency-Key`` header makes a retry return the first response.

Usage from any door (a django-ninja operation, a Django view, Open311)::

    from core.idempotency import idempotent

    result = idempotent(request, key=idempotency_key, call=lambda: (201, do_the_work()))
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return result.status, result.body

``call`` runs the action and returns ``(status, JSON-able body)`` (a pydantic model is
dumped to JSON). The first successful response is stored with the key, the caller
(``owner``: the signed-in user by default, or e.g. ``"open311:<client id>"`` for
anonymous doors), the method, the path and a hash of the request. Then:

- the same key with the same request returns the stored status and body, and the
  action does not run again;
- the same key with a different request (another body, path or method) raises
  :class:`IdempotencyKeyReused` (HTTP 422);
- keys expire after ``IDEMPOTENCY_TTL_HOURS`` (default 24) hours.

The key row is written in the same transaction as the action, so a failed action (an
exception) stores nothing and can be retried, and two concurrent requests with one key
cannot both act: on PostgreSQL the second waits on the unique index and then replays the
first one's response; SQLite serialises writers anyway.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")  # visible ASCII, no spaces


class IdempotencyError(Exception):
    """A refused use of an Idempotency-Key. ``status`` and ``code`` make the JSON error."""

    status = 400
    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidIdempotencyKey(IdempotencyError):
    status = 400
    code = "invalid"


class IdempotencyKeyReused(IdempotencyError):
    status = 422
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class IdempotentResult:
    status: int
    body: Any
    replayed: bool


def ttl() -> dt.timedelta:
    return dt.timedelta(hours=int(getattr(settings, "IDEMPOTENCY_TTL_HOURS", 24)))


def check_key(key: str) -> str:
    key = (key or "").strip()
    if not _KEY_RE.match(key):
        raise InvalidIdempotencyKey(
            _("The Idempotency-Key header must be 1 to %(max)d visible ASCII characters without spaces (a UUID is a good choice).")
            % {"max": MAX_KEY_LENGTH}
        )
    return key


def request_fingerprint(request: HttpRequest) -> str:
    """A SHA-256 over the method, the path with its query and the request's content.

    JSON bodies are compared by value (key order and whitespace do not matter); form
    and multipart bodies by their fields and the bytes of their files (the multipart
    boundary does not matter)."""
    h = hashlib.sha256()
    h.update(request.method.encode() if request.method else b"")
    h.update(b"\0" + request.get_full_path().encode() + b"\0")
    content_type = (request.content_type or "").lower()
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        fields = sorted((k, v) for k in request.POST for v in request.POST.getlist(k))
        h.update(json.dumps(fields, ensure_ascii=False).encode())
        for field in sorted(request.FILES):
            for upload in request.FILES.getlist(field):
                digest = hashlib.sha256()
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
                h.update(f"\0{field}\0{upload.name}\0{digest.hexdigest()}".encode())
    else:
        raw = request.body
        try:
            canonical = json.dumps(json.loads(raw), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        except (ValueError, UnicodeDecodeError):
            canonical = raw
        h.update(canonical)
    return h.hexdigest()


def _jsonable(body: Any) -> Any:
    if hasattr(body, "model_dump"):
        return body.model_dump(mode="json")
    return json.loads(json.dumps(body, default=str))


def _replay(row: IdempotencyKey, method: str, path: str, fingerprint: str) -> IdempotentResult:
    if row.method != method or row.path != path or row.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            _(
                "This Idempotency-Key was already used for a different request (at %(time)s). "
                "Send a new key for a new request, or repeat the first request exactly."
            )
            % {"time": timezone.localtime(row.created_at).strftime("%Y-%m-%d %H:%M:%S")}
        )
    return IdempotentResult(status=row.status or 200, body=row.response_body, replayed=True)


def idempotent(
    request: HttpRequest,
    *,
    key: str | None,
    call: Callable[[], tuple[int, Any]],
    owner: str | None = None,
) -> IdempotentResult:
    """Run ``call`` once per (owner, key); see the module documentation."""
    if key is None or key == "":
        status, body = call()
        return IdempotentResult(status=status, body=_jsonable(body), replayed=False)
    key = check_key(key)
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else None
    if owner is None:
        if user_id is None:
            raise ValueError("idempotent() needs an owner for anonymous requests")
        owner = f"user:{user_id}"
    method = (request.method or "").upper()
    path = request.get_full_path()[:500]
    fingerprint = request_fingerprint(request)
    now = timezone.now()
    with transaction.atomic():
        existing = IdempotencyKey.objects.filter(owner=owner, key=key).first()
        if existing is not None:
            if existing.created_at >= now - ttl():
                return _replay(existing, method, path, fingerprint)
            existing.delete()  # expired (the daily purge had not come yet): the key is free again
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    owner=owner, key=key, user_id=user_id, method=method, path=path, request_hash=fingerprint, created_at=now
                )
        except IntegrityError:
            # A concurrent request with the same key committed first: answer as it did.
            return _replay(IdempotencyKey.objects.get(owner=owner, key=key), method, path, fingerprint)
        status, body = call()
        row.status = status
        row.response_body = _jsonable(body)
        row.save(update_fields=["status", "response_body"])
    return IdempotentResult(status=status, body=row.response_body, replayed=False)


def idempotency_purge(*, now: dt.datetime | None = None) -> int:
    """Delete expired keys; returns how many. Run daily by ``core.tasks``."""
    now = now or timezone.now()
    deleted, _details = IdempotencyKey.objects.filter(created_at__lt=now - ttl()).delete()
    return deleted
