from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.models import AppendOnlyError, AuditEntry
from audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_it_records_actor_object_change_and_client_ip(district, client_for) -> None:  # noqa: ANN001
    client = client_for("admin")
    client.post(reverse("workcal:day_toggle"), {"date": "2026-12-05", "is_workday": "1", "note": "调休"}, REMOTE_ADDR="10.1.2.3")
    entry = AuditEntry.objects.get(action="calendar.set_day")
    assert entry.actor == district.admin
    assert entry.object_id == "2026-12-05"
    assert entry.before == {"is_workday": False, "note": ""}
    assert entry.after == {"is_workday": True, "note": "调休"}
    assert entry.ip == "10.1.2.3"


def test_it_refuses_to_write_outside_a_transaction(district) -> None:  # noqa: ANN001
    # pytest-django wraps each test in a transaction; step outside it to prove the guard.
    connection.in_atomic_block = False
    try:
        with pytest.raises(RuntimeError):
            audit_record(actor=None, action="x")
    finally:
        connection.in_atomic_block = True


def test_it_cannot_be_changed_or_deleted_through_the_orm(district) -> None:  # noqa: ANN001
    entry = AuditEntry.objects.first()
    entry.action = "forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_it_cannot_be_changed_or_deleted_even_with_raw_sql(district) -> None:  # noqa: ANN001
    entry = AuditEntry.objects.first()
    for sql in (f"UPDATE audit_auditentry SET action='forged' WHERE id={entry.id}", f"DELETE FROM audit_auditentry WHERE id={entry.id}"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEntry.objects.get(id=entry.id).action == entry.action


def test_it_lets_administrators_and_supervisors_search_it(district, client_for) -> None:  # noqa: ANN001
    for persona in ("admin", "supervisor"):
        page = client_for(persona).get(reverse("audit:list"), {"q": "officer2"})
        assert page.status_code == 200
        body = page.content.decode()
        assert "user.create" in body and "Officer2" in body


def test_it_hides_the_log_from_other_roles(district, client_for) -> None:  # noqa: ANN001
    for persona in ("intake", "officer", "head", "leader", "followup", "duty"):
        assert client_for(persona).get(reverse("audit:list")).status_code == 403, persona


def test_it_pages_by_key(district, client_for) -> None:  # noqa: ANN001
    from django.db import transaction

    with transaction.atomic():
        for i in range(60):
            audit_record(actor=district.admin, action="test.entry", object_id=i)
    client = client_for("admin")
    first = client.get(reverse("audit:list"))
    assert "before=" in first.content.decode()
    ids = [r.id for r in first.context["rows"]]
    second = client.get(reverse("audit:list"), {"before": ids[-1]})
    assert all(r.id < ids[-1] for r in second.context["rows"])
