"""The whole journey of a complaint on the workbench pages, in a real browser:
intake registers a walk-in and assigns it → the officer of 青山街道 receives it, handles it
and drafts the written reply → the unit head approves and issues it → the follow-up
officer records the complainant's satisfaction and closes the case."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.testing import PASSWORD, District
from cases.models import Case, State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_as(page: Page, login: Callable[[str, str], None], username: str) -> None:
    page.context.clear_cookies()
    login(username, PASSWORD)
    expect(page.locator("[data-testid=user-menu]")).to_be_visible()


def do(page: Page, action: str, fill: Callable[[], None] | None = None) -> None:
    """Open an action's inline form, fill it, send it and wait for the page to reload."""
    page.click(f"[data-testid=actions] [data-action={action}]")
    form = page.locator(f"[data-testid=action-form][data-action={action}]")
    expect(form).to_be_visible()
    if fill is not None:
        fill()
    with page.expect_navigation():
        form.locator("[data-testid=action-submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()


def test_it_takes_a_complaint_from_the_walk_in_to_the_closed_case(page: Page, login, district: District, shot: Callable[[str], Path]) -> None:  # noqa: ANN001
    base = page.base_url  # type: ignore[attr-defined]

    # -- intake registers the walk-in, keyboard first
    sign_in_as(page, login, "intake")
    page.goto(base + "/cases/")
    page.click("[data-testid=register-link]")
    expect(page.locator("h1")).to_have_text("登记案件")
    expect(page.locator("#id_title")).to_be_focused()
    page.keyboard.type("幸福里小区楼下烧烤店油烟噪音扰民")
    page.keyboard.press("Tab")
    expect(page.locator("#id_content")).to_be_focused()
    page.keyboard.type("幸福里小区3栋楼下的烧烤店每晚营业到凌晨两点，油烟直排、噪音很大，老人孩子无法休息，请求依法处理。")
    # the rules suggest the category from the words of the text; one click applies it
    suggestion = page.locator("#triage-suggestions [data-category=air-fumes]")
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(page.locator("#id_category option:checked")).to_have_text("餐饮油烟")
    page.select_option("#id_town", label="青山街道")
    page.fill("#id_address", "青山街道幸福里小区3栋")
    page.fill("#id_c-0-name", "王建国")
    page.fill("#id_c-0-phone", "13900001111")
    page.fill("#id_c-0-address", "幸福里小区3栋1单元502室")
    shot("journey-01-register")
    page.focus("#id_content")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    expect(page.locator(".alert-success")).to_contain_text("已登记")
    expect(page.locator("[data-testid=case-state]")).to_have_text("已登记，待受理")
    number = page.locator("[data-testid=case-number]").inner_text().strip()
    assert re.fullmatch(r"\d{4}-\d{6}", number)
    expect(page.locator("[data-testid=complainants]")).to_contain_text("王建国")
    expect(page.locator("[data-clock-kind=decide]")).to_contain_text("正常")

    # intake accepts it and assigns it to 青山街道
    do(page, "accept")
    expect(page.locator("[data-testid=case-state]")).to_have_text("已受理，待交办")
    do(page, "assign", lambda: page.select_option("#id_units", value=str(district.town_a.pk)))
    expect(page.locator("[data-testid=case-state]")).to_have_text("已交办，待签收")
    expect(page.locator("[data-testid=case-units]")).to_contain_text("青山街道")
    shot("journey-02-assigned")

    # -- the officer of 青山街道 finds it in the unit's inbox, receives and handles it
    sign_in_as(page, login, "officer")
    page.goto(base + "/cases/")
    expect(page.locator("[data-box=unit_open].active")).to_be_visible()
    row = page.locator(f"tr[data-case='{number}']")
    expect(row).to_contain_text("已交办，待签收")
    expect(row.locator("[data-clock]")).to_be_visible()
    shot("journey-03-officer-inbox")
    row.locator("a").first.click()
    expect(page.locator("[data-testid=complainants]")).to_contain_text("13900001111")  # the handling unit sees the identity
    do(page, "receive")
    expect(page.locator("[data-testid=case-state]")).to_have_text("办理中")
    do(page, "add_note", lambda: (page.fill("#id_text", "已电话联系王建国，约定明晚到现场查看。"), page.check("#id_contact")))
    expect(page.locator("[data-testid=timeline]")).to_contain_text("已电话联系王建国")

    # a reply without its text is refused beside the field, and nothing changes
    page.click("[data-testid=actions] [data-action=draft_reply]")
    page.locator("[data-testid=action-form] [data-testid=action-submit]").click()
    expect(page.locator("[data-field-error=text]")).to_have_text("这个字段是必填项。")
    expect(page.locator("[data-testid=case-state]")).to_have_text("办理中")
    shot("journey-04-reply-refused")
    page.check("#id_outcome_0")
    page.fill("#id_text", "经现场核查，该烧烤店未安装油烟净化设施且夜间经营噪音超标。街道已会同城管、生态环境部门责令其安装油烟净化设备，并于每日22时前停止室外经营。")
    with page.expect_navigation():
        page.locator("[data-testid=action-form] [data-testid=action-submit]").click()
    expect(page.locator("[data-testid=case-state]")).to_have_text("答复待审批")
    expect(page.locator("[data-testid=reply]")).to_contain_text("待审批")
    shot("journey-05-reply-submitted")

    # -- the unit head approves the reply and issues it to the complainant
    sign_in_as(page, login, "head")
    page.goto(base + "/cases/?box=to_approve")
    page.locator(f"tr[data-case='{number}'] a").first.click()
    do(page, "approve_reply")
    expect(page.locator("[data-testid=case-state]")).to_have_text("答复已审批，待送达")
    do(page, "notify_complainant")
    expect(page.locator("[data-testid=case-state]")).to_have_text("已答复，待回访")
    expect(page.locator("[data-testid=reply]")).to_contain_text("已送达")
    expect(page.locator("[data-clock-kind=review_request]")).to_be_visible()
    shot("journey-06-replied")

    # -- the follow-up officer records satisfaction and closes the case
    sign_in_as(page, login, "followup")
    page.goto(base + "/cases/")
    expect(page.locator("[data-box=to_follow_up].active")).to_be_visible()
    page.locator(f"tr[data-case='{number}'] a").first.click()
    do(
        page,
        "record_followup",
        lambda: (page.check("#id_resolved_0"), page.select_option("#id_satisfaction", "satisfied"), page.fill("#id_comment", "烧烤店已整改，晚上安静多了。")),
    )
    expect(page.locator("[data-testid=followup]")).to_contain_text("满意")
    do(page, "close")
    expect(page.locator("[data-testid=case-state]")).to_have_text("已办结")
    expect(page.locator("[data-testid=no-actions]")).to_be_visible()
    shot("journey-07-closed")

    # the printable sheet shows the whole story
    page.click("[data-testid=sheet-link]")
    sheet = page.locator("[data-testid=case-sheet]")
    expect(sheet).to_contain_text("信访事项处理单")
    expect(sheet).to_contain_text("满意")
    shot("journey-08-sheet")

    case = Case.objects.get(number=number)
    assert case.state == State.CLOSED
    assert case.followups.get().satisfaction == "satisfied"


def test_it_masks_the_identity_until_a_leader_reveals_it(page: Page, login, district: District, shot: Callable[[str], Path]) -> None:  # noqa: ANN001
    from cases import services as s

    case = s.case_register(
        actor=district.intake,
        channel="visit",
        type="complaint",
        title="电梯频繁困人",
        content="丽水华庭5栋电梯一周内三次困人。",
        complainants=[s.ComplainantIn(name="欧阳小明", phone="13612345678")],
    )
    sign_in_as(page, login, "leader")
    page.goto(page.base_url + case.get_absolute_url())  # type: ignore[attr-defined]
    people = page.locator("[data-testid=complainants]")
    expect(people).to_contain_text("欧**明")
    expect(people).not_to_contain_text("13612345678")
    page.fill("[data-testid=reveal-form] input[name=reason]", "核实是否重复信访")
    page.click("[data-testid=reveal]")
    expect(people).to_contain_text("欧阳小明")
    expect(people).to_contain_text("13612345678")
    expect(people).to_contain_text("本次查看已记录")
    shot("journey-reveal")
