"""Browser tests of the hazard ledgers: a major hazard from registration with its plan to
close-off, and a small screening campaign run to 100% coverage."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.testing import PASSWORD, District
from hazards.demo import _png
from hazards.models import Hazard, State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _hazard_data(settings, tmp_path: Path) -> None:  # noqa: ANN001
    """Transactional tests flush the tables between tests: put the seeded categories back."""
    settings.MEDIA_ROOT = tmp_path / "files"
    importlib.import_module("hazards.migrations.0002_seed_categories").seed(apps, None)


def switch_user(page: Page, login: Callable[[str, str], None], username: str) -> None:
    page.context.clear_cookies()
    login(username, PASSWORD)


def test_it_takes_a_major_hazard_from_registration_with_its_plan_to_close_off(page: Page, login, district: District, shot) -> None:  # noqa: ANN001
    base = page.base_url  # type: ignore[attr-defined]
    today = timezone.localdate()
    login("officer", PASSWORD)
    page.goto(base + "/hazards/")
    page.click("[data-testid=register-hazard]")
    page.select_option("#id_category", label="危险化学品")
    page.select_option("#id_grade", value="major")
    expect(page.locator("[data-testid=plan-section]")).to_be_visible()
    page.fill("#id_title", "化工仓库超量储存危化品")
    page.fill("#id_description", "甲类仓库实际储存量超过设计储量，部分桶装溶剂露天堆放。")
    page.select_option("#id_town", value=str(district.town_a.pk))
    page.select_option("#id_unit", value=str(district.town_a.pk))
    page.fill("#id_address", "青山街道工业路2号")
    page.fill("#id_found_on", (today - dt.timedelta(days=1)).isoformat())
    page.fill("#id_plan_responsible_person", "刘建华")
    page.fill("#id_plan_measures", "清理超量物品，露天溶剂入库，增设可燃气体报警装置。")
    page.fill("#id_plan_funds_amount", "18.5")
    page.fill("#id_plan_deadline", (today + dt.timedelta(days=60)).isoformat())
    page.fill("#id_plan_contingency", "设置警戒区，配备应急物资，每日巡查。")
    shot("hazard-register")
    page.click("[data-testid=submit]")
    expect(page.locator("[data-testid=hazard-state]")).to_contain_text("已登记")
    expect(page.locator("[data-testid=plan]")).to_contain_text("刘建华")
    number = page.locator("[data-testid=hazard-number]").inner_text()

    page.click("[data-testid=start]")
    expect(page.locator("[data-testid=hazard-state]")).to_contain_text("整改中")
    page.click("[data-testid=report-rectified]")
    page.fill("#id_note", "超量物品已清运，溶剂全部入库，报警装置已安装调试。")
    page.set_input_files("#id_photos", files=[{"name": "after.png", "mimeType": "image/png", "buffer": _png((90, 140, 100))}])
    page.click("[data-testid=submit]")
    expect(page.locator("[data-testid=hazard-state]")).to_contain_text("已整改")
    expect(page.locator("[data-testid=photos-after] img")).to_have_count(1)
    expect(page.locator("[data-testid=verify]")).to_have_count(0)  # not by the person who rectified

    switch_user(page, login, "head")
    page.goto(f"{base}/hazards/{number}/")
    page.click("[data-testid=verify]")
    page.check("input[name=result][value=pass]")
    page.fill("#id_note", "现场核查，整改到位。")
    page.click("[data-testid=submit]")
    expect(page.locator("[data-testid=hazard-state]")).to_contain_text("已验收")
    page.click("[data-testid=close]")
    expect(page.locator("[data-testid=hazard-state]")).to_contain_text("已销号")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("现场验收合格")
    shot("hazard-closed")
    assert Hazard.objects.get(number=number).state == State.CLOSED


def test_it_runs_a_small_campaign_to_full_coverage(page: Page, login, district: District, shot) -> None:  # noqa: ANN001
    base = page.base_url  # type: ignore[attr-defined]
    today = timezone.localdate()
    login("supervisor", PASSWORD)
    page.goto(base + "/hazards/campaigns/")
    page.click("[data-testid=new-campaign]")
    page.fill("#id_name", "青山街道消防安全专项排查")
    page.check("input[name=categories] >> nth=1")  # 消防 (the list follows the category order)
    page.fill("#id_starts_on", (today - dt.timedelta(days=1)).isoformat())
    page.fill("#id_ends_on", (today + dt.timedelta(days=14)).isoformat())
    page.click("[data-testid=submit]")
    for name, lat, lng in (("幸福里小区", "30.561", "114.301"), ("青山农贸市场", "30.566", "114.312")):
        page.fill("#id_name", name)
        page.select_option("#id_town", value=str(district.town_a.pk))
        page.fill("#id_latitude", lat)
        page.fill("#id_longitude", lng)
        page.click("[data-testid=add-target]")
        expect(page.locator("[data-testid=targets]")).to_contain_text(name)
    campaign_url = page.url.replace("targets/", "")
    switch_user(page, login, "officer")
    page.goto(campaign_url)
    expect(page.locator("[data-testid=coverage-rate]")).to_contain_text("0%")
    expect(page.locator("[data-testid=target-map]")).to_have_attribute("data-points", "2")
    expect(page.locator("[data-testid=target-map] .leaflet-pane canvas")).to_have_count(1)
    for expected in ("50%", "100%"):
        page.locator("[data-testid=missing-targets] a.btn").first.click()
        for radio in page.locator("input[type=radio][value=ok]").all():
            radio.check(force=True)
        page.click("[data-testid=submit]")
        expect(page.locator("[data-testid=coverage-rate]")).to_contain_text(expected)
    expect(page.locator("[data-testid=missing-targets]")).to_contain_text("不留死角")
    shot("campaign-covered")
    page.click("[data-testid=tab-report]")
    expect(page.locator("[data-testid=campaign-report]")).to_contain_text("100%")
