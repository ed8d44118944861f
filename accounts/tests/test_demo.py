from __future__ import annotations

import pytest
from django.test import Client

from accounts.demo import DEMO_PASSWORD, FIXED_ACCOUNTS, build_demo_district
from accounts.models import Role, Unit, UnitKind

pytestmark = pytest.mark.django_db


def test_it_builds_a_district_where_every_demo_account_signs_in() -> None:
    build_demo_district()
    assert Unit.objects.filter(kind=UnitKind.TOWN).count() == 12
    assert Unit.objects.filter(kind=UnitKind.DEPARTMENT).count() == 20
    assert not Unit.objects.filter(leader__isnull=True).exclude(kind=UnitKind.DISTRICT).exists()
    for account in FIXED_ACCOUNTS:
        client = Client()
        response = client.post("/accounts/login/", {"username": account.username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, account.username
    from accounts.models import User

    roles = {r for u in User.objects.all() for r in u.role_set}
    assert roles == {r.value for r in Role}
