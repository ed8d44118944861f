from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.testing import District
from audit.models import AuditEntry
from cases import services as s
from cases.models import (
    Case,
    CaseAssignment,
    CaseClock,
    CaseEvent,
    CaseExtension,
    CaseLink,
    CaseReply,
    CaseType,
    ClockKind,
    Outcome,
    RedirectChannel,
    State,
)
from cases.tests.helpers import fresh, local, register, walk

pytestmark = pytest.mark.django_db


def _audits(case: Case) -> int:
    return AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk)).count()


def _unchanged(case: Case, before: Case, audits: int) -> None:
    after = fresh(case)
    assert (after.state, after.version) == (before.state, before.version)
    assert _audits(case) == audits


# --- decision -------------------------------------------------------------


def test_it_accepts_and_starts_the_assign_and_handling_clocks(d: District) -> None:
    case = register(d, type=CaseType.APPEAL, category="wages-arrears")
    s.case_accept(actor=d.intake, case=case, expected_version=1)
    case = fresh(case)
    assert case.state == State.ACCEPTED and case.version == 2 and case.decided_at
    kinds = {c.kind: c for c in CaseClock.objects.filter(case=case)}
    assert kinds[ClockKind.DECIDE].stopped_at is not None
    assert kinds[ClockKind.HANDLE].days == 60 and kinds[ClockKind.ASSIGN].days == 15
    assert ClockKind.CONTACT not in kinds  # an appeal follows the statutory limits


def test_it_uses_hotline_limits_for_complaints(d: District) -> None:
    case = register(d, category="water-outage", type=CaseType.HELP, urgent=True)
    s.case_accept(actor=d.intake, case=case, expected_version=1)
    handle = CaseClock.objects.get(case=case, kind=ClockKind.HANDLE)
    contact = CaseClock.objects.get(case=case, kind=ClockKind.CONTACT)
    assert handle.due_at is not None and (handle.due_at - handle.started_at) == dt.timedelta(hours=24)
    assert contact.due_at is not None and (contact.due_at - contact.started_at) == dt.timedelta(hours=2)
    s.case_assign(actor=d.intake, case=fresh(case), expected_version=2, units=[d.town_a])
    s.case_receive(actor=d.officer, case=fresh(case), expected_version=3)
    s.case_add_note(actor=d.officer, case=fresh(case), expected_version=4, text="已电话联系信访人。", contact=True)
    assert CaseClock.objects.get(pk=contact.pk).stopped_at is not None


def test_it_does_not_accept_and_tells_why(d: District) -> None:
    case = register(d)
    s.case_not_accept(actor=d.intake, case=case, expected_version=1, reason="诉求已经依法处理完毕。")
    case = fresh(case)
    assert case.state == State.NOT_ACCEPTED and case.closed_at
    assert not CaseClock.objects.filter(case=case, stopped_at__isnull=True).exists()
    line = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.NOT_ACCEPTED)
    assert line.public and "诉求已经依法处理完毕" in line.text


def test_it_redirects_to_a_named_channel(d: District) -> None:
    case = register(d, type=CaseType.APPEAL)
    s.case_redirect(actor=d.intake, case=case, expected_version=1, channel=RedirectChannel.LABOUR_ARBITRATION)
    case = fresh(case)
    assert case.state == State.REDIRECTED and case.redirect_channel == "labour_arbitration"
    with pytest.raises(ValidationError):
        s.case_redirect(actor=d.intake, case=register(d), expected_version=1, channel="astrology")


@pytest.mark.parametrize("service", ["case_accept", "case_not_accept", "case_redirect"])
def test_it_refuses_decisions_by_other_roles_and_in_other_states(d: District, service: str) -> None:
    kwargs = {"case_not_accept": {"reason": "理由"}, "case_redirect": {"channel": RedirectChannel.LITIGATION}}.get(service, {})
    case = register(d)
    audits = _audits(case)
    for user in (d.officer, d.head, d.followup, d.leader):
        with pytest.raises(PermissionDenied):
            getattr(s, service)(actor=user, case=case, expected_version=1, **kwargs)
    _unchanged(case, case, audits)
    accepted = walk(d, register(d), State.ACCEPTED)
    with pytest.raises(ValidationError):
        getattr(s, service)(actor=d.intake, case=accepted, expected_version=accepted.version, **kwargs)


