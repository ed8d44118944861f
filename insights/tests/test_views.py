"""The dashboard pages through HTTP: scoping, periods, empty periods, and a
permission-denied test for every view."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import Role
from accounts.services import user_create
from accounts.testing import District
from cases.models import CaseType
from insights.models import LedgerExport
from insights.tests.flow import Flow, at

pytestmark = pytest.mark.django_db

PAGES = [
    "/insights/",
    "/insights/ranking/",
    "/insights/export.xlsx",
    "/insights/drill/closure/den/",
    "/insights/drill/received/all/",
    "/insights/overdue/",
    "/insights/ledger/",
    "/insights/briefs/",
    "/insights/settings/",
]


@pytest.fixture
def cases(district: District) -> dict[str, Any]:
    """One case handled by 青山 (town A) and one by 河西 (town B), in May 2026."""
    f = Flow(district)
    a = f.register(at(2026, 5, 6), type=CaseType.SUGGESTION, town=district.town_a, title="青山小区路灯不亮")
    f.handled(a, at(2026, 5, 7), district.town_a)
    f.reply(a, at(2026, 5, 20))
    b = f.register(at(2026, 5, 8), type=CaseType.SUGGESTION, town=district.town_b, title="河西菜市场占道经营")
    f.handled(b, at(2026, 5, 9), district.town_b)
    return {"a": a, "b": b}


MAY = {"period": "month", "date": "2026-05-01"}


@pytest.mark.parametrize(
    "url", PAGES + ["/insights/units/1/", "/insights/briefs/1/", "/insights/briefs/1/docx/", "/insights/ledger/jobs/1/"]
)
def test_it_sends_anonymous_visitors_to_sign_in(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "url",
    [
        "/insights/",
        "/insights/ranking/",
        "/insights/export.xlsx",
        "/insights/drill/closure/den/",
        "/insights/overdue/",
        "/insights/ledger/",
        "/insights/briefs/",
        "/insights/settings/",
    ],
)
def test_it_refuses_a_user_without_unit_or_role(district: District, url: str) -> None:
    nobody = user_create(actor=None, username="nobody", password="x" * 12, full_name="Nobody", unit=None, roles=[], validate=False)
    client = Client()
    client.force_login(nobody)
    assert client.get(url).status_code == 403


def test_it_refuses_posts_without_permission(district: District, client_for: Any) -> None:
    officer = client_for("officer")
    assert officer.post("/insights/briefs/generate/").status_code == 403
    assert officer.post("/insights/settings/", {"form": "settings"}).status_code == 403
    nobody = user_create(actor=None, username="nobody", password="x" * 12, full_name="Nobody", unit=None, roles=[], validate=False)
    client = Client()
    client.force_login(nobody)
    assert client.post("/insights/ledger/export/", {"kind": "filter"}).status_code == 403


def test_it_shows_the_leader_the_whole_district(cases: dict[str, Any], client_for: Any) -> None:
    response = client_for("leader").get("/insights/", MAY)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="scope-name">测试区<' in html
    assert response.context["sums"]["received"] == 2
    assert response.context["sums"]["replied"] == 1
    labels = {r.label for r in response.context["ranking"]}
    assert {"青山街道", "河西街道", "区住房和城乡建设局"} <= labels
    assert 'data-rate="closure"' in html and "chart-data" in html


def test_it_shows_an_officer_only_their_own_unit(cases: dict[str, Any], district: District, client_for: Any) -> None:
    client = client_for("officer")  # 青山 (town A)
    response = client.get("/insights/", MAY)
    assert response.status_code == 200
    assert response.context["scope"].base == district.town_a
    assert response.context["sums"]["received"] == 1
    assert response.context["overdue_now"] == 0
    assert {r.label for r in response.context["ranking"]} <= {"青山街道综治中心", "青山街道 itself", "青山街道本级"}
    # Another town's figures and lists are not there for them.
    assert client.get("/insights/", {**MAY, "unit": district.town_b.pk}).status_code == 404
    assert client.get(f"/insights/units/{district.town_b.pk}/", MAY).status_code == 404
    assert client.get("/insights/drill/received/all/", {**MAY, "unit": district.town_b.pk}).status_code == 404
    drill = client.get("/insights/drill/received/all/", MAY).content.decode()
    assert cases["a"].number in drill and cases["b"].number not in drill
    api = client.get("/api/v1/insights/figures", {"period": "month", "date": "2026-05-01"}).json()
    assert api["received"] == 1 and api["scope"]["unit"] == "青山街道"
    assert client.get("/api/v1/insights/figures", {"unit": district.town_b.pk}).status_code == 404
    # Daily briefs and settings are not theirs either.
    assert client.get("/insights/briefs/").status_code == 403
    assert client.get("/insights/settings/").status_code == 403


def test_it_lets_the_leader_open_a_unit_page(cases: dict[str, Any], district: District, client_for: Any) -> None:
    response = client_for("leader").get(f"/insights/units/{district.town_b.pk}/", MAY)
    assert response.status_code == 200
    assert response.context["scope"].base == district.town_b
    assert response.context["sums"]["received"] == 1
    assert client_for("leader").get("/insights/units/999999/", MAY).status_code == 404


def test_it_explains_an_empty_period_with_zeros(cases: dict[str, Any], client_for: Any) -> None:
    response = client_for("leader").get("/insights/", {"period": "year", "date": "2024-01-01"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="empty-period"' in html
    assert response.context["sums"]["received"] == 0
    assert all(f.denominator == 0 and f.value is None for f in response.context["figures"])
    ranking = client_for("leader").get("/insights/ranking/", {"period": "year", "date": "2024-01-01"})
    assert 'data-testid="empty-period"' in ranking.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "custom", "from": "2026-05-10", "to": "2026-05-01"}, "2026-05-10"),
        ({"period": "custom", "from": "2026-05-10"}, "custom"),
        ({"period": "month", "date": "2026-13-01"}, "2026-13-01"),
        ({"period": "fortnight"}, "fortnight"),
        ({"period": "custom", "from": "2000-01-01", "to": "2026-01-01"}, "five"),
    ],
)
def test_it_explains_an_invalid_period(district: District, client_for: Any, params: dict[str, str], message: str) -> None:
    client = client_for("leader")
    client.cookies["django_language"] = "en"
    response = client.get("/insights/", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    error = response.context["period_error"]
    assert error and message in error
    assert 'data-testid="period-error"' in response.content.decode()
    api = client.get(
        "/api/v1/insights/figures",
        {k.replace("from", "start").replace("to", "end") if k in ("from", "to") else k: v for k, v in params.items()},
    )
    assert api.status_code == 400


def test_it_changes_the_period(cases: dict[str, Any], client_for: Any) -> None:
    client = client_for("leader")
    # Received 05-06 (a Wednesday) and 05-08; the week runs Monday 05-04 to Sunday 05-10.
    for kind, expected in (("day", 1), ("week", 2), ("month", 2), ("quarter", 2), ("year", 2)):
        response = client.get("/insights/", {"period": kind, "date": "2026-05-06"})
        assert response.status_code == 200
        assert response.context["period"].kind == kind
        assert response.context["sums"]["received"] == expected, kind
    assert client.get("/insights/", {"period": "week", "date": "2026-05-11"}).context["sums"]["received"] == 0
    custom = client.get("/insights/", {"period": "custom", "from": "2026-05-07", "to": "2026-05-31"})
    assert custom.context["sums"]["received"] == 1


def test_it_sorts_the_ranking_and_serves_it_to_htmx(cases: dict[str, Any], client_for: Any) -> None:
    client = client_for("supervisor")
    response = client.get("/insights/ranking/", {**MAY, "sort": "closure"})
    assert response.status_code == 200
    rows = [r for r in response.context["rows"] if r.figures[0].denominator or r.received]
    assert rows
    partial = client.get("/insights/ranking/", {**MAY, "sort": "received"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    api = client.get("/api/v1/insights/ranking", {"period": "month", "date": "2026-05-01", "sort": "received"}).json()
    assert api["rows"][0]["received"] == 1


def test_it_keeps_ledger_jobs_private(district: District, client_for: Any) -> None:
    job = LedgerExport.objects.create(requested_by=district.leader, params={"kind": "filter"}, title="t", total=1)
    assert client_for("leader").get(f"/insights/ledger/jobs/{job.pk}/").status_code == 200
    assert client_for("supervisor").get(f"/insights/ledger/jobs/{job.pk}/").status_code == 404
    assert client_for("supervisor").get(f"/insights/ledger/jobs/{job.pk}/download/").status_code == 404


def test_it_lets_an_administrator_change_a_target(district: District, client_for: Any) -> None:
    client = client_for("admin")
    assert client.get("/insights/settings/").status_code == 200
    response = client.post(
        "/insights/settings/", {"form": "meeting", "rate-meeting-target": "95", "rate-meeting-shown": "on", "rate-meeting-note": "区里要求"}
    )
    assert response.status_code == 302
    from insights.models import RateDefinition

    rate = RateDefinition.objects.get(code="meeting")
    assert float(rate.target) == 95.0 and rate.note == "区里要求"
    bad = client.post("/insights/settings/", {"form": "meeting", "rate-meeting-target": "120"})
    assert bad.status_code == 200
    assert float(RateDefinition.objects.get(code="meeting").target) == 95.0
    response = client.post(
        "/insights/settings/",
        {
            "form": "settings",
            "count_basically_satisfied": "",
            "brief_enabled": "on",
            "brief_time": "08:15",
            "brief_due_days": "3",
            "rising_min_count": "3",
            "rising_ratio": "1.5",
        },
    )
    assert response.status_code == 302
    from insights.services import get_settings

    assert get_settings().count_basically_satisfied is False
    assert get_settings().brief_time.hour == 8
    assert Role.ADMIN in district.admin.role_set


def test_it_lets_an_administrator_place_the_towns_on_the_map(cases: dict[str, Any], district: District, client_for: Any) -> None:
    client = client_for("admin")
    prefix = f"town-{district.town_a.pk}"
    response = client.post("/insights/settings/", {"form": prefix, f"{prefix}-latitude": "30.561", f"{prefix}-longitude": "114.288"})
    assert response.status_code == 302
    from insights.periods import parse_period
    from insights.selectors import get_scope, town_counts

    towns = {t["name"]: t for t in town_counts(get_scope(district.leader), parse_period(MAY))}
    assert towns["青山街道"]["n"] == 1 and towns["青山街道"]["lat"] == 30.561
    assert towns["河西街道"]["n"] == 1 and towns["河西街道"]["lat"] is None
    bad = client.post("/insights/settings/", {"form": prefix, f"{prefix}-latitude": "30.5", f"{prefix}-longitude": ""})
    assert bad.status_code == 200 and "经度" in bad.content.decode()
    assert (
        client_for("leader")
        .post("/insights/settings/", {"form": prefix, f"{prefix}-latitude": "1", f"{prefix}-longitude": "1"})
        .status_code
        == 403
    )


def test_it_never_lists_an_accusation_to_the_accused_unit(district: District, client_for: Any) -> None:
    f = Flow(district)
    case = f.register(at(2026, 5, 6), type=CaseType.ACCUSATION, town=district.town_b, accused=district.bureau, title="举报信访局某干部")
    f.handled(case, at(2026, 5, 7), district.town_b)
    # The complaint bureau's staff work district-wide, but the accusation is against their bureau.
    response = client_for("intake").get("/insights/drill/received/all/", MAY)
    html = response.content.decode()
    assert 'data-testid="drill-count">1<' in html  # the figure counts it...
    assert case.number not in html and "举报信访局某干部" not in html  # ...the list never shows it
    assert response.context["page"].visible == 0
    leader = client_for("leader").get("/insights/drill/received/all/", MAY).content.decode()
    assert case.number in leader
