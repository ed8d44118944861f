"""Demo cases for the demo district (``manage.py load_demo``).

Every text is generated here from invented templates; nothing is copied from real
complaints. The generator is reproducible from its seed and fast: it builds whole case
histories in memory (timeline, clocks, assignments, replies, follow-ups) consistent with
the rules of DOMAIN.md and writes them with bulk inserts, instead of calling the services
thousands of times.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.demo import TOWNS
from accounts.models import Role, Unit, UnitKind, User
from audit.services import audit_record
from cases import clocks
from cases.models import (
    FAR_FUTURE,
    Case,
    CaseAssignment,
    CaseClock,
    CaseEvent,
    CaseExtension,
    CaseFollowUp,
    CaseMeeting,
    CaseReply,
    CaseType,
    Category,
    Channel,
    ClockKind,
    Complainant,
    ContactChannel,
    Level,
    Outcome,
    RedirectChannel,
    Satisfaction,
    State,
)
from cases.numbers import highest_numbers, sync_sequences
from cases.search import tokenize
from lib.workdays import WorkCalendar
from workcal.selectors import get_calendar

# Level-1 (or level-2) category code -> default handling department of the demo district.
DEFAULT_UNITS = {
    "construction": "zjj",
    "urban": "cgj",
    "environment": "hbj",
    "labour": "rsj",
    "education": "jyj",
    "health": "wjw",
    "medical-insurance": "ybj",
    "civil": "mzj",
    "transport": "jtj",
    "market": "scj",
    "utilities": "cgj",
    "water-supply": "slj",
    "rural": "nyj",
    "security": "gaj",
    "conduct": "dcs",
}

COMMUNITIES = ["幸福里小区", "锦绣花园", "翠湖苑", "阳光新城", "金色家园", "和平里", "东风新村", "滨江花园", "书香门第", "春晖苑", "桂花园", "龙湖湾", "梧桐雅苑", "瑞景小区", "红星社区", "丽水华庭", "紫荆公寓", "柳岸人家", "南山苑", "新港小区"]
ROADS = ["建设路", "人民路", "解放大道", "长江路", "青年路", "文化路", "中山路", "新华路", "朝阳路", "滨河路", "育才街", "工农路", "光明巷", "金桥大道", "兴业路", "幸福大街"]
SHOPS = ["老李烧烤", "好运来KTV", "鑫源五金加工", "味道川菜馆", "星光酒吧", "阿强大排档", "福满楼饭店", "宏达汽修"]
COMPANIES = ["江城宏远建筑工程有限公司", "鼎盛装饰工程公司", "恒通物流有限公司", "瑞丰服装厂", "华泰物业服务有限公司", "新锐教育培训中心", "康体健身会所", "金辉机械加工厂"]
SCHOOLS = ["江城区实验小学", "青山路小学", "第三中学", "河西中心幼儿园", "育英学校"]
HOSPITALS = ["区人民医院", "区中医院", "青山社区卫生服务中心", "河西社区卫生服务中心"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["建国", "海燕", "志强", "丽华", "文斌", "秀英", "国庆", "晓东", "红梅", "明亮", "雪梅", "伟", "静", "磊", "敏", "军", "洋", "勇", "艳", "杰", "娟", "涛", "超", "霞", "平", "刚", "桂英", "玉兰", "淑珍", "德明", "春生", "爱华"]

# category code -> (type, title template, body templates, demand templates, short problem)
TEMPLATES: dict[str, tuple[str, str, list[str], list[str], str]] = {
    "noise-business": (CaseType.COMPLAINT, "{community}楼下{shop}夜间噪音扰民", [
        "我住在{town}{community}{building}，楼下的{shop}每天营业到凌晨{hour}点，音响声、划拳声不断，老人孩子根本睡不着觉。",
        "已经和店主沟通过{times}次，对方态度敷衍，{months}个月来情况没有任何改善，拨打110后也只是当晚安静一会儿。",
    ], ["希望有关部门依法查处，规定其营业时间并做好隔音措施。", "请尽快派人夜间实地检测噪声，还居民一个安静的休息环境。"], "夜间经营噪音扰民"),
    "noise-life": (CaseType.COMPLAINT, "{community}广场舞音响声过大", [
        "{town}{community}中心广场每天早上六点和晚上七点都有人跳广场舞，音箱开得很大，周边几栋楼都能听到。",
        "家里有高考学生和上夜班的人，多次劝说无果，物业也表示管不了。",
    ], ["希望社区协调控制音量和时间。", "请相关部门出面规范广场舞活动时间和音量。"], "广场舞噪音"),
    "site-night": (CaseType.COMPLAINT, "{road}工地夜间违规施工", [
        "{town}{road}与{road2}交叉口的工地连续{times}天夜间施工到凌晨，打桩机和渣土车噪音很大。",
        "工地门口没有公示夜间施工许可，周边居民无法休息。",
    ], ["请查实是否办理夜间施工许可，无证施工请依法处罚。"], "工地夜间施工扰民"),
    "air-fumes": (CaseType.COMPLAINT, "{shop}油烟直排影响住户", [
        "{town}{community}底商{shop}的排烟管道直接对着居民楼，每天中午和晚上油烟熏得窗户都不敢开。",
        "家里老人有哮喘，闻到油烟就咳嗽不止，衣服晾在阳台上全是油味。",
    ], ["要求店家安装油烟净化设施，把排烟口改到楼顶。", "请环保部门检测并督促整改。"], "餐饮油烟直排"),
    "air-factory": (CaseType.COMPLAINT, "{company}排放刺鼻废气", [
        "{town}{road}附近的{company}最近{months}个月经常在夜里排放刺鼻气味的废气，附近村民头晕、嗓子疼。",
        "白天基本闻不到，一到晚上十点以后气味特别大，怀疑偷排。",
    ], ["请环保部门夜间突击检查，依法处理。"], "企业夜间排放废气"),
    "cityscape-stalls": (CaseType.COMPLAINT, "{road}占道经营严重影响通行", [
        "{town}{road}菜市场门口每天傍晚有大量流动摊贩占道经营，人行道和非机动车道全被占用。",
        "摊贩收摊后垃圾满地，行人只能走机动车道，存在安全隐患。",
    ], ["希望城管部门加强管理，设置规范的临时摊点。"], "占道经营"),
    "cityscape-garbage": (CaseType.COMPLAINT, "{community}垃圾清运不及时", [
        "{town}{community}的垃圾站已经{times}天没有清运，垃圾堆满溢出，天气热了臭味很重，还招来很多苍蝇老鼠。",
        "向物业反映多次，物业说清运公司合同到期还没续签。",
    ], ["请尽快安排清运，并建立固定的清运时间。"], "垃圾清运不及时"),
    "municipal-road": (CaseType.HELP, "{road}路面塌陷存在安全隐患", [
        "{town}{road}{number}号门口的路面出现一个直径约一米的塌陷坑，已经有电动车摔倒。",
        "雨天坑里积水看不见，晚上更危险。",
    ], ["请尽快设置警示标志并维修路面。"], "路面塌陷"),
    "municipal-light": (CaseType.HELP, "{road}路灯多处不亮", [
        "{town}{road}从{community}到{road2}一段约五百米的路灯有十几盏不亮，已经持续{months}个月。",
        "晚上下班回家一片漆黑，很多老人不敢出门。",
    ], ["请尽快检修路灯。"], "路灯不亮"),
    "municipal-drain": (CaseType.COMPLAINT, "{community}雨后积水严重", [
        "每次下雨{town}{community}门口就积水没过脚踝，排水口被堵，车辆和行人都无法通行。",
        "去年反映过一次，疏通后没过多久又堵了。",
    ], ["希望彻底改造排水管网，不要只是临时疏通。"], "雨后积水"),
    "property-service": (CaseType.COMPLAINT, "{community}物业服务质量差", [
        "{town}{community}的物业公司{company}收费不少，但楼道卫生长期没人打扫，门禁坏了{months}个月不修，外来人员随意进出。",
        "业主多次在群里反映，物业经理一直推脱。",
    ], ["请主管部门督促物业履行合同义务，必要时更换物业。"], "物业服务不到位"),
    "property-fee": (CaseType.COMPLAINT, "{community}物业擅自上调物业费", [
        "{town}{community}物业公司发通知，从下月起物业费从每平方米{price}元涨到{price2}元，没有召开业主大会，也没有公示成本。",
        "不交就不给办门禁卡，很多老人很有意见。",
    ], ["要求物业按规定程序调价，公开收支情况。"], "物业费擅自上调"),
    "housing-leak": (CaseType.HELP, "{community}顶楼住户屋顶漏水", [
        "我家住在{town}{community}{building}顶层，每逢下雨屋顶就漏水，卧室墙皮大面积脱落，家具也泡坏了。",
        "找物业申请使用维修资金，说要全楼业主签字，一直办不下来。",
    ], ["希望尽快协调维修屋面防水。"], "屋顶漏水"),
    "housing-elevator": (CaseType.HELP, "{community}电梯频繁故障困人", [
        "{town}{community}{building}的电梯这个月已经停运{times}次，上周还困了一位老人半个多小时。",
        "楼里住着很多老人，电梯一坏只能爬十几层楼。",
    ], ["请特种设备监管部门检查电梯安全，督促维保单位整改。"], "电梯频繁故障"),
    "housing-renovation": (CaseType.SUGGESTION, "建议{community}加装电梯", [
        "{town}{community}建于上世纪九十年代，六层楼没有电梯，住户中六十岁以上老人占一半以上。",
        "多数居民有加装电梯的意愿，但不清楚申请流程和补贴政策。",
    ], ["建议把本小区纳入老旧小区改造计划，并派人上门讲解加装电梯政策。"], "老旧小区加装电梯"),
    "wages-arrears": (CaseType.APPEAL, "{company}拖欠员工工资{months}个月", [
        "我在{company}工作，公司从今年起以资金周转困难为由拖欠工资，至今已有{months}个月，共计约{amount}元。",
        "和我一样被拖欠的员工有二十多人，找老板多次，一直说再等等。",
    ], ["请劳动监察部门依法督促公司支付工资。"], "拖欠工资"),
    "wages-migrant": (CaseType.APPEAL, "{road}项目拖欠农民工工资", [
        "我们一行{people}人在{town}{road}的建筑工地干活，包工头说总包单位{company}没有拨付工程款，拖欠我们工资共计{amount}元。",
        "马上要过年了，家里等着钱用，包工头现在电话也不接。",
    ], ["请有关部门帮助我们讨回工资。"], "拖欠农民工工资"),
    "insurance-pension": (CaseType.CONSULTATION, "咨询养老保险补缴问题", [
        "我今年五十八岁，以前在{company}工作时单位有几年没有给交养老保险，现在快到退休年龄，缴费年限不够十五年。",
        "想咨询能不能补缴，补缴需要准备哪些材料。",
    ], ["请告知具体政策和办理流程。"], "养老保险补缴"),
    "enrolment-places": (CaseType.APPEAL, "孩子入学学区划分不合理", [
        "我家住在{town}{community}，距离{school}只有几百米，但今年学区划分把我们小区划到了三公里外的学校。",
        "孩子上学要过两条主干道，接送很不方便。",
    ], ["希望教育部门重新考虑学区划分，就近入学。"], "学区划分"),
    "school-fees": (CaseType.COMPLAINT, "{school}收取不合理费用", [
        "{school}开学要求每个学生交{price}元的资料费和活动费，没有开具收据，也没有说明用途。",
        "家长群里很多人有意见，但不敢公开提出。",
    ], ["请教育部门核查收费是否合规。"], "学校不合理收费"),
    "tutoring-refund": (CaseType.COMPLAINT, "{company}突然停课拒不退费", [
        "我在{company}为孩子报了一年的课程，预交{amount}元，上了不到两个月机构就以装修为由停课，现在人去楼空。",
        "和我情况一样的家长有上百人。",
    ], ["请相关部门介入，帮助家长追回剩余课时费用。"], "培训机构停课不退费"),
    "medical-dispute": (CaseType.APPEAL, "对{hospital}诊疗结果有异议", [
        "我父亲在{hospital}住院治疗期间病情加重，家属认为医院存在延误诊治的情况。",
        "向医院医务科反映后，医院答复不存在过错，家属无法接受。",
    ], ["要求卫生健康部门组织调查，给出公正结论。"], "医疗纠纷"),
    "medical-insurance-claims": (CaseType.CONSULTATION, "异地就医医保报销咨询", [
        "我母亲在外地子女家居住期间住院，花费{amount}元，回来后到医保窗口报销，被告知没有提前备案，报销比例降低。",
        "想了解异地就医备案的办理方式，以及之前的费用还能否按正常比例报销。",
    ], ["请告知相关政策。"], "异地就医报销"),
    "assistance-dibao": (CaseType.HELP, "家庭困难申请低保", [
        "我家住在{town}{community}，丈夫去年因病去世，我患有慢性病不能正常工作，还要抚养一个上初中的孩子。",
        "去社区申请低保，被告知材料不全，跑了{times}趟还没有办下来。",
    ], ["希望帮助我家办理低保，解决生活困难。"], "困难家庭申请低保"),
    "elderly-allowance": (CaseType.CONSULTATION, "高龄津贴没有按时发放", [
        "我父亲今年八十一岁，户籍在{town}，按规定应该享受高龄津贴，但最近{months}个月都没有收到。",
    ], ["请查询原因并尽快发放。"], "高龄津贴未发放"),
    "traffic-parking": (CaseType.COMPLAINT, "{road}车辆乱停堵塞消防通道", [
        "{town}{road}{community}门口的消防通道长期被私家车占用，晚上更是停满了车。",
        "上个月小区发生火情，消防车差点进不来。",
    ], ["请交警和物业加强管理，清理占用消防通道的车辆。"], "车辆占用消防通道"),
    "transport-bus": (CaseType.SUGGESTION, "建议增开{community}公交线路", [
        "{town}{community}入住居民已有三千多户，但最近的公交站在一公里以外，老人孩子出行很不方便。",
    ], ["建议增设公交站点或开通社区微循环公交。"], "公交线路不便"),
    "traffic-ebike": (CaseType.COMPLAINT, "{community}电动车楼道飞线充电", [
        "{town}{community}{building}很多住户把电动车停在楼道里，从家里拉电线充电，存在很大的火灾隐患。",
        "小区没有集中充电桩，物业劝说也没有用。",
    ], ["希望尽快建设集中充电设施并清理楼道。"], "电动车飞线充电"),
    "consumer-prepaid": (CaseType.COMPLAINT, "{company}闭店预付卡无法退费", [
        "我在{town}{road}的{company}办了会员卡，充值{amount}元，上周突然闭店，门口贴了装修停业的通知，电话打不通。",
    ], ["请市场监管部门查处并帮助消费者退费。"], "预付卡闭店"),
    "food-restaurant": (CaseType.COMPLAINT, "{shop}食品卫生问题", [
        "我在{town}{road}的{shop}用餐后出现腹泻呕吐，当晚到{hospital}就诊，医生诊断为急性肠胃炎。",
        "店内后厨卫生状况很差，苍蝇很多。",
    ], ["请市场监管部门检查该店卫生状况。"], "餐饮卫生"),
    "water-outage": (CaseType.HELP, "{community}突然停水未提前通知", [
        "{town}{community}从今天早上开始停水，没有任何提前通知，小区里有很多老人和婴儿。",
    ], ["请尽快恢复供水并说明原因。"], "突然停水"),
    "water-quality": (CaseType.COMPLAINT, "{community}自来水发黄有异味", [
        "最近一周{town}{community}的自来水打开后是黄色的，放一会儿才变清，还有一股铁锈味。",
    ], ["请供水部门检测水质，查明原因。"], "自来水水质"),
    "power-outage": (CaseType.HELP, "{community}频繁停电", [
        "{town}{community}这个月已经停电{times}次，每次都是晚上用电高峰，冰箱里的东西都坏了。",
    ], ["请供电部门检查线路，解决频繁停电问题。"], "频繁停电"),
    "gas-leak": (CaseType.HELP, "{community}楼道有燃气味", [
        "{town}{community}{building}楼道里这两天有明显的燃气味，怀疑管道有泄漏。",
    ], ["请燃气公司马上派人检查。"], "燃气泄漏隐患"),
    "heating-cold": (CaseType.COMPLAINT, "{community}暖气不热", [
        "{town}{community}供暖已经开始半个月，但家里室温只有十四五度，老人孩子都感冒了。",
        "给供暖公司打电话，说是管道问题要排队维修。",
    ], ["请督促供暖单位尽快排查维修，达到规定室温。"], "暖气不热"),
    "land-homestead": (CaseType.APPEAL, "宅基地纠纷请求处理", [
        "我是{town}村民，邻居建房时占用了我家宅基地约二十平方米，村委会调解{times}次未果。",
    ], ["请求镇政府依法确权处理。"], "宅基地纠纷"),
    "collective-transparency": (CaseType.SUGGESTION, "村务财务公开不及时", [
        "{town}某村近两年的集体土地租金收入和支出情况一直没有公开，村民多次询问都没有答复。",
    ], ["建议镇里督促村委会按规定公开村务财务。"], "村务公开"),
    "order-neighbours": (CaseType.HELP, "邻居长期占用公共楼道", [
        "{town}{community}{building}的邻居把杂物和旧家具堆在楼道里已经一年多，影响通行也有消防隐患。",
        "多次沟通无果，双方关系很紧张。",
    ], ["请社区出面调解。"], "占用公共楼道"),
    "greening-trees": (CaseType.HELP, "{community}树木遮挡采光需修剪", [
        "{town}{community}{building}前的几棵大树已经长到五楼高，低楼层住户白天都要开灯，树枝还伸进了阳台。",
    ], ["请园林部门安排修剪。"], "树木遮挡采光"),
    "water-river": (CaseType.COMPLAINT, "{road}附近河道发黑发臭", [
        "{town}{road}桥下的河道最近水面发黑，漂浮着垃圾，夏天臭味很重，怀疑有人偷排污水。",
    ], ["请尽快查明污染来源并治理。"], "河道黑臭"),
    "illegal-rooftop": (CaseType.COMPLAINT, "{community}楼顶违章搭建", [
        "{town}{community}{building}顶楼住户在楼顶私自搭建了一间约四十平方米的彩钢房，造成楼下渗水，也影响楼体安全。",
    ], ["请城管部门依法拆除。"], "楼顶违建"),
    "expropriation-compensation": (CaseType.APPEAL, "征收补偿标准有异议", [
        "我家在{town}{road}的房屋被列入征收范围，评估价格明显低于周边同类房屋市场价。",
        "申请复核评估后结果没有变化。",
    ], ["要求重新评估，按市场价补偿。"], "征收补偿"),
    "style-inaction": (CaseType.ACCUSATION, "反映{unit}工作人员推诿不作为", [
        "我到{unit}办理业务，工作人员以各种理由推诿，前后跑了{times}趟，每次都让补不同的材料，没有一次性告知。",
        "最后一次窗口人员态度恶劣，说“爱办不办”。",
    ], ["请求调查处理，并整改工作作风。"], "工作人员推诿"),
    "misconduct-bribery": (CaseType.ACCUSATION, "举报{unit}工作人员收受好处费", [
        "据我了解，{unit}有工作人员在办理审批事项时暗示申请人“意思意思”，不给好处就拖着不办。",
        "我可以提供转账记录等材料。",
    ], ["请纪检监察机关调查核实。"], "收受好处费"),
    "suggestions-city": (CaseType.SUGGESTION, "建议在{road}增设过街天桥", [
        "{town}{road}车流量大，{school}的学生每天上下学都要横穿马路，红绿灯时间很短，非常危险。",
    ], ["建议增设过街天桥或延长行人绿灯时间。"], "增设过街设施"),
    "policy-question": (CaseType.CONSULTATION, "咨询居住证办理流程", [
        "我在{town}工作三年了，想给孩子办理入学，需要先办居住证，想咨询需要哪些材料、去哪里办。",
    ], ["请告知办理流程。"], "居住证办理"),
}

REPLY_TEXTS = {
    Outcome.SUPPORT: [
        "经{unit}调查核实，您反映的{problem}问题属实。我单位已于{date}会同有关部门现场处置，责令相关方限期整改，目前问题已得到解决。感谢您对我们工作的支持与监督。",
        "您反映的{problem}问题，经现场核查情况属实。{unit}已责成责任单位于{date}前完成整改，并将持续跟踪。如仍有问题，请及时与我们联系。",
    ],
    Outcome.EXPLAIN: [
        "经{unit}调查，您反映的{problem}问题涉及历史遗留情况。根据现行政策规定，暂时无法完全满足您的诉求，现将有关政策解释如下：相关事项需按规定程序办理，我们已安排专人指导您准备材料。",
        "关于您反映的{problem}问题，{unit}进行了认真研究。由于涉及的事项不属于本单位法定职责范围，我们已向您说明相关政策和办理渠道，并协调有关部门予以关注。",
    ],
    Outcome.NOT_SUPPORT: [
        "经{unit}调查核实，您反映的{problem}情况与事实不符，相关做法符合规定，对您的诉求不予支持。如对本处理意见不服，可自收到本意见书之日起30日内向上一级行政机关申请复查。",
    ],
}

NOTES = [
    "已电话联系信访人，了解具体情况，约定现场查看时间。",
    "会同社区网格员到现场核查，拍摄照片存档。",
    "约谈相关责任方负责人，告知整改要求和期限。",
    "调取相关材料，正在核实有关情况。",
    "整改情况复查：已基本整改到位。",
]
NOT_ACCEPT_REASONS = ["反映的事项已经办理完毕，信访人未提出新的事实和理由。", "诉求不属于本级机关职权范围，已告知信访人向有权机关提出。", "反映的问题正在诉讼程序中。"]
OBJECTION_REASONS = ["该事项属于区住房和城乡建设局职责，不属于本单位管辖范围。", "反映地点不在本街道辖区内，请重新转办。", "该事项涉及市场主体监管，应由区市场监督管理局办理。"]
EXTENSION_REASONS = ["涉及多个部门协调，需要进一步调查取证。", "需等待第三方检测报告结果。", "涉及历史遗留问题，需调阅档案核实。"]
COMMENTS = ["问题已经解决，感谢政府。", "处理比较及时，态度很好。", "基本解决了，但希望以后能长效管理。", "问题没有根本解决，过几天又反复了。", "答复内容太笼统，不满意。"]


@dataclass
class Plan:
    """One demo case being built in memory."""

    target: str
    unit: Unit | None
    template: str
    received: dt.datetime
    case: Case | None = None
    events: list[CaseEvent] = field(default_factory=list)
    clocks: list[CaseClock] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


STATE_WEIGHTS = [
    (State.REGISTERED, 4),
    (State.ACCEPTED, 3),
    (State.OBJECTED, 1),
    (State.ASSIGNED, 4),
    (State.HANDLING, 18),
    (State.REPLY_PENDING, 4),
    (State.REPLY_APPROVED, 2),
    (State.REPLIED, 8),
    (State.CLOSED, 45),
    (State.NOT_ACCEPTED, 5),
    (State.REDIRECTED, 4),
    (State.WITHDRAWN, 2),
]
UNIT_TARGETS = [State.ASSIGNED, State.HANDLING, State.REPLY_PENDING, State.REPLY_APPROVED, State.REPLIED, State.CLOSED]


class Generator:
    def __init__(self, seed: int, now: dt.datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.cal: WorkCalendar = get_calendar()
        self.units = {u.code: u for u in Unit.objects.all()}
        self.towns = [self.units[c] for c, _n, _e in TOWNS if c in self.units]
        self.categories = {c.code: c for c in Category.objects.select_related("parent__parent")}
        users = list(User.objects.filter(is_active=True).select_related("unit").prefetch_related("role_assignments"))
        self.by_name = {u.username: u for u in users}
        self.by_id = {u.pk: u for u in users}
        self.staff: dict[tuple[int, str], list[User]] = defaultdict(list)
        for u in users:
            for ra in u.role_assignments.all():
                if u.unit_id:
                    self.staff[(u.unit_id, ra.role)].append(u)
        self.intake = self.by_name.get("intake") or users[0]
        self.followup = self.by_name.get("followup") or self.intake
        self.leader = self.by_name.get("leader") or self.intake
        self.name_i = 0
        self.limits = {step: clocks.rule(step) for step in clocks.DEFAULT_RULES}
        self._limit_cache: dict[tuple[str, int | None, bool], tuple[clocks.Limit, clocks.Limit | None]] = {}

    # -- small helpers ---------------------------------------------------
    def handling_limits(self, case: Case) -> tuple[clocks.Limit, clocks.Limit | None]:
        key = (case.type, case.category_id, case.urgent)
        if key not in self._limit_cache:
            self._limit_cache[key] = clocks.handling_limits(case)
        return self._limit_cache[key]

    def person(self) -> str:
        self.name_i += 1
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def phone(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randrange(10**9):09d}"

    def id_number(self) -> str:
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=self.rng.randrange(20000))
        body = f"4201{self.rng.randrange(10, 99)}{birth:%Y%m%d}{self.rng.randrange(100, 999)}"
        return body + self.rng.choice("0123456789X")

    def officer(self, unit: Unit) -> User:
        people = self.staff.get((unit.pk, Role.OFFICER)) or self.staff.get((unit.pk, Role.HEAD)) or [self.intake]
        return people[0] if unit.code in ("qingshan", "hexi") else self.rng.choice(people)

    def head(self, unit: Unit) -> User:
        if unit.parent_id is None:
            return self.leader
        if unit.leader_id and unit.leader_id in self.by_id:
            return self.by_id[unit.leader_id]
        return self.staff.get((unit.pk, Role.HEAD), [self.leader])[0]

    def fill(self, text: str, town: Unit, unit: Unit | None) -> str:
        r = self.rng
        return text.format(
            town=town.name,
            community=r.choice(COMMUNITIES),
            building=f"{r.randint(1, 28)}栋{r.randint(1, 4)}单元",
            road=r.choice(ROADS),
            road2=r.choice(ROADS),
            shop=r.choice(SHOPS),
            company=r.choice(COMPANIES),
            school=r.choice(SCHOOLS),
            hospital=r.choice(HOSPITALS),
            hour=r.randint(1, 3),
            times=r.choice(["三", "四", "五", "好几"]),
            months=r.choice(["两", "三", "四", "五", "六"]),
            amount=r.choice([8600, 12000, 23500, 45800, 6800, 31200]),
            price=r.choice(["1.2", "1.5", "1.8"]),
            price2=r.choice(["2.5", "2.8", "3.0"]),
            people=r.randint(8, 40),
            number=r.randint(1, 300),
            unit=(unit.name if unit else "某单位"),
        )

    def at(self, base: dt.datetime, min_hours: float, max_hours: float) -> dt.datetime:
        moment = base + dt.timedelta(hours=self.rng.uniform(min_hours, max_hours))
        local = timezone.localtime(moment)
        if local.hour < 8 or local.hour >= 18:  # office hours
            local = local.replace(hour=self.rng.randint(8, 17), minute=self.rng.randint(0, 59))
            moment = local if local > timezone.localtime(base) else local + dt.timedelta(days=1)
        return moment

    # -- planning --------------------------------------------------------
    def plans(self, count: int) -> list[Plan]:
        forced: list[tuple[str, str]] = []
        for state in UNIT_TARGETS:
            forced += [(state, "qingshan")] * 4 + [(state, "hexi")] * 3
        forced += [(State.REPLY_PENDING, "qingshan")] * 3 + [(State.HANDLING, "qingshan")] * 6 + [(State.HANDLING, "hexi")] * 4
        states = [s for s, _w in STATE_WEIGHTS]
        weights = [w for _s, w in STATE_WEIGHTS]
        departments = [u for u in self.units.values() if u.kind == UnitKind.DEPARTMENT]
        out: list[Plan] = []
        template_keys = list(TEMPLATES)
        for i in range(count):
            if i < len(forced):
                target, code = forced[i]
                unit: Unit | None = self.units.get(code)
            else:
                target = self.rng.choices(states, weights)[0]
                unit = None
            key = self.rng.choice(template_keys)
            if TEMPLATES[key][0] == CaseType.ACCUSATION and unit is not None and unit.kind == UnitKind.TOWN:
                key = "noise-business"
            if unit is None and target in UNIT_TARGETS + [State.OBJECTED]:
                category = self.categories[key]
                default = self._default_unit(category)
                r = self.rng.random()
                if TEMPLATES[key][0] == CaseType.ACCUSATION:
                    unit = self.units.get("dcs")
                elif r < 0.22:
                    unit = self.units.get("qingshan")
                elif r < 0.34:
                    unit = self.units.get("hexi")
                elif r < 0.65 and default is not None:
                    unit = default
                else:
                    unit = self.rng.choice(self.towns + departments)
            out.append(Plan(target=target, unit=unit, template=key, received=self.now))
        return out

    def _default_unit(self, category: Category) -> Unit | None:
        node: Category | None = category
        while node is not None:
            if node.code in DEFAULT_UNITS:
                return self.units.get(DEFAULT_UNITS[node.code])
            node = node.parent
        return None

    # -- building one case -----------------------------------------------
    def build(self, plan: Plan) -> None:
        r = self.rng
        ctype, title_t, body_t, demand_t, problem = TEMPLATES[plan.template]
        category = self.categories[plan.template]
        town = plan.unit if plan.unit is not None and plan.unit.kind == UnitKind.TOWN else r.choice(self.towns)
        accused = None
        if ctype == CaseType.ACCUSATION:
            accused = self.units.get(r.choice(["scj", "zrj", "cgj", "jtj"]))
        fill_unit = accused
        title = self.fill(title_t, town, fill_unit)[:200]
        content = "".join(self.fill(t, town, fill_unit) for t in body_t) + self.fill(r.choice(demand_t), town, fill_unit)
        urgent = plan.template in ("gas-leak", "water-outage", "power-outage", "municipal-road") and r.random() < 0.5
        # Durations (hours) of each step; the story is laid back from now.
        hl, _contact = self.handling_limits(Case(type=ctype, category=category, urgent=urgent))
        limit_h = float(hl.hours if hl.hours is not None else hl.days * 24)
        overdue = r.random() < 0.09
        decide_h = r.uniform(2, 24 * 9) if not (overdue and plan.target == State.REGISTERED) else 24 * r.uniform(16, 25)
        if limit_h <= 24 * 15:
            decide_h = min(decide_h, r.uniform(0.5, 6))
        assign_h = min(r.uniform(1, 24 * 3), limit_h * 0.08)
        receive_h = min(r.uniform(1, 24 * 4), limit_h * 0.08)
        if limit_h <= 24 * 15:  # hotline limits: dispatched within hours
            assign_h, receive_h = r.uniform(0.2, 3), r.uniform(0.2, 4)
        handle_h = limit_h * (r.uniform(0.15, 0.85) if not overdue else r.uniform(1.05, 1.4))
        if plan.target in (State.REPLIED, State.CLOSED) and r.random() < 0.9:
            handle_h = min(handle_h, limit_h * 0.95)
        after_h = r.uniform(3, 24 * 3)  # reply to approval to issue
        follow_h = r.uniform(24, 24 * 8)
        open_unit = (State.ASSIGNED, State.HANDLING, State.REPLY_PENDING, State.REPLY_APPROVED)
        if plan.target == State.REGISTERED:
            spent = decide_h if overdue else r.uniform(1, 24 * 3)
        elif plan.target in (State.ACCEPTED, State.OBJECTED):
            spent = decide_h + (r.uniform(2, 24 * 4) if limit_h > 24 * 15 else r.uniform(0.2, 1.5) + assign_h + receive_h)
        elif plan.target == State.ASSIGNED:
            spent = decide_h + assign_h + r.uniform(0.5, max(1.0, min(48.0, limit_h * 0.05)))
            if limit_h <= 24 * 15 and not overdue:
                spent = decide_h + assign_h + r.uniform(0.1, 1.0)
        elif plan.target in open_unit:
            spent = decide_h + handle_h
        elif plan.target == State.REPLIED:
            spent = decide_h + handle_h + after_h + r.uniform(2, 24 * 5)
        elif plan.target == State.CLOSED:
            spent = decide_h + handle_h + after_h + follow_h + r.uniform(1, 24 * 470)
        elif plan.target == State.WITHDRAWN:
            spent = decide_h + assign_h + receive_h + r.uniform(24, 24 * 400)
        else:
            spent = decide_h + r.uniform(1, 24 * 470)
        received = self.now - dt.timedelta(hours=spent)
        local = timezone.localtime(received)
        if local.hour < 8 or local.hour >= 18:
            received = received - dt.timedelta(hours=(local.hour - 12) % 24 if local.hour >= 18 else local.hour + 6)
        plan.received = received
        plan.extra["d"] = {"decide": decide_h, "assign": assign_h, "receive": receive_h, "handle": handle_h, "after": after_h, "follow": follow_h}
        anonymous = ctype != CaseType.ACCUSATION and r.random() < 0.08 or (ctype == CaseType.ACCUSATION and r.random() < 0.3)
        joint = not anonymous and plan.template in ("wages-migrant", "property-fee", "tutoring-refund", "air-factory") and r.random() < 0.6
        head_count = r.randint(5, 40) if joint else 1
        channel = r.choices([Channel.PHONE, Channel.WEB, Channel.VISIT, Channel.LETTER, Channel.OPEN311, Channel.TRANSFERRED, Channel.LEADER], [40, 25, 15, 8, 5, 5, 2])[0]
        case = Case(
            level=Level.ORIGINAL,
            channel=channel,
            type=ctype,
            title=title,
            content=content,
            category=category,
            urgent=urgent,
            address=f"{town.name}{r.choice(ROADS)}{r.randint(1, 300)}号",
            latitude=round(30.55 + r.uniform(-0.08, 0.08), 6),
            longitude=round(114.30 + r.uniform(-0.1, 0.1), 6),
            town=town,
            anonymous=anonymous,
            joint=head_count > 1,
            head_count=head_count,
            confidential=ctype == CaseType.ACCUSATION,
            accused_unit=accused,
            state=plan.target,
            received_at=received,
            created_by=self.intake if channel not in (Channel.WEB, Channel.OPEN311) else None,
            created_at=received,
            updated_by=self.intake,
            updated_at=received,
            version=1,
        )
        plan.case = case
        people = []
        if not anonymous:
            for j in range(2 if joint else 1):
                people.append(Complainant(name=self.person(), phone=self.phone(), id_number=self.id_number() if r.random() < 0.5 else "", address=f"{town.name}{r.choice(COMMUNITIES)}{r.randint(1, 28)}栋", is_representative=joint, order=j))
        plan.extra["people"] = people
        self._history(plan, problem)

    def _event(self, plan: Plan, kind: str, at: dt.datetime, actor: User | None, text: str = "", public: bool = False, unit: Unit | None = None) -> None:
        plan.events.append(CaseEvent(kind=kind, actor=actor, actor_name=str(actor) if actor else "系统", unit=unit or (actor.unit if actor else None), at=at, text=text, public=public))

    def _clock(self, plan: Plan, kind: str, start: dt.datetime, limit: clocks.Limit, stopped: dt.datetime | None) -> CaseClock:
        assert plan.case is not None
        clock = clocks.build_clock(plan.case, kind, start, limit, self.cal)
        clock.stopped_at = stopped
        plan.clocks.append(clock)
        return clock

    def _history(self, plan: Plan, problem: str) -> None:  # noqa: C901 - a linear story
        r = self.rng
        case = plan.case
        assert case is not None
        target = plan.target
        t = case.received_at
        intake = self.intake
        self._event(plan, CaseEvent.Kind.REGISTERED, t, case.created_by, "登记，渠道：%s。" % Channel(case.channel).label, True)
        decide_limit = self.limits["decide"]
        if target == State.REGISTERED:
            self._clock(plan, ClockKind.DECIDE, t, decide_limit, None)
            return
        # decision
        dur = plan.extra["d"]
        decided = min(t + dt.timedelta(hours=dur["decide"]), self.now - dt.timedelta(hours=1))
        self._clock(plan, ClockKind.DECIDE, t, decide_limit, decided)
        case.decided_at = decided
        if target == State.NOT_ACCEPTED:
            reason = r.choice(NOT_ACCEPT_REASONS)
            case.decision_reason = reason
            case.closed_at = decided
            self._event(plan, CaseEvent.Kind.NOT_ACCEPTED, decided, intake, f"不予受理：{reason}", True)
            return
        if target == State.REDIRECTED:
            channel = RedirectChannel.DISCIPLINE if case.type == CaseType.ACCUSATION else r.choice([RedirectChannel.LITIGATION, RedirectChannel.LABOUR_ARBITRATION, RedirectChannel.RECONSIDERATION, RedirectChannel.ARBITRATION])
            case.redirect_channel = channel
            case.closed_at = decided
            self._event(plan, CaseEvent.Kind.REDIRECTED, decided, intake, f"请通过以下渠道反映：{RedirectChannel(channel).label}。", True)
            return
        self._event(plan, CaseEvent.Kind.ACCEPTED, decided, intake, "您的信访事项已受理。", True)
        handle_limit, contact_limit = self.handling_limits(case)
        handle = self._clock(plan, ClockKind.HANDLE, decided, handle_limit, None)
        contact = self._clock(plan, ClockKind.CONTACT, decided, contact_limit, None) if contact_limit else None
        assign_clock = self._clock(plan, ClockKind.ASSIGN, t, self.limits["assign"], None)
        if target == State.ACCEPTED:
            return
        if target == State.WITHDRAWN and r.random() < 0.3:
            withdrawn = min(self.at(decided, 2, 24 * 3), self.now - dt.timedelta(hours=1))
            for c in plan.clocks:
                c.stopped_at = c.stopped_at or withdrawn
            case.closed_at = withdrawn
            self._event(plan, CaseEvent.Kind.WITHDRAWN, withdrawn, intake, "信访人申请撤回。", True)
            return
        unit = plan.unit or r.choice(self.towns)
        assigned = min(decided + dt.timedelta(hours=dur["assign"]), self.now - dt.timedelta(minutes=50))
        assign_clock.stopped_at = assigned
        case.assigned_at = assigned
        assignment = CaseAssignment(unit=unit, is_lead=True, assigned_by=intake, assigned_at=assigned)
        plan.extra["assignments"] = [assignment]
        self._event(plan, CaseEvent.Kind.ASSIGNED, assigned, intake, f"已转送{unit.name}办理。", True)
        objection = self._clock(plan, ClockKind.OBJECTION, assigned, self.limits["objection"], None)
        case.current_unit = unit
        if target == State.ASSIGNED:
            return
        officer = self.officer(unit)
        received_by_unit = min(assigned + dt.timedelta(hours=dur["receive"]), self.now - dt.timedelta(minutes=40))
        objection.stopped_at = received_by_unit
        if target == State.OBJECTED:
            reason = r.choice(OBJECTION_REASONS)
            assignment.status = CaseAssignment.Status.OBJECTED
            assignment.is_active = False
            assignment.objected_at = received_by_unit
            assignment.objection_reason = reason
            case.current_unit = None
            self._event(plan, CaseEvent.Kind.OBJECTED, received_by_unit, officer, f"{unit.name}提出异议：{reason}", False, unit)
            self._clock(plan, ClockKind.ASSIGN, received_by_unit, self.limits["assign"], None)
            return
        assignment.status = CaseAssignment.Status.RECEIVED
        assignment.received_by = officer
        assignment.received_at = received_by_unit
        self._event(plan, CaseEvent.Kind.RECEIVED, received_by_unit, officer, f"{unit.name}已签收。", False, unit)
        # handling
        end = self.now if target in (State.HANDLING, State.WITHDRAWN) else self.now - dt.timedelta(hours=5) if target in (State.REPLY_PENDING, State.REPLY_APPROVED) else None
        n_notes = r.randint(1, 3)
        last = received_by_unit
        reply_due = decided + dt.timedelta(hours=dur["handle"])
        step_h = max(0.3, (reply_due - received_by_unit).total_seconds() / 3600 / (n_notes + 2))
        for k in range(n_notes):
            when = last + dt.timedelta(hours=r.uniform(0.2, 1.0) * step_h)
            if end is not None and when >= end - dt.timedelta(minutes=30):
                break
            if k == 0 and contact is not None:
                contact.stopped_at = when
                self._event(plan, CaseEvent.Kind.CONTACT, when, officer, NOTES[0], False, unit)
            else:
                self._event(plan, CaseEvent.Kind.NOTE, when, officer, r.choice(NOTES[1:]), False, unit)
            last = when
        if not case.anonymous and r.random() < 0.45:
            when = last + dt.timedelta(hours=r.uniform(0.2, 1.0) * step_h)
            if end is None or when < end - dt.timedelta(minutes=30):
                plan.extra.setdefault("meetings", []).append(
                    CaseMeeting(held_at=when, place=f"{unit.name}接待室", participants=f"{officer}、信访人", notes="当面听取诉求，解释相关政策，约定后续处理时间。", recorded_by=officer, recorded_at=when)
                )
                if contact is not None and contact.stopped_at is None:
                    contact.stopped_at = when
                self._event(plan, CaseEvent.Kind.MEETING, when, officer, f"在{unit.name}接待室与信访人见面。", False, unit)
                last = when
        if r.random() < 0.12 and handle.due_at is None:
            asked = last + dt.timedelta(hours=r.uniform(0.1, 0.5) * step_h)
            if (end is None or asked < end - dt.timedelta(minutes=20)) and clocks.local_date(asked) <= handle.due_date:
                days = r.choice([15, 20, 30])
                reason = r.choice(EXTENSION_REASONS)
                ext = CaseExtension(days=days, reason=reason, requested_by=officer, requested_at=asked, old_due=handle.due_date)
                self._event(plan, CaseEvent.Kind.EXTENSION_REQUESTED, asked, officer, f"申请延期{days}日：{reason}", False, unit)
                decided_ext = asked + dt.timedelta(hours=r.uniform(2, 30))
                if end is not None and (decided_ext >= end - dt.timedelta(minutes=10) or r.random() < 0.3):
                    pass  # still pending: the head's inbox
                else:
                    head = self.head(unit)
                    ext.decided_by = head
                    ext.decided_at = decided_ext
                    if r.random() < 0.8:
                        ext.decision = CaseExtension.Decision.APPROVED
                        handle.extended_days = days
                        handle.due_date = self.cal.add(clocks.local_date(handle.started_at), handle.days + days, handle.day_type)
                        ext.new_due = handle.due_date
                        self._event(plan, CaseEvent.Kind.EXTENSION_APPROVED, decided_ext, head, f"办理期限延长{days}日至{handle.due_date.isoformat()}。理由：{reason}", True, unit)
                    else:
                        ext.decision = CaseExtension.Decision.REFUSED
                        ext.decision_note = "请抓紧办理，按期答复。"
                        self._event(plan, CaseEvent.Kind.EXTENSION_REFUSED, decided_ext, head, "不同意延期：请抓紧办理，按期答复。", False, unit)
                    last = decided_ext
                plan.extra["extension"] = ext
        if target == State.HANDLING:
            return
        if target == State.WITHDRAWN:
            withdrawn = min(self.at(last, 2, 24 * 5), self.now - dt.timedelta(minutes=10))
            for c in plan.clocks:
                c.stopped_at = c.stopped_at or withdrawn
            case.closed_at = withdrawn
            self._event(plan, CaseEvent.Kind.WITHDRAWN, withdrawn, intake, "信访人申请撤回。", True)
            return
        # reply
        drafted = max(reply_due, last + dt.timedelta(hours=1))
        if target in (State.REPLY_PENDING, State.REPLY_APPROVED):
            drafted = self.now - dt.timedelta(hours=r.uniform(1, max(2.0, min(72.0, (self.now - last).total_seconds() / 3600 * 0.5))))
            drafted = max(drafted, last + dt.timedelta(minutes=10))
        outcome = r.choices([Outcome.SUPPORT, Outcome.EXPLAIN, Outcome.NOT_SUPPORT], [60, 30, 10])[0]
        text = r.choice(REPLY_TEXTS[outcome]).format(unit=unit.name, problem=problem, date=timezone.localtime(drafted).date().isoformat())
        assist = plan.template in ("assistance-dibao", "wages-migrant") and r.random() < 0.7
        reply = CaseReply(outcome=outcome, text=text, status=CaseReply.Status.SUBMITTED, drafted_by=officer, drafted_at=drafted)
        if assist:
            reply.assistance_needed = True
            reply.assistance_what = "申请临时救助金并纳入社区重点帮扶对象" if plan.template == "assistance-dibao" else "协调法律援助中心提供免费法律援助"
            reply.assistance_by = f"{town_name(case)}民政办" if plan.template == "assistance-dibao" else "区法律援助中心"
            reply.assistance_when = timezone.localtime(drafted).date()
        plan.extra["reply"] = reply
        case.search_tokens_reply = text  # type: ignore[attr-defined]
        self._event(plan, CaseEvent.Kind.REPLY_SUBMITTED, drafted, officer, str(Outcome(outcome).label), False, unit)
        if target == State.REPLY_PENDING:
            return
        head = self.head(unit)
        approved = max(min(drafted + dt.timedelta(hours=dur["after"] * 0.6), self.now - dt.timedelta(minutes=30)), drafted + dt.timedelta(minutes=5))
        reply.status = CaseReply.Status.APPROVED
        reply.approved_by = head
        reply.approved_at = approved
        self._event(plan, CaseEvent.Kind.REPLY_APPROVED, approved, head, "", False, unit)
        if target == State.REPLY_APPROVED:
            return
        issued = max(min(approved + dt.timedelta(hours=dur["after"] * 0.4), self.now - dt.timedelta(minutes=20)), approved + dt.timedelta(minutes=5))
        reply.status = CaseReply.Status.ISSUED
        reply.issued_by = officer
        reply.issued_at = issued
        reply.issued_via = r.choice([ContactChannel.PHONE, ContactChannel.SMS, ContactChannel.PORTAL])
        for c in plan.clocks:
            if c.kind in (ClockKind.HANDLE, ClockKind.CONTACT, ClockKind.OBJECTION):
                c.stopped_at = c.stopped_at or issued
        case.replied_at = issued
        self._clock(plan, ClockKind.REVIEW_REQUEST, issued, self.limits["review_request"], None)
        self._event(plan, CaseEvent.Kind.REPLIED, issued, officer, f"已出具书面处理意见（{Outcome(outcome).label}）。", True, unit)
        if target == State.REPLIED:
            return
        followed = min(issued + dt.timedelta(hours=dur["follow"]), self.now - dt.timedelta(minutes=2))
        satisfaction = r.choices([Satisfaction.SATISFIED, Satisfaction.BASICALLY, Satisfaction.DISSATISFIED], [70, 20, 10] if outcome == Outcome.SUPPORT else [35, 35, 30])[0]
        resolved = outcome == Outcome.SUPPORT and satisfaction != Satisfaction.DISSATISFIED
        if not case.anonymous or r.random() < 0.3:
            comment = COMMENTS[0 if satisfaction == Satisfaction.SATISFIED else 2 if satisfaction == Satisfaction.BASICALLY else r.choice([3, 4])]
            plan.extra["followup"] = CaseFollowUp(resolved=resolved, satisfaction=satisfaction, comment=comment, channel=ContactChannel.PHONE, by=self.followup, at=followed)
            self._event(plan, CaseEvent.Kind.FOLLOWUP, followed, self.followup, f"{'已解决' if resolved else '未解决'} · {Satisfaction(satisfaction).label}\n{comment}")
        closed = min(followed + dt.timedelta(hours=r.uniform(1, 30)), self.now - dt.timedelta(minutes=1))
        for c in plan.clocks:
            if c.kind != ClockKind.REVIEW_REQUEST:
                c.stopped_at = c.stopped_at or closed
        case.closed_at = closed
        self._event(plan, CaseEvent.Kind.CLOSED, closed, self.followup, "", True)


def town_name(case: Case) -> str:
    return case.town.name if case.town else ""


def load_demo(*, stdout: Any, cases: int, seed: int) -> None:
    """Generate ``cases`` demo cases (plus a few review cases) in every state, with texts
    in the installation's language (Simplified Chinese by default)."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        _load_demo(stdout=stdout, cases=cases, seed=seed)


