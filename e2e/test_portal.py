"""A citizen on a phone (390x844) raises a matter on the portal, notes the number and the
query code, sees the status change as staff act (through the case services), reads the
written answer and rates it."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from cases.models import Case, CaseFollowUp, Category, ContactChannel, Satisfaction, State
from e2e.conftest import ARTIFACTS
from portal.testing import walk_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def png(path: Path) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(b"\x00\xc0\x20\x20")) + chunk(b"IEND", b"")
    )
    return path


def test_it_lets_a_citizen_submit_follow_and_rate_on_a_phone(browser: Browser, live_server, district, tmp_path, settings) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path / "files"
    # A category to choose (a transactional test before this one may have emptied the seeded tree).
    parent, _ = Category.objects.get_or_create(code="e2e-construction", defaults={"name": "城乡建设", "level": 1})
    middle, _ = Category.objects.get_or_create(code="e2e-site", defaults={"name": "建筑施工", "level": 2, "parent": parent})
    Category.objects.get_or_create(code="e2e-site-night", defaults={"name": "夜间施工扰民", "level": 3, "parent": middle, "keywords": "夜间施工 打桩"})

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.goto(base + "/portal/")
        expect(page.locator("h1")).to_contain_text("群众诉求门户")
        page.click("[data-testid=go-submit]")

        page.fill("#category-filter", "夜间")
        expect(page.locator("#id_category")).to_have_value("e2e-site-night")
        page.fill("#id_description", "青山路18号工地每天夜里11点后还在打桩，噪音很大，附近居民无法休息，请有关部门查处。")
        page.fill("#id_address", "青山路18号")
        page.locator("#map").click(position={"x": 180, "y": 120})
        expect(page.locator("#id_latitude")).not_to_have_value("")
        page.set_input_files("#id_photos", str(png(tmp_path / "site.png")))
        page.fill("#id_name", "李小红")
        page.fill("#id_phone", "13912345678")
        page.check("#id_consent")
        page.screenshot(path=str(ARTIFACTS / "portal-submit-phone.png"), full_page=True)
        page.click("[data-testid=submit]")

        expect(page.locator("h1")).to_contain_text("已收到")
        number = page.inner_text("[data-testid=case-number]").strip()
        code = page.inner_text("[data-testid=query-code]").strip()
        assert len(code) == 9 and code[4] == "-"
        page.screenshot(path=str(ARTIFACTS / "portal-receipt-phone.png"), full_page=True)
        case = Case.objects.get(number=number)
        assert case.latitude is not None and case.attachments.count() == 1

        # Later, on another visit: the number and the code open the status page.
        page.context.clear_cookies()
        page.goto(base + "/portal/track/")
        page.fill("#id_number", number)
        page.fill("#id_code", "AAAA-BBBB")
        page.click("[data-testid=track]")
        expect(page.locator("[data-field-error=code]")).to_contain_text("不匹配")
        page.fill("#id_code", code.lower())
        page.click("[data-testid=track]")
        expect(page.locator("[data-testid=plain-state]")).to_contain_text("正在审查是否受理")

        # Staff act through the case services; the citizen reloads and sees the change.
        walk_to(district, case, State.HANDLING)
        page.reload()
        expect(page.locator("[data-testid=plain-state]")).to_contain_text("责任单位正在办理")
        expect(page.locator("[data-testid=timeline]")).to_contain_text("已转交责任单位办理")

        walk_to(district, case, State.REPLIED)
        page.reload()
        expect(page.locator("[data-testid=reply]")).to_contain_text("已责令施工单位")
        page.click("label[for=id_resolved_0]")
        page.click("label[for=id_satisfaction_1]")
        page.fill("#id_comment", "夜间施工已停止，感谢。")
        page.screenshot(path=str(ARTIFACTS / "portal-status-phone.png"), full_page=True)
        page.click("[data-testid=rate]")
        expect(page.locator("[data-testid=rated]")).to_be_visible()
        expect(page.locator(".alert-success")).to_contain_text("感谢")
    finally:
        context.close()

    rating = CaseFollowUp.objects.get(case=case)
    assert (rating.resolved, rating.satisfaction, rating.channel) == (True, Satisfaction.BASICALLY, ContactChannel.PORTAL)
