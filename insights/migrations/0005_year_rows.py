"""Yearly rollup rows for the rollups filled before the year grain existed (data only)."""

from django.db import migrations


def add_year_rows(apps, schema_editor):
    """Sum the monthly rows into yearly ones (tables filled before this migration)."""
    conn = schema_editor.connection
    year = "CAST(date_trunc('year', day) AS date)" if conn.vendor == "postgresql" else "date(day, 'start of year')"
    Rollup = apps.get_model("insights", "Rollup")
    columns = [f.column for f in Rollup._meta.concrete_fields if f.column not in ("id", "grain", "day", "unit_id", "category_id")]
    for table, keys, values in (("insights_rollup", ["unit_id", "category_id"], columns), ("insights_townrollup", ["unit_id", "town_id"], ["received"])):
        k = ", ".join(keys)
        schema_editor.execute(f"DELETE FROM {table} WHERE grain = 'y'")
        schema_editor.execute(
            f"INSERT INTO {table} (grain, day, {k}, {', '.join(values)}) "
            f"SELECT 'y', {year}, {k}, {', '.join(f'SUM({v})' for v in values)} FROM {table} WHERE grain = 'm' GROUP BY {year}, {k}"
        )


def drop_year_rows(apps, schema_editor):
    for table in ("insights_rollup", "insights_townrollup"):
        schema_editor.execute(f"DELETE FROM {table} WHERE grain = 'y'")


class Migration(migrations.Migration):
    dependencies = [("insights", "0004_year_grain")]

    operations = [migrations.RunPython(add_year_rows, drop_year_rows)]
