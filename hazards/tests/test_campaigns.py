"""Screening campaigns: checklists, targets, inspections, coverage figures and the report."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from docx import Document
from openpyxl import Workbook

from accounts.testing import District
from hazards import services
from hazards.models import Campaign, CampaignTarget, ChecklistItem, Inspection
from hazards.selectors import campaign_coverage
from hazards.tests.conftest import category

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def campaign(district: District) -> Campaign:
    return services.campaign_create(
        actor=district.supervisor, name="冬春火灾防控专项排查", categories=[category("fire"), category("gas")], starts_on=TODAY() - dt.timedelta(days=10), ends_on=TODAY() + dt.timedelta(days=20)
    )


@pytest.fixture
def targets(district: District, campaign: Campaign) -> dict[str, CampaignTarget]:
    add = services.campaign_target_add
    return {
        "a_fire_1": add(actor=district.supervisor, campaign=campaign, category=category("fire"), name="幸福里小区", town=district.town_a),
        "a_fire_2": add(actor=district.supervisor, campaign=campaign, category=category("fire"), name="青山农贸市场", town=district.town_a),
        "a_gas": add(actor=district.supervisor, campaign=campaign, category=category("gas"), name="老王饭店", town=district.town_a),
        "b_fire": add(actor=district.supervisor, campaign=campaign, category=category("fire"), name="河西网吧", town=district.town_b),
    }


def answer_all(target: CampaignTarget, value: str = "ok") -> dict[int, tuple[str, str]]:
    return {i.pk: (value, "") for i in services.checklist_for(target)}


def test_it_copies_the_default_checklist_into_a_new_campaign(campaign: Campaign) -> None:
    copied = ChecklistItem.objects.filter(campaign=campaign)
    defaults = ChecklistItem.objects.filter(campaign__isnull=True, category__code__in=["fire", "gas"])
    assert copied.count() == defaults.count() > 0


def test_it_edits_the_campaign_checklist_without_touching_the_defaults(district: District, campaign: Campaign) -> None:
    item = services.campaign_checklist_item_add(actor=district.supervisor, campaign=campaign, category=category("fire"), text="是否张贴消防安全告知书")
    services.campaign_checklist_item_remove(actor=district.supervisor, item=ChecklistItem.objects.filter(campaign=campaign, category__code="fire").first())
    assert ChecklistItem.objects.filter(campaign__isnull=True, text="是否张贴消防安全告知书").count() == 0
    assert item.is_active
    with pytest.raises(ValidationError):
        services.campaign_checklist_item_add(actor=district.supervisor, campaign=campaign, category=category("road"), text="不在本次排查领域")


def test_it_refuses_a_campaign_from_an_ordinary_officer(district: District) -> None:
    with pytest.raises(PermissionDenied):
        services.campaign_create(actor=district.officer, name="x", categories=[category()], starts_on=TODAY(), ends_on=TODAY())


def test_it_refuses_a_campaign_that_ends_before_it_starts(district: District) -> None:
    with pytest.raises(ValidationError) as exc:
        services.campaign_create(actor=district.supervisor, name="x", categories=[category()], starts_on=TODAY(), ends_on=TODAY() - dt.timedelta(days=1))
    assert "ends_on" in exc.value.message_dict


def test_it_computes_coverage_per_category_and_per_town(district: District, campaign: Campaign, targets: dict[str, CampaignTarget]) -> None:
    services.inspection_record(actor=district.officer, target=targets["a_fire_1"], inspected_on=TODAY(), answers=answer_all(targets["a_fire_1"]), found_hazards=False)
    services.inspection_record(actor=district.officer, target=targets["a_gas"], inspected_on=TODAY(), answers=answer_all(targets["a_gas"]), found_hazards=False)
    # a second inspection of the same target does not count twice
    services.inspection_record(actor=district.officer, target=targets["a_gas"], inspected_on=TODAY(), answers=answer_all(targets["a_gas"]), found_hazards=False)
    cov = campaign_coverage(district.supervisor, campaign)
    assert cov["totals"] == {"total": 4, "inspected": 2, "rate": 50.0, "missing": 2}
    by_cat = {r["category__name"]: (r["inspected"], r["total"], r["rate"]) for r in cov["by_category"]}
    assert by_cat == {"消防": (1, 3, 33.3), "城镇燃气": (1, 1, 100.0)}
    by_town = {r["town__name"]: (r["inspected"], r["total"]) for r in cov["by_town"]}
    assert by_town == {"青山街道": (2, 3), "河西街道": (0, 1)}
    # a town sees its own coverage only
    assert campaign_coverage(district.officer2, campaign)["totals"] == {"total": 1, "inspected": 0, "rate": 0.0, "missing": 1}
    targets["a_gas"].refresh_from_db()
    assert targets["a_gas"].inspection_count == 2


def test_it_refuses_an_inspection_with_unanswered_items_or_unreported_problems(district: District, targets: dict[str, CampaignTarget]) -> None:
    t = targets["a_fire_1"]
    answers = answer_all(t)
    first = next(iter(answers))
    with pytest.raises(ValidationError) as exc:
        services.inspection_record(actor=district.officer, target=t, inspected_on=TODAY(), answers={k: v for k, v in answers.items() if k != first}, found_hazards=False)
    assert "answers" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.inspection_record(actor=district.officer, target=t, inspected_on=TODAY(), answers={**answers, first: ("problem", "通道堵塞")}, found_hazards=False)
    assert "found_hazards" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.inspection_record(actor=district.officer, target=t, inspected_on=TODAY() + dt.timedelta(days=1), answers=answers, found_hazards=False)
    assert Inspection.objects.count() == 0
    t.refresh_from_db()
    assert t.inspected_on is None


def test_it_refuses_an_inspection_outside_the_inspectors_territory(district: District, targets: dict[str, CampaignTarget]) -> None:
    t = targets["b_fire"]
    with pytest.raises(PermissionDenied):
        services.inspection_record(actor=district.officer, target=t, inspected_on=TODAY(), answers=answer_all(t), found_hazards=False)


def test_it_registers_hazards_found_in_an_inspection(district: District, make_hazard, targets: dict[str, CampaignTarget]) -> None:  # noqa: ANN001
    t = targets["a_fire_2"]
    answers = answer_all(t)
    answers[next(iter(answers))] = ("problem", "消防通道堆放杂物")
    insp = services.inspection_record(actor=district.officer, target=t, inspected_on=TODAY(), answers=answers, found_hazards=True)
    h = make_hazard(inspection=insp)
    assert h.source == "inspection" and h.campaign == t.campaign and h.inspection == insp


def test_it_inspects_through_the_page_and_goes_on_to_register_the_hazards(district: District, client_for, targets: dict[str, CampaignTarget]) -> None:  # noqa: ANN001
    t = targets["a_fire_1"]
    c = client_for("officer")
    page = c.get(f"/hazards/campaigns/{t.campaign_id}/targets/{t.pk}/inspect/")
    assert page.status_code == 200
    data = {"inspected_on": TODAY().isoformat(), "note": "发现楼道堆物", "found_hazards": "on"}
    for i, item in enumerate(services.checklist_for(t)):
        data[f"item_{item.pk}"] = "problem" if i == 0 else "ok"
    response = c.post(f"/hazards/campaigns/{t.campaign_id}/targets/{t.pk}/inspect/", data)
    insp = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/hazards/new/?inspection={insp.pk}")
    form = c.get(response["Location"]).content.decode()
    assert "幸福里小区" in form


def test_it_shows_the_coverage_page_with_the_targets_not_yet_inspected(district: District, client_for, targets: dict[str, CampaignTarget]) -> None:  # noqa: ANN001
    t = targets["a_fire_1"]
    services.inspection_record(actor=district.officer, target=t, inspected_on=TODAY(), answers=answer_all(t), found_hazards=False)
    html = client_for("supervisor").get(f"/hazards/campaigns/{t.campaign_id}/").content.decode()
    missing = html.split('data-testid="missing-targets"')[1].split("</table>")[0]
    assert "青山农贸市场" in missing and "河西网吧" in missing and "幸福里小区" not in missing
    assert "25%" in html


def test_it_writes_the_campaign_report_in_html_and_word(district: District, client_for, campaign: Campaign, targets: dict[str, CampaignTarget]) -> None:  # noqa: ANN001
    t = targets["a_gas"]
    services.inspection_record(actor=district.officer, target=t, inspected_on=TODAY(), answers=answer_all(t), found_hazards=False)
    c = client_for("supervisor")
    html = c.get(f"/hazards/campaigns/{campaign.pk}/report/").content.decode()
    assert "冬春火灾防控专项排查" in html and "河西网吧" in html
    response = c.get(f"/hazards/campaigns/{campaign.pk}/report.docx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for table in doc.tables for row in table.rows for c in row.cells]
    assert "冬春火灾防控专项排查" in text
    assert "城镇燃气" in cells and "100.0%" in cells and "河西网吧" in cells


def _target_sheet(rows: list[list[object]]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(["名称", "类型", "排查领域", "所属镇街", "地址", "纬度", "经度"])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "targets.xlsx"
    return out


def test_it_imports_targets_all_or_nothing(district: District, client_for, campaign: Campaign) -> None:  # noqa: ANN001
    c = client_for("supervisor")
    bad = _target_sheet([["东风加油站", "场所", "消防", "青山街道", "", None, None], ["某网格", "格子", "道路交通", "火星街道", "", None, None]])
    response = c.post(f"/hazards/campaigns/{campaign.pk}/targets/import/", {"file": bad})
    html = response.content.decode()
    assert response.status_code == 400 and CampaignTarget.objects.count() == 0
    assert html.count("<tr><td>3</td>") == 3  # kind, category and town of row 3
    good = _target_sheet([["东风加油站", "场所", "消防", "青山街道", "青山路1号", 30.5, 114.3], ["三号网格", "网格", "城镇燃气", "hexi", "", None, None]])
    response = c.post(f"/hazards/campaigns/{campaign.pk}/targets/import/", {"file": good})
    assert response.status_code == 302
    assert set(CampaignTarget.objects.values_list("name", "kind")) == {("东风加油站", "site"), ("三号网格", "grid")}


def test_it_finishes_a_campaign_and_refuses_new_inspections(district: District, campaign: Campaign, targets: dict[str, CampaignTarget]) -> None:
    services.campaign_close(actor=district.supervisor, campaign=campaign)
    t = targets["a_fire_1"]
    with pytest.raises(ValidationError):
        services.inspection_record(actor=district.officer, target=t, inspected_on=TODAY(), answers=answer_all(t), found_hazards=False)
