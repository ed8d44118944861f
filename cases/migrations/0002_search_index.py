from django.db import migrations


def forwards(apps, schema_editor):
    from cases.search import PG_SETUP, SQLITE_SETUP

    vendor = schema_editor.connection.vendor
    for sql in SQLITE_SETUP if vendor == "sqlite" else PG_SETUP if vendor == "postgresql" else []:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    from cases.search import PG_TEARDOWN, SQLITE_TEARDOWN

    vendor = schema_editor.connection.vendor
    for sql in SQLITE_TEARDOWN if vendor == "sqlite" else PG_TEARDOWN if vendor == "postgresql" else []:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
