from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, RoleAssignment

pytestmark = pytest.mark.django_db


def test_a_signed_in_request_reads_the_user_and_the_roles_in_one_query(district, client_for) -> None:  # noqa: ANN001
    client = client_for("intake")
    client.get("/healthz")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/notifications/").status_code == 200
    user_reads = [q["sql"] for q in ctx.captured_queries if 'FROM "accounts_user"' in q["sql"]]
    role_reads = [q["sql"] for q in ctx.captured_queries if 'FROM "accounts_roleassignment"' in q["sql"]]
    assert len(user_reads) == 1
    assert role_reads == [] or all('FROM "accounts_user"' in q for q in role_reads), role_reads


def test_a_role_taken_away_counts_from_the_next_request(district, client_for) -> None:  # noqa: ANN001
    client = client_for("intake")
    assert client.get("/cases/new/").status_code == 200
    RoleAssignment.objects.filter(user=district.intake, role=Role.INTAKE).delete()
    assert client.get("/cases/new/").status_code == 403


def test_a_user_with_several_roles_keeps_them_all(district, client_for) -> None:  # noqa: ANN001
    RoleAssignment.objects.get_or_create(user=district.intake, role=Role.LEADER)
    client = client_for("intake")
    page = client.get("/cases/new/")
    assert page.status_code == 200
    assert page.wsgi_request.user.role_set >= {Role.INTAKE, Role.LEADER}


def test_a_deactivated_user_is_signed_out(district, client_for) -> None:  # noqa: ANN001
    client = client_for("intake")
    district.intake.is_active = False
    district.intake.save(update_fields=["is_active"])
    assert client.get("/cases/new/").status_code == 302
