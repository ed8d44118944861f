"""The daily brief on a fixed clock: its sections and numbers, the Word document, the
scheduled job (once a day, at the configured time) and the archive pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from docx import Document

from accounts.testing import District
from cases.models import CaseType
from cases.sweep import sweep
from files.services import file_path
from insights import services, tasks
from insights.models import DailyBrief
from insights.tests.flow import Flow, at

pytestmark = pytest.mark.django_db

BRIEF_AT = at(2026, 6, 10, 7, 40)  # a Wednesday, after the default 07:30


@pytest.fixture
def history(district: District) -> dict[str, Any]:
    """Cases around 2026-06-10 (see the comments for what the brief must say)."""
    d = district
    f = Flow(d)
    qs, hx = d.town_a, d.town_b
    c: dict[str, Any] = {}
    # The week before last (05-27 07:40 .. 06-03 07:40): one noise case in 青山, handled.
    c["P1"] = f.register(at(2026, 5, 27), type=CaseType.SUGGESTION, category="noise-business", town=qs)
    f.handled(c["P1"], at(2026, 5, 27, 11), qs)
    # Last week: four noise cases in 青山 -> a rising topic (4 against 1).
    c["W1"] = f.register(at(2026, 6, 4), type=CaseType.SUGGESTION, category="noise-business", town=qs)
    f.handled(c["W1"], at(2026, 6, 4, 11), qs)
    c["W2"] = f.register(at(2026, 6, 6), type=CaseType.SUGGESTION, category="noise-life", town=qs)
    f.handled(c["W2"], at(2026, 6, 6, 11), qs)
    # Since yesterday 07:40 (no brief before): W3, W4 (noise, 青山) and N5 (property fee, 河西).
    c["W3"] = f.register(at(2026, 6, 9, 9), type=CaseType.SUGGESTION, category="noise-business", town=qs)
    c["W4"] = f.register(at(2026, 6, 9, 14), type=CaseType.SUGGESTION, category="noise-traffic", town=qs)
    c["N5"] = f.register(at(2026, 6, 9, 11), type=CaseType.SUGGESTION, category="property-fee", town=hx)
    # Due within 3 days: S's decision is due 06-11. Overdue: O's decision was due 06-03.
    c["S"] = f.register(at(2026, 5, 27, 15), type=CaseType.APPEAL, category="wages-arrears", town=hx, title="某公司拖欠工资三个月")
    c["O"] = f.register(at(2026, 5, 19), type=CaseType.APPEAL, category="municipal-road", town=hx, title="道路塌陷无人修")
    # A confidential accusation, also overdue: counted, never listed by title.
    c["X"] = f.register(
        at(2026, 5, 19, 11), type=CaseType.ACCUSATION, category="municipal-road", town=hx, accused=d.housing, title="举报某局干部收受好处费"
    )
    # A hazard past its rectification deadline (when the hazards module is installed).
    from hazards.models import HazardCategory
    from hazards.services import hazard_register

    with time_machine.travel(at(2026, 5, 20), tick=False):
        hazard_register(
            actor=d.head,
            category=HazardCategory.objects.order_by("id").first(),
            grade="general",
            title="楼道堆放杂物堵塞消防通道",
            description="三号楼楼道堆放大量纸箱。",
            address="青山街道幸福里小区3号楼",
            town=qs,
            unit=qs,
            found_on=dt.date(2026, 5, 20),
        )
    with time_machine.travel(BRIEF_AT, tick=False):
        sweep(now=BRIEF_AT)
    return c


def generate(**kwargs: Any) -> DailyBrief:
    with time_machine.travel(BRIEF_AT, tick=False):
        return services.brief_generate(**kwargs)


def test_it_writes_the_expected_sections_and_numbers(history: dict[str, Any], district: District) -> None:
    brief = generate(actor=None)
    d = brief.data
    assert brief.day == dt.date(2026, 6, 10) and brief.kind == DailyBrief.Kind.SCHEDULED
    # 1. new since the last brief (none before: the last 24 hours)
    assert d["new"]["total"] == 3
    assert {r["name"]: r["n"] for r in d["new"]["by_category"]} == {"生态环境": 2, "城乡建设": 1}
    assert {r["name"]: r["n"] for r in d["new"]["by_town"]} == {"青山街道": 2, "河西街道": 1}
    # 2. rising: noise in 青山, 4 cases this week against 1 the week before
    assert d["rising"] == [{"topic": "噪声污染", "town": "青山街道", "this_week": 4, "last_week": 1}]
    # 3. due soon: S only; 4. overdue: O and the accusation X, listed without X's title
    assert d["due_soon"]["total"] == 1 and d["due_soon"]["cases"][0]["number"] == history["S"].number
    assert d["overdue"]["total"] == 2
    titles = [line["title"] for line in d["overdue"]["cases"]]
    assert "道路塌陷无人修" in titles and "举报某局干部收受好处费" not in titles
    # 5. behind target this month: 青山 accepted W1 and W2 in June and has replied to neither
    behind = {u["unit"]: {r["label"] for r in u["rates"]} for u in d["behind"]["units"]}
    assert "青山街道" in behind
    assert {"办结率", "回复率"} <= behind["青山街道"]
    assert d["behind"]["from"] == "2026-06-01" and d["behind"]["to"] == "2026-06-10"
    # 6-8. the modules that are installed
    assert d["hazards"]["total"] == 1 and d["hazards"]["items"][0]["title"] == "楼道堆放杂物堵塞消防通道"
    assert d["instructions"]["total"] == 0
    from duty.selectors import missing_units

    assert d["daily_reports"]["total"] == len(missing_units(dt.date(2026, 6, 9), BRIEF_AT))
    # no personal data of complainants
    assert "张三" not in str(d) and "13800000000" not in str(d)


def test_it_writes_the_word_document(history: dict[str, Any], district: District) -> None:
    brief = generate(actor=None)
    assert brief.docx is not None
    doc = Document(str(file_path(brief.docx)))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "每日研判" in text
    for title in ("新增案件", "上升", "即将到期", "超期案件", "未达标", "隐患"):
        assert title in text, title
    assert "3" in text and "青山街道" in cells and "噪声污染" in cells
    assert history["S"].number in cells and history["O"].number in cells
    assert "举报某局干部收受好处费" not in cells


def test_it_generates_once_a_day_at_the_configured_time(history: dict[str, Any], district: District) -> None:
    with time_machine.travel(at(2026, 6, 10, 7, 0), tick=False):
        assert tasks.daily_brief.call_local() is None  # before 07:30
    with time_machine.travel(BRIEF_AT, tick=False):
        first = tasks.daily_brief.call_local()
        assert first is not None
        assert tasks.daily_brief.call_local() is None  # already made today
        assert services.brief_generate(actor=None).pk == first  # the service is idempotent too
    assert DailyBrief.objects.filter(kind=DailyBrief.Kind.SCHEDULED).count() == 1
    services.insights_settings_update(actor=district.admin, brief_time=dt.time(9, 0))
    with time_machine.travel(at(2026, 6, 11, 8, 0), tick=False):
        assert tasks.daily_brief.call_local() is None  # the new time is 09:00
    with time_machine.travel(at(2026, 6, 11, 9, 5), tick=False):
        second = DailyBrief.objects.get(pk=tasks.daily_brief.call_local())
    # The next brief counts new cases from the previous one.
    assert second.since == BRIEF_AT
    services.insights_settings_update(actor=district.admin, brief_enabled=False)
    with time_machine.travel(at(2026, 6, 12, 10, 0), tick=False):
        assert tasks.daily_brief.call_local() is None


def test_it_generates_on_demand_for_leaders_only(history: dict[str, Any], district: District, client_for: Any) -> None:
    scheduled = generate(actor=None)
    with time_machine.travel(BRIEF_AT + dt.timedelta(hours=2), tick=False):
        manual = services.brief_generate(actor=district.leader)
        assert manual.kind == DailyBrief.Kind.MANUAL and manual.since == scheduled.generated_at
        with pytest.raises(PermissionDenied):
            services.brief_generate(actor=district.officer)
        response = client_for("leader").post("/insights/briefs/generate/")
    assert response.status_code == 302
    assert DailyBrief.objects.count() == 3


def test_it_lets_leaders_browse_the_archive(history: dict[str, Any], client_for: Any) -> None:
    brief = generate(actor=None)
    client = client_for("leader")
    listing = client.get("/insights/briefs/")
    assert listing.status_code == 200 and f"/insights/briefs/{brief.pk}/" in listing.content.decode()
    page = client.get(f"/insights/briefs/{brief.pk}/").content.decode()
    for section in ("new", "rising", "due_soon", "overdue", "behind", "instructions", "daily_reports", "hazards"):
        assert f'data-section="{section}"' in page, section
    assert "噪声污染" in page and history["O"].number in page
    docx = client.get(f"/insights/briefs/{brief.pk}/docx/")
    assert docx.status_code == 200
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    overview = client.get("/insights/").content.decode()
    assert 'data-testid="latest-brief"' in overview
    assert client_for("officer").get(f"/insights/briefs/{brief.pk}/").status_code == 403
    assert client_for("officer").get(f"/insights/briefs/{brief.pk}/docx/").status_code == 403