def test_it_requires_a_reason_to_refuse(d: District) -> None:
    case = register(d)
    with pytest.raises(ValidationError) as exc:
        s.case_not_accept(actor=d.intake, case=case, expected_version=1, reason="  ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError):
        s.case_not_accept(actor=d.intake, case=case, expected_version=1, reason="长" * 2001)


# --- assignment -----------------------------------------------------------


def test_it_assigns_to_several_units_with_a_lead(d: District, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    case = walk(d, register(d), State.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        s.case_assign(actor=d.intake, case=case, expected_version=case.version, units=[d.town_a, d.housing], lead=d.housing, instructions="请住建局牵头")
    case = fresh(case)
    assert case.state == State.ASSIGNED and case.current_unit == d.housing
    rows = {a.unit_id: a for a in CaseAssignment.objects.filter(case=case)}
    assert rows[d.housing.pk].is_lead and not rows[d.town_a.pk].is_lead
    assert CaseClock.objects.get(case=case, kind=ClockKind.OBJECTION, stopped_at__isnull=True).day_type == "working"
    assert d.dept_officer.notifications.filter(title__contains=case.number).exists()
    assert d.officer.notifications.filter(title__contains=case.number).exists()
    assert not d.officer2.notifications.exists()
    # the co-unit receives its part without moving the case; the lead's receipt starts handling
    s.case_receive(actor=d.officer, case=case, expected_version=case.version)
    assert fresh(case).state == State.ASSIGNED
    s.case_receive(actor=d.dept_officer, case=fresh(case), expected_version=fresh(case).version)
    assert fresh(case).state == State.HANDLING


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"units": []}, "units"),
        ({"units": ["no-such-unit"]}, "units"),
        ({"units": ["qingshan"], "lead": "hexi"}, "lead"),
        ({"units": ["district"]}, "units"),
        ({"units": ["qingshan"], "due_date": dt.date(2000, 1, 1)}, "due_date"),
    ],
)
def test_it_refuses_bad_assignments(d: District, kwargs: dict, field: str) -> None:
    case = walk(d, register(d), State.ACCEPTED)
    audits = _audits(case)
    with pytest.raises(ValidationError) as exc:
        s.case_assign(actor=d.intake, case=case, expected_version=case.version, **kwargs)
    assert field in exc.value.message_dict
    _unchanged(case, case, audits)
    assert not CaseAssignment.objects.filter(case=case).exists()


def test_it_refuses_a_due_date_after_the_statutory_one_and_accepts_an_earlier_one(d: District) -> None:
    case = walk(d, register(d, type=CaseType.APPEAL, category="wages-arrears"), State.ACCEPTED)
    handle = CaseClock.objects.get(case=case, kind=ClockKind.HANDLE)
    with pytest.raises(ValidationError):
        s.case_assign(actor=d.intake, case=case, expected_version=case.version, units=[d.town_a], due_date=handle.due_date + dt.timedelta(days=1))
    earlier = timezone.localdate() + dt.timedelta(days=10)
    s.case_assign(actor=d.intake, case=case, expected_version=case.version, units=[d.town_a], due_date=earlier)
    assert CaseClock.objects.get(pk=handle.pk).due_date == earlier


def test_it_never_assigns_an_accusation_to_the_accused_unit(d: District) -> None:
    case = register(d, type=CaseType.ACCUSATION, accused_unit=d.town_a, category="style-inaction")
    case = walk(d, case, State.ACCEPTED)
    for unit in (d.town_a, d.town_a_sub):
        with pytest.raises(ValidationError):
            s.case_assign(actor=d.intake, case=case, expected_version=case.version, units=[unit])
    s.case_assign(actor=d.intake, case=case, expected_version=case.version, units=[d.supervision])


def test_it_refuses_receipt_by_another_unit(d: District) -> None:
    case = walk(d, register(d), State.ASSIGNED)
    for user in (d.officer2, d.head_b, d.dept_officer, d.intake, d.leader):
        with pytest.raises(PermissionDenied):
            s.case_receive(actor=user, case=case, expected_version=case.version)
    assert fresh(case).state == State.ASSIGNED


# --- objection --------------------------------------------------------------


