from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from audit.chain import seal_pending, verify_chain
from audit.guard import guard_off, guard_on
from audit.models import AuditEntry, AuditSeal
from audit.services import audit_record

pytestmark = pytest.mark.django_db


def _more_rows(n: int) -> None:
    with transaction.atomic():
        for i in range(n):
            audit_record(actor=None, action="test.row", object_id=i, after={"i": i, "text": "登记"})


def test_it_seals_every_row_once_and_verifies(district) -> None:  # noqa: ANN001
    total = AuditEntry.objects.count()
    assert seal_pending() == total
    assert seal_pending() == 0  # idempotent
    _more_rows(3)
    assert seal_pending() == 3
    report = verify_chain()
    assert report.ok and report.checked == total + 3 and report.unsealed == 0
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()


def _tamper(sql: str) -> None:
    guard_off(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        guard_on(connection)


def test_it_names_the_first_row_changed_directly_in_the_database(district) -> None:  # noqa: ANN001
    _more_rows(10)
    seal_pending()
    victim = AuditEntry.objects.filter(action="test.row").order_by("id")[4]
    _tamper(f"UPDATE audit_auditentry SET actor_name = 'someone else' WHERE id = {victim.id}")
    report = verify_chain()
    assert not report.ok
    assert report.broken_entry_id == victim.id and "changed" in report.reason
    with pytest.raises(CommandError, match=f"audit row id {victim.id}"):
        call_command("verify_audit")


def test_it_catches_a_deleted_row(district) -> None:  # noqa: ANN001
    _more_rows(5)
    seal_pending()
    victim = AuditEntry.objects.filter(action="test.row").order_by("id")[2]
    _tamper(f"DELETE FROM audit_auditentry WHERE id = {victim.id}")
    report = verify_chain()
    assert report.broken_entry_id == victim.id and "deleted" in report.reason


def test_it_refuses_to_change_seals(district) -> None:  # noqa: ANN001
    seal_pending()
    from django.db import DatabaseError

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditseal SET row_hash = 'x'")
    assert AuditSeal.objects.filter(row_hash="x").count() == 0
