"""Example Open311 attributes for a few categories; administrators edit them afterwards."""

from django.db import migrations

# category code: [(code, datatype, required, order, description, hint, [(key, name)])]
ATTRIBUTES = {
    "housing-elevator": [
        ("building", "string", True, 1, "楼栋及单元（如3栋2单元）", "", []),
        ("trapped", "singlevaluelist", True, 2, "是否有人被困", "", [("yes", "有人被困"), ("no", "无人被困")]),
        ("floor", "number", False, 3, "故障发生楼层", "整数，地下层填负数", []),
    ],
    "site-night": [
        ("observed_at", "datetime", True, 1, "发现施工的时间", "如 2026-03-01T23:30:00+08:00", []),
        ("noise", "multivaluelist", False, 2, "噪声来源", "", [("piling", "打桩"), ("trucks", "渣土车"), ("cutting", "切割"), ("other", "其他")]),
    ],
    "property-service": [
        ("details", "text", False, 1, "补充说明（物业公司名称、已沟通情况等）", "", []),
    ],
}


def forwards(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    Attribute = apps.get_model("open311", "ServiceAttribute")
    Value = apps.get_model("open311", "ServiceAttributeValue")
    for code, rows in ATTRIBUTES.items():
        category = Category.objects.filter(code=code).first()
        if category is None:
            continue
        for attr_code, datatype, required, order, description, hint, values in rows:
            attr, _created = Attribute.objects.update_or_create(
                category=category,
                code=attr_code,
                defaults={"datatype": datatype, "required": required, "order": order, "description": description, "datatype_description": hint, "variable": True},
            )
            for i, (key, name) in enumerate(values):
                Value.objects.update_or_create(attribute=attr, key=key, defaults={"name": name, "order": i})


def backwards(apps, schema_editor):
    Attribute = apps.get_model("open311", "ServiceAttribute")
    for code, rows in ATTRIBUTES.items():
        Attribute.objects.filter(category__code=code, code__in=[r[0] for r in rows]).delete()


class Migration(migrations.Migration):
    dependencies = [("open311", "0001_open311_schema"), ("cases", "0003_seed_categories")]
    operations = [migrations.RunPython(forwards, backwards)]