@transaction.atomic
def _load_demo(*, stdout: Any, cases: int, seed: int) -> None:
    if cases <= 0:
        return
    if Case.objects.exists():
        stdout.write("Demo cases already present; skipped.")
        return
    started = timezone.now()
    gen = Generator(seed, started.replace(microsecond=0))
    # Categories get their demo district's default units.
    for cat in gen.categories.values():
        if cat.code in DEFAULT_UNITS and cat.code in gen.categories and DEFAULT_UNITS[cat.code] in gen.units:
            cat.default_unit = gen.units[DEFAULT_UNITS[cat.code]]
            cat.save(update_fields=["default_unit"])
    plans = gen.plans(cases)
    for plan in plans:
        gen.build(plan)
    plans.sort(key=lambda p: p.received)
    _save(gen, plans)
    _reviews(gen, plans)
    audit_record(actor=None, action="case.demo_load", object_type="cases.case", after={"cases": len(plans), "seed": seed})
    stdout.write(f"Demo cases: {Case.objects.count()} in {(timezone.now() - started).total_seconds():.1f} s.")


def _save(gen: Generator, plans: list[Plan]) -> None:
    today = timezone.localdate(gen.now)
    counters: dict[int, int] = defaultdict(int, highest_numbers())  # after any numbers in use
    for plan in plans:
        case = plan.case
        assert case is not None
        year = timezone.localtime(case.received_at).year
        counters[year] += 1
        case.number = f"{year}-{counters[year]:06d}"
        last = max(e.at for e in plan.events)
        case.updated_at = last
        case.updated_by = next((e.actor for e in reversed(plan.events) if e.actor is not None), None)
        case.version = len(plan.events)
        next_due, overdue = clocks.summarise(plan.clocks, today)
        case.next_due = next_due
        case.due_key = next_due or FAR_FUTURE
        case.is_overdue = overdue
        case.search_tokens = tokenize(case.number, case.title, case.content, getattr(case, "search_tokens_reply", ""))
    Case.objects.bulk_create([p.case for p in plans if p.case is not None], batch_size=500)
    sync_sequences()  # the next registration follows the highest demo number (sequence or counter)
    people, events, clock_rows, assignments, replies, meetings, extensions, followups = [], [], [], [], [], [], [], []
    for plan in plans:
        case = plan.case
        for p in plan.extra.get("people", []):
            p.case = case
            people.append(p)
        for e in plan.events:
            e.case = case
            events.append(e)
        for c in plan.clocks:
            c.case = case
            clock_rows.append(c)
        for a in plan.extra.get("assignments", []):
            a.case = case
            assignments.append(a)
        for key, bucket in (("reply", replies), ("extension", extensions), ("followup", followups)):
            if key in plan.extra:
                plan.extra[key].case = case
                bucket.append(plan.extra[key])
        for m in plan.extra.get("meetings", []):
            m.case = case
            meetings.append(m)
    for model, rows in (
        (Complainant, people),
        (CaseEvent, events),
        (CaseClock, clock_rows),
        (CaseAssignment, assignments),
        (CaseReply, replies),
        (CaseMeeting, meetings),
        (CaseExtension, extensions),
        (CaseFollowUp, followups),
    ):
        model.objects.bulk_create(rows, batch_size=1000)  # type: ignore[attr-defined]


