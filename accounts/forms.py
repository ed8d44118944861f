from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


class LoginForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    otp_token = forms.CharField(
        label=_("Verification code"),
        required=False,
        max_length=8,
        help_text=_("The 6-digit code from your authenticator app, if you have set one up."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        self.device: TOTPDevice | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        username, password = data.get("username"), data.get("password")
        if not username or not password:
            return data
        user = authenticate(self.request, username=username, password=password)
        if user is None:
            raise forms.ValidationError(_("Wrong user name or password. Please try again."), code="invalid_login")
        if not user.is_active:
            raise forms.ValidationError(_("This account is disabled."), code="inactive")
        devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
        if devices:
            token = (data.get("otp_token") or "").strip()
            if not token:
                self.add_error("otp_token", _("Enter the verification code from your authenticator app."))
                return data
            device = next((d for d in devices if d.verify_token(token)), None)
            if device is None:
                self.add_error("otp_token", _("The verification code is not correct or has expired."))
                return data
            self.device = device
        self.user = user
        return data


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password1 = forms.CharField(label=_("New password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label=_("New password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two new passwords are not the same."))
        return data


class TotpConfirmForm(forms.Form):
    token = forms.CharField(label=_("Verification code"), max_length=8, widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}))


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=60, help_text=_("What the token is for, e.g. “12345 hotline bridge”."))
