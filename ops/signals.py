"""Failed sign-ins go to the audit log with the username tried and the client IP, never the
password. (Successful sign-ins are audited by accounts.views.login_view as ``user.login``.)"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest

from audit.context import client_ip
from audit.services import audit_record

# The only credential key that is ever written; everything else (passwords, OTP tokens) is left out.
USERNAME_KEYS = ("username", "email")


def _ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    from axes.helpers import get_client_ip_address

    try:
        return get_client_ip_address(request) or None
    except Exception:  # noqa: BLE001 - an odd header must never break the sign-in page
        return request.META.get("REMOTE_ADDR") or None


@receiver(user_login_failed, dispatch_uid="ops.audit_login_failed")
def audit_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    username = ""
    for key in USERNAME_KEYS:
        if credentials.get(key):
            username = str(credentials[key])[:150]
            break
    ip = _ip(request)
    with client_ip(ip), transaction.atomic():
        audit_record(
            actor=None,
            action="auth.login_failed",
            object_type="auth.signin",
            object_id=username[:64],
            object_label=username,
            after={"username": username, "ip": ip},
        )
