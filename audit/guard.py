"""Switch the audit log's append-only triggers off and on.

Only the test suite uses this: Django's transactional tests empty every table between
tests (flush), which the triggers rightly refuse. The application never calls it."""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

_SQLITE_CREATE = [
    """CREATE TRIGGER IF NOT EXISTS audit_seal_no_update BEFORE UPDATE ON audit_auditseal
       BEGIN SELECT RAISE(ABORT, 'audit seals are append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS audit_seal_no_delete BEFORE DELETE ON audit_auditseal
       BEGIN SELECT RAISE(ABORT, 'audit seals are append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_no_update;",
    "DROP TRIGGER IF EXISTS audit_no_delete;",
    "DROP TRIGGER IF EXISTS audit_seal_no_update;",
    "DROP TRIGGER IF EXISTS audit_seal_no_delete;",
]
_PG_TRIGGERS = [
    ("audit_auditentry", "audit_no_update"),
    ("audit_auditentry", "audit_no_truncate"),
    ("audit_auditseal", "audit_seal_no_update"),
    ("audit_auditseal", "audit_seal_no_truncate"),
]
_PG_ENABLE = [f"ALTER TABLE {t} ENABLE TRIGGER {n};" for t, n in _PG_TRIGGERS]
_PG_DISABLE = [f"ALTER TABLE {t} DISABLE TRIGGER {n};" for t, n in _PG_TRIGGERS]


def _run(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def guard_off(connection: BaseDatabaseWrapper) -> None:
    _run(connection, _PG_DISABLE if connection.vendor == "postgresql" else _SQLITE_DROP)


def guard_on(connection: BaseDatabaseWrapper) -> None:
    _run(connection, _PG_ENABLE if connection.vendor == "postgresql" else _SQLITE_CREATE)
