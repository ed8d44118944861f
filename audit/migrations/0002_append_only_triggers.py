"""Database triggers that refuse UPDATE and DELETE on the audit log, so that not even
raw SQL from the application can change history."""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS audit_no_update;", "DROP TRIGGER IF EXISTS audit_no_delete;"]

PG_UP = [
    """CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit_auditentry
       FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();""",
    """CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_auditentry
       FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS audit_no_truncate ON audit_auditentry;",
    "DROP TRIGGER IF EXISTS audit_no_update ON audit_auditentry;",
    "DROP FUNCTION IF EXISTS audit_refuse_change();",
]


def up(apps, schema_editor):
    statements = PG_UP if schema_editor.connection.vendor == "postgresql" else SQLITE_UP
    for sql in statements:
        schema_editor.execute(sql)


def down(apps, schema_editor):
    statements = PG_DOWN if schema_editor.connection.vendor == "postgresql" else SQLITE_DOWN
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
