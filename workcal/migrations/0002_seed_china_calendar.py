"""Seed last year, this year and next year from the holidays package (data only)."""

import datetime as dt

from django.db import migrations


def seed(apps, schema_editor):
    from workcal.seed import china_exceptions

    CalendarDay = apps.get_model("workcal", "CalendarDay")
    this = dt.date.today().year
    for day, (is_workday, note) in china_exceptions([this - 1, this, this + 1]).items():
        CalendarDay.objects.update_or_create(date=day, defaults={"is_workday": is_workday, "note": note, "source": "seed"})


def unseed(apps, schema_editor):
    apps.get_model("workcal", "CalendarDay").objects.filter(source="seed").delete()


class Migration(migrations.Migration):
    dependencies = [("workcal", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
