"""Default targets of the rates (DOMAIN.md §2) and the default settings row.

The speech the project started from sets 100% for the meeting, investigation, closure,
reply and follow-up rates; the others follow published levels (Beijing's enterprise
hotline: response 99.7%, resolution 92.3%, satisfaction 94.5%; Shanghai 12345: on-time
closure 99.5%). Administrators change them on the settings page."""

from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    ("timely_accept", "95"),
    ("ontime_close", "95"),
    ("closure", "100"),
    ("reply", "100"),
    ("meeting", "100"),
    ("investigation", "100"),
    ("followup", "100"),
    ("participation", "80"),
    ("satisfaction", "90"),
    ("resolution", "90"),
    ("response", "99"),
]


def seed(apps, schema_editor):
    RateDefinition = apps.get_model("insights", "RateDefinition")
    InsightsSettings = apps.get_model("insights", "InsightsSettings")
    for order, (code, target) in enumerate(DEFAULTS, start=1):
        RateDefinition.objects.get_or_create(code=code, defaults={"target": Decimal(target), "sort_order": order})
    if not InsightsSettings.objects.exists():
        InsightsSettings.objects.create()


def unseed(apps, schema_editor):
    apps.get_model("insights", "RateDefinition").objects.filter(code__in=[c for c, _t in DEFAULTS]).delete()
    apps.get_model("insights", "InsightsSettings").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_schema")]

    operations = [migrations.RunPython(seed, unseed)]
