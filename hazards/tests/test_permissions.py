"""Who sees what: a town sees its own ledger, the district-wide roles and the safety
oversight office (yjj) see all; and a permission-denied test for every view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.testing import District
from hazards import services
from hazards.models import Campaign, CampaignTarget, ChecklistItem, Hazard, HazardExtension
from hazards.selectors import LedgerFilter, ledger_queryset
from hazards.tests.conftest import category, photo_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(district: District, make_hazard, safety: User) -> dict:  # noqa: ANN001
    a = make_hazard(title="青山隐患", photos=[photo_file()])
    b = make_hazard(district.officer2, town=district.town_b, title="河西隐患")
    dept = make_hazard(district.officer, unit=district.housing, title="住建负责的青山隐患")
    campaign = services.campaign_create(actor=district.supervisor, name="专项", categories=[category()], starts_on=timezone.localdate() - dt.timedelta(days=1), ends_on=timezone.localdate())
    target = services.campaign_target_add(actor=district.supervisor, campaign=campaign, category=category(), name="青山网吧", town=district.town_a)
    answers = {i.pk: ("ok", "") for i in services.checklist_for(target)}
    inspection = services.inspection_record(actor=district.officer, target=target, inspected_on=timezone.localdate(), answers=answers, found_hazards=False)
    return {"a": a, "b": b, "dept": dept, "campaign": campaign, "target": target, "inspection": inspection}


def visible(user: User) -> set[str]:
    return set(ledger_queryset(user, LedgerFilter()).values_list("title", flat=True))


def test_it_shows_a_town_its_own_ledger_only(district: District, world: dict) -> None:
    assert visible(district.officer) == {"青山隐患", "住建负责的青山隐患"}
    assert visible(district.officer2) == {"河西隐患"}
    assert visible(district.dept_officer) == {"住建负责的青山隐患"}


def test_it_shows_the_whole_district_to_supervisors_leaders_and_the_safety_office(district: District, world: dict, safety: User) -> None:
    everything = {"青山隐患", "河西隐患", "住建负责的青山隐患"}
    assert visible(district.supervisor) == everything
    assert visible(district.leader) == everything
    assert visible(safety) == everything


def test_it_lets_the_setting_name_other_oversight_units(district: District, world: dict, settings) -> None:  # noqa: ANN001
    settings.HAZARD_OVERSIGHT_UNIT_CODES = ["zjj"]
    district.dept_officer.__dict__.pop("_hazard_oversight", None)
    assert visible(User.objects.get(pk=district.dept_officer.pk)) == {"青山隐患", "河西隐患", "住建负责的青山隐患"}


def test_it_lets_the_safety_office_verify_and_list(district: District, world: dict, safety: User) -> None:
    h = services.hazard_report_rectified(actor=district.officer, hazard=world["a"], note="已清理", photos=[photo_file()])
    services.hazard_verify(actor=safety, hazard=h, passed=True)
    services.hazard_list_supervision(actor=safety, hazard=world["b"], level="district", listed_on=timezone.localdate())


def _c(user: User | None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


# (persona, method, url template, expected status). Every view of the app appears at least once.
DENIED = [
    (None, "get", "/hazards/", 302),
    (None, "get", "/hazards/map/", 302),
    (None, "get", "/hazards/dashboard/", 302),
    (None, "get", "/hazards/export.xlsx", 302),
    (None, "get", "/hazards/campaigns/", 302),
    (None, "get", "/hazards/campaigns/{campaign}/report/", 302),
    (None, "get", "/hazards/campaigns/{campaign}/report.docx", 302),
    (None, "get", "/hazards/campaigns/{campaign}/", 302),
    ("officer2", "get", "/hazards/{a}/", 404),
    ("officer2", "get", "/hazards/{a}/edit/", 404),
    ("followup", "get", "/hazards/{a}/edit/", 403),
    ("officer2", "get", "/hazards/{a}/plan/", 404),
    ("followup", "get", "/hazards/{a}/plan/", 403),
    ("officer2", "post", "/hazards/{a}/start/", 404),
    ("followup", "post", "/hazards/{a}/start/", 403),
    ("followup", "get", "/hazards/{a}/rectified/", 403),
    ("officer", "get", "/hazards/{a}/verify/", 403),
    ("officer", "post", "/hazards/{a}/close/", 403),
    ("officer", "get", "/hazards/{a}/listing/", 403),
    ("followup", "get", "/hazards/{a}/extension/", 403),
    ("officer", "post", "/hazards/{a}/extension/1/decide/", 403),
    ("followup", "get", "/hazards/{a}/photos/add/", 403),
    ("officer2", "get", "/hazards/photos/{photo}/", 404),
    ("followup", "get", "/hazards/new/", 403),
    ("followup", "get", "/hazards/import/", 403),
    ("followup", "get", "/hazards/import/template.xlsx", 403),
    ("officer", "get", "/hazards/import/00000000-0000-0000-0000-000000000000/", 404),
    ("officer", "get", "/hazards/campaigns/new/", 403),
    ("officer", "get", "/hazards/campaigns/{campaign}/targets/add/", 403),
    ("officer", "get", "/hazards/campaigns/{campaign}/targets/template.xlsx", 403),
    ("officer", "get", "/hazards/campaigns/{campaign}/targets/import/", 403),
    ("officer", "post", "/hazards/campaigns/{campaign}/checklist/", 403),
    ("officer", "post", "/hazards/campaigns/{campaign}/checklist/{item}/remove/", 403),
    ("officer", "post", "/hazards/campaigns/{campaign}/close/", 403),
    ("officer2", "get", "/hazards/campaigns/{campaign}/targets/{target}/inspect/", 404),
    ("followup", "get", "/hazards/campaigns/{campaign}/targets/{target}/inspect/", 403),
    ("officer2", "get", "/hazards/campaigns/{campaign}/inspections/{inspection}/", 404),
    ("followup", "get", "/hazards/from-case/NOSUCHCASE/", 404),
]


@pytest.mark.parametrize(("persona", "method", "url", "status"), DENIED)
def test_it_refuses_each_view_to_a_user_who_may_not_use_it(district: District, world: dict, persona: str | None, method: str, url: str, status: int) -> None:
    values = {
        "a": world["a"].number,
        "campaign": world["campaign"].pk,
        "target": world["target"].pk,
        "inspection": world["inspection"].pk,
        "photo": world["a"].photos.get().file_id,
        "item": ChecklistItem.objects.filter(campaign=world["campaign"]).first().pk,
    }
    client = _c(getattr(district, persona) if persona else None)
    response = getattr(client, method)(url.format(**values))
    assert response.status_code == status
    if status == 302:
        assert "/accounts/login/" in response["Location"]


def test_it_changes_nothing_on_a_refused_post(district: District, world: dict) -> None:
    before = Hazard.objects.get(pk=world["a"].pk)
    _c(district.officer).post(f"/hazards/{world['a'].number}/close/")
    _c(district.officer).post(f"/hazards/campaigns/{world['campaign'].pk}/close/")
    assert Hazard.objects.get(pk=world["a"].pk).state == before.state
    assert Campaign.objects.get(pk=world["campaign"].pk).status == Campaign.Status.ACTIVE
    assert CampaignTarget.objects.count() == 1 and HazardExtension.objects.count() == 0


def test_it_lets_a_town_officer_open_a_campaign_and_see_only_its_targets(district: District, world: dict) -> None:
    services.campaign_target_add(actor=district.supervisor, campaign=world["campaign"], category=category(), name="河西网吧", town=district.town_b)
    html = _c(district.officer2).get(f"/hazards/campaigns/{world['campaign'].pk}/targets/").content.decode()
    assert "河西网吧" in html and "青山网吧" not in html
