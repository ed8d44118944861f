"""Default time limits from DOMAIN.md §1, and hotline (12345) style limits."""

from django.db import migrations

RULES = [
    # step, name, days, day type
    ("decide", "受理告知", 15, "calendar"),
    ("assign", "转送交办", 15, "calendar"),
    ("objection", "承办单位异议期", 5, "working"),
    ("handle", "办理答复", 60, "calendar"),
    ("extension", "延期（最多）", 30, "calendar"),
    ("review_request", "申请复查期限", 30, "calendar"),
    ("review_opinion", "复查意见", 30, "calendar"),
    ("rereview_request", "申请复核期限", 30, "calendar"),
    ("rereview_opinion", "复核意见", 30, "calendar"),
]

# category code (None: every category), urgent, contact hours, resolve hours, resolve days
HOTLINE = [
    (None, False, 24, None, 15),
    (None, True, 2, None, 7),
    ("utilities", False, 2, 24, None),
    ("utilities", True, 2, 24, None),
]


def forwards(apps, schema_editor):
    DeadlineRule = apps.get_model("cases", "DeadlineRule")
    HotlineRule = apps.get_model("cases", "HotlineRule")
    Category = apps.get_model("cases", "Category")
    for step, name, days, day_type in RULES:
        DeadlineRule.objects.update_or_create(step=step, defaults={"name": name, "days": days, "day_type": day_type, "remind_before_days": 3})
    for code, urgent, contact, hours, days in HOTLINE:
        category = Category.objects.filter(code=code).first() if code else None
        if code and category is None:
            continue
        HotlineRule.objects.update_or_create(
            category=category, urgent=urgent, defaults={"contact_hours": contact, "resolve_hours": hours, "resolve_days": days, "day_type": "calendar"}
        )


def backwards(apps, schema_editor):
    apps.get_model("cases", "HotlineRule").objects.all().delete()
    apps.get_model("cases", "DeadlineRule").objects.filter(step__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_seed_categories")]
    operations = [migrations.RunPython(forwards, backwards)]
