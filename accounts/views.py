from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.forms import ApiTokenForm, LoginForm, PasswordChangeForm, TotpConfirmForm
from accounts.models import ApiToken, User
from audit.services import audit_record
from core.forms import apply_validation_error


def lockout(request: HttpRequest, credentials: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    form = LoginForm(request)
    message = _("Too many failed sign-in attempts. This account is locked for %(minutes)d minutes; try again later or ask an administrator.") % {"minutes": minutes}
    return render(request, "accounts/login.html", {"form": form, "locked_message": message}, status=429)


def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.user.is_authenticated and request.method == "GET":
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    form = LoginForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid() and form.user is not None:
        user = form.user
        with transaction.atomic():
            auth_login(request, user, backend="accounts.backends.ModelBackend")
            if form.device is not None:
                otp_login(request, form.device)
            audit_record(actor=user, action="user.login", obj=user)
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        with transaction.atomic():
            audit_record(actor=request.user, action="user.logout", obj=request.user)
    auth_logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("accounts:login")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    has_totp = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    new_secret = request.session.pop("new_api_token", None)
    return render(
        request,
        "accounts/profile.html",
        {"profile_user": user, "tokens": tokens, "has_totp": has_totp, "token_form": ApiTokenForm(), "new_secret": new_secret},
    )


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_password(
                actor=request.user,  # type: ignore[arg-type]
                user=request.user,  # type: ignore[arg-type]
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc, default_field="new_password1")
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if confirmed is not None and user.is_verified():
        messages.info(request, _("Two-step verification is already on for your account."))
        return redirect("accounts:profile")
    device = confirmed or TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=False)
    form = TotpConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit_record(actor=user, action="user.totp_enable", obj=user)
            otp_login(request, device)
            messages.success(request, _("Two-step verification is now on."))
            return redirect("accounts:profile")
        form.add_error("token", _("The verification code is not correct or has expired."))
    if confirmed is not None:  # set up before; this session only needs to pass it
        return render(request, "accounts/totp_setup.html", {"form": form, "verify_only": True})
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4)
    return render(request, "accounts/totp_setup.html", {"form": form, "qr_svg": qr_svg, "secret": device.bin_key.hex()})


@login_required
@require_POST
def token_issue(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        _token, secret = services.api_token_issue(actor=request.user, user=request.user, name=form.cleaned_data["name"])  # type: ignore[arg-type]
        request.session["new_api_token"] = secret
        messages.success(request, _("A new API token was issued. Copy it now: it will not be shown again."))
    else:
        messages.error(request, _("Give the token a name of at most 60 characters."))
    return redirect("accounts:profile")


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.api_token_revoke(actor=request.user, token=token)  # type: ignore[arg-type]
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:profile")
