"""The smart-triage panels of the district dashboard and the daily brief: the top hotspots
(size, growth, place, representative title, link to the list) and how often routing
suggestions were taken (accepted / overridden, rate, drill-down)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from docx import Document

from accounts.testing import District
from cases.models import CaseType, Category
from files.services import file_path
from insights import services
from insights.tests.flow import Flow, at
from triage.models import Hotspot, HotspotRun, SuggestionLog

pytestmark = pytest.mark.django_db

NOW = at(2026, 6, 10, 7, 40)


@pytest.fixture
def triage_data(district: District) -> dict[str, Any]:
    """Two hotspots of the week before NOW, and three registrations decided with a suggestion
    in June 2026 (two accepted, one overridden) plus one without a suggestion."""
    d = district
    f = Flow(d)
    cases = [
        f.register(at(2026, 6, day), type=CaseType.COMPLAINT, town=d.town_a, title=f"幸福里烧烤店油烟扰民{day}") for day in (2, 3, 4, 5)
    ]
    run = HotspotRun.objects.create(period_start=dt.date(2026, 6, 3), period_end=dt.date(2026, 6, 10), cases=40)
    Hotspot.objects.create(
        run=run,
        key="a",
        rank=1,
        size=9,
        previous=3,
        growth=2.0,
        heat=12.0,
        title="幸福里小区烧烤店油烟扰民",
        keywords=["油烟", "烧烤"],
        place=d.town_a.name,
        town=d.town_a,
        representative=cases[0],
        case_ids=[c.pk for c in cases],
    )
    Hotspot.objects.create(
        run=run,
        key="b",
        rank=2,
        size=4,
        previous=0,
        growth=4.0,
        heat=6.0,
        title="河西菜市场占道经营",
        keywords=["占道"],
        place=d.town_b.name,
    )
    fumes = Category.objects.get(code="air-fumes")
    road = Category.objects.get(code="municipal-road")
    decided = at(2026, 6, 8, 10)
    for case, outcome, chosen, rank in (
        (cases[0], SuggestionLog.Outcome.ACCEPTED, fumes, 1),
        (cases[1], SuggestionLog.Outcome.ACCEPTED, fumes, 2),
        (cases[2], SuggestionLog.Outcome.OVERRIDDEN, road, 0),
        (cases[3], SuggestionLog.Outcome.NONE, None, 0),
    ):
        SuggestionLog.objects.create(
            case=case,
            source="registration",
            suggestions=[] if outcome == SuggestionLog.Outcome.NONE else [{"category": fumes.pk, "reason": "油烟"}],
            top_category=None if outcome == SuggestionLog.Outcome.NONE else fumes,
            chosen_category=chosen,
            chosen_rank=rank,
            outcome=outcome,
            decided_at=decided,
        )
    return {"cases": cases, "run": run}


def test_it_shows_the_top_hotspots_and_the_suggestion_acceptance_on_the_district_dashboard(
    triage_data: dict[str, Any], client_for: Any
) -> None:
    with time_machine.travel(NOW, tick=False):
        html = client_for("leader").get("/insights/?period=month&date=2026-06-01").content.decode()
    assert 'data-testid="triage-panels"' in html
    hot = Hotspot.objects.get(rank=1)
    assert f'href="/triage/hotspots/{hot.pk}/"' in html and "幸福里小区烧烤店油烟扰民" in html
    assert "上一周期 3 件" in html and "200%" in html  # previous count and growth
    assert 'data-testid="all-hotspots"' in html
    # acceptance in June: 2 accepted, 1 overridden -> 67 %; the counts open the list
    assert 'data-testid="acceptance-rate">67%' in html
    assert 'data-count="accepted">2<' in html and 'data-count="overridden">1<' in html
    assert "/triage/acceptance/?from=2026-06-01&amp;to=2026-06-30&amp;outcome=overridden" in html


def test_it_drills_down_to_the_cases_whose_suggestion_was_overridden(triage_data: dict[str, Any], client_for: Any) -> None:
    response = client_for("leader").get("/triage/acceptance/?from=2026-06-01&to=2026-06-30&outcome=overridden")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-case="{triage_data["cases"][2].number}"' in html and f'data-case="{triage_data["cases"][0].number}"' not in html
    bad = client_for("leader").get("/triage/acceptance/?from=June&to=2026-06-30")
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.content.decode()
    assert client_for("officer").get("/triage/acceptance/").status_code == 403


def test_it_hides_the_triage_panels_from_unit_staff_and_on_a_unit_dashboard(
    triage_data: dict[str, Any], client_for: Any, district: District
) -> None:
    with time_machine.travel(NOW, tick=False):
        officer = client_for("officer").get("/insights/?period=month&date=2026-06-01").content.decode()
        unit = client_for("leader").get(f"/insights/?period=month&date=2026-06-01&unit={district.town_a.pk}").content.decode()
    assert 'data-testid="triage-panels"' not in officer and 'data-testid="triage-panels"' not in unit


def test_it_puts_hotspots_and_suggestion_acceptance_in_the_daily_brief(triage_data: dict[str, Any], client_for: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        brief = services.brief_generate(actor=None)
    hot = brief.data["hotspots"]
    assert hot["computed"] and hot["total"] == 2 and hot["from"] == "2026-06-03" and hot["to"] == "2026-06-09"
    first = hot["items"][0]
    assert (first["title"], first["size"], first["previous"], first["growth"]) == ("幸福里小区烧烤店油烟扰民", 9, 3, 200)
    assert hot["items"][1]["growth"] is None  # new this period
    month = brief.data["suggestions"]["month"]
    assert (month["accepted"], month["overridden"], month["without"], month["rate"]) == (2, 1, 1, 66.7)
    # the page
    html = client_for("leader").get(f"/insights/briefs/{brief.pk}/").content.decode()
    assert 'data-section="hotspots"' in html and "幸福里小区烧烤店油烟扰民" in html and 'data-section="suggestions"' in html
    assert "66.7%" in html
    # the Word document
    doc = Document(str(file_path(brief.docx)))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "热点" in text and "分拨推荐采纳情况" in text
    assert "幸福里小区烧烤店油烟扰民" in cells and "+200%" in cells and "新增" in cells and "66.7%" in cells


def test_it_says_so_in_the_brief_when_hotspots_were_never_computed(district: District) -> None:
    with time_machine.travel(NOW, tick=False):
        brief = services.brief_generate(actor=None)
    assert brief.data["hotspots"] == {"computed": False, "total": 0, "items": []}
    doc = Document(str(file_path(brief.docx)))
    assert "尚未计算热点" in "\n".join(p.text for p in doc.paragraphs)