def _reviews(gen: Generator, plans: list[Plan]) -> None:
    """A few review and re-review cases through the services, so their links, clocks and
    numbers are exactly what the services make."""
    from cases import services

    r = gen.rng
    today = timezone.localdate(gen.now)
    candidates = [
        p.case
        for p in plans
        if p.case is not None
        and p.case.state in (State.CLOSED, State.REPLIED)
        and p.case.replied_at is not None
        and (today - clocks.local_date(p.case.replied_at)).days < 25
        and p.case.current_unit is not None
        and not p.case.anonymous
    ]
    r.shuffle(candidates)
    intake = gen.intake
    for original in candidates[:6]:
        fresh = Case.objects.get(pk=original.pk)
        review = services.case_request_review(actor=intake, case=fresh, expected_version=fresh.version, reason="信访人对处理意见不服，认为问题没有得到实质解决，申请复查。")
        if r.random() < 0.5 and review.current_unit is not None and review.current_unit.parent_id is not None:
            head = gen.head(review.current_unit)
            officer = gen.officer(review.current_unit)
            review = services.case_draft_reply(actor=officer, case=review, expected_version=review.version, outcome=Outcome.EXPLAIN, text="经复查，原处理意见认定事实清楚，适用政策正确，予以维持。").case
            review = Case.objects.get(pk=review.pk)
            services.case_approve_reply(actor=head, case=review, expected_version=review.version)
            review = Case.objects.get(pk=review.pk)
            services.case_notify_complainant(actor=officer, case=review, expected_version=review.version)
