"""The registration page for a walk-in: one page, complainants (named, joint, anonymous),
attachments checked by content, errors beside the fields, idempotent, suggestions."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.testing import District
from audit.models import AuditEntry
from cases.models import Case, CaseAttachment, CaseType, Category, Channel
from cases.tests.helpers import register

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def form_data(d: District, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "channel": Channel.VISIT,
        "type": CaseType.COMPLAINT,
        "title": "幸福里小区楼下烧烤店油烟扰民",
        "content": "每晚营业到凌晨两点，油烟和噪音严重影响居民休息，请求依法处理。",
        "category": str(Category.objects.get(code="air-fumes").pk),
        "town": str(d.town_a.pk),
        "address": "青山街道幸福里小区3栋",
        "latitude": "",
        "longitude": "",
        "head_count": "",
        "accused_unit": "",
        "received_at": "",
        "idempotency_key": uuid.uuid4().hex,
        "c-TOTAL_FORMS": "1",
        "c-INITIAL_FORMS": "0",
        "c-MIN_NUM_FORMS": "1",
        "c-MAX_NUM_FORMS": "50",
        "c-0-name": "王建国",
        "c-0-phone": "13900001111",
        "c-0-id_number": "",
        "c-0-address": "幸福里小区3栋1单元",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_it_offers_the_registration_page_to_intake_only(d: District, client_for: Any, client: Any) -> None:
    page = client_for("intake").get("/cases/new/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'autofocus' in html and 'id="id_title"' in html
    # the hook for suggestions: the triage module's endpoint when installed, else this module's rules
    assert re.search(r'id="triage-suggestions" data-suggest-url="/(triage|cases)/suggest/"', html)
    for persona in ("officer", "head", "leader", "supervisor", "followup", "duty"):
        assert client_for(persona).get("/cases/new/").status_code == 403
        assert client_for(persona).post("/cases/new/", form_data(d)).status_code == 403
    assert Case.objects.count() == 0
    assert client.get("/cases/new/").status_code == 302


def test_it_registers_a_walk_in_case_from_one_page(d: District, client_for: Any) -> None:
    client = client_for("intake")
    response = client.post("/cases/new/", form_data(d, latitude="30.5", longitude="114.3"))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert (case.channel, case.type, case.category.code, case.town, case.state) == ("visit", "complaint", "air-fumes", d.town_a, "registered")
    assert float(case.latitude) == 30.5 and float(case.longitude) == 114.3
    assert [(c.name, c.phone) for c in case.complainants.all()] == [("王建国", "13900001111")]
    page = client.get(case.get_absolute_url()).content.decode()
    assert f"{case.number}" in page and "幸福里小区楼下烧烤店油烟扰民" in page


def test_it_registers_an_anonymous_case_and_ignores_the_empty_complainant_row(d: District, client_for: Any) -> None:
    response = client_for("intake").post("/cases/new/", form_data(d, anonymous="on", **{"c-0-name": "", "c-0-phone": "", "c-0-address": ""}))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.anonymous and case.complainants.count() == 0


def test_it_registers_a_joint_complaint_with_head_count_and_representatives(d: District, client_for: Any) -> None:
    data = form_data(
        d,
        joint="on",
        head_count="35",
        **{
            "c-TOTAL_FORMS": "3",
            "c-0-is_representative": "on",
            "c-1-name": "李秀英",
            "c-1-phone": "13900002222",
            "c-1-is_representative": "on",
            "c-2-name": "",  # an empty row is skipped
            "c-2-phone": "",
        },
    )
    assert client_for("intake").post("/cases/new/", data).status_code == 302
    case = Case.objects.get()
    assert case.joint and case.head_count == 35
    assert [(c.name, c.is_representative) for c in case.complainants.all()] == [("王建国", True), ("李秀英", True)]


def test_it_makes_an_accusation_confidential_with_its_accused_unit_and_materials(d: District, client_for: Any) -> None:
    data = form_data(d, type=CaseType.ACCUSATION, accused_unit=str(d.town_b.pk), title="举报河西街道工作人员吃拿卡要")
    data["materials"] = SimpleUploadedFile("证据.png", PNG, content_type="image/png")
    assert client_for("intake").post("/cases/new/", data).status_code == 302
    case = Case.objects.get()
    assert case.confidential and case.accused_unit == d.town_b
    assert list(CaseAttachment.objects.filter(case=case).values_list("is_material", flat=True)) == [True]


def test_it_shows_errors_beside_the_fields_in_chinese_and_registers_nothing(d: District, client_for: Any) -> None:
    response = client_for("intake").post("/cases/new/", form_data(d, title="", content="", latitude="95", type="nonsense"))
    html = response.content.decode()
    assert response.status_code == 422
    assert re.search(r'data-field-error="title">这个字段是必填项。', html)
    assert re.search(r'data-field-error="content">这个字段是必填项。', html)
    assert re.search(r'data-field-error="latitude">[^<]*90', html)
    assert re.search(r'data-field-error="type">[^<]*选择', html)
    assert "案件未登记" in html
    # what was typed is kept
    assert "王建国" in html
    assert Case.objects.count() == 0


def test_it_shows_a_bad_phone_or_id_number_beside_the_complainant_row(d: District, client_for: Any) -> None:
    response = client_for("intake").post("/cases/new/", form_data(d, title="", **{"c-0-phone": "打电话给我", "c-0-id_number": "12345"}))
    html = response.content.decode()
    assert response.status_code == 422
    # every error in one round: the title and the row's phone and ID number
    assert re.search(r'data-field-error="title">', html)
    assert re.search(r'data-field-error="phone">[^<]*打电话给我[^<]*不是有效的电话号码', html)
    assert re.search(r'data-field-error="id_number">身份证号为15或18位', html)
    assert Case.objects.count() == 0


def test_it_shows_a_refusal_of_the_service_beside_its_field(d: District, client_for: Any) -> None:
    data = form_data(d, joint="on", head_count="1", **{"c-TOTAL_FORMS": "2", "c-1-name": "李秀英", "c-1-phone": "13900002222"})
    response = client_for("intake").post("/cases/new/", data)
    assert response.status_code == 422
    assert re.search(r'data-field-error="head_count">人数不能少于已填写的信访人数', response.content.decode())
    assert Case.objects.count() == 0


def test_it_asks_for_a_complainant_unless_the_case_is_anonymous(d: District, client_for: Any) -> None:
    response = client_for("intake").post("/cases/new/", form_data(d, **{"c-0-name": "", "c-0-phone": "", "c-0-address": ""}))
    assert response.status_code == 422
    assert 'data-testid="form-error"' in response.content.decode()
    response = client_for("intake").post("/cases/new/", form_data(d, **{"c-0-name": ""}))
    assert re.search(r'data-field-error="name">', response.content.decode())
    assert Case.objects.count() == 0


def test_it_refuses_an_accused_unit_on_a_case_that_is_no_accusation(d: District, client_for: Any) -> None:
    response = client_for("intake").post("/cases/new/", form_data(d, accused_unit=str(d.town_b.pk)))
    assert response.status_code == 422
    assert re.search(r'data-field-error="accused_unit">', response.content.decode())
    assert Case.objects.count() == 0


def test_it_does_not_register_twice_when_the_form_is_sent_again(d: District, client_for: Any) -> None:
    data = form_data(d)
    client = client_for("intake")
    first = client.post("/cases/new/", data)
    second = client.post("/cases/new/", data)
    assert Case.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_it_stores_attachments_checked_by_their_content(d: District, client_for: Any) -> None:
    data = form_data(d)
    data["attachments"] = [SimpleUploadedFile("现场照片.png", PNG, content_type="image/png")]
    assert client_for("intake").post("/cases/new/", data).status_code == 302
    attachment = CaseAttachment.objects.get()
    assert attachment.file.original_name == "现场照片.png" and not attachment.is_material


def test_it_refuses_an_attachment_that_is_not_what_its_name_says_and_registers_nothing(d: District, client_for: Any) -> None:
    data = form_data(d)
    data["attachments"] = [SimpleUploadedFile("照片.png", b"MZ this is really a program", content_type="image/png")]
    response = client_for("intake").post("/cases/new/", data)
    assert response.status_code == 422
    assert re.search(r'data-field-error="attachments">文件内容与其扩展名', response.content.decode())
    assert Case.objects.count() == 0 and CaseAttachment.objects.count() == 0


def test_it_shows_intake_that_the_matter_is_not_to_be_accepted_again(d: District, client_for: Any) -> None:
    earlier = register(d, complainants=[{"name": "王建国", "phone": "13900001111"}])
    Case.objects.filter(pk=earlier.pk).update(final=True)  # as after a re-review
    client = client_for("intake")
    response = client.post("/cases/new/", form_data(d), follow=True)
    case = Case.objects.exclude(pk=earlier.pk).get()
    assert case.final_match == earlier
    html = response.content.decode()
    assert 'data-testid="final-match"' in html and earlier.number in html
    # accepting it needs a note that says why
    accept = client.post(f"/cases/{case.number}/act/accept/", {"version": case.version, "note": ""}, HTTP_HX_REQUEST="true")
    assert accept.status_code == 422 and 'data-field-error="note"' in accept.content.decode()
    assert Case.objects.get(pk=case.pk).state == "registered"


def test_it_suggests_categories_from_the_words_of_the_text(d: District, client_for: Any) -> None:
    response = client_for("intake").post("/cases/suggest/", {"title": "楼下烧烤店油烟", "content": "每晚烧烤油烟熏得没法开窗"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    first = re.search(r'data-category="([a-z-]+)"', html)
    assert first is not None and first.group(1) == "air-fumes"
    assert "餐饮油烟" in html
    empty = client_for("intake").post("/cases/suggest/", {"title": "", "content": ""}).content.decode()
    assert "data-category" not in empty
    assert client_for("officer").post("/cases/suggest/", {"title": "油烟"}).status_code == 403


def test_it_suggests_the_town_as_the_unit_when_the_category_has_no_default_unit(d: District, client_for: Any) -> None:
    html = client_for("intake").post("/cases/suggest/", {"title": "烧烤油烟", "content": "", "town": str(d.town_a.pk)}).content.decode()
    assert 'data-unit="qingshan"' in html


def test_it_shows_script_in_the_text_as_text(d: District, client_for: Any) -> None:
    client = client_for("intake")
    client.post("/cases/new/", form_data(d, title="<script>alert(1)</script>标题"))
    case = Case.objects.get()
    html = client.get(case.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;标题" in html


def test_it_writes_the_audit_row_of_the_registration(d: District, client_for: Any) -> None:
    client_for("intake").post("/cases/new/", form_data(d))
    case = Case.objects.get()
    assert AuditEntry.objects.filter(action="case.register", object_id=str(case.pk), actor=d.intake).exists()
