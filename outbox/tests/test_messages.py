"""Messages to complainants: each case step that concerns them, by SMS and e-mail, in their
language, from editable templates; the delivery log with retries; nothing personal in logs."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from django.core import mail
from django.test import Client

from cases import services as s
from cases.models import Case, CaseType, Channel, RedirectChannel, State
from outbox import backends
from outbox.models import CaseContact, Delivery, Event, MessageTemplate
from outbox.services import contact_set, delivery_attempt, message_queue, normalise_phone
from outbox.tasks import outbox_retry, run_followup_requests
from portal.testing import walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean() -> None:
    backends.sent.clear()


class BrokenSms(backends.BaseSmsBackend):
    def send(self, to: str, text: str) -> str:
        raise backends.SmsError("gateway answered HTTP 503")


def register(district, **kw: object) -> Case:  # noqa: ANN001
    data: dict[str, object] = {
        "actor": district.intake,
        "channel": Channel.PHONE,
        "type": CaseType.COMPLAINT,
        "title": "小区门口占道经营",
        "content": "每天傍晚小区门口有人占道摆摊，堵塞消防通道。",
        "complainants": [s.ComplainantIn(name="陈晓东", phone="13611112222")],
    }
    data.update(kw)
    return s.case_register(**data)


def texts() -> list[str]:
    return [m.text for m in backends.sent]


def test_it_tells_the_complainant_of_the_acceptance_by_sms(district, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    case = register(district)
    with django_capture_on_commit_callbacks(execute=True):
        s.case_accept(actor=district.intake, case=case, expected_version=case.version)
    [sms] = backends.sent
    assert sms.to == "13611112222"
    assert case.number in sms.text and "已依法受理" in sms.text
    delivery = Delivery.objects.get()
    assert (delivery.event, delivery.status, delivery.attempts) == (Event.ACCEPTED, Delivery.Status.SENT, 1)


def test_it_gives_the_reason_of_a_refusal_and_the_channel_of_a_redirection(district, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    a = register(district)
    b = register(district, title="劳动合同纠纷", content="公司拖欠工资三个月")
    with django_capture_on_commit_callbacks(execute=True):
        s.case_not_accept(actor=district.intake, case=a, expected_version=a.version, reason="该事项已由法院作出生效判决")
        s.case_redirect(actor=district.intake, case=b, expected_version=b.version, channel=RedirectChannel.LABOUR_ARBITRATION, reason="请向区劳动人事争议仲裁委员会申请仲裁")
    refusal, redirect = texts()
    assert "不予受理" in refusal and "该事项已由法院作出生效判决" in refusal
    assert "劳动" in redirect and "请向区劳动人事争议仲裁委员会申请仲裁" in redirect


def test_it_sends_the_reply_review_and_rereview_opinions(district, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    case = register(district)
    with django_capture_on_commit_callbacks(execute=True):
        case = walk_to(district, case, State.REPLIED)
    events = list(Delivery.objects.order_by("id").values_list("event", flat=True))
    assert events == [Event.ACCEPTED, Event.REPLIED]
    assert "书面处理意见" in texts()[-1] and "支持" in texts()[-1]
    with django_capture_on_commit_callbacks(execute=True):
        review = s.case_request_review(actor=district.intake, case=case, expected_version=case.version, reason="对处理结果不满意")
    from cases.models import Outcome

    with django_capture_on_commit_callbacks(execute=True):
        review = Case.objects.get(pk=review.pk)
        s.case_draft_reply(actor=district.intake, case=review, expected_version=review.version, outcome=Outcome.EXPLAIN, text="经复查，原处理意见并无不当。")
        review = Case.objects.get(pk=review.pk)
        s.case_approve_reply(actor=district.leader, case=review, expected_version=review.version)
        review = Case.objects.get(pk=review.pk)
        s.case_notify_complainant(actor=district.intake, case=review, expected_version=review.version)
    assert Delivery.objects.order_by("-id").first().event == Event.REVIEW_OPINION
    assert "复查意见" in texts()[-1] and review.number in texts()[-1]


def test_it_tells_of_an_approved_extension_with_the_reason(district, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    case = walk_to(district, register(district), State.HANDLING)
    s.case_request_extension(actor=district.officer, case=case, expected_version=case.version, days=20, reason="涉及多个部门，需联合调查")
    case = Case.objects.get(pk=case.pk)
    with django_capture_on_commit_callbacks(execute=True):
        s.case_decide_extension(actor=district.head, case=case, expected_version=case.version, approve=True)
    assert "延长20日" in texts()[-1] and "涉及多个部门" in texts()[-1]


def test_it_uses_the_contact_and_language_the_complainant_gave(district, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    case = register(district)
    contact_set(actor=None, case=case, phone="", email="chen@example.com", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        s.case_accept(actor=district.intake, case=case, expected_version=case.version)
    assert backends.sent == []
    [email] = mail.outbox
    assert email.to == ["chen@example.com"]
    assert email.subject == "Your matter has been accepted" and case.number in email.body


def test_it_sends_nothing_to_an_anonymous_complainant_without_contact(district, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    case = register(district, complainants=[], anonymous=True)
    with django_capture_on_commit_callbacks(execute=True):
        s.case_accept(actor=district.intake, case=case, expected_version=case.version)
    assert backends.sent == [] and not Delivery.objects.exists()


def test_it_follows_an_administrators_edit_of_a_template_and_a_switched_off_one(district, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    MessageTemplate.objects.filter(event=Event.ACCEPTED, medium="sms", language="zh-hans").update(body="【民声】{{ number }}号已受理，办理单位稍后联系您。")
    MessageTemplate.objects.filter(event=Event.NOT_ACCEPTED, medium="sms").update(is_active=False)
    a, b = register(district), register(district)
    with django_capture_on_commit_callbacks(execute=True):
        s.case_accept(actor=district.intake, case=a, expected_version=a.version)
        s.case_not_accept(actor=district.intake, case=b, expected_version=b.version, reason="重复")
    assert texts() == [f"【民声】{a.number}号已受理，办理单位稍后联系您。"]


def test_it_queues_a_message_once_however_often_it_is_asked(district) -> None:  # noqa: ANN001
    case = register(district)
    assert len(message_queue(case=case, event=Event.ACCEPTED)) == 1
    assert message_queue(case=case, event=Event.ACCEPTED) == []
    assert Delivery.objects.count() == 1


def test_it_retries_a_failing_gateway_then_gives_up_without_logging_personal_data(district, settings, caplog) -> None:  # noqa: ANN001
    settings.SMS_BACKEND = "outbox.tests.test_messages.BrokenSms"
    settings.OUTBOX_MAX_ATTEMPTS = 3
    case = register(district)
    [delivery] = message_queue(case=case, event=Event.CODE_ISSUED, secret="ABCD-2345")
    start = dt.datetime(2026, 4, 1, 2, tzinfo=dt.UTC)
    with caplog.at_level(logging.INFO), time_machine.travel(start, tick=False) as t:
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=start)
        delivery_attempt(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.secret) == (Delivery.Status.QUEUED, 1, "ABCD-2345")
        assert delivery.next_attempt_at == start + dt.timedelta(minutes=1)
        assert delivery_attempt(delivery_id=delivery.pk) is None  # not due yet: nothing happens
        t.shift(dt.timedelta(minutes=2))
        outbox_retry.call_local()
        t.shift(dt.timedelta(minutes=10))
        outbox_retry.call_local()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 3)
    assert delivery.secret == "" and "HTTP 503" in delivery.last_error
    logged = caplog.text
    assert "13611112222" not in logged and "ABCD-2345" not in logged and "陈晓东" not in logged
    assert f"delivery {delivery.pk}" in logged


def test_it_sends_after_a_passing_failure(district, settings) -> None:  # noqa: ANN001
    settings.SMS_BACKEND = "outbox.tests.test_messages.BrokenSms"
    case = register(district)
    [delivery] = message_queue(case=case, event=Event.CODE_ISSUED, secret="ABCD-2345")
    delivery_attempt(delivery_id=delivery.pk)
    settings.SMS_BACKEND = "outbox.backends.LocmemSmsBackend"
    delivery_attempt(delivery_id=delivery.pk, now=dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=5))
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 2 and delivery.secret == ""
    assert "ABCD-2345" in backends.sent[0].text and "[[code]]" in delivery.body


def test_it_asks_for_a_rating_a_few_days_after_the_reply_once(district) -> None:  # noqa: ANN001
    case = walk_to(district, register(district), State.REPLIED)
    now = dt.datetime.now(tz=dt.UTC)
    assert run_followup_requests(now=now) == 0  # too early
    assert run_followup_requests(now=now + dt.timedelta(days=4)) == 1
    assert run_followup_requests(now=now + dt.timedelta(days=5)) == 0
    assert Delivery.objects.filter(case=case, event=Event.FOLLOWUP_REQUEST).count() == 1


def test_it_normalises_mainland_mobile_numbers() -> None:
    assert normalise_phone("+86 138-1234-5678") == "13812345678"
    for bad in ("12345678901", "0571-88888888", "1381234567"):
        with pytest.raises(Exception):  # noqa: B017
            normalise_phone(bad)


def test_it_writes_sms_to_files_by_default(tmp_path, settings) -> None:  # noqa: ANN001
    settings.SMS_FILE_PATH = tmp_path
    ref = backends.FileSmsBackend().send("13812345678", "您好")
    [written] = list(tmp_path.iterdir())
    assert ref and "您好" in written.read_text(encoding="utf-8")


def test_it_lets_administrators_edit_templates_and_read_the_log_masked(client_for, district) -> None:  # noqa: ANN001
    case = register(district)
    message_queue(case=case, event=Event.ACCEPTED)
    admin = client_for("admin")
    assert admin.get("/admin/outbox/messagetemplate/").status_code == 200
    page = admin.get("/admin/outbox/delivery/").content.decode()
    assert "136****2222" in page and "13611112222" not in page
    template = MessageTemplate.objects.get(event=Event.ACCEPTED, medium="sms", language="zh-hans")
    assert admin.get(f"/admin/outbox/messagetemplate/{template.pk}/change/").status_code == 200
    for persona in ("intake", "officer"):
        assert client_for(persona).get("/admin/outbox/delivery/").status_code in (302, 403)
    assert Client().get("/admin/outbox/messagetemplate/").status_code == 302
    assert CaseContact.objects.count() == 0
