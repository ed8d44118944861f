"""From a complaint case to a hazard: the linked hazard, the case timeline lines, the form."""

from __future__ import annotations

import pytest

from accounts.testing import District
from cases import services as cs
from cases.models import Case, CaseEvent, CaseType, Channel
from hazards import services
from hazards.models import Hazard, Source, State
from hazards.tests.conftest import category, photo_file

pytestmark = pytest.mark.django_db


def assigned_case(d: District, **kw: object) -> Case:
    case = cs.case_register(
        actor=d.intake,
        channel=Channel.PHONE,
        type=kw.pop("type", CaseType.COMPLAINT),
        title="小区地下车库电动车违规充电",
        content="青山街道幸福里小区地下车库有多辆电动车私拉电线充电，存在火灾隐患。",
        category="air-fumes",
        town=d.town_a,
        address="青山街道幸福里小区地下车库",
        complainants=[cs.ComplainantIn(name="张小三", phone="13812341234")],
    )
    case = cs.case_accept(actor=d.intake, case=case, expected_version=case.version)
    return cs.case_assign(actor=d.intake, case=case, expected_version=case.version, units=[d.town_a])


def register_from(d: District, case: Case) -> Hazard:
    return services.hazard_register_from_case(
        actor=d.officer, case=case, category=category("fire"), grade="general", title="车库电动车违规充电", description="地下车库电动车私拉电线充电",
        address=case.address, town=d.town_a, unit=d.town_a, found_on=case.received_at.date(),
    )


def test_it_links_the_hazard_to_the_case_and_writes_the_case_timeline(district: District) -> None:
    case = assigned_case(district)
    h = register_from(district, case)
    assert h.source == Source.CASE and h.source_case == case
    assert "幸福里" in h.address
    line = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.LINKED).get()
    assert h.number in line.text and not line.public


def test_it_shows_the_close_off_on_the_case_timeline(district: District) -> None:
    case = assigned_case(district)
    h = register_from(district, case)
    h = services.hazard_report_rectified(actor=district.officer, hazard=h, note="已拆除私拉电线，设置集中充电桩", photos=[photo_file()])
    h = services.hazard_verify(actor=district.head, hazard=h, passed=True)
    services.hazard_close(actor=district.head, hazard=h)
    texts = list(CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.LINKED).order_by("at", "id").values_list("text", flat=True))
    assert len(texts) == 2 and "销号" in texts[1]


def test_it_refuses_a_case_the_user_cannot_see(district: District) -> None:
    case = assigned_case(district)
    with pytest.raises(Exception) as exc:
        services.hazard_register_from_case(
            actor=district.officer2, case=case, category=category(), grade="general", title="t", description="d", address="a", town=district.town_b, unit=district.town_b, found_on=case.received_at.date()
        )
    assert exc.type.__name__ == "PermissionDenied"
    assert Hazard.objects.count() == 0


def test_it_prefills_the_form_from_the_case_and_creates_the_hazard(district: District, client_for) -> None:  # noqa: ANN001
    case = assigned_case(district)
    c = client_for("officer")
    page = c.get(f"/hazards/from-case/{case.number}/")
    assert page.status_code == 200
    assert "幸福里小区地下车库" in page.content.decode()
    data = {
        "category": category("fire").pk, "grade": "general", "title": "车库电动车违规充电", "description": "地下车库电动车私拉电线充电",
        "town": district.town_a.pk, "unit": district.town_a.pk, "address": "幸福里小区地下车库", "found_on": case.received_at.date().isoformat(),
        "source_note": "",
    }
    response = c.post(f"/hazards/from-case/{case.number}/", data)
    assert response.status_code == 302
    h = Hazard.objects.get()
    assert h.source_case == case and h.state == State.REGISTERED and h.source == Source.CASE


def test_it_does_not_copy_an_accusations_content(district: District, client_for) -> None:  # noqa: ANN001
    case = cs.case_register(
        actor=district.intake, channel=Channel.LETTER, type=CaseType.ACCUSATION, title="举报某单位违规储存危化品", content="举报人李四反映：某公司仓库违规储存危化品",
        town=district.town_a, complainants=[cs.ComplainantIn(name="李四", phone="13900000000")], accused_unit=district.housing,
    )
    page = client_for("supervisor").get(f"/hazards/from-case/{case.number}/")
    assert page.status_code == 200
    assert "举报人李四" not in page.content.decode()


def test_it_hides_a_case_outside_the_users_scope(district: District, client_for) -> None:  # noqa: ANN001
    case = assigned_case(district)
    assert client_for("officer2").get(f"/hazards/from-case/{case.number}/").status_code == 404


def test_it_renders_the_case_partial_with_the_linked_hazards(district: District) -> None:
    from django.template.loader import render_to_string

    case = assigned_case(district)
    h = register_from(district, case)
    html = render_to_string("hazards/partials/case_hazards.html", {"case": case})
    assert h.number in html and "case-hazards" in html
