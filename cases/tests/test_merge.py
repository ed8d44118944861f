"""merge_case: a registered duplicate merged into the main case of the same matter; each
refusal changes nothing; the merged case follows the main case's reply and the
complainant is told."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.testing import District
from audit.models import AuditEntry
from cases import services as s
from cases.models import Case, CaseEvent, CaseLink, CaseReply, Level, State
from cases.tests.helpers import fresh, register, walk
from outbox.models import Delivery, Event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages() -> None:
    """Refusals in English, so the assertions read the msgids."""
    from django.utils import translation

    with translation.override("en"):
        yield


REPOST = {"title": "楼下烧烤店油烟噪音又来了", "content": "幸福里小区楼下烧烤店还是每晚营业到凌晨，油烟噪音扰民，之前反映过。"}


def repost(d: District) -> Case:
    return register(d, **REPOST)


def assert_unchanged(case: Case) -> None:
    now = fresh(case)
    assert now.state == case.state and now.version == case.version
    assert not CaseLink.objects.filter(from_case=case, kind=CaseLink.Kind.DUPLICATE_OF).exists()
    assert not AuditEntry.objects.filter(action="case.merge", object_id=str(case.pk)).exists()


def test_it_merges_a_duplicate_and_tells_the_complainant_why(district: District, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    d = district
    main = walk(d, register(d), State.HANDLING)
    dup = repost(d)
    from outbox.services import contact_set

    contact_set(actor=None, case=dup, phone="13812341234")
    with django_capture_on_commit_callbacks(execute=True):
        merged = s.merge_case(actor=d.intake, case=dup, into=main, expected_version=dup.version, note="同一事项重复反映")
    assert merged.state == State.NOT_ACCEPTED and main.number in merged.decision_reason and "同一事项重复反映" in merged.decision_reason
    assert CaseLink.objects.filter(from_case=dup, to_case=main, kind=CaseLink.Kind.DUPLICATE_OF).exists()
    line = CaseEvent.objects.get(case=dup, kind=CaseEvent.Kind.NOT_ACCEPTED)
    assert line.public and main.number in line.text
    entry = AuditEntry.objects.get(action="case.merge", object_id=str(dup.pk))
    assert entry.after["into"] == main.number
    told = Delivery.objects.get(case=dup, event=Event.NOT_ACCEPTED)
    assert main.number in told.body


def test_it_refuses_to_merge_a_case_into_itself(district: District) -> None:
    dup = repost(district)
    with pytest.raises(ValidationError, match="itself"):
        s.merge_case(actor=district.intake, case=dup, into=dup, expected_version=dup.version)
    assert_unchanged(dup)


def test_it_refuses_to_merge_into_a_closed_case(district: District) -> None:
    d = district
    main = walk(d, register(d), State.CLOSED)
    dup = repost(d)
    with pytest.raises(ValidationError, match="finished"):
        s.merge_case(actor=d.intake, case=dup, into=main, expected_version=dup.version)
    assert_unchanged(dup)


def test_it_refuses_to_merge_into_a_case_whose_review_chain_is_closed(district: District) -> None:
    d = district
    main = walk(d, register(d), State.REPLIED)
    review = s.case_request_review(actor=d.intake, case=main, expected_version=main.version, reason="对答复不服，申请复查。")
    assert review.level == Level.REVIEW
    s.case_withdraw(actor=d.intake, case=review, expected_version=fresh(review).version, reason="申请人撤回复查申请")
    dup = repost(d)
    with pytest.raises(ValidationError, match="closed review chain"):
        s.merge_case(actor=d.intake, case=dup, into=fresh(main), expected_version=dup.version)
    assert_unchanged(dup)


def test_it_refuses_to_merge_into_a_case_that_is_itself_merged(district: District) -> None:
    d = district
    main = walk(d, register(d), State.ACCEPTED)
    first = repost(d)
    s.merge_case(actor=d.intake, case=first, into=main, expected_version=first.version)
    second = register(d, title="烧烤店油烟问题第三次反映", content="幸福里小区烧烤店油烟噪音问题一直没解决。")
    with pytest.raises(ValidationError, match=f"itself merged into {main.number}"):
        s.merge_case(actor=d.intake, case=second, into=fresh(first), expected_version=second.version)
    assert_unchanged(second)


def test_it_refuses_to_merge_a_closed_or_decided_case(district: District) -> None:
    d = district
    main = walk(d, register(d), State.ACCEPTED)
    closed = walk(d, repost(d), State.CLOSED)
    with pytest.raises(ValidationError, match="still to be decided"):
        s.merge_case(actor=d.intake, case=closed, into=main, expected_version=closed.version)
    assert_unchanged(closed)
    accepted = walk(d, repost(d), State.ACCEPTED)
    with pytest.raises(ValidationError, match="still to be decided"):
        s.merge_case(actor=d.intake, case=accepted, into=main, expected_version=accepted.version)
    assert_unchanged(accepted)


def test_it_refuses_to_merge_into_a_case_not_yet_accepted_or_for_staff_other_than_intake(district: District) -> None:
    d = district
    main = register(d)
    dup = repost(d)
    with pytest.raises(ValidationError, match="not been accepted"):
        s.merge_case(actor=d.intake, case=dup, into=main, expected_version=dup.version)
    main = walk(d, main, State.ACCEPTED)
    with pytest.raises(PermissionDenied):
        s.merge_case(actor=d.officer, case=dup, into=main, expected_version=dup.version)
    assert_unchanged(dup)


def test_it_refuses_a_stale_version(district: District) -> None:
    d = district
    main = walk(d, register(d), State.ACCEPTED)
    dup = repost(d)
    with pytest.raises(s.CaseConflict):
        s.merge_case(actor=d.intake, case=dup, into=main, expected_version=dup.version - 1)
    assert_unchanged(dup)


def test_it_follows_the_main_cases_reply_and_tells_the_complainant(district: District, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    d = district
    main = walk(d, register(d), State.HANDLING)
    dup = repost(d)
    from outbox.services import contact_set

    contact_set(actor=None, case=dup, phone="13812341234")
    s.merge_case(actor=d.intake, case=dup, into=main, expected_version=dup.version)
    assert not s.case_follow_reply(case=dup, main=main)  # no reply yet: nothing to follow
    main = walk(d, fresh(main), State.REPLIED)
    with django_capture_on_commit_callbacks(execute=True):
        assert s.case_follow_reply(case=dup, main=main)
    reply = CaseReply.objects.get(case=dup)
    assert reply.status == CaseReply.Status.ISSUED and reply.text == CaseReply.objects.get(case=main).text
    line = CaseEvent.objects.get(case=dup, kind=CaseEvent.Kind.REPLIED)
    assert line.public and main.number in line.text
    assert Delivery.objects.filter(case=dup, event=Event.REPLIED).count() == 1
    assert AuditEntry.objects.filter(action="case.follow_reply", object_id=str(dup.pk)).count() == 1
    # idempotent: following again issues and sends nothing more
    with django_capture_on_commit_callbacks(execute=True):
        assert not s.case_follow_reply(case=dup, main=main)
    assert Delivery.objects.filter(case=dup, event=Event.REPLIED).count() == 1
    # the merged case stays finished when the main case is closed
    walk(d, fresh(main), State.CLOSED)
    assert fresh(dup).state == State.NOT_ACCEPTED and fresh(dup).closed_at is not None


def test_it_issues_the_reply_at_once_when_merged_into_a_case_already_replied(district: District) -> None:
    d = district
    main = walk(d, register(d), State.REPLIED)
    dup = repost(d)
    s.merge_case(actor=d.intake, case=dup, into=main, expected_version=dup.version)
    assert CaseReply.objects.get(case=dup).status == CaseReply.Status.ISSUED
    assert fresh(dup).replied_at is not None
