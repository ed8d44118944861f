"""Seed the district screening categories (DOMAIN.md §3), a default checklist for each,
and the default hazard rules. All of it stays editable by administrators."""

from django.db import migrations

CATEGORIES = [
    ("road", "道路交通", "Road traffic", ["交通标志标线是否清晰完整", "急弯陡坡、临水临崖路段防护设施是否完好", "客货运车辆是否存在超员超载、非法改装", "学校周边道路减速及警示设施是否齐全"]),
    ("fire", "消防", "Fire (incl. e-bikes, crowded places)", ["疏散通道、安全出口是否畅通", "消防设施器材是否完好有效", "电动自行车是否在楼道、室内违规停放充电", "电气线路是否私拉乱接", "人员密集场所是否落实防火巡查"]),
    ("chemicals", "危险化学品", "Hazardous chemicals", ["储存场所是否符合安全距离要求", "是否建立出入库台账并如实登记", "重大危险源监测报警装置是否正常运行", "作业人员是否持证上岗"]),
    ("fireworks", "烟花爆竹", "Fireworks", ["经营单位是否持有效许可证", "是否超量储存或在居民区储存", "是否销售非法、超标产品"]),
    ("gas", "城镇燃气", "Gas", ["餐饮场所是否安装燃气泄漏报警装置", "燃气软管是否老化、超长或穿墙", "瓶装液化气钢瓶是否定期检验", "燃气管道是否被占压"]),
    ("construction", "建筑施工", "Construction", ["深基坑、高支模等危大工程是否按方案施工", "起重机械是否检测合格并登记", "临边洞口防护是否到位", "施工现场临时用电是否规范"]),
    ("industry", "工贸", "Industry and trade", ["有限空间作业是否审批并先通风检测", "粉尘涉爆场所除尘系统是否规范", "机械设备防护装置是否齐全", "安全生产责任制是否落实"]),
    ("special-equipment", "特种设备", "Special equipment", ["电梯是否在检验有效期内", "锅炉、压力容器是否定期检验", "作业人员是否持证上岗"]),
    ("self-built", "自建房", "Self-built housing", ["房屋是否存在开裂、倾斜、沉降", "是否擅自改变用途用于经营", "是否违规加层或拆改承重结构"]),
    ("logistics", "寄递物流", "Delivery and logistics", ["是否落实收寄验视制度", "仓储区是否违规住人", "分拣场所消防设施是否完好"]),
    ("forest-fire", "森林防火", "Forest fire", ["林区入口是否设置防火宣传及检查点", "是否存在野外违规用火", "扑火物资储备是否充足"]),
    ("waterways", "水上交通", "Waterways", ["渡船是否持证营运、是否超员", "救生设备是否配备齐全", "码头、渡口安全警示标志是否完好"]),
    ("public-services", "学校医院养老", "Schools, hospitals, elder care", ["消防安全管理人是否明确", "食堂燃气及食品安全管理是否规范", "夜间值班巡查制度是否落实", "疏散预案是否演练"]),
    ("events", "重要节点活动", "Major events", ["活动是否备案并制定安全方案", "场地容量及人流管控措施是否落实", "临时搭建设施是否验收"]),
    ("internal", "单位内部管理", "Units' internal management", ["安全管理制度是否健全", "是否定期开展安全教育培训", "隐患排查治理台账是否完整"]),
]


def seed(apps, schema_editor):
    Category = apps.get_model("hazards", "HazardCategory")
    Item = apps.get_model("hazards", "ChecklistItem")
    Rules = apps.get_model("hazards", "HazardRules")
    for order, (code, name, name_en, items) in enumerate(CATEGORIES, start=1):
        category, _ = Category.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "sort_order": order})
        for i, text in enumerate(items, start=1):
            Item.objects.get_or_create(category=category, campaign=None, text=text, defaults={"sort_order": i})
    Rules.objects.get_or_create(pk=1)


def unseed(apps, schema_editor):
    Category = apps.get_model("hazards", "HazardCategory")
    Item = apps.get_model("hazards", "ChecklistItem")
    Rules = apps.get_model("hazards", "HazardRules")
    codes = [c[0] for c in CATEGORIES]
    Item.objects.filter(campaign__isnull=True, category__code__in=codes).delete()
    Category.objects.filter(code__in=codes, hazards__isnull=True).delete()
    Rules.objects.filter(pk=1).delete()


class Migration(migrations.Migration):
    dependencies = [("hazards", "0001_hazards_schema")]

    operations = [migrations.RunPython(seed, unseed)]
