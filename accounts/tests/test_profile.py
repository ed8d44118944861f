from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken
from accounts.testing import PASSWORD
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_it_shows_the_profile_with_unit_and_roles(district, client_for) -> None:  # noqa: ANN001
    page = client_for("officer").get(reverse("accounts:profile")).content.decode()
    assert "青山街道" in page and "承办人" in page


def test_it_changes_the_password_and_audits_it(district, client_for) -> None:  # noqa: ANN001
    client = client_for("officer")
    response = client.post(reverse("accounts:password_change"), {"old_password": PASSWORD, "new_password1": "Gz-new-pass-2026", "new_password2": "Gz-new-pass-2026"})
    assert response.status_code == 302
    district.officer.refresh_from_db()
    assert district.officer.check_password("Gz-new-pass-2026")
    assert AuditEntry.objects.filter(action="user.change_password", object_id=str(district.officer.pk)).exists()
    assert client.get("/").status_code == 200  # still signed in


def test_it_refuses_a_wrong_current_password_beside_the_field(district, client_for) -> None:  # noqa: ANN001
    client = client_for("officer")
    response = client.post(reverse("accounts:password_change"), {"old_password": "nope", "new_password1": "Gz-new-pass-2026", "new_password2": "Gz-new-pass-2026"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-field-error="old_password"' in body and "当前密码不正确" in body
    district.officer.refresh_from_db()
    assert district.officer.check_password(PASSWORD)


def test_it_refuses_a_weak_new_password(district, client_for) -> None:  # noqa: ANN001
    response = client_for("officer").post(reverse("accounts:password_change"), {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    assert 'data-field-error="new_password1"' in response.content.decode()


def test_it_issues_a_token_once_and_the_api_accepts_it_until_revoked(district, client_for) -> None:  # noqa: ANN001
    client = client_for("intake")
    client.post(reverse("accounts:token_issue"), {"name": "热线对接"})
    page = client.get(reverse("accounts:profile")).content.decode()
    secret = page.split('data-testid="new-token">')[1].split("<")[0]
    assert secret.startswith("msk_")
    assert secret not in client.get(reverse("accounts:profile")).content.decode()  # shown once
    api = Client()
    me = api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert me.status_code == 200 and me.json()["username"] == "intake"
    token = ApiToken.objects.get(user=district.intake)
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_it_does_not_let_a_user_revoke_someone_elses_token(district, client_for) -> None:  # noqa: ANN001
    from accounts.services import api_token_issue

    token, _secret = api_token_issue(actor=None, user=district.intake, name="x")
    response = client_for("officer").post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_it_issues_tokens_from_the_command_line(district) -> None:  # noqa: ANN001
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("issue_api_token", "leader", stdout=out)
    secret = out.getvalue().strip()
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").json()["roles"] == ["leader"]
    assert AuditEntry.objects.filter(action="api_token.issue").exists()
