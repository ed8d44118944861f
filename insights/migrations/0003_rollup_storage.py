"""PostgreSQL storage settings of the rollup tables: leave room in each page (fillfactor 70)
so that the counters' frequent updates stay on the same page (HOT updates) and a period's
rows stay together. Nothing to do on SQLite."""

from django.db import migrations

TABLES = ["insights_rollup", "insights_townrollup", "insights_statecount"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} SET (fillfactor = 70)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("insights", "0002_seed_rate_definitions")]

    operations = [migrations.RunPython(forwards, backwards)]
