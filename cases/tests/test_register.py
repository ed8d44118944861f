from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.testing import District
from audit.models import AuditEntry
from cases import services as s
from cases.models import CONTENT_MAX, Case, CaseClock, CaseType, Channel, ClockKind, Complainant, Level, State
from cases.tests.helpers import fresh, register, walk

pytestmark = pytest.mark.django_db


def test_it_numbers_cases_per_year_in_sequence(d: District) -> None:
    a, b = register(d), register(d)
    year = timezone.localdate().year
    assert a.number == f"{year}-000001" and b.number == f"{year}-000002"


def test_it_registers_with_complainants_clock_and_audit(d: District) -> None:
    case = register(d, complainants=[{"name": "李四", "phone": "13900001111"}, {"name": "王五", "is_representative": True}], head_count=12)
    assert case.state == State.REGISTERED and case.joint and case.head_count == 12
    assert Complainant.objects.filter(case=case).count() == 2
    clock = CaseClock.objects.get(case=case, kind=ClockKind.DECIDE)
    assert clock.stopped_at is None and clock.days == 15
    assert AuditEntry.objects.filter(action="case.register", object_id=str(case.pk)).count() == 1
    assert fresh(case).next_due == clock.due_date


def test_it_returns_the_first_case_for_a_retried_submission(d: District) -> None:
    first = register(d, idempotency_key="client-abc-1")
    again = register(d, idempotency_key="client-abc-1", title="重复提交的标题")
    assert again.pk == first.pk and Case.objects.count() == 1
    assert AuditEntry.objects.filter(action="case.register").count() == 1


def test_it_marks_accusations_confidential(d: District) -> None:
    case = register(d, type=CaseType.ACCUSATION, accused_unit=d.housing, category="misconduct-bribery")
    assert case.confidential and case.accused_unit == d.housing


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"content": "字" * (CONTENT_MAX + 1)}, "content"),
        ({"category": "no-such-category"}, "category"),
        ({"category": 999999}, "category"),
        ({"town": "no-such-unit"}, "town"),
        ({"channel": "fax"}, "channel"),
        ({"type": "gossip"}, "type"),
        ({"complainants": []}, "complainants"),
        ({"complainants": [{"name": "张三", "phone": "call me"}]}, "complainants.0.phone"),
        ({"complainants": [{"name": "张三", "id_number": "12345"}]}, "complainants.0.id_number"),
        ({"head_count": 0}, "head_count"),
        ({"received_at": timezone.now() + dt.timedelta(days=2)}, "received_at"),
        ({"latitude": 123.0}, "latitude"),
    ],
)
def test_it_refuses_bad_input_and_stores_nothing(d: District, changes: dict, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        register(d, **changes)
    assert field in exc.value.message_dict
    assert Case.objects.count() == 0 and AuditEntry.objects.filter(action="case.register").count() == 0


def test_it_refuses_a_town_that_is_not_a_town_and_an_accused_unit_on_a_complaint(d: District) -> None:
    with pytest.raises(ValidationError) as exc:
        register(d, town=d.housing)
    assert "town" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        register(d, accused_unit=d.housing)
    assert "accused_unit" in exc.value.message_dict


def test_it_refuses_registration_by_other_roles(d: District) -> None:
    for user in (d.officer, d.head, d.leader, d.supervisor, d.followup):
        with pytest.raises(PermissionDenied):
            register(d, actor=user)
    with pytest.raises(PermissionDenied):
        register(d, actor=None, channel=Channel.VISIT)
    assert Case.objects.count() == 0


def test_it_accepts_public_channels_without_an_actor(d: District, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    with django_capture_on_commit_callbacks(execute=True):
        case = register(d, actor=None, channel=Channel.WEB)
    assert case.created_by is None
    assert d.intake.notifications.filter(title__contains=case.number).exists()


def test_it_stores_script_as_plain_text(d: District) -> None:
    case = register(d, title="<script>alert(1)</script>", content="<b>粗体</b>")
    assert fresh(case).title == "<script>alert(1)</script>"


def test_it_allows_anonymous_cases_without_complainants(d: District) -> None:
    case = register(d, anonymous=True, complainants=[])
    assert case.anonymous and case.complainants.count() == 0


def test_it_flags_a_new_complaint_on_a_finished_matter(d: District) -> None:
    case = walk(d, register(d), State.REPLIED)
    review = s.case_request_review(actor=d.intake, case=case, expected_version=case.version, reason="对处理意见不服")
    assert review.level == Level.REVIEW
    review = _issue(d, review)
    rereview = s.case_request_rereview(actor=d.intake, case=review, expected_version=review.version, reason="对复查意见不服")
    rereview = _issue(d, rereview)
    assert rereview.final and fresh(case).final and fresh(review).final
    again = register(d)
    assert again.final_match == fresh(case)
    assert case.number in again.final_match_reason
    with pytest.raises(ValidationError):
        s.case_accept(actor=d.intake, case=again, expected_version=again.version)
    s.case_accept(actor=d.intake, case=again, expected_version=again.version, note="信访人提出了新的事实和证据。")
    assert fresh(again).state == State.ACCEPTED


def _issue(d: District, case: Case) -> Case:
    """Draft, approve and issue the opinion of a review-level case handled at the district (intake drafts, a leader approves)."""
    case = fresh(case)
    assert case.current_unit is not None and case.current_unit.parent_id is None
    s.case_draft_reply(actor=d.intake, case=case, expected_version=case.version, outcome="explain", text="经复查，原处理意见认定事实清楚，予以维持。")
    case = fresh(case)
    s.case_approve_reply(actor=d.leader, case=case, expected_version=case.version)
    case = fresh(case)
    s.case_notify_complainant(actor=d.intake, case=case, expected_version=case.version)
    return fresh(case)
