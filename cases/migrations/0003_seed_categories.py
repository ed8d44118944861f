"""A default three-level case taxonomy for a district. Administrators edit it afterwards.

Invented for Minsheng; codes are stable so that rules (hotline limits, demo routing) can
refer to them."""

from django.db import migrations

# (code, name, name_en, [(code, name, name_en, [(code, name, name_en, keywords)])])
TREE = [
    ("construction", "城乡建设", "Urban and rural construction", [
        ("property", "物业管理", "Property management", [
            ("property-service", "物业服务质量", "Quality of property services", "物业 保洁 保安 门禁 服务差"),
            ("property-fee", "物业费收取", "Property fees", "物业费 收费 涨价 停车费"),
            ("property-fund", "维修资金使用", "Maintenance fund", "维修资金 公共维修 专项资金"),
            ("property-owners", "业主委员会", "Owners' committee", "业委会 业主大会 选举"),
        ]),
        ("housing", "房屋安全与质量", "Housing safety and quality", [
            ("housing-leak", "房屋漏水开裂", "Leaks and cracks", "漏水 渗水 开裂 墙皮 楼顶"),
            ("housing-renovation", "老旧小区改造", "Renovation of old estates", "老旧小区 改造 加装电梯 外墙"),
            ("housing-elevator", "电梯运行", "Lifts", "电梯 困人 停运 维保"),
        ]),
        ("expropriation", "征收拆迁", "Expropriation", [
            ("expropriation-compensation", "征收补偿", "Compensation", "征收 拆迁 补偿 评估"),
            ("expropriation-resettlement", "安置房分配", "Resettlement housing", "安置房 回迁 交房 过渡费"),
        ]),
        ("construction-site", "建筑施工", "Construction sites", [
            ("site-night", "夜间施工扰民", "Night-time construction", "夜间施工 打桩 施工噪音"),
            ("site-dust", "工地扬尘", "Site dust", "扬尘 渣土 裸土 覆盖"),
        ]),
    ]),
    ("urban", "城市管理", "Urban management", [
        ("cityscape", "市容环境", "Cityscape", [
            ("cityscape-stalls", "占道经营", "Street stalls", "占道 摆摊 流动摊贩 出店经营"),
            ("cityscape-garbage", "垃圾清运", "Refuse collection", "垃圾 清运 垃圾桶 异味 分类"),
            ("cityscape-signs", "违规广告招牌", "Illegal signs", "广告牌 招牌 横幅 小广告"),
        ]),
        ("illegal-building", "违法建设", "Illegal construction", [
            ("illegal-rooftop", "违章搭建", "Unauthorised structures", "违建 搭建 楼顶 阳台 扩建"),
            ("illegal-greenland", "侵占公共绿地", "Encroachment on green space", "占绿 毁绿 圈占 公共绿地"),
        ]),
        ("municipal", "市政设施", "Municipal facilities", [
            ("municipal-road", "道路破损", "Damaged roads", "道路 坑洼 破损 塌陷 人行道"),
            ("municipal-light", "路灯照明", "Street lights", "路灯 不亮 照明"),
            ("municipal-manhole", "井盖缺失", "Manhole covers", "井盖 缺失 破损 下水道"),
            ("municipal-drain", "排水管网", "Drainage", "排水 积水 堵塞 管网 内涝"),
        ]),
        ("greening", "园林绿化", "Parks and greenery", [
            ("greening-trees", "树木修剪", "Tree pruning", "树木 修剪 枯树 遮挡 倒伏"),
            ("greening-parks", "公园管理", "Parks", "公园 广场舞 健身器材"),
        ]),
    ]),
    ("environment", "生态环境", "Ecology and environment", [
        ("noise", "噪声污染", "Noise", [
            ("noise-business", "商业经营噪声", "Business noise", "噪音 噪声 音响 KTV 酒吧 商铺"),
            ("noise-life", "社会生活噪声", "Neighbourhood noise", "噪音 广场舞 装修 楼上"),
            ("noise-traffic", "交通噪声", "Traffic noise", "鸣笛 高架 货车 噪音"),
        ]),
        ("air", "大气污染", "Air pollution", [
            ("air-fumes", "餐饮油烟", "Cooking fumes", "油烟 烧烤 餐馆 排烟"),
            ("air-factory", "企业废气", "Factory emissions", "废气 异味 刺鼻 烟囱 工厂"),
            ("air-burning", "露天焚烧", "Open burning", "焚烧 秸秆 烧垃圾 浓烟"),
        ]),
        ("water-pollution", "水污染", "Water pollution", [
            ("water-river", "河道污染", "River pollution", "河道 黑臭 漂浮物 河水"),
            ("water-sewage", "污水直排", "Sewage discharge", "污水 直排 排污口"),
        ]),
    ]),
    ("labour", "劳动保障", "Labour and social security", [
        ("wages", "劳资纠纷", "Labour disputes", [
            ("wages-arrears", "拖欠工资", "Unpaid wages", "欠薪 拖欠工资 工资 讨薪"),
            ("wages-migrant", "拖欠农民工工资", "Migrant workers' wages", "农民工 工程款 包工头 欠薪"),
            ("wages-contract", "劳动合同", "Labour contracts", "劳动合同 辞退 加班费 经济补偿"),
        ]),
        ("insurance", "社会保险", "Social insurance", [
            ("insurance-pension", "养老保险", "Pension insurance", "养老金 养老保险 退休 社保缴费"),
            ("insurance-injury", "工伤认定", "Work injury", "工伤 认定 鉴定 赔偿"),
            ("insurance-unemployment", "失业保险", "Unemployment insurance", "失业金 失业保险 领取"),
        ]),
        ("employment", "就业创业", "Employment", [
            ("employment-training", "职业培训", "Vocational training", "培训 补贴 技能"),
            ("employment-startup", "创业扶持", "Start-up support", "创业 贷款 补贴"),
        ]),
    ]),
    ("education", "教育", "Education", [
        ("enrolment", "入学招生", "Enrolment", [
            ("enrolment-places", "学位分配", "School places", "入学 学位 招生 划片"),
            ("enrolment-kindergarten", "幼儿园入园", "Kindergarten places", "幼儿园 入园 普惠"),
        ]),
        ("school", "校园管理", "School management", [
            ("school-safety", "校园安全", "School safety", "校园 安全 校门口 接送"),
            ("school-fees", "学校收费", "School fees", "乱收费 资料费 校服"),
            ("school-afterclass", "课后服务", "After-school care", "课后服务 延时 托管"),
        ]),
        ("tutoring", "校外培训", "Private tutoring", [
            ("tutoring-refund", "培训机构退费", "Refunds from tutoring schools", "培训机构 退费 跑路"),
        ]),
    ]),
    ("health", "卫生健康", "Health", [
        ("medical", "医疗服务", "Medical services", [
            ("medical-dispute", "医疗纠纷", "Medical disputes", "医疗纠纷 误诊 手术"),
            ("medical-service", "就医服务", "Hospital services", "挂号 排队 态度 医院"),
        ]),
        ("public-health", "公共卫生", "Public health", [
            ("public-health-vaccine", "预防接种", "Vaccination", "疫苗 接种 预约"),
            ("public-health-pests", "病媒防治", "Pest control", "老鼠 蟑螂 蚊虫 消杀"),
        ]),
        ("medical-insurance", "医疗保障", "Medical insurance", [
            ("medical-insurance-claims", "医保报销", "Reimbursement", "医保 报销 异地就医 门诊"),
        ]),
    ]),
    ("civil", "民政服务", "Civil affairs", [
        ("assistance", "社会救助", "Social assistance", [
            ("assistance-dibao", "最低生活保障", "Minimum living allowance", "低保 申请 取消 困难"),
            ("assistance-temporary", "临时救助", "Temporary assistance", "临时救助 困难 大病"),
        ]),
        ("elderly", "养老服务", "Elderly care", [
            ("elderly-homes", "养老机构", "Care homes", "养老院 护理 收费"),
            ("elderly-allowance", "高龄津贴", "Old-age allowance", "高龄津贴 补贴 老人"),
            ("elderly-home-care", "居家养老", "Home care", "居家养老 助餐 上门服务"),
        ]),
        ("funeral", "殡葬管理", "Funerals", [
            ("funeral-management", "殡葬服务", "Funeral services", "殡葬 墓地 骨灰 祭扫"),
        ]),
    ]),
    ("transport", "交通出行", "Transport", [
        ("public-transport", "公共交通", "Public transport", [
            ("transport-bus", "公交线路", "Bus routes", "公交 线路 站点 班次"),
            ("transport-taxi", "出租车网约车", "Taxis and ride-hailing", "出租车 网约车 拒载 绕路"),
        ]),
        ("traffic", "道路交通", "Road traffic", [
            ("traffic-parking", "停车管理", "Parking", "停车 车位 乱停 占用"),
            ("traffic-congestion", "交通拥堵", "Congestion", "拥堵 红绿灯 信号灯"),
            ("traffic-ebike", "电动自行车管理", "E-bikes", "电动车 充电 飞线 电瓶车"),
        ]),
    ]),
    ("market", "市场监管", "Market regulation", [
        ("consumer", "消费维权", "Consumer rights", [
            ("consumer-prepaid", "预付卡退费", "Prepaid cards", "预付卡 会员卡 健身房 退费 闭店"),
            ("consumer-quality", "商品质量", "Product quality", "质量 假冒 伪劣 维修"),
            ("consumer-price", "价格收费", "Prices", "价格 乱收费 明码标价"),
        ]),
        ("food", "食品安全", "Food safety", [
            ("food-restaurant", "餐饮卫生", "Restaurant hygiene", "餐饮 卫生 变质 外卖"),
            ("food-unlicensed", "无证经营", "Unlicensed business", "无证 无照 经营 小作坊"),
        ]),
    ]),
    ("utilities", "水电气热", "Water, power, gas and heating", [
        ("water-supply", "供水", "Water supply", [
            ("water-outage", "停水", "Water outages", "停水 没水 断水"),
            ("water-quality", "水质水压", "Water quality and pressure", "水质 发黄 水压 水小"),
        ]),
        ("power", "供电", "Power supply", [
            ("power-outage", "停电", "Power cuts", "停电 跳闸 断电"),
            ("power-lines", "线路设施", "Power lines", "电线 线路 老化 电箱"),
        ]),
        ("gas", "燃气", "Gas", [
            ("gas-leak", "燃气安全", "Gas safety", "燃气 煤气 泄漏 异味 管道"),
            ("gas-service", "燃气服务", "Gas service", "燃气 开户 缴费 通气"),
        ]),
        ("heating", "供暖", "Heating", [
            ("heating-cold", "暖气不热", "Heating not warm", "暖气 不热 供暖 温度"),
            ("heating-fee", "供暖收费", "Heating fees", "供暖费 采暖费 收费"),
        ]),
    ]),
    ("rural", "农业农村", "Agriculture and rural affairs", [
        ("land", "土地承包", "Land contracts", [
            ("land-transfer", "土地流转", "Land transfer", "土地 流转 承包 租金"),
            ("land-homestead", "宅基地", "Homesteads", "宅基地 建房 纠纷"),
        ]),
        ("collective", "农村集体事务", "Village collective affairs", [
            ("collective-assets", "集体资产", "Collective assets", "集体资产 分红 账目"),
            ("collective-transparency", "村务公开", "Village transparency", "村务公开 财务 村委会"),
        ]),
    ]),
    ("security", "社会治安", "Public order", [
        ("order", "治安秩序", "Public order", [
            ("order-neighbours", "邻里纠纷", "Neighbour disputes", "邻里 纠纷 矛盾 调解"),
            ("order-hazards", "治安隐患", "Public-order risks", "治安 监控 偷盗 群租房"),
        ]),
        ("household", "户籍证件", "Household registration", [
            ("household-registration", "落户办理", "Household registration", "落户 户口 迁移"),
        ]),
    ]),
    ("conduct", "作风与纪律", "Conduct and discipline", [
        ("work-style", "工作作风", "Work style", [
            ("style-inaction", "不作为慢作为", "Inaction and delay", "不作为 推诿 拖延 踢皮球"),
            ("style-attitude", "服务态度", "Attitude of officials", "态度 刁难 门难进 脸难看"),
        ]),
        ("misconduct", "违纪违法", "Misconduct", [
            ("misconduct-bribery", "违规收受财物", "Taking gifts or money", "收受 红包 好处费 吃拿卡要"),
            ("misconduct-abuse", "滥用职权", "Abuse of power", "滥用职权 优亲厚友 违规审批"),
        ]),
    ]),
    ("general", "综合", "General", [
        ("policy", "政策咨询", "Policy questions", [
            ("policy-question", "政策咨询", "Questions about policy", "咨询 政策 怎么办理 流程"),
        ]),
        ("suggestions", "意见建议", "Suggestions", [
            ("suggestions-city", "城市发展建议", "Suggestions on city development", "建议 规划 希望 增设"),
            ("suggestions-business", "营商环境建议", "Business environment", "营商环境 企业 审批"),
        ]),
    ]),
]


def forwards(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    for i, (code1, name1, en1, children1) in enumerate(TREE):
        c1 = Category.objects.create(code=code1, name=name1, name_en=en1, level=1, sort_order=i)
        for j, (code2, name2, en2, children2) in enumerate(children1):
            c2 = Category.objects.create(code=code2, name=name2, name_en=en2, level=2, parent=c1, sort_order=j)
            for k, (code3, name3, en3, keywords) in enumerate(children2):
                Category.objects.create(code=code3, name=name3, name_en=en3, level=3, parent=c2, sort_order=k, keywords=keywords)


def backwards(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    for level in (3, 2, 1):
        Category.objects.filter(level=level).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_search_index")]
    operations = [migrations.RunPython(forwards, backwards)]
