"""Smart triage in the browser: the intake form fills category and town from the text, and
the case page shows a likely duplicate that intake merges."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts.testing import PASSWORD, District
from cases.models import Case, Category, State
from triage import runtime, services
from triage.models import TriageRule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def trained(district: District, settings, tmp_path) -> None:  # noqa: ANN001
    from triage.tests.helpers import decided_cases
    from workcal.selectors import invalidate_calendar
    from workcal.services import calendar_seed

    settings.TRIAGE_MODEL_DIR = str(tmp_path / "models")
    runtime.forget()
    calendar_seed(actor=None, years=[2025, 2026, 2027])
    invalidate_calendar()
    Category.objects.filter(code="wages").update(default_unit=district.housing)
    decided_cases(district, ["air-fumes", "water-outage", "wages-arrears"], per_category=10)
    services.classifier_train(actor=district.admin, seed=1)
    TriageRule.objects.create(kind=TriageRule.Kind.PLACE, pattern="河西客运站", town=district.town_b)
    yield
    runtime.forget()


def test_it_fills_category_and_town_from_the_text(page: Page, login, district: District, trained: None, shot) -> None:  # noqa: ANN001
    login("intake", PASSWORD)
    page.goto(page.base_url + "/cases/new/")
    page.fill("#id_title", "河西客运站旁边服装厂拖欠工资")
    page.fill("#id_content", "我们在河西客运站旁边的瑞丰服装厂上班，厂里已经拖欠四个月工资，老板一直说没钱，请劳动部门帮忙讨要。")
    box = page.locator("#triage-suggestions")
    expect(box.locator("[data-testid=suggestions]")).to_be_visible()
    first = box.locator("[data-suggestion]").first
    expect(first).to_contain_text("拖欠工资")
    expect(first.locator("[data-unit]")).to_have_text(district.housing.name)
    expect(first).to_contain_text("%")
    shot("triage-suggestions")
    first.locator("[data-testid=apply-category-1]").click()
    wages = Category.objects.get(code="wages-arrears")
    expect(page.locator("#id_category")).to_have_value(str(wages.pk))
    box.locator("[data-testid=apply-town]").click()
    expect(page.locator("#id_town")).to_have_value(str(district.town_b.pk))


def test_it_merges_a_reposted_case_from_the_case_page(page: Page, login, district: District, trained: None, shot) -> None:  # noqa: ANN001
    from cases.tests.helpers import walk
    from triage.tests.helpers import new_case

    text = "瑞丰服装厂已经拖欠我们十几名工人四个月的工资，老板总说资金困难，春节前要回家，恳请政府督促企业支付工资。"
    main = walk(district, new_case(district, "瑞丰服装厂拖欠工资", text, category="wages-arrears"), State.ACCEPTED)
    repost = new_case(district, "再次反映瑞丰服装厂拖欠工资", text + "上次反映后至今没有消息。", category="wages-arrears")
    services.case_index(case=main)
    services.case_index(case=repost)
    login("intake", PASSWORD)
    page.goto(page.base_url + f"/cases/{repost.number}/")
    panel = page.locator("[data-testid=triage-duplicates]")
    expect(panel.locator(f"[data-duplicate='{main.number}']")).to_be_visible()
    shot("triage-duplicates")
    page.once("dialog", lambda d: d.accept())
    panel.locator(f"[data-testid=merge-{main.number}]").click()
    # The merge button goes once the merge has answered (the main number is listed before it too).
    expect(page.locator(f"[data-testid=merge-{main.number}]")).to_have_count(0, timeout=20_000)
    expect(page.locator("[data-testid=triage-duplicates]")).to_contain_text(main.number)
    assert Case.objects.get(pk=repost.pk).state == State.NOT_ACCEPTED
