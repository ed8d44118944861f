"""The dashboard in a real browser: charts drawn with Chinese labels, a change of period,
and a drill-down whose list is as long as the figure."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.testing import PASSWORD
from cases.models import CaseType
from insights.services import town_place_set
from insights.tests.flow import Flow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(district: Any) -> dict[str, Any]:
    """Four cases over the last three weeks, two of them replied."""
    f = Flow(district)
    now = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    day = lambda n: now - dt.timedelta(days=n)  # noqa: E731
    a = f.register(day(20), type=CaseType.SUGGESTION, category="noise-business", town=district.town_a, title="楼下烧烤店油烟噪音扰民")
    f.handled(a, day(19), district.town_a)
    f.meet(a, day(15))
    f.reply(a, day(10))
    f.followup(a, day(9), satisfaction="satisfied")
    b = f.register(day(18), type=CaseType.COMPLAINT, category="property-fee", town=district.town_b, title="物业擅自上调物业费")
    f.handled(b, day(18), district.town_b)
    f.reply(b, day(8))
    c = f.register(day(12), type=CaseType.SUGGESTION, category="municipal-road", town=district.town_a, title="建议修复人行道破损路面")
    f.handled(c, day(11), district.town_a)
    f.register(day(3), type=CaseType.HELP, category="wages-arrears", town=district.town_b, title="公司拖欠工资三个月")
    town_place_set(actor=district.admin, town=district.town_a, latitude=30.561, longitude=114.288)
    town_place_set(actor=district.admin, town=district.town_b, latitude=30.532, longitude=114.331)
    return {"from": day(30).date(), "to": now.date()}


def test_it_draws_the_dashboard_changes_the_period_and_drills_down(page: Page, login: Any, history: dict[str, Any], shot: Any) -> None:
    login("leader", PASSWORD)
    page.goto(page.base_url + "/insights/")
    expect(page.locator("h1")).to_contain_text("数据看板")
    # Change the period: a custom range covering the last 30 days.
    page.fill("#p-from", history["from"].isoformat())
    page.fill("#p-to", history["to"].isoformat())
    page.click("[data-testid=period-apply]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-testid=period-label]")).to_contain_text(history["from"].isoformat())
    expect(page.locator("[data-count=received] .fs-2")).to_have_text("4")
    expect(page.locator("[data-count=replied] .fs-2")).to_have_text("2")
    # The charts are drawn (ECharts puts a canvas in each box) and the map has its bubbles.
    for box in ("#chart-trend", "#chart-categories", "#chart-states"):
        expect(page.locator(f"{box} canvas").first).to_be_visible()
    expect(page.locator("#map-towns .ins-town-label").first).to_be_visible()
    expect(page.locator("#map-towns")).to_contain_text("青山街道")
    # Formulas beside the rates, in Chinese.
    closure = page.locator("[data-rate=closure]")
    expect(closure).to_contain_text("办结率")
    expect(closure).to_contain_text("计算公式")
    shot("dashboard-overview")

    # Drill down: closure's numerator lists exactly the cases counted.
    numerator = closure.locator("[data-num]").inner_text()
    closure.locator("[data-testid=drill-num]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-testid=drill-count]")).to_have_text(numerator)
    expect(page.locator("[data-testid=drill-table] tbody tr[data-case]")).to_have_count(int(numerator))
    expect(page.locator("[data-testid=drill-table]")).to_contain_text("楼下烧烤店油烟噪音扰民")
    shot("dashboard-drill")

    # Another period from the buttons: the week.
    page.go_back()
    page.wait_for_load_state("networkidle")
    page.click("[data-period=week]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-period=week]")).to_have_class(lambda_has_active())
    # The ranking table, coloured against the targets.
    page.click("[data-testid=ranking-link]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-testid=ranking-table]")).to_contain_text("青山街道")
    shot("dashboard-ranking")


def lambda_has_active() -> Any:
    import re

    return re.compile(r"\bbtn-danger\b")


def test_it_shows_an_officer_only_their_town(page: Page, login: Any, history: dict[str, Any], shot: Any) -> None:
    login("officer", PASSWORD)
    page.goto(page.base_url + f"/insights/?period=custom&from={history['from'].isoformat()}&to={history['to'].isoformat()}")
    expect(page.locator("[data-testid=scope-name]")).to_have_text("青山街道")
    expect(page.locator("[data-count=received] .fs-2")).to_have_text("2")
    shot("dashboard-officer")
