"""Likely duplicates, dismissing, merging (and following the main case's reply), similar replies."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.testing import District
from audit.models import AuditEntry
from cases import services as cs
from cases.models import CaseEvent, CaseLink, CaseReply, State
from cases.tests.helpers import fresh, walk
from triage import services
from triage.models import CaseFingerprint, DuplicateDecision
from triage.selectors import similar_replies
from triage.tests.helpers import new_case

pytestmark = pytest.mark.django_db

ORIGINAL = (
    "幸福里小区3栋楼下烧烤店油烟扰民",
    "青山街道幸福里小区3栋楼下的老王烧烤每天晚上营业到凌晨两点，排烟管道正对着居民窗户，油烟熏得家里不能开窗，老人孩子咳嗽不止，"
    "和店主沟通多次没有效果，希望环保部门上门检查，督促安装油烟净化设备。",
)
REPOST = (
    "再次反映幸福里小区烧烤店油烟问题",
    "幸福里小区3栋楼下老王烧烤每晚营业到凌晨两点，排烟管道正对居民窗户，油烟熏得家里不能开窗，老人和孩子咳嗽不止，"
    "跟店主沟通了多次没有效果，希望环保部门上门检查并督促安装油烟净化设备！",
)
OTHER_MATTER = (
    "幸福里小区3栋停水没有通知",
    "青山街道幸福里小区3栋从昨天早上开始停水，物业和供水公司都没有提前通知，居民做饭洗漱都成了问题，希望供水部门尽快恢复供水并说明原因。",
)
NEIGHBOUR = (
    "老王烧烤油烟熏人，请管一管",
    "我家在幸福里小区3栋二楼，楼下老王烧烤的排烟口对着我家阳台，晚上油烟大得没法晾衣服，孩子一直咳嗽，请环保部门督促他们装净化器。",
)


def _indexed(d: District, text: tuple[str, str], **kw: object):  # noqa: ANN202
    case = new_case(d, text[0], text[1], category=kw.pop("category", "air-fumes"), **kw)
    services.case_index(case=case)
    return case


def test_it_finds_a_reposted_message_and_a_neighbours_complaint_but_not_another_matter_at_the_same_place(d: District) -> None:
    main = _indexed(d, ORIGINAL)
    other = _indexed(d, OTHER_MATTER, category="water-outage")
    neighbour = _indexed(d, NEIGHBOUR)
    repost = _indexed(d, REPOST)
    found = services.duplicates_for_case(user=d.intake, case=repost)
    numbers = [c.case.number for c in found]
    assert numbers[0] == main.number and found[0].score > 0.5
    assert neighbour.number in numbers
    assert other.number not in numbers
    assert "nearly the same text" in found[0].reasons[0] or found[0].reasons


def test_it_does_not_match_another_matter_in_the_same_place_and_category(d: District) -> None:
    _indexed(d, ORIGINAL)
    noise = _indexed(
        d,
        ("幸福里小区3栋楼下KTV唱歌到半夜", "幸福里小区3栋楼下新开的KTV每晚唱到凌晨三点，音响震得玻璃响，居民无法入睡，请查处噪音。"),
        category="air-fumes",
    )
    assert services.duplicates_for_case(user=d.intake, case=noise) == []


def test_it_indexes_a_case_on_registration(d: District, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    with django_capture_on_commit_callbacks(execute=True):
        case = new_case(d, ORIGINAL[0], ORIGINAL[1], category="air-fumes")
    fp = CaseFingerprint.objects.get(case=case)
    assert fp.town_id == d.town_a.pk and fp.keywords and len(bytes(fp.signature)) == 256


def test_it_shows_only_cases_the_user_may_see(d: District) -> None:
    main = _indexed(d, ORIGINAL)
    repost = _indexed(d, REPOST)
    walk(d, main, State.ASSIGNED, unit=d.town_a)
    walk(d, repost, State.ASSIGNED, unit=d.town_b)
    assert [c.case for c in services.duplicates_for_case(user=d.intake, case=fresh(repost))] == [fresh(main)]
    assert services.duplicates_for_case(user=d.officer2, case=fresh(repost)) == []


def test_it_never_suggests_a_dismissed_pair_again(d: District) -> None:
    main = _indexed(d, ORIGINAL)
    repost = _indexed(d, REPOST)
    services.duplicate_dismiss(actor=d.intake, case=repost, other=main)
    assert services.duplicates_for_case(user=d.intake, case=repost) == []
    assert services.duplicates_for_case(user=d.intake, case=main) == []
    assert AuditEntry.objects.filter(action="triage.duplicate.dismiss").count() == 1
    with pytest.raises(ValidationError):
        services.duplicate_dismiss(actor=d.intake, case=main, other=repost)
    with pytest.raises(PermissionDenied):
        services.duplicate_dismiss(actor=d.officer, case=main, other=repost)


def test_it_refuses_to_merge_a_case_into_itself(d: District) -> None:
    case = _indexed(d, ORIGINAL)
    with pytest.raises(ValidationError, match="itself"):
        services.case_merge_duplicate(actor=d.intake, case=case, into=case, expected_version=case.version)


def test_it_refuses_to_merge_into_a_closed_review_chain(d: District) -> None:
    main = walk(d, _indexed(d, ORIGINAL), State.CLOSED)
    repost = _indexed(d, REPOST)
    with pytest.raises(ValidationError, match="finished"):
        services.case_merge_duplicate(actor=d.intake, case=repost, into=main, expected_version=repost.version)
    assert fresh(repost).state == State.REGISTERED and not DuplicateDecision.objects.exists()


def test_it_refuses_to_merge_a_case_that_is_no_longer_registered_or_by_someone_else(d: District) -> None:
    main = walk(d, _indexed(d, ORIGINAL), State.ACCEPTED)
    repost = walk(d, _indexed(d, REPOST), State.ACCEPTED)
    with pytest.raises(ValidationError, match="still to be decided"):
        services.case_merge_duplicate(actor=d.intake, case=repost, into=main, expected_version=repost.version)
    other = _indexed(d, NEIGHBOUR)
    with pytest.raises(PermissionDenied):
        services.case_merge_duplicate(actor=d.officer, case=other, into=main, expected_version=other.version)


def test_it_merges_a_duplicate_which_then_follows_the_main_cases_reply(d: District, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    main = walk(d, _indexed(d, ORIGINAL), State.HANDLING)
    repost = _indexed(d, REPOST)
    decision = services.case_merge_duplicate(actor=d.intake, case=repost, into=main, expected_version=repost.version, note="同一人重复反映")
    repost = fresh(repost)
    assert decision.kind == DuplicateDecision.Kind.MERGED
    assert repost.state == State.NOT_ACCEPTED and main.number in repost.decision_reason
    assert CaseLink.objects.filter(from_case=repost, to_case=main, kind=CaseLink.Kind.DUPLICATE_OF).exists()
    told = CaseEvent.objects.filter(case=repost, kind=CaseEvent.Kind.NOT_ACCEPTED, public=True).get()
    assert main.number in told.text
    assert not CaseReply.objects.filter(case=repost).exists()
    with django_capture_on_commit_callbacks(execute=True):
        main = walk(d, fresh(main), State.REPLIED)
    reply = CaseReply.objects.get(case=repost)
    assert reply.status == CaseReply.Status.ISSUED and reply.text == CaseReply.objects.get(case=main).text
    line = CaseEvent.objects.filter(case=repost, kind=CaseEvent.Kind.REPLIED).get()
    assert line.public and main.number in line.text
    assert fresh(repost).replied_at is not None
    # following again changes nothing
    assert services.follow_main_reply(main=main) == 0
    assert CaseEvent.objects.filter(case=repost, kind=CaseEvent.Kind.REPLIED).count() == 1
    assert services.duplicates_for_case(user=d.intake, case=main) == []  # merged cases are not suggested again
    with pytest.raises(ValidationError, match="itself merged"):
        other = _indexed(d, NEIGHBOUR)
        services.case_merge_duplicate(actor=d.intake, case=other, into=fresh(repost), expected_version=other.version)


def test_it_merges_into_a_case_already_replied_and_issues_its_reply_at_once(d: District) -> None:
    main = walk(d, _indexed(d, ORIGINAL), State.REPLIED)
    repost = _indexed(d, REPOST)
    services.case_merge_duplicate(actor=d.intake, case=repost, into=main, expected_version=repost.version)
    assert CaseReply.objects.get(case=repost).status == CaseReply.Status.ISSUED


def test_it_lists_similar_past_replies_for_the_draft(d: District) -> None:
    done = walk(d, _indexed(d, ORIGINAL), State.REPLIED)
    walk(d, _indexed(d, OTHER_MATTER, category="water-outage"), State.REPLIED)
    current = _indexed(d, NEIGHBOUR)
    items = similar_replies(user=d.intake, case=current)
    assert [r.case for r in items] == [done]
    assert items[0].reply.text.startswith("经调查") and items[0].score > 0.2


def test_it_shows_the_duplicates_panel_with_merge_and_dismiss_buttons(d: District, client_for) -> None:  # noqa: ANN001
    main = walk(d, _indexed(d, ORIGINAL), State.ACCEPTED)
    repost = _indexed(d, REPOST)
    client = client_for("intake")
    html = client.get(f"/triage/cases/{repost.number}/duplicates/").content.decode()
    assert (
        f'data-duplicate="{main.number}"' in html
        and f'data-testid="merge-{main.number}"' in html
        and f'data-testid="dismiss-{main.number}"' in html
    )
    response = client.post(
        f"/triage/cases/{repost.number}/duplicates/merge/", {"other": main.number, "version": repost.version}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    assert fresh(repost).state == State.NOT_ACCEPTED
    response = client.post(f"/triage/cases/{main.number}/duplicates/merge/", {"other": main.number}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "itself" in response.content.decode() or "自身" in response.content.decode()


def test_it_shows_the_similar_replies_panel_with_a_copy_button(d: District, client_for) -> None:  # noqa: ANN001
    done = walk(d, _indexed(d, ORIGINAL), State.REPLIED)
    current = _indexed(d, NEIGHBOUR)
    html = client_for("intake").get(f"/triage/cases/{current.number}/similar-replies/").content.decode()
    assert f'data-similar="{done.number}"' in html and "data-copy-reply" in html and "经调查" in html


def test_it_hangs_its_panels_under_the_case_page(d: District, client_for) -> None:  # noqa: ANN001
    case = _indexed(d, ORIGINAL)
    html = client_for("intake").get(f"/cases/{case.number}/").content.decode()
    assert f"/triage/cases/{case.number}/duplicates/" in html and f"/triage/cases/{case.number}/similar-replies/" in html


def test_it_hides_panels_of_cases_outside_the_users_scope(d: District, client_for) -> None:  # noqa: ANN001
    case = walk(d, _indexed(d, ORIGINAL), State.ASSIGNED, unit=d.town_a)
    client = client_for("officer2")
    assert client.get(f"/triage/cases/{case.number}/duplicates/").status_code == 404
    assert client.get(f"/triage/cases/{case.number}/similar-replies/").status_code == 404
    assert client.post(f"/triage/cases/{case.number}/duplicates/dismiss/", {"other": case.number}).status_code == 404


def test_it_refuses_merge_and_dismiss_to_unit_staff(d: District, client_for) -> None:  # noqa: ANN001
    main = walk(d, _indexed(d, ORIGINAL), State.ASSIGNED, unit=d.town_a)
    repost = walk(d, _indexed(d, REPOST), State.ASSIGNED, unit=d.town_a)
    client = client_for("officer")
    assert client.post(f"/triage/cases/{repost.number}/duplicates/dismiss/", {"other": main.number}).status_code == 403
    assert client.post(f"/triage/cases/{repost.number}/duplicates/merge/", {"other": main.number}).status_code == 403
    _ = cs
