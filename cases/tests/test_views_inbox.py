"""The case inboxes and lists: per role, scoped, filtered (htmx), searched, paginated by key,
exported to Excel, at a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from accounts.testing import District
from cases import views
from cases.models import CaseType, Channel, State
from cases.tests.helpers import register, walk

pytestmark = pytest.mark.django_db


def _numbers(html: str) -> list[str]:
    return re.findall(r'<tr data-case="([0-9-]+)"', html)


def test_it_sends_a_visitor_who_is_not_signed_in_to_the_sign_in_page(d: District, client: Any) -> None:
    for url in ("/cases/", "/cases/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("persona", "boxes"),
    [
        ("intake", ["to_decide", "to_assign", "objections", "overdue", "all"]),
        ("officer", ["unit_open", "all"]),
        ("head", ["unit_open", "to_approve", "overdue", "all"]),
        ("supervisor", ["overdue", "all"]),
        ("followup", ["to_follow_up", "all"]),
        ("leader", ["to_approve", "overdue", "all"]),
        ("duty", ["all"]),
    ],
)
def test_it_gives_each_role_its_own_inboxes(d: District, client_for: Any, persona: str, boxes: list[str]) -> None:
    html = client_for(persona).get("/cases/").content.decode()
    tabs = re.search(r'data-testid="inbox-tabs">(.*?)</ul>', html, re.S)
    assert tabs is not None
    assert re.findall(r'data-box="([a-z_]+)"', tabs.group(1)) == boxes


def test_it_fills_each_inbox_with_the_cases_waiting_for_that_role(d: District, client_for: Any) -> None:
    to_decide = register(d, title="待受理的案件")
    handling = walk(d, register(d, title="办理中的案件"), State.HANDLING)
    pending = walk(d, register(d, title="待审批的答复"), State.REPLY_PENDING)
    replied = walk(d, register(d, title="待回访的案件"), State.REPLIED)

    assert _numbers(client_for("intake").get("/cases/?box=to_decide").content.decode()) == [to_decide.number]
    assert set(_numbers(client_for("officer").get("/cases/?box=unit_open").content.decode())) == {handling.number, pending.number}
    assert _numbers(client_for("head").get("/cases/?box=to_approve").content.decode()) == [pending.number]
    assert _numbers(client_for("followup").get("/cases/?box=to_follow_up").content.decode()) == [replied.number]
    # the counts on the tabs
    html = client_for("intake").get("/cases/").content.decode()
    assert 'data-count="to_decide">1<' in html


def test_it_never_lists_a_case_outside_the_users_scope(d: District, client_for: Any) -> None:
    mine = walk(d, register(d, title="青山街道的案件"), State.HANDLING)
    html = client_for("officer2").get("/cases/?box=all").content.decode()
    assert mine.number not in html
    assert client_for("officer2").get(f"/cases/?box=all&q={mine.number}").status_code == 200
    assert mine.number in client_for("officer").get("/cases/?box=all").content.decode()


def test_it_filters_with_htmx_and_answers_with_the_list_partial(d: District, client_for: Any) -> None:
    complaint = register(d, title="烧烤店油烟扰民", type=CaseType.COMPLAINT)
    suggestion = register(d, title="建议增设公交站点", type=CaseType.SUGGESTION, content="建议在幸福里小区门口增设公交站点。", category=None)
    client = client_for("intake")
    response = client.get("/cases/?box=to_decide&type=suggestion", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="case-list")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'data-testid="case-table"' in html
    assert _numbers(html) == [suggestion.number]
    assert complaint.number not in html
    # the same filter without htmx gives the whole page with the form filled in
    page = client.get("/cases/?box=to_decide&type=suggestion").content.decode()
    assert "<html" in page and '<option value="suggestion" selected>' in page


def test_it_filters_by_channel_state_unit_category_and_dates(d: District, client_for: Any) -> None:
    letter = register(d, title="来信反映路灯不亮", channel=Channel.LETTER, category="municipal-light")
    visit = walk(d, register(d, title="走访反映油烟"), State.HANDLING)
    client = client_for("intake")
    assert _numbers(client.get("/cases/?box=all&channel=letter").content.decode()) == [letter.number]
    assert _numbers(client.get("/cases/?box=all&state=handling").content.decode()) == [visit.number]
    assert _numbers(client.get(f"/cases/?box=all&unit={d.town_a.pk}").content.decode()) == [visit.number]
    light = letter.category
    assert light is not None and light.parent_id is not None
    assert _numbers(client.get(f"/cases/?box=all&category={light.parent_id}").content.decode()) == [letter.number]
    today = timezone.localdate().isoformat()
    assert set(_numbers(client.get(f"/cases/?box=all&received_from={today}&received_to={today}").content.decode())) == {letter.number, visit.number}
    assert _numbers(client.get("/cases/?box=all&received_to=2020-01-01").content.decode()) == []


def test_it_finds_cases_by_words_of_chinese_text(d: District, client_for: Any) -> None:
    bbq = register(d, title="小区楼下烧烤店油烟扰民")
    water = register(d, title="翠湖苑突然停水", content="翠湖苑从今天早上开始停水，没有提前通知。", category=None)
    client = client_for("intake")
    assert _numbers(client.get("/cases/?box=all&q=烧烤").content.decode()) == [bbq.number]
    assert _numbers(client.get("/cases/?box=all&q=停水 通知").content.decode()) == [water.number]
    assert _numbers(client.get("/cases/?box=all&q=燃气泄漏").content.decode()) == []


def test_it_lists_search_results_newest_first_and_says_so(d: District, client_for: Any) -> None:
    with time_machine.travel(timezone.now() - dt.timedelta(days=10)):
        older = register(d, title="饭店油烟扰民，已经反映过")
    newer = register(d, title="饭店油烟又来了")
    client = client_for("intake")
    assert _numbers(client.get("/cases/?box=all&order=deadline").content.decode()) == [older.number, newer.number]
    html = client.get("/cases/?box=all&order=deadline&q=油烟").content.decode()
    assert _numbers(html) == [newer.number, older.number]
    assert "搜索结果按受理时间从新到旧排列" in html
    assert "搜索结果" not in client.get("/cases/?box=all").content.decode()


def test_it_shows_bad_filters_beside_their_fields_in_chinese(d: District, client_for: Any) -> None:
    register(d)
    response = client_for("intake").get("/cases/?box=all&received_from=2026-05-02&received_to=2026-05-01&category=999999")
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'data-field-error="received_to">结束日期早于开始日期', html)
    assert re.search(r'data-field-error="category">[^<]*选择', html)
    assert _numbers(html) == []


def test_it_pages_through_a_long_list_by_key(d: District, client_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    made = [register(d, title=f"第{i}件案件").number for i in range(5)]
    client = client_for("intake")
    seen: list[str] = []
    url = "/cases/?box=to_decide"
    for _page in range(5):
        html = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="case-list").content.decode()
        seen += _numbers(html)
        nxt = re.search(r'data-testid="next-page" href="([^"]+)"', html)
        if nxt is None:
            break
        url = "/cases/" + nxt.group(1).replace("&amp;", "&")
        assert "cursor=" in url
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen)) == 5
    assert client.get("/cases/?box=to_decide&cursor=garbage").status_code == 200


def test_it_shows_each_row_with_its_clock(d: District, client_for: Any) -> None:
    case = register(d, title="时限提示")
    html = client_for("intake").get("/cases/?box=to_decide").content.decode()
    row = re.search(rf'<tr data-case="{case.number}">(.*?)</tr>', html, re.S)
    assert row is not None and 'data-clock="on_time"' in row.group(1)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=40), tick=False):
        html = client_for("intake").get("/cases/?box=to_decide").content.decode()
    row = re.search(rf'<tr data-case="{case.number}">(.*?)</tr>', html, re.S)
    assert row is not None and 'data-clock="overdue"' in row.group(1) and "已超期" in row.group(1)


def _count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["intake", "officer", "head"])
def test_it_reads_the_inbox_in_a_fixed_number_of_queries(d: District, client_for: Any, persona: str, django_assert_num_queries: Any) -> None:
    walk(d, register(d), State.HANDLING)
    client = client_for(persona)
    url = "/cases/?box=all&order=deadline"
    client.get(url)  # warm the session
    few = _count_queries(client, url)
    for i in range(6):
        walk(d, register(d, title=f"又一件案件{i}"), [State.REGISTERED, State.ACCEPTED, State.HANDLING][i % 3])
    many = _count_queries(client, url)
    assert few == many
    with django_assert_num_queries(many):
        client.get(url)
    assert many <= 12


def test_it_exports_the_filtered_list_to_excel_and_neutralises_formulas(d: District, client_for: Any) -> None:
    formula = register(d, title="=HYPERLINK(\"http://x\",\"点我\")", content="以等号开头的标题")
    other = register(d, title="来信反映路灯不亮", channel=Channel.LETTER)
    response = client_for("intake").get("/cases/export.xlsx?box=all&channel=visit")
    assert response.status_code == 200
    assert response["Content-Type"] == views.XLSX
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "标题", "类型")
    numbers = [r[0] for r in rows[1:]]
    assert formula.number in numbers and other.number not in numbers
    title = next(r[1] for r in rows[1:] if r[0] == formula.number)
    assert title.startswith("'=")
    # no personal data in the export
    assert "张小三" not in repr(rows) and "13812341234" not in repr(rows)


def test_it_exports_only_what_the_user_may_see(d: District, client_for: Any) -> None:
    mine = walk(d, register(d, title="青山街道的案件"), State.HANDLING)
    wb = load_workbook(io.BytesIO(client_for("officer2").get("/cases/export.xlsx?box=all").content))
    assert mine.number not in [r[0] for r in wb.active.iter_rows(values_only=True)]


def test_it_shows_the_users_inbox_counts_on_the_home_page(d: District, client_for: Any) -> None:
    register(d)
    html = client_for("intake").get("/").content.decode()
    assert 'data-testid="home-cases"' in html
    assert re.search(r'data-box="to_decide">\s*<div class="fs-4 fw-bold">1</div>', html)
    # a role without an inbox gets no panel and no error
    duty = client_for("duty").get("/")
    assert duty.status_code == 200 and 'data-testid="home-cases"' not in duty.content.decode()
