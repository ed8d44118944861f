"""The first browser test: sign in as intake, see the Chinese home page, switch to English, sign out."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_signs_in_shows_chinese_switches_to_english_and_signs_out(page: Page, login, district, shot) -> None:  # noqa: ANN001
    login("intake", PASSWORD)
    expect(page.locator("h1")).to_contain_text("欢迎")
    expect(page.locator("nav")).to_contain_text("案件")
    shot("home-zh")

    page.click("[data-testid=lang-en]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text("Welcome")
    expect(page.locator("nav")).to_contain_text("Cases")
    shot("home-en")

    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text("Sign in to Minsheng")
    page.goto(page.base_url + "/")
    expect(page).to_have_url(page.base_url + "/accounts/login/?next=/")


def test_it_shows_a_plain_message_for_a_wrong_password(page: Page, login, district) -> None:  # noqa: ANN001
    login("intake", "wrong-password")
    expect(page.locator(".alert-danger")).to_contain_text("用户名或密码错误")
