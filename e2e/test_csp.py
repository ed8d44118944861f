"""Every key page works under the Content-Security-Policy (docs/security.md) in a real
Chromium: no 'securitypolicyviolation' event, no console error, and the controls that run
JavaScript still do their job: the intake form's suggestions apply, the charts draw (their
tooltips too), the maps draw, selects submit their filter, a confirm dialog guards its
form, the action panel closes, the duty roster splits a day, the portal's map works."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.testing import PASSWORD
from core.tests.matrix_world import World, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspReport(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " in " + e.sourceFile + ":" + e.lineNumber + " " + (e.sample || ""));
});
"""


@pytest.fixture
def world(settings: Any, tmp_path: Any) -> World:
    from hazards import services as hs
    from hazards.models import HazardCategory
    from triage.models import TriageRule

    settings.MEDIA_ROOT = tmp_path / "files"
    w = build_world()
    today = timezone.localdate()
    w.campaign = hs.campaign_create(  # type: ignore[attr-defined]
        actor=w.d.leader,
        name="燃气安全专项排查",
        categories=[HazardCategory.objects.get(code="fire")],
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=20),
    )
    TriageRule.objects.create(kind=TriageRule.Kind.PLACE, pattern="河西客运站", town=w.d.town_b)
    return w


@pytest.fixture
def watched(page: Page) -> dict[str, list[str]]:
    """Collects policy violations (reported from the page through an exposed function, which
    outlives navigations), console errors and uncaught exceptions."""
    seen: dict[str, list[str]] = {"violations": [], "errors": []}
    page.context.expose_function("__cspReport", lambda text: seen["violations"].append(f"{page.url}: {text}"))
    page.context.add_init_script(WATCH)
    # Chromium asks for /favicon.ico, which the project does not have: a 404 logged as a
    # console error that has nothing to do with the policy.
    page.context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    page.on("console", lambda m: seen["errors"].append(f"{page.url}: console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: seen["errors"].append(f"{page.url}: {exc}"))
    return seen


def clean(page: Page, seen: dict[str, list[str]]) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(150)  # violation events are dispatched asynchronously
    assert seen["violations"] == [], "\n".join(seen["violations"])
    assert seen["errors"] == [], "\n".join(seen["errors"])


def sign_in(page: Page, username: str) -> None:
    # Leave the page first: a request still running (htmx, polling) must not meet the new
    # session (SQLite's test database serialises writes).
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(page.base_url + "/accounts/login/")  # type: ignore[attr-defined]
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_load_state("networkidle")


def test_it_keeps_every_key_page_working_under_the_policy(
    page: Page, world: World, watched: dict[str, list[str]], shot: Callable[[str], Any]
) -> None:
    base = page.base_url  # type: ignore[attr-defined]
    w = world

    # The header is there, with no inline script or style allowed.
    response = page.goto(base + "/accounts/login/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy
    clean(page, watched)

    # Intake: the registration form asks for suggestions as one types; both apply buttons fill the form.
    sign_in(page, "intake")
    clean(page, watched)
    page.goto(base + "/cases/new/")
    page.fill("#id_title", "河西客运站旁边服装厂拖欠工资")
    page.fill("#id_content", "我们在河西客运站旁边的服装厂上班，厂里已经拖欠四个月工资，请劳动部门帮忙讨要工资。")
    box = page.locator("#triage-suggestions")
    first = box.locator("[data-testid=apply-category-1]")
    expect(first).to_be_visible()
    value = first.get_attribute("data-value")
    first.click()
    expect(page.locator("#id_category")).to_have_value(value or "")
    box.locator("[data-testid=apply-town]").click()
    expect(page.locator("#id_town")).to_have_value(str(w.d.town_b.pk))
    shot("csp-register")
    clean(page, watched)

    # The inbox and a case page; an action opens in the panel (htmx) and its × closes it.
    page.goto(base + "/cases/")
    expect(page.locator("main a[href^='/cases/2']").first).to_be_visible()
    clean(page, watched)
    sign_in(page, "officer")
    page.goto(base + f"/cases/{w.case.number}/")
    action = page.locator("[data-testid=actions] a[data-action]").first
    action.click()
    panel = page.locator("#action-panel")
    expect(panel.locator("form")).to_be_visible()
    panel.locator("a.btn-close[data-close-panel]").click()
    expect(panel.locator("form")).to_have_count(0)
    assert page.url.endswith(f"/cases/{w.case.number}/")
    clean(page, watched)
    page.goto(base + f"/cases/{w.case.number}/sheet/")
    clean(page, watched)

    # The dashboard: ECharts draws its charts, a tooltip shows on hover, the map its bubbles;
    # the scope select submits itself.
    sign_in(page, "leader")
    page.goto(base + "/insights/")
    for chart in ("#chart-trend", "#chart-categories", "#chart-states"):
        expect(page.locator(f"{chart} canvas").first).to_be_visible()
    page.locator("#chart-trend canvas").first.hover(position={"x": 200, "y": 120})
    page.locator("#chart-states canvas").first.hover(position={"x": 200, "y": 60})
    expect(page.locator("#map-towns .ins-town-label").first).to_be_visible()
    shot("csp-dashboard")
    clean(page, watched)
    scope = page.locator("select[data-autosubmit][name=category]")
    option = scope.locator("option").nth(1).get_attribute("value") or ""
    scope.select_option(option)
    page.wait_for_url(re.compile(r"category=" + re.escape(option)))
    clean(page, watched)

    # Hazards: dashboard charts, the map with its legend, its filter selects, the campaign
    # page's map and its confirm dialog (dismissed: nothing happens; accepted: finished).
    page.goto(base + "/hazards/dashboard/")
    expect(page.locator("#chart-category canvas").first).to_be_visible()
    expect(page.locator("#chart-state canvas").first).to_be_visible()
    page.locator("#chart-category canvas").first.hover(position={"x": 120, "y": 200})
    clean(page, watched)
    page.goto(base + "/hazards/map/")
    expect(page.locator("#hazard-map.leaflet-container")).to_be_visible()
    page.locator("select[name=grade][data-autosubmit]").select_option("general")
    page.wait_for_url(re.compile(r"grade=general"))
    expect(page.locator("#hazard-map.leaflet-container")).to_be_visible()
    shot("csp-hazard-map")
    clean(page, watched)
    page.goto(base + "/hazards/")
    clean(page, watched)
    campaign_url = base + f"/hazards/campaigns/{w.campaign.pk}/"  # type: ignore[attr-defined]
    page.goto(campaign_url)
    expect(page.locator("#target-map.leaflet-container")).to_be_visible()
    finish = page.locator("form[data-confirm] button")
    page.once("dialog", lambda d: d.dismiss())
    finish.click()
    page.wait_for_timeout(300)
    assert page.url == campaign_url
    w.campaign.refresh_from_db()  # type: ignore[attr-defined]
    assert w.campaign.status == "active"  # type: ignore[attr-defined]
    page.once("dialog", lambda d: d.accept())
    finish.click()
    page.wait_for_load_state("networkidle")
    w.campaign.refresh_from_db()  # type: ignore[attr-defined]
    assert w.campaign.status == "closed"  # type: ignore[attr-defined]
    clean(page, watched)
    page.goto(base + f"/hazards/campaigns/{w.campaign.pk}/report/")  # type: ignore[attr-defined]
    clean(page, watched)

    # Duty: home, and the roster: "+" splits a day into two shifts, the unit picker navigates.
    sign_in(page, "duty")
    page.goto(base + "/duty/")
    clean(page, watched)
    today = timezone.localdate()
    page.goto(base + f"/duty/roster/qingshan/{today.year}/{today.month}/")
    form = page.locator("[data-testid=roster-form]")
    day = form.locator("tbody:has(button[data-split])").last
    before = day.locator("tr").count()
    day.locator("button[data-split]").first.click()
    expect(day.locator("tr")).to_have_count(before + 1)
    expect(day.locator("tr").nth(1).locator("[name=start]")).not_to_have_value("")
    picker = page.locator("form[data-goto-prefix]")
    code = picker.locator("select[name=unit] option").last.get_attribute("value")
    assert code and code != "qingshan"
    picker.locator("select[name=unit]").select_option(code)
    picker.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/duty/roster/{code}/{today.year}/{today.month}/"))
    shot("csp-roster")
    clean(page, watched)

    # Administration: the Django admin and the triage models page.
    sign_in(page, "admin")
    page.goto(base + "/admin/")
    clean(page, watched)
    page.goto(base + "/triage/models/")
    clean(page, watched)
    page.goto(base + "/no-such-page/")
    expect(page.locator("h1")).to_be_visible()
    watched["errors"] = [e for e in watched["errors"] if "404" not in e]  # the page's own status
    clean(page, watched)

    # The citizens' portal: the submission form with its map.
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(base + "/portal/")
    clean(page, watched)
    page.goto(base + "/portal/submit/")
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    page.locator("#map").click(position={"x": 150, "y": 80})
    expect(page.locator("#id_latitude")).not_to_have_value("")
    shot("csp-portal-submit")
    clean(page, watched)

    # The API documentation (Swagger UI from django-ninja's static files).
    page.goto(base + "/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title").first).to_contain_text("Minsheng API", timeout=30_000)
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    clean(page, watched)
