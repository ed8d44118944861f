"""The case page: who may see it, masked identities and the logged reveal, attachments
through the permission check, the actions as htmx forms (version conflicts, refusals that
change nothing), and a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.testing import District
from audit.models import AuditEntry
from cases import services as s
from cases.models import Case, CaseAssignment, CaseAttachment, CaseEvent, CaseLink, CaseType, State
from cases.tests.helpers import fresh, register, walk
from cases.tests.test_views_register import PNG

pytestmark = pytest.mark.django_db


def url(case: Case, suffix: str = "") -> str:
    return f"/cases/{case.number}/{suffix}"


def act(client: Any, case: Case, action: str, data: dict[str, Any] | None = None, version: int | None = None, htmx: bool = True) -> Any:
    payload = {"version": fresh(case).version if version is None else version, **(data or {})}
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url(case, f"act/{action}/"), payload, **extra)


def accusation(d: District) -> Case:
    """An accusation against town B, handled by the housing bureau, with a piece of evidence."""
    case = register(
        d,
        type=CaseType.ACCUSATION,
        title="举报河西街道工作人员吃拿卡要",
        content="河西街道城管中队个别队员向商户索要财物。",
        accused_unit=d.town_b,
        complainants=[s.ComplainantIn(name="赵举报", phone="13700007777")],
        materials=[(SimpleUploadedFile("证据.png", PNG), "证据.png")],
    )
    case = walk(d, case, State.ASSIGNED, unit=d.housing)
    s.case_receive(actor=d.dept_officer, case=case, expected_version=case.version)
    return fresh(case)


# ---------------------------------------------------------------- who sees the page


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("intake", 200),
        ("officer", 200),
        ("head", 200),
        ("leader", 200),
        ("supervisor", 200),
        ("followup", 200),
        ("admin", 200),
        ("duty", 200),
        ("officer2", 404),
        ("head_b", 404),
        ("dept_officer", 404),
    ],
)
def test_it_shows_the_case_only_to_users_whose_scope_holds_it(d: District, client_for: Any, persona: str, status: int) -> None:
    case = walk(d, register(d), State.HANDLING)
    client = client_for(persona)
    for suffix in ("", "sheet/", "sheet.docx", "act/add_note/"):
        response = client.get(url(case, suffix))
        assert response.status_code in ((status,) if status == 404 or suffix != "act/add_note/" else (200, 403)), (suffix, response.status_code)


def test_it_sends_a_visitor_who_is_not_signed_in_to_the_sign_in_page(d: District, client: Any) -> None:
    case = register(d)
    for suffix in ("", "sheet/", "sheet.docx", "act/accept/", "files/1/"):
        assert client.get(url(case, suffix)).status_code == 302
    assert client.post(url(case, "reveal/")).status_code == 302
    assert fresh(case).version == case.version


def test_it_answers_404_for_a_case_that_does_not_exist(d: District, client_for: Any) -> None:
    assert client_for("intake").get("/cases/2026-999999/").status_code == 404
    assert client_for("intake").get("/cases/2026-999999/act/accept/").status_code == 404


def test_it_never_shows_an_accusation_to_the_accused_unit(d: District, client_for: Any) -> None:
    case = accusation(d)
    material = CaseAttachment.objects.get(case=case)
    for persona in ("officer2", "head_b"):
        client = client_for(persona)
        for suffix in ("", "sheet/", "sheet.docx", f"files/{material.pk}/", "act/add_note/"):
            assert client.get(url(case, suffix)).status_code == 404, (persona, suffix)
        assert client.post(url(case, "reveal/")).status_code == 404
        assert act(client, case, "add_note", {"text": "我看看"}).status_code == 404
        assert case.number not in client.get("/cases/?box=all").content.decode()
    assert fresh(case).version == case.version


# ---------------------------------------------------------------- identity


def test_it_shows_the_identity_to_the_handling_unit_of_an_ordinary_case(d: District, client_for: Any) -> None:
    case = walk(d, register(d), State.HANDLING)
    html = client_for("officer").get(url(case)).content.decode()
    assert "张小三" in html and "13812341234" in html
    assert 'data-testid="reveal-form"' not in html


@pytest.mark.parametrize("persona", ["leader", "supervisor"])
def test_it_masks_the_identity_for_roles_that_see_it_only_on_request(d: District, client_for: Any, persona: str) -> None:
    case = walk(d, register(d), State.HANDLING)
    html = client_for(persona).get(url(case)).content.decode()
    assert "张*三" in html and "138****1234" in html
    assert "张小三" not in html and "13812341234" not in html and "110101199003071234" not in html
    assert 'data-testid="reveal-form"' in html


def test_it_masks_the_identity_for_the_duty_officer_without_a_reveal_button(d: District, client_for: Any) -> None:
    case = register(d)
    html = client_for("duty").get(url(case)).content.decode()
    assert "张*三" in html and "张小三" not in html
    assert 'data-testid="reveal-form"' not in html
    assert client_for("duty").post(url(case, "reveal/")).status_code == 403
    assert not AuditEntry.objects.filter(action="case.reveal_identity").exists()


def test_it_reveals_a_masked_identity_on_an_explicit_click_and_logs_it(d: District, client_for: Any) -> None:
    case = walk(d, register(d), State.HANDLING)
    client = client_for("supervisor")
    response = client.post(url(case, "reveal/"), {"reason": "核实重复信访"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "张小三" in html and "13812341234" in html and 'data-revealed="1"' in html
    entry = AuditEntry.objects.get(action="case.reveal_identity")
    assert entry.actor == d.supervisor and entry.object_id == str(case.pk) and entry.after["reason"] == "核实重复信访"
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.IDENTITY_REVEALED, actor=d.supervisor).exists()
    # the reveal does not change the case
    assert fresh(case).version == case.version
    # the next visit shows it masked again, with the access log
    again = client.get(url(case)).content.decode()
    assert "张小三" not in again and 'data-testid="access-log"' in again
    # without htmx the whole page comes back with the identity shown
    page = client.post(url(case, "reveal/")).content.decode()
    assert "<html" in page and "张小三" in page
    assert AuditEntry.objects.filter(action="case.reveal_identity").count() == 2


def test_it_keeps_an_accusers_identity_from_the_handling_unit(d: District, client_for: Any) -> None:
    case = accusation(d)
    client = client_for("dept_officer")
    html = client.get(url(case)).content.decode()
    assert "赵*报" in html and "赵举报" not in html and "13700007777" not in html
    assert 'data-testid="reveal-form"' not in html
    assert client.post(url(case, "reveal/")).status_code == 403
    assert not AuditEntry.objects.filter(action="case.reveal_identity").exists()
    # intake may reveal it, and it is logged
    intake = client_for("intake")
    assert "赵举报" not in intake.get(url(case)).content.decode()
    assert "赵举报" in intake.post(url(case, "reveal/"), HTTP_HX_REQUEST="true").content.decode()
    assert AuditEntry.objects.filter(action="case.reveal_identity", actor=d.intake).count() == 1


# ---------------------------------------------------------------- attachments


def test_it_uploads_an_attachment_and_serves_it_only_through_the_permission_check(d: District, client_for: Any) -> None:
    case = walk(d, register(d), State.HANDLING)
    response = act(client_for("officer"), case, "add_attachment", {"upload": SimpleUploadedFile("现场.png", PNG), "description": "现场照片"})
    assert response.status_code == 204 and response["HX-Redirect"] == url(case)
    attachment = CaseAttachment.objects.get(case=case)
    download = client_for("head").get(url(case, f"files/{attachment.pk}/"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert "attachment" in download["Content-Disposition"] and download["Content-Type"] == "image/png"
    assert client_for("officer2").get(url(case, f"files/{attachment.pk}/")).status_code == 404
    other = register(d, title="另一件")
    assert client_for("intake").get(url(other, f"files/{attachment.pk}/")).status_code == 404  # not this case's file
    assert 'data-attachment="' in client_for("officer").get(url(case)).content.decode()


def test_it_refuses_a_file_that_is_not_what_its_name_says(d: District, client_for: Any) -> None:
    case = walk(d, register(d), State.HANDLING)
    response = act(client_for("officer"), case, "add_attachment", {"upload": SimpleUploadedFile("现场.png", b"%PDF-1.4 not an image")})
    assert response.status_code == 422
    assert re.search(r'data-field-error="upload">文件内容与其扩展名', response.content.decode())
    assert CaseAttachment.objects.count() == 0 and fresh(case).version == case.version


def test_it_withholds_accusation_materials_from_those_who_see_the_identity_masked(d: District, client_for: Any) -> None:
    case = accusation(d)
    material = CaseAttachment.objects.get(case=case)
    assert client_for("duty").get(url(case, f"files/{material.pk}/")).status_code == 404
    assert f'data-attachment="{material.pk}"' not in client_for("duty").get(url(case)).content.decode()
    assert client_for("intake").get(url(case, f"files/{material.pk}/")).status_code == 200


# ---------------------------------------------------------------- actions


def test_it_offers_each_user_only_the_actions_they_may_take_now(d: District, client_for: Any) -> None:
    case = register(d)

    def buttons(persona: str, c: Case) -> set[str]:
        return set(re.findall(r'data-action="([a-z_]+)" *>', client_for(persona).get(url(c)).content.decode()))

    assert {"accept", "not_accept", "redirect"} <= buttons("intake", case)
    assert buttons("supervisor", case) == set()
    case = walk(d, case, State.HANDLING)
    assert {"draft_reply", "request_extension", "record_meeting", "add_note"} <= buttons("officer", case)
    assert "accept" not in buttons("officer", case)
    assert "no-actions" in client_for("supervisor").get(url(case)).content.decode()
    assert client_for("supervisor").get(url(case, "act/draft_reply/")).status_code == 403
    assert client_for("officer").get(url(case, "act/accept/")).status_code == 403
    assert client_for("officer").get(url(case, "act/nonsense/")).status_code == 404


def test_it_opens_an_action_form_inline_with_the_case_version(d: District, client_for: Any) -> None:
    case = register(d)
    response = client_for("intake").get(url(case, "act/not_accept/"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f'name="version" value="{case.version}"' in html
    assert 'hx-post="/cases/' in html
    # without htmx it is a page of its own
    assert "<html" in client_for("intake").get(url(case, "act/not_accept/")).content.decode()


def test_it_shows_a_missing_reason_beside_the_field_and_changes_nothing(d: District, client_for: Any) -> None:
    case = register(d)
    response = act(client_for("intake"), case, "not_accept", {"reason": ""})
    assert response.status_code == 422
    assert re.search(r'data-field-error="reason">这个字段是必填项。', response.content.decode())
    after = fresh(case)
    assert after.state == State.REGISTERED and after.version == case.version


def test_it_tells_the_second_user_who_changed_the_case_and_offers_a_reload(d: District, client_for: Any) -> None:
    case = register(d)
    seen = case.version
    assert act(client_for("intake"), case, "accept", version=seen).status_code == 204
    late = act(client_for("intake"), case, "not_accept", {"reason": "重复"}, version=seen)
    html = late.content.decode()
    assert late.status_code == 409
    assert 'data-testid="conflict"' in html and 'data-testid="reload"' in html
    assert str(d.intake) in html
    assert fresh(case).state == State.ACCEPTED


def test_it_warns_when_the_case_changed_after_the_page_was_loaded(d: District, client_for: Any) -> None:
    case = register(d)
    page = client_for("intake").get(url(case)).content.decode()
    assert f"act/accept/?version={case.version}" in page
    s.case_add_note(actor=d.intake, case=case, expected_version=case.version, text="另一位登记员补充的情况")
    form = client_for("intake").get(url(case, f"act/accept/?version={case.version}"), HTTP_HX_REQUEST="true")
    html = form.content.decode()
    assert form.status_code == 409 and 'data-testid="conflict"' in html and "请重新加载" in html
    assert f'name="version" value="{case.version}"' in html  # the version the user saw
    assert act(client_for("intake"), case, "accept", version=case.version).status_code == 409
    assert fresh(case).state == State.REGISTERED


def test_it_shows_a_refused_transition_beside_the_form_and_changes_nothing(d: District, client_for: Any) -> None:
    case = walk(d, register(d), State.REPLY_PENDING)
    refused = act(client_for("officer"), case, "approve_reply")
    assert refused.status_code == 403
    assert 'data-testid="form-error"' in refused.content.decode()
    wrong_state = act(client_for("intake"), case, "accept")
    assert wrong_state.status_code == 422
    assert "data-testid=\"form-error\"" in wrong_state.content.decode()
    after = fresh(case)
    assert after.state == State.REPLY_PENDING and after.version == case.version
    # without htmx the refusal comes back as a page with the form
    page = act(client_for("officer"), case, "approve_reply", htmx=False)
    assert page.status_code == 403 and "<html" in page.content.decode()


def test_it_assigns_a_case_to_several_units_with_a_lead(d: District, client_for: Any) -> None:
    case = walk(d, register(d), State.ACCEPTED)
    form = client_for("intake").get(url(case, "act/assign/"), HTTP_HX_REQUEST="true").content.decode()
    assert f'<option value="{d.town_a.pk}"' in form
    bad = act(client_for("intake"), case, "assign", {"units": [str(d.town_a.pk)], "lead": str(d.housing.pk)})
    assert bad.status_code == 422 and 'data-field-error="lead"' in bad.content.decode()
    ok = act(client_for("intake"), case, "assign", {"units": [str(d.town_a.pk), str(d.housing.pk)], "lead": str(d.housing.pk), "instructions": "住建局牵头，街道配合"})
    assert ok.status_code == 204
    rows = {(a.unit_id, a.is_lead) for a in CaseAssignment.objects.filter(case=case, is_active=True)}
    assert rows == {(d.town_a.pk, False), (d.housing.pk, True)}
    assert fresh(case).state == State.ASSIGNED


def test_it_refuses_to_assign_an_accusation_to_the_accused_unit(d: District, client_for: Any) -> None:
    case = register(d, type=CaseType.ACCUSATION, accused_unit=d.town_b, title="举报")
    case = walk(d, case, State.ACCEPTED)
    response = act(client_for("intake"), case, "assign", {"units": [str(d.town_b.pk)]})
    assert response.status_code == 422 and 'data-field-error="units"' in response.content.decode()
    assert fresh(case).state == State.ACCEPTED


def test_it_walks_a_case_through_every_step_on_the_pages(d: District, client_for: Any) -> None:
    intake, officer, head, followup = (client_for(p) for p in ("intake", "officer", "head", "followup"))
    case = register(d)
    assert act(intake, case, "accept").status_code == 204
    assert act(intake, case, "assign", {"units": [str(d.town_a.pk)]}).status_code == 204
    assert act(officer, case, "receive").status_code == 204
    assert act(officer, case, "add_note", {"text": "已电话联系信访人", "contact": "on"}).status_code == 204
    # A second ahead, so that truncating to whole seconds never puts it before the registration.
    held = (timezone.localtime() + dt.timedelta(seconds=1)).replace(tzinfo=None).isoformat(timespec="seconds")
    assert act(officer, case, "record_meeting", {"held_at": held, "place": "街道接待室", "participants": "承办人、信访人"}).status_code == 204
    assert act(officer, case, "record_meeting", {"held_at": "2099-01-01T10:00", "place": "街道接待室", "participants": "承办人"}).status_code == 422
    assert act(officer, case, "request_extension", {"days": "10", "reason": "需要协调多个部门"}).status_code == 204
    assert act(head, case, "decide_extension", {"approve": "no", "note": ""}).status_code == 422  # refusing needs a note
    assert act(head, case, "decide_extension", {"approve": "yes"}).status_code == 204
    draft = act(officer, case, "draft_reply", {"outcome": "support", "text": "经调查属实，已责令整改。", "submit": "false"})
    assert draft.status_code == 204 and fresh(case).state == State.HANDLING
    assert act(officer, case, "draft_reply", {"outcome": "support", "text": "经调查属实，已责令整改。"}).status_code == 204
    assert fresh(case).state == State.REPLY_PENDING
    assert act(head, case, "return_reply", {"reason": "请写明整改期限"}).status_code == 204
    assert act(officer, case, "draft_reply", {"outcome": "support", "text": "经调查属实，已责令于30日内整改。", "submit": "true"}).status_code == 204
    assert act(head, case, "approve_reply").status_code == 204
    assert act(officer, case, "notify_complainant", {"via": "phone"}).status_code == 204
    assert act(followup, case, "close").status_code == 422  # a named case is followed up first
    assert act(followup, case, "record_followup", {"resolved": "yes", "satisfaction": "satisfied", "comment": "满意", "channel": "phone"}).status_code == 204
    assert act(followup, case, "close").status_code == 204
    case = fresh(case)
    assert case.state == State.CLOSED
    html = followup.get(url(case)).content.decode()
    assert 'data-state="closed"' in html and 'data-testid="followup"' in html and "经调查属实，已责令于30日内整改。" in html
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    for kind in ("registered", "accepted", "assigned", "received", "contact", "extension_approved", "reply_returned", "reply_approved", "replied", "followup", "closed"):
        assert kind in kinds


def test_it_redirects_a_case_to_a_statutory_channel(d: District, client_for: Any) -> None:
    case = register(d)
    assert act(client_for("intake"), case, "redirect", {"channel": "litigation", "reason": "属于民事纠纷"}).status_code == 204
    case = fresh(case)
    assert case.state == State.REDIRECTED and case.redirect_channel == "litigation"


def test_it_records_an_objection_and_sends_the_case_back_to_intake(d: District, client_for: Any) -> None:
    case = walk(d, register(d), State.ASSIGNED)
    form = client_for("officer").get(url(case, "act/object/"), HTTP_HX_REQUEST="true").content.decode()
    assert "异议" in form or "object" in form
    assert act(client_for("officer"), case, "object", {"reason": "该事项属于住建局职责"}).status_code == 204
    assert fresh(case).state == State.OBJECTED
    assert fresh(case).number in client_for("intake").get("/cases/?box=objections").content.decode()


def test_it_registers_a_review_request_and_opens_the_review_case(d: District, client_for: Any) -> None:
    case = walk(d, register(d), State.REPLIED)
    response = act(client_for("intake"), case, "request_review", {"reason": "对处理结果不服，申请复查"})
    assert response.status_code == 204
    review = Case.objects.get(parent_case=case)
    assert response["HX-Redirect"] == url(review)
    assert review.level == "review"


def test_it_links_two_cases_and_refuses_an_unknown_number(d: District, client_for: Any) -> None:
    case = register(d)
    other = register(d, title="同一事项的第二次来信")
    bad = act(client_for("intake"), case, "link", {"other": "2026-999999", "kind": "related"})
    assert bad.status_code == 422 and 'data-field-error="other"' in bad.content.decode()
    assert act(client_for("intake"), case, "link", {"other": other.number, "kind": "duplicate_of"}).status_code == 204
    assert CaseLink.objects.filter(from_case=case, to_case=other, kind="duplicate_of").exists()
    assert other.number in client_for("intake").get(url(case)).content.decode()


def test_it_does_not_let_a_link_reveal_a_case_outside_the_users_scope(d: District, client_for: Any) -> None:
    mine = walk(d, register(d), State.HANDLING)
    elsewhere = walk(d, register(d, title="河西街道的案件", town=d.town_b), State.ASSIGNED, unit=d.town_b)
    response = act(client_for("officer"), mine, "link", {"other": elsewhere.number, "kind": "related"})
    assert response.status_code == 422
    assert not CaseLink.objects.exists()


def test_it_falls_back_to_a_plain_form_post_without_javascript(d: District, client_for: Any) -> None:
    case = register(d)
    response = act(client_for("intake"), case, "accept", htmx=False)
    assert response.status_code == 302 and response["Location"] == url(case)
    assert fresh(case).state == State.ACCEPTED


def test_it_leaves_a_hook_for_the_modules_that_add_to_the_case_page(d: District, client_for: Any) -> None:
    case = register(d)
    html = client_for("intake").get(url(case)).content.decode()
    assert f'id="case-extras" data-case="{case.number}"' in html
    assert 'id="action-panel"' in html


# ---------------------------------------------------------------- cost


def _queries(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["officer", "intake", "supervisor"])
def test_it_reads_the_case_page_in_a_fixed_number_of_queries(d: District, client_for: Any, persona: str, django_assert_num_queries: Any) -> None:
    case = walk(d, register(d), State.HANDLING)

    def add_things(n: int) -> None:
        for i in range(n):
            s.case_add_note(actor=d.officer, case=fresh(case), expected_version=fresh(case).version, text=f"第{i}次调查记录")
            s.case_add_attachment(actor=d.officer, case=fresh(case), expected_version=fresh(case).version, upload=SimpleUploadedFile("a.png", PNG), name="a.png")
            s.case_link(actor=d.intake, case=fresh(case), expected_version=fresh(case).version, other=register(d, title=f"相关{n}-{i}"), kind="related")

    add_things(1)
    client = client_for(persona)
    client.get(url(case))
    few = _queries(client, url(case))
    add_things(4)
    many = _queries(client, url(case))
    assert few == many
    with django_assert_num_queries(many):
        client.get(url(case))
    assert many <= 30
