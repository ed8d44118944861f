"""Command and duty in a real browser: the duty office sends an instruction, a town opens,
acknowledges and answers it, and the duty office's board fills in by itself (htmx polling)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).parent / "artifacts"


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_load_state("networkidle")


def test_it_sends_an_instruction_that_a_town_acknowledges_and_answers_on_the_live_board(page: Page, browser: Browser, live_server, district, shot) -> None:  # noqa: ANN001
    base = live_server.url
    sign_in(page, base, "duty")
    page.goto(base + "/duty/")
    page.click("[data-testid=new-instruction]")
    page.select_option("#id_urgency", "urgent")
    page.fill("#id_title", "关于做好强降雨防范工作的紧急通知")
    page.fill("#id_content", "请立即检查辖区易涝点和地下空间，落实值班值守，及时报告险情。")
    form = page.locator("[data-testid=unit-choices]")
    form.get_by_label("青山街道", exact=True).check()
    form.get_by_label("河西街道", exact=True).check()
    shot("duty-instruction-form")
    page.click("[data-testid=send-instruction]")
    page.wait_for_load_state("networkidle")
    board = page.locator("[data-testid=board]")
    expect(board.locator("[data-testid=board-row]")).to_have_count(2)
    expect(board.locator('[data-unit="qingshan"] [data-testid=board-state]')).to_have_text("未查看")
    instruction_url = page.url

    town = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    town.set_default_timeout(15_000)
    sign_in(town, base, "officer")
    town.goto(base + "/duty/")
    town.locator("[data-testid=my-instructions]").get_by_text("关于做好强降雨防范工作的紧急通知").click()
    town.wait_for_load_state("networkidle")
    expect(town.locator("[data-testid=my-state]")).to_have_text("已查看")
    town.click("[data-testid=acknowledge]")
    town.wait_for_load_state("networkidle")
    expect(town.locator("[data-testid=my-state]")).to_have_text("已签收")
    town.fill("[data-testid=result-form] textarea[name=result]", "已排查易涝点12处、地下车库5处，转移群众3户，值班力量全部到岗。")
    town.click("[data-testid=report-result]")
    town.wait_for_load_state("networkidle")
    expect(town.locator("[data-testid=my-state]")).to_have_text("已报结果")
    expect(town.locator("[data-testid=my-result]")).to_contain_text("排查易涝点12处")
    ARTIFACTS.mkdir(exist_ok=True)
    town.screenshot(path=str(ARTIFACTS / "duty-town-answered.png"), full_page=True)
    town.context.close()

    # The duty office's page was left open: the board refreshes itself every 10 seconds.
    assert page.url == instruction_url
    expect(board.locator('[data-unit="qingshan"] [data-testid=board-state]')).to_have_text("已报结果", timeout=20_000)
    expect(page.locator("[data-testid=board]")).to_contain_text("排查易涝点12处")
    expect(page.locator('[data-unit="hexi"] [data-testid=board-state]')).to_have_text("未查看")
    expect(page.locator("[data-testid=count-reported]")).to_have_text("1")
    shot("duty-board")
