import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

SQLITE_UP = [
    """CREATE TRIGGER audit_seal_no_update BEFORE UPDATE ON audit_auditseal
       BEGIN SELECT RAISE(ABORT, 'audit seals are append-only'); END;""",
    """CREATE TRIGGER audit_seal_no_delete BEFORE DELETE ON audit_auditseal
       BEGIN SELECT RAISE(ABORT, 'audit seals are append-only'); END;""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS audit_seal_no_update;", "DROP TRIGGER IF EXISTS audit_seal_no_delete;"]
PG_UP = [
    """CREATE TRIGGER audit_seal_no_update BEFORE UPDATE OR DELETE ON audit_auditseal
       FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();""",
    """CREATE TRIGGER audit_seal_no_truncate BEFORE TRUNCATE ON audit_auditseal
       FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS audit_seal_no_truncate ON audit_auditseal;",
    "DROP TRIGGER IF EXISTS audit_seal_no_update ON audit_auditseal;",
]


def up(apps, schema_editor):
    for sql in PG_UP if schema_editor.connection.vendor == "postgresql" else SQLITE_UP:
        schema_editor.execute(sql)


def down(apps, schema_editor):
    for sql in PG_DOWN if schema_editor.connection.vendor == "postgresql" else SQLITE_DOWN:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.CreateModel(
            name="AuditSeal",
            fields=[
                ("seq", models.BigIntegerField(primary_key=True, serialize=False)),
                ("prev_hash", models.CharField(max_length=64)),
                ("row_hash", models.CharField(max_length=64)),
                ("sealed_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "entry",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="seal",
                        to="audit.auditentry",
                    ),
                ),
            ],
            options={"verbose_name": "audit seal", "verbose_name_plural": "audit seals", "ordering": ["seq"]},
        ),
        migrations.RunPython(up, down),
    ]
