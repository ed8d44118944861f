"""Excel exports: the dashboard workbook and the ledgers (at once and in the background),
opened and checked; formula neutralisation; masking by permission."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from openpyxl import load_workbook

from accounts.models import UnitKind
from accounts.services import unit_create
from accounts.testing import District
from cases.models import CaseType
from insights.models import LedgerExport
from insights.tests.flow import Flow, at

pytestmark = pytest.mark.django_db
YEAR = {"period": "year", "date": "2026-01-01"}


@pytest.fixture
def cases(district: District) -> list[Any]:
    f = Flow(district)
    out = []
    a = f.register(at(2026, 4, 1), type=CaseType.SUGGESTION, town=district.town_a, title='=HYPERLINK("http://x")路灯不亮')
    f.handled(a, at(2026, 4, 2), district.town_a)
    f.meet(a, at(2026, 4, 3))
    f.reply(a, at(2026, 4, 10))
    f.followup(a, at(2026, 4, 11), satisfaction="basically")
    out.append(a)
    b = f.register(at(2026, 4, 5), type=CaseType.COMPLAINT, town=district.town_b, title="菜市场占道经营")
    f.handled(b, at(2026, 4, 6), district.town_b)
    out.append(b)
    c = f.register(at(2026, 4, 7), type=CaseType.ACCUSATION, town=district.town_b, accused=district.housing, title="举报某局干部收受好处费")
    out.append(c)
    return out


def sheet_rows(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_it_exports_the_figures_and_the_ranking(cases: list[Any], district: District, client_for: Any) -> None:
    unit_create(actor=None, name="=SUM(A1:A9)办", code="evil", kind=UnitKind.DEPARTMENT, parent=district.root)
    response = client_for("leader").get("/insights/export.xlsx", YEAR)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["指标", "单位排名", "趋势", "分类"]
    figures = sheet_rows(wb["指标"])
    by_label = {row[0]: row for row in figures if row and row[0]}
    assert by_label["新增案件"][1] == 3
    assert by_label["已答复"][1] == 1
    closure = by_label["办结率"]
    # accepted a and b, a replied: 1 / 2 = 50 %
    assert closure[1] == 50.0 and closure[4] == 1 and closure[5] == 2 and closure[2] == 100.0 and closure[3] == "否"
    assert by_label["满意率"][1] == 100.0  # "basically satisfied" counts by default
    ranking = sheet_rows(wb["单位排名"])
    names = [row[0] for row in ranking[1:] if row and row[0]]
    assert "青山街道" in names and "河西街道" in names
    assert "'=SUM(A1:A9)办" in names  # neutralised, never a formula
    assert all(not (isinstance(v, str) and v.startswith(("=", "+", "@"))) for row in ranking for v in row)
    head = ranking[0]
    qs_row = next(row for row in ranking if row[0] == "青山街道")
    assert qs_row[head.index("新增案件")] == 1
    assert qs_row[head.index("见面率 (%)")] == 100.0


def test_it_refuses_an_export_with_an_invalid_period(district: District, client_for: Any) -> None:
    response = client_for("leader").get("/insights/export.xlsx", {"period": "custom", "from": "2026-05-02", "to": "2026-05-01"})
    assert response.status_code == 400


def test_it_exports_a_small_ledger_at_once_masked_by_permission(cases: list[Any], district: District, client_for: Any) -> None:
    intake = client_for("intake")
    page = intake.get("/insights/ledger/", {"received_from": "2026-04-01", "received_to": "2026-04-30"})
    assert page.status_code == 200 and 'data-testid="ledger-total">3<' in page.content.decode()
    response = intake.post("/insights/ledger/export/", {"kind": "filter", "received_from": "2026-04-01", "received_to": "2026-04-30"})
    assert response.status_code == 200
    rows = sheet_rows(load_workbook(io.BytesIO(response.content)).active)
    header = rows[1]
    data = {r[0]: r for r in rows[2:]}
    assert set(data) == {c.number for c in cases}
    name, phone, summary = header.index("信访人"), header.index("联系电话"), header.index("内容摘要")
    assert data[cases[0].number][name] == "张三"  # intake sees named complainants
    assert data[cases[0].number][phone] == "13800000000"
    assert data[cases[0].number][summary].startswith("'=HYPERLINK")  # neutralised
    assert data[cases[2].number][name] == "张*"  # an accusation is always masked
    assert data[cases[2].number][summary] == "（保密）"
    assert data[cases[0].number][header.index("满意度")] == "基本满意"
    # A supervisor sees everything masked.
    response = client_for("supervisor").post(
        "/insights/ledger/export/", {"kind": "filter", "received_from": "2026-04-01", "received_to": "2026-04-30"}
    )
    rows = sheet_rows(load_workbook(io.BytesIO(response.content)).active)
    assert {r[rows[1].index("信访人")] for r in rows[2:]} == {"张*"}
    assert all("13800000000" not in str(r) for r in rows)
    # An officer of town B only gets their own unit's cases.
    response = client_for("officer2").post("/insights/ledger/export/", {"kind": "filter"})
    rows = sheet_rows(load_workbook(io.BytesIO(response.content)).active)
    assert {r[0] for r in rows[2:]} == {cases[1].number}


def test_it_exports_a_drill_down_ledger_of_the_same_length(cases: list[Any], district: District, client_for: Any) -> None:
    response = client_for("leader").post("/insights/ledger/export/", {"kind": "drill", "code": "closure", "part": "den", **YEAR})
    assert response.status_code == 200
    rows = sheet_rows(load_workbook(io.BytesIO(response.content)).active)
    assert {r[0] for r in rows[2:]} == {cases[0].number, cases[1].number}
    assert "办结率" in rows[0][0] and "分母" in rows[0][0]


def test_it_exports_a_large_ledger_in_the_background(
    cases: list[Any], district: District, client_for: Any, settings: Any, django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    settings.INSIGHTS_LEDGER_SYNC_ROWS = 2
    settings.MEDIA_ROOT = tmp_path
    client = client_for("leader")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/insights/ledger/export/", {"kind": "filter"})
    assert response.status_code == 302
    job = LedgerExport.objects.get()
    assert response["Location"] == f"/insights/ledger/jobs/{job.pk}/"
    assert job.status == LedgerExport.Status.DONE and job.total == 3 and job.done == 3 and job.percent == 100
    page = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="done"' in page and "ledger-download" in page
    download = client.get(f"/insights/ledger/jobs/{job.pk}/download/")
    assert download.status_code == 200
    rows = sheet_rows(load_workbook(io.BytesIO(b"".join(download.streaming_content))).active)
    assert len(rows) == 2 + 3
    assert (tmp_path / job.file_path).exists()
    # Running the job again changes nothing.
    from insights.services import ledger_export_run

    assert ledger_export_run(job_id=job.pk).file_path == job.file_path
    assert client_for("supervisor").get(f"/insights/ledger/jobs/{job.pk}/download/").status_code == 404
    assert tmp_path == settings.MEDIA_ROOT


def test_it_explains_a_bad_ledger_filter(district: District, client_for: Any) -> None:
    page = client_for("intake").get("/insights/ledger/", {"received_from": "2026-05-02", "received_to": "2026-05-01"})
    assert page.status_code == 200
    assert 'data-testid="ledger-error"' in page.content.decode()
    assert settings.LANGUAGE_CODE == "zh-hans"
