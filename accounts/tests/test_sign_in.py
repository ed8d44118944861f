from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.testing import PASSWORD
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str, **extra: str):  # noqa: ANN202
    return client.post(reverse("accounts:login"), {"username": username, "password": password, **extra})


def test_it_signs_in_with_the_right_password_and_audits_it(district) -> None:  # noqa: ANN001
    client = Client()
    response = _login(client, "intake", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "欢迎" in home.content.decode()
    assert AuditEntry.objects.filter(action="user.login", actor=district.intake).exists()


def test_it_stores_passwords_with_argon2_in_production_settings(district) -> None:  # noqa: ANN001
    from django.conf import settings

    from minsheng import settings as prod

    assert prod.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.AUTH_USER_MODEL == "accounts.User"


def test_it_says_plainly_when_the_password_is_wrong(district) -> None:  # noqa: ANN001
    response = _login(Client(), "intake", "not-the-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


def test_it_locks_an_account_after_repeated_failures_with_a_clear_message(district) -> None:  # noqa: ANN001
    client = Client()
    for _ in range(5):
        _login(client, "officer", "wrong")
    response = _login(client, "officer", PASSWORD)
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert client.get("/").status_code == 302  # still signed out


def test_it_requires_the_totp_code_when_the_user_has_a_device(district) -> None:  # noqa: ANN001
    device = TOTPDevice.objects.create(user=district.head, name="phone", confirmed=True)
    client = Client()
    response = _login(client, "head", PASSWORD)
    assert response.status_code == 200
    assert "请输入验证器应用中的验证码" in response.content.decode()
    response = _login(client, "head", PASSWORD, otp_token="000000" if totp(device.bin_key) != 0 else "111111")
    assert "验证码不正确" in response.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp throttles after a failure; a real user would wait a second
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    response = _login(client, "head", PASSWORD, otp_token=code)
    assert response.status_code == 302


@override_settings(REQUIRE_ADMIN_2FA=True)
def test_it_sends_an_administrator_without_2fa_to_set_it_up(district, client_for) -> None:  # noqa: ANN001
    client = client_for("admin")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:totp_setup")
    page = client.get(reverse("accounts:totp_setup"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    # Other staff are not forced.
    assert client_for("intake").get("/").status_code == 200


def test_it_logs_out_only_by_post(district, client_for) -> None:  # noqa: ANN001
    client = client_for("intake")
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get("/").status_code == 302


def test_it_redirects_anonymous_visitors_to_sign_in(db) -> None:  # noqa: ANN001
    for url in ["/", reverse("accounts:profile"), reverse("accounts:password_change"), "/calendar/", "/audit/", "/notifications/"]:
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url
