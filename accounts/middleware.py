from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.models import Role

_ALLOWED_PREFIXES = ("/accounts/two-factor/", "/accounts/logout/", "/static/", "/i18n/")


class AdminTwoFactorMiddleware:
    """With REQUIRE_ADMIN_2FA on, an administrator must pass TOTP before using anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.REQUIRE_ADMIN_2FA
            and user is not None
            and user.is_authenticated
            and user.has_role(Role.ADMIN)
            and not user.is_verified()
            and not request.path.startswith(_ALLOWED_PREFIXES)
        ):
            return redirect(reverse("accounts:totp_setup"))
        return self.get_response(request)