def test_it_sends_an_objected_case_back_to_intake(d: District, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    case = walk(d, register(d), State.ASSIGNED)
    with django_capture_on_commit_callbacks(execute=True):
        s.case_object(actor=d.officer, case=case, expected_version=case.version, reason="该事项属于区住建局职责。")
    case = fresh(case)
    assert case.state == State.OBJECTED and case.current_unit is None
    assert CaseAssignment.objects.get(case=case).status == CaseAssignment.Status.OBJECTED
    assert CaseClock.objects.filter(case=case, kind=ClockKind.ASSIGN, stopped_at__isnull=True).exists()
    assert d.intake.notifications.filter(title__contains=case.number).exists()
    # intake reassigns it
    s.case_assign(actor=d.intake, case=case, expected_version=case.version, units=[d.housing])
    assert fresh(case).state == State.ASSIGNED and fresh(case).current_unit == d.housing


def test_it_refuses_an_objection_after_five_working_days(d: District, cal: None) -> None:
    with time_machine.travel(local(2026, 2, 13, 9), tick=False):  # Friday before the Spring Festival
        case = walk(d, register(d), State.ASSIGNED)
        clock = CaseClock.objects.get(case=case, kind=ClockKind.OBJECTION)
        assert clock.due_date == dt.date(2026, 2, 27)  # 14 (make-up Sat), 24, 25, 26, 27
    with time_machine.travel(local(2026, 2, 27, 17), tick=False):
        assert "object" in [a.key for a in s.available_actions(d.officer, case)]
    with time_machine.travel(local(2026, 3, 2, 9), tick=False):
        with pytest.raises(ValidationError) as exc:
            s.case_object(actor=d.officer, case=case, expected_version=case.version, reason="不属于本单位")
        assert "2026-02-27" in exc.value.messages[0]
        assert fresh(case).state == State.ASSIGNED
        s.case_receive(actor=d.officer, case=case, expected_version=case.version)


def test_it_requires_a_reason_to_object(d: District) -> None:
    case = walk(d, register(d), State.ASSIGNED)
    with pytest.raises(ValidationError):
        s.case_object(actor=d.officer, case=case, expected_version=case.version, reason="")


# --- handling ---------------------------------------------------------------


def test_it_keeps_notes_internal(d: District) -> None:
    case = walk(d, register(d), State.HANDLING)
    line = s.case_add_note(actor=d.officer, case=case, expected_version=case.version, text="已到现场核查。")
    assert line.kind == CaseEvent.Kind.NOTE and not line.public
    with pytest.raises(PermissionDenied):
        s.case_add_note(actor=d.officer2, case=fresh(case), expected_version=fresh(case).version, text="x")
    with pytest.raises(ValidationError):
        s.case_add_note(actor=d.officer, case=fresh(case), expected_version=fresh(case).version, text="")


def test_it_records_a_meeting_and_refuses_impossible_ones(d: District) -> None:
    case = walk(d, register(d), State.HANDLING)
    now = timezone.now()
    meeting = s.case_record_meeting(actor=d.officer, case=case, expected_version=case.version, held_at=timezone.now(), place="街道接待室", participants="李海燕、张小三")
    assert meeting.case_id == case.pk
    case = fresh(case)
    with pytest.raises(ValidationError):
        s.case_record_meeting(actor=d.officer, case=case, expected_version=case.version, held_at=now + dt.timedelta(days=1), place="x", participants="y")
    with pytest.raises(ValidationError):
        s.case_record_meeting(actor=d.officer, case=case, expected_version=case.version, held_at=now - dt.timedelta(days=30), place="x", participants="y")
    anon = walk(d, register(d, anonymous=True, complainants=[]), State.HANDLING)
    with pytest.raises(ValidationError):
        s.case_record_meeting(actor=d.officer, case=anon, expected_version=anon.version, held_at=now, place="x", participants="y")


def test_it_extends_once_with_the_heads_approval_and_tells_the_complainant(d: District, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    case = walk(d, register(d, type=CaseType.APPEAL, category="wages-arrears"), State.HANDLING)
    handle = CaseClock.objects.get(case=case, kind=ClockKind.HANDLE)
    with pytest.raises(ValidationError):
        s.case_request_extension(actor=d.officer, case=case, expected_version=case.version, days=31, reason="需要调查")
    with pytest.raises(ValidationError):
        s.case_request_extension(actor=d.officer, case=case, expected_version=case.version, days=10, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        s.case_request_extension(actor=d.officer, case=case, expected_version=case.version, days=30, reason="需等待第三方检测报告。")
    assert d.head.notifications.filter(title__contains=case.number).exists()
    case = fresh(case)
    with pytest.raises(ValidationError):
        s.case_request_extension(actor=d.officer, case=case, expected_version=case.version, days=5, reason="再延一次")
    with pytest.raises(PermissionDenied):
        s.case_decide_extension(actor=d.officer, case=case, expected_version=case.version, approve=True)
    with pytest.raises(PermissionDenied):
        s.case_decide_extension(actor=d.head_b, case=case, expected_version=case.version, approve=True)
    s.case_decide_extension(actor=d.head, case=case, expected_version=case.version, approve=True)
    new = CaseClock.objects.get(pk=handle.pk)
    assert new.extended_days == 30 and new.due_date > handle.due_date
    line = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.EXTENSION_APPROVED)
    assert line.public and "需等待第三方检测报告" in line.text
    assert fresh(case).next_due == new.due_date
    case = fresh(case)
    with pytest.raises(ValidationError):
        s.case_request_extension(actor=d.officer, case=case, expected_version=case.version, days=5, reason="再延一次")


def test_it_lets_the_officer_ask_again_after_a_refusal(d: District) -> None:
    case = walk(d, register(d, type=CaseType.APPEAL, category="wages-arrears"), State.HANDLING)
    s.case_request_extension(actor=d.officer, case=case, expected_version=case.version, days=10, reason="需要调查")
    case = fresh(case)
    with pytest.raises(ValidationError):
        s.case_decide_extension(actor=d.head, case=case, expected_version=case.version, approve=False, note="")
    s.case_decide_extension(actor=d.head, case=case, expected_version=case.version, approve=False, note="请按期办结")
    assert CaseExtension.objects.get(case=case).decision == "refused"
    assert not CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.EXTENSION_REFUSED).public
    s.case_request_extension(actor=d.officer, case=fresh(case), expected_version=fresh(case).version, days=10, reason="补充材料")


def test_it_refuses_an_extension_after_the_deadline(d: District) -> None:
    case = walk(d, register(d, type=CaseType.APPEAL, category="wages-arrears"), State.HANDLING)
    handle = CaseClock.objects.get(case=case, kind=ClockKind.HANDLE)
    with time_machine.travel(dt.datetime.combine(handle.due_date + dt.timedelta(days=1), dt.time(10), tzinfo=timezone.get_current_timezone())):
        with pytest.raises(ValidationError) as exc:
            s.case_request_extension(actor=d.officer, case=case, expected_version=case.version, days=10, reason="来不及了")
        assert handle.due_date.isoformat() in exc.value.messages[0]


def test_it_drafts_returns_and_approves_the_reply(d: District, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    case = walk(d, register(d), State.HANDLING)
    with pytest.raises(ValidationError):
        s.case_draft_reply(actor=d.officer, case=case, expected_version=case.version, outcome="maybe", text="x")
    with pytest.raises(ValidationError) as exc:
        s.case_draft_reply(actor=d.officer, case=case, expected_version=case.version, outcome=Outcome.SUPPORT, text="答复", assistance_needed=True)
    assert "assistance_what" in exc.value.message_dict
    s.case_draft_reply(actor=d.officer, case=case, expected_version=case.version, outcome=Outcome.SUPPORT, text="草稿", submit=False)
    case = fresh(case)
    assert case.state == State.HANDLING and CaseReply.objects.get(case=case).status == "draft"
    with django_capture_on_commit_callbacks(execute=True):
        s.case_draft_reply(
            actor=d.officer, case=case, expected_version=case.version, outcome=Outcome.SUPPORT, text="已协调解决。",
            assistance_needed=True, assistance_what="临时救助金", assistance_by="街道民政办", assistance_when=timezone.localdate(),
        )
    assert d.head.notifications.filter(title__contains=case.number).exists()
    case = fresh(case)
    assert case.state == State.REPLY_PENDING
    with pytest.raises(PermissionDenied):
        s.case_approve_reply(actor=d.officer, case=case, expected_version=case.version)
    with pytest.raises(PermissionDenied):
        s.case_approve_reply(actor=d.head_b, case=case, expected_version=case.version)
    s.case_return_reply(actor=d.head, case=case, expected_version=case.version, reason="请补充整改时限。")
    case = fresh(case)
    assert case.state == State.HANDLING and CaseReply.objects.get(case=case).return_reason == "请补充整改时限。"
    s.case_draft_reply(actor=d.officer, case=case, expected_version=case.version, outcome=Outcome.SUPPORT, text="已协调解决，整改于月底前完成。")
    case = fresh(case)
    s.case_approve_reply(actor=d.head, case=case, expected_version=case.version)
    reply = CaseReply.objects.get(case=case)
    assert reply.status == "approved" and reply.approved_by == d.head and fresh(case).state == State.REPLY_APPROVED


def test_it_issues_the_reply_and_opens_the_review_window(d: District) -> None:
    case = walk(d, register(d), State.REPLY_APPROVED)
    with pytest.raises(PermissionDenied):
        s.case_notify_complainant(actor=d.officer2, case=case, expected_version=case.version)
    with pytest.raises(ValidationError):
        s.case_notify_complainant(actor=d.officer, case=case, expected_version=case.version, via="pigeon")
    s.case_notify_complainant(actor=d.officer, case=case, expected_version=case.version, via="sms")
    case = fresh(case)
    assert case.state == State.REPLIED and case.replied_at
    assert not CaseClock.objects.filter(case=case, kind=ClockKind.HANDLE, stopped_at__isnull=True).exists()
    window = CaseClock.objects.get(case=case, kind=ClockKind.REVIEW_REQUEST)
    assert window.stopped_at is None and window.days == 30
    assert case.next_due is None  # a window is not anyone's deadline


def test_it_closes_a_named_case_only_after_the_follow_up(d: District) -> None:
    case = walk(d, register(d), State.REPLIED)
    with pytest.raises(ValidationError):
        s.case_close(actor=d.followup, case=case, expected_version=case.version)
    with pytest.raises(PermissionDenied):
        s.case_record_followup(actor=d.officer, case=case, expected_version=case.version, resolved=True)
    with pytest.raises(ValidationError):
        s.case_record_followup(actor=d.followup, case=case, expected_version=case.version, resolved=True, satisfaction="ecstatic")
    s.case_record_followup(actor=d.followup, case=case, expected_version=case.version, resolved=False, satisfaction="dissatisfied", comment="没有解决")
    with pytest.raises(PermissionDenied):
        s.case_close(actor=d.officer, case=fresh(case), expected_version=fresh(case).version)
    s.case_close(actor=d.followup, case=fresh(case), expected_version=fresh(case).version)
    case = fresh(case)
    assert case.state == State.CLOSED
    assert CaseClock.objects.filter(case=case, kind=ClockKind.REVIEW_REQUEST, stopped_at__isnull=True).exists()


def test_it_closes_an_anonymous_case_without_follow_up(d: District) -> None:
    case = walk(d, register(d, anonymous=True, complainants=[]), State.REPLIED)
    s.case_close(actor=d.intake, case=case, expected_version=case.version)
    assert fresh(case).state == State.CLOSED


# --- review and re-review ---------------------------------------------------


def test_it_opens_a_review_at_the_next_higher_unit_within_thirty_days(d: District) -> None:
    case = walk(d, register(d), State.CLOSED, unit=d.town_a_sub)
    review = s.case_request_review(actor=d.intake, case=case, expected_version=case.version, reason="对处理意见不服，申请复查。")
    assert review.level == "review" and review.parent_case == case and review.current_unit == d.town_a
    assert review.state == State.HANDLING and review.number != case.number
    assert CaseLink.objects.filter(from_case=review, to_case=case, kind="review_of").exists()
    opinion = CaseClock.objects.get(case=review, kind=ClockKind.REVIEW_OPINION)
    assert opinion.days == 30 and fresh(review).next_due == opinion.due_date
    assert review.complainants.count() == case.complainants.count()
    case = fresh(case)
    with pytest.raises(ValidationError):
        s.case_request_review(actor=d.intake, case=case, expected_version=case.version, reason="再次申请")
    # the town handles the review: officer drafts, head approves
    s.case_draft_reply(actor=d.officer, case=review, expected_version=review.version, outcome=Outcome.EXPLAIN, text="经复查，维持原处理意见。")
    s.case_approve_reply(actor=d.head, case=fresh(review), expected_version=fresh(review).version)
    s.case_notify_complainant(actor=d.officer, case=fresh(review), expected_version=fresh(review).version)
    review = fresh(review)
    assert CaseClock.objects.filter(case=review, kind=ClockKind.REREVIEW_REQUEST, stopped_at__isnull=True).exists()
    with pytest.raises(ValidationError):
        s.case_request_review(actor=d.intake, case=review, expected_version=review.version, reason="x")
    rereview = s.case_request_rereview(actor=d.intake, case=review, expected_version=review.version, reason="申请复核")
    assert rereview.level == "rereview" and rereview.current_unit == d.root


def test_it_refuses_a_review_after_the_window(d: District) -> None:
    case = walk(d, register(d), State.REPLIED)
    due = CaseClock.objects.get(case=case, kind=ClockKind.REVIEW_REQUEST).due_date
    with time_machine.travel(dt.datetime.combine(due + dt.timedelta(days=1), dt.time(10), tzinfo=timezone.get_current_timezone())):
        with pytest.raises(ValidationError) as exc:
            s.case_request_review(actor=d.intake, case=case, expected_version=case.version, reason="申请复查")
        assert due.isoformat() in exc.value.messages[0]
    with pytest.raises(PermissionDenied):
        s.case_request_review(actor=d.officer, case=case, expected_version=case.version, reason="申请复查")
    not_yet = walk(d, register(d), State.HANDLING)
    with pytest.raises(ValidationError):
        s.case_request_review(actor=d.intake, case=not_yet, expected_version=not_yet.version, reason="申请复查")
    assert Case.objects.filter(level="review").count() == 0


# --- withdrawal, links, attachments, actions --------------------------------


def test_it_records_a_withdrawal(d: District) -> None:
    case = walk(d, register(d), State.HANDLING)
    with pytest.raises(PermissionDenied):
        s.case_withdraw(actor=d.officer2, case=case, expected_version=case.version)
    s.case_withdraw(actor=d.officer, case=case, expected_version=case.version, reason="问题已自行协商解决")
    case = fresh(case)
    assert case.state == State.WITHDRAWN and not CaseClock.objects.filter(case=case, stopped_at__isnull=True).exists()
    with pytest.raises(ValidationError):
        s.case_withdraw(actor=d.intake, case=case, expected_version=case.version)


def test_it_links_cases_once(d: District) -> None:
    a, b = register(d), register(d)
    s.case_link(actor=d.intake, case=a, expected_version=1, other=b, kind="duplicate_of")
    with pytest.raises(ValidationError):
        s.case_link(actor=d.intake, case=fresh(a), expected_version=2, other=b, kind="duplicate_of")
    with pytest.raises(ValidationError):
        s.case_link(actor=d.intake, case=fresh(a), expected_version=2, other=a)
    with pytest.raises(ValidationError):
        s.case_link(actor=d.intake, case=fresh(a), expected_version=2, other=b, kind="review_of")
    with pytest.raises(PermissionDenied):
        s.case_link(actor=d.officer, case=fresh(a), expected_version=2, other=b)


def test_it_adds_attachments_checked_by_content(d: District, tmp_path, settings) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path
    case = register(d)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    attachment = s.case_add_attachment(actor=d.intake, case=case, expected_version=1, upload=io.BytesIO(png), name="现场照片.png", description="现场")
    assert attachment.file.kind == "image" and fresh(case).version == 2
    with pytest.raises(ValidationError):
        s.case_add_attachment(actor=d.intake, case=fresh(case), expected_version=2, upload=io.BytesIO(b"MZ not a picture"), name="photo.png")
    with pytest.raises(ValidationError):
        s.case_add_attachment(actor=d.intake, case=fresh(case), expected_version=2, upload=io.BytesIO(png), name="a.png", is_material=True)
    with pytest.raises(PermissionDenied):
        s.case_add_attachment(actor=d.officer2, case=fresh(case), expected_version=2, upload=io.BytesIO(png), name="a.png")
    assert fresh(case).version == 2


def test_it_lists_the_actions_each_persona_may_take(d: District) -> None:
    case = register(d)
    assert [a.key for a in s.available_actions(d.intake, case)][:3] == ["accept", "not_accept", "redirect"]
    assert s.available_actions(d.officer, case) == []
    case = walk(d, case, State.ASSIGNED)
    assert {"receive", "object"} <= {a.key for a in s.available_actions(d.officer, case)}
    assert s.available_actions(d.officer2, case) == []
    case = walk(d, case, State.REPLY_PENDING)
    assert {a.key for a in s.available_actions(d.head, case)} >= {"approve_reply", "return_reply"}
    assert "approve_reply" not in {a.key for a in s.available_actions(d.officer, case)}
    case = walk(d, case, State.REPLIED)
    assert "record_followup" in {a.key for a in s.available_actions(d.followup, case)}
    assert "request_review" in {a.key for a in s.available_actions(d.intake, case)}
