"""Failed sign-ins are written to the audit log: the username tried and the IP, never the password."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.testing import District
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db
SECRET = "Wrong-Password-7731"


def test_it_audits_a_failed_sign_in_without_the_password(district: District) -> None:
    client = Client(REMOTE_ADDR="10.20.30.40")
    response = client.post(reverse("accounts:login"), {"username": "officer", "password": SECRET})
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action="auth.login_failed").get()
    assert entry.ip == "10.20.30.40"
    assert entry.after == {"username": "officer", "ip": "10.20.30.40"}
    assert entry.actor_id is None
    row = json.dumps([entry.object_id, entry.object_label, entry.before, entry.after, entry.note], ensure_ascii=False)
    assert SECRET not in row


def test_it_audits_an_unknown_username_too(db: None) -> None:
    Client(REMOTE_ADDR="10.9.8.7").post(reverse("accounts:login"), {"username": "nobody-here", "password": SECRET})
    entry = AuditEntry.objects.filter(action="auth.login_failed").get()
    assert entry.object_label == "nobody-here" and entry.ip == "10.9.8.7"


def test_it_does_not_write_a_failure_for_a_good_sign_in(district: District) -> None:
    from accounts.testing import PASSWORD

    Client().post(reverse("accounts:login"), {"username": "officer", "password": PASSWORD})
    assert not AuditEntry.objects.filter(action="auth.login_failed").exists()
    assert AuditEntry.objects.filter(action="user.login").count() == 1
