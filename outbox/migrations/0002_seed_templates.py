"""Default message templates (Chinese and English), editable by administrators."""

from django.db import migrations

SIGN_ZH = "【民声】"
SIGN_EN = "[Minsheng] "

# event: (zh subject, zh sms, en subject, en sms); e-mail bodies add the link and a closing line.
TEXTS = {
    "code_issued": (
        "您的信访事项已登记",
        "您反映的事项已登记，编号{{ number }}，查询码{{ code }}。请妥善保存查询码，凭编号和查询码可在网上查询办理进度：{{ link }}",
        "Your matter has been registered",
        "Your matter has been registered as no. {{ number }}; your query code is {{ code }}. Keep the code safe: with the number and the code you can follow the case online: {{ link }}",
    ),
    "accepted": (
        "您的信访事项已受理",
        "您反映的事项（编号{{ number }}）已依法受理，将转交有关单位办理，办理期限一般为60日。",
        "Your matter has been accepted",
        "Your matter no. {{ number }} has been accepted and will be passed to the unit responsible; it is normally answered within 60 days.",
    ),
    "not_accepted": (
        "您的信访事项不予受理",
        "您反映的事项（编号{{ number }}）经审查不予受理。理由：{{ reason }}",
        "Your matter was not accepted",
        "Your matter no. {{ number }} was not accepted. Reason: {{ reason }}",
    ),
    "redirected": (
        "请通过法定途径提出您的请求",
        "您反映的事项（编号{{ number }}）依法应通过“{{ channel }}”途径解决，请向有关机关提出。说明：{{ reason }}",
        "Please use the statutory channel",
        "Your matter no. {{ number }} must by law be pursued through: {{ channel }}. Please apply there. Note: {{ reason }}",
    ),
    "extended": (
        "您的信访事项办理期限已延长",
        "您反映的事项（编号{{ number }}）因情况复杂，办理期限延长{{ days }}日（至{{ due }}）。原因：{{ reason }}",
        "The handling time of your matter was extended",
        "The handling time of your matter no. {{ number }} was extended by {{ days }} days (to {{ due }}). Reason: {{ reason }}",
    ),
    "replied": (
        "您的信访事项已出具处理意见",
        "您反映的事项（编号{{ number }}）已出具书面处理意见（{{ outcome }}）。请凭编号和查询码查看全文并评价：{{ link }} 如不服，可在收到之日起30日内申请复查。",
        "A written reply to your matter has been issued",
        "A written reply to your matter no. {{ number }} has been issued ({{ outcome }}). Read it and rate it with your number and query code: {{ link }} If you disagree you may ask for a review within 30 days.",
    ),
    "review_opinion": (
        "复查意见已出具",
        "您申请复查的事项（编号{{ number }}）已出具复查意见（{{ outcome }}）。查看全文：{{ link }} 如不服，可在收到之日起30日内申请复核。",
        "The review opinion has been issued",
        "The review opinion on your matter no. {{ number }} has been issued ({{ outcome }}). Read it: {{ link }} If you disagree you may ask for a re-review within 30 days.",
    ),
    "rereview_opinion": (
        "复核意见已出具",
        "您申请复核的事项（编号{{ number }}）已出具复核意见（{{ outcome }}）。查看全文：{{ link }} 复核意见为最终意见。",
        "The re-review opinion has been issued",
        "The re-review opinion on your matter no. {{ number }} has been issued ({{ outcome }}). Read it: {{ link }} The re-review opinion is final.",
    ),
    "followup_request": (
        "请评价我们的答复",
        "您反映的事项（编号{{ number }}）已答复。问题是否解决？您是否满意？请凭编号和查询码评价：{{ link }}",
        "Please rate our answer",
        "Your matter no. {{ number }} has been answered. Was it resolved, and are you satisfied? Rate it with your number and query code: {{ link }}",
    ),
}


def forwards(apps, schema_editor):
    MessageTemplate = apps.get_model("outbox", "MessageTemplate")
    for event, (zh_subject, zh_text, en_subject, en_text) in TEXTS.items():
        rows = [
            ("sms", "zh-hans", "", SIGN_ZH + zh_text),
            ("email", "zh-hans", zh_subject, "您好：\n\n" + zh_text + "\n\n此邮件由系统自动发送，请勿直接回复。"),
            ("sms", "en", "", SIGN_EN + en_text),
            ("email", "en", en_subject, "Hello,\n\n" + en_text + "\n\nThis message was sent automatically; please do not reply to it."),
        ]
        for medium, language, subject, body in rows:
            MessageTemplate.objects.update_or_create(event=event, medium=medium, language=language, defaults={"subject": subject, "body": body})


def backwards(apps, schema_editor):
    apps.get_model("outbox", "MessageTemplate").objects.filter(event__in=list(TEXTS)).delete()


class Migration(migrations.Migration):
    dependencies = [("outbox", "0001_outbox_schema")]
    operations = [migrations.RunPython(forwards, backwards)]
