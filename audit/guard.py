"""Switch the audit log's append-only triggers off and on.

Only the test suite uses this: Django's transactional tests empty every table between
tests (flush), which the triggers rightly refuse. The application never calls it."""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

_SQLITE_CREATE = [
    """CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
]
_SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_no_update;", "DROP TRIGGER IF EXISTS audit_no_delete;"]
_PG_ENABLE = ["ALTER TABLE audit_auditentry ENABLE TRIGGER audit_no_update;", "ALTER TABLE audit_auditentry ENABLE TRIGGER audit_no_truncate;"]
_PG_DISABLE = ["ALTER TABLE audit_auditentry DISABLE TRIGGER audit_no_update;", "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_no_truncate;"]


def _run(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def guard_off(connection: BaseDatabaseWrapper) -> None:
    _run(connection, _PG_DISABLE if connection.vendor == "postgresql" else _SQLITE_DROP)


def guard_on(connection: BaseDatabaseWrapper) -> None:
    _run(connection, _PG_ENABLE if connection.vendor == "postgresql" else _SQLITE_CREATE)
