"""Excel import of an office's ledger: template, all-or-nothing validation, duplicates, background run."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts.testing import District
from hazards import services
from hazards.excel import HAZARD_COLUMNS
from hazards.models import Hazard, HazardPlan, ImportJob

pytestmark = pytest.mark.django_db

HEADERS = [c.header for c in HAZARD_COLUMNS]
FOUND = (timezone.localdate() - dt.timedelta(days=3)).isoformat()


def row(**values: object) -> list[object]:
    base = {
        "隐患名称": "仓库消防通道堵塞",
        "排查领域": "消防",
        "隐患等级": "一般隐患",
        "隐患描述": "东侧消防通道堆放纸箱",
        "所属镇街": "青山街道",
        "责任单位": "青山街道",
        "隐患地点": "青山街道建设路8号",
        "发现日期": FOUND,
    }
    base.update({k: v for k, v in values.items()})
    return [base.get(h) for h in HEADERS]


def sheet(rows: list[list[object]], *, title_row: bool = False) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    if title_row:
        ws.append(["青山街道安全隐患排查治理台账（2026年）"])
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "台账.xlsx"
    return out


def upload(client, f: io.BytesIO, **extra: object):  # noqa: ANN001, ANN201
    return client.post("/hazards/import/", {"file": f, **extra})


def test_it_offers_a_template_with_the_columns_and_the_valid_values(district: District, client_for) -> None:  # noqa: ANN001
    response = client_for("officer").get("/hazards/import/template.xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    first = wb.worksheets[0]
    assert [c.value.rstrip(" *") for c in first[1]] == HEADERS
    values = [c.value for c in wb.worksheets[1]["A"]]
    assert "消防" in values and "危险化学品" in values
    towns = [c.value for c in wb.worksheets[1]["C"]]
    assert "青山街道" in towns and "河西街道" not in towns  # the officer's own territory only


def test_it_imports_a_valid_file_with_a_title_row(district: District, client_for) -> None:  # noqa: ANN001
    f = sheet(
        [
            row(),
            row(**{"隐患名称": "危化品仓库超量储存", "排查领域": "chemicals", "隐患等级": "重大隐患", "隐患描述": "甲类仓库超量储存", "隐患地点": "青山街道工业路2号",
                   "责任单位": "青山街道", "发现日期": "2026年3月1日", "整改期限": "2026/9/30", "责任人": "刘工", "整改措施": "清理超量物品", "整改资金（万元）": 8, "应急预案": "专项预案"}),
        ],
        title_row=True,
    )
    response = upload(client_for("officer"), f)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/hazards/import/{job.pk}/")
    assert job.status == ImportJob.Status.DONE and job.created_count == 2
    major = Hazard.objects.get(grade="major")
    assert major.found_on == dt.date(2026, 3, 1) and major.deadline == dt.date(2026, 9, 30)
    assert HazardPlan.objects.get(hazard=major).is_complete
    general = Hazard.objects.get(grade="general")
    assert general.deadline > general.found_on and general.events.count() == 1
    page = client_for("officer").get(response["Location"]).content.decode()
    assert 'data-status="done"' in page


def test_it_reports_every_bad_row_at_once_and_writes_nothing(district: District, client_for) -> None:  # noqa: ANN001
    f = sheet(
        [
            row(),
            row(**{"排查领域": "外星入侵"}),
            row(**{"责任单位": "不存在的局", "发现日期": "去年春天"}),
            row(**{"隐患等级": "特大", "隐患描述": None}),
            row(**{"发现日期": "2026-03-10", "整改期限": "2026-03-01"}),
        ]
    )
    upload(client_for("officer"), f)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert Hazard.objects.count() == 0
    got = {(e["row"], e["column"]) for e in job.errors}
    assert got == {(3, "排查领域"), (4, "责任单位"), (4, "发现日期"), (5, "隐患等级"), (5, "隐患描述"), (6, "整改期限")}
    messages = " ".join(e["message"] for e in job.errors)
    assert "外星入侵" in messages and "去年春天" in messages
    page = client_for("officer").get(f"/hazards/import/{job.pk}/").content.decode()
    assert "外星入侵" in page and 'data-testid="import-errors"' in page


def test_it_refuses_a_town_outside_the_importers_territory(district: District, client_for) -> None:  # noqa: ANN001
    upload(client_for("officer"), sheet([row(**{"所属镇街": "河西街道", "责任单位": "河西街道"})]))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and job.errors[0]["column"] == "所属镇街"


def test_it_reports_duplicates_of_existing_hazards_and_within_the_file(district: District, client_for, make_hazard) -> None:  # noqa: ANN001
    existing = make_hazard(address="青山街道建设路8号", description="东侧消防通道堆放纸箱。")
    f = sheet([row(), row(**{"隐患名称": "另一条", "隐患描述": "二楼灭火器过期", "隐患地点": "青山街道建设路9号"}), row(**{"隐患名称": "另一条", "隐患描述": "二楼灭火器过期", "隐患地点": "青山街道建设路9号"})])
    upload(client_for("officer"), f)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and Hazard.objects.count() == 1
    messages = {e["row"]: e["message"] for e in job.errors}
    assert existing.number in messages[2]
    assert "3" in messages[4]


def test_it_skips_duplicates_when_asked_and_lists_them(district: District, client_for, make_hazard) -> None:  # noqa: ANN001
    make_hazard(address="青山街道建设路8号", description="东侧消防通道堆放纸箱")
    f = sheet([row(), row(**{"隐患描述": "二楼灭火器过期", "隐患地点": "青山街道建设路9号"})])
    upload(client_for("officer"), f, skip_duplicates="on")
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE and job.created_count == 1
    assert [d["row"] for d in job.duplicates] == [2]
    assert Hazard.objects.count() == 2


def test_it_refuses_a_file_that_is_not_a_workbook(district: District, client_for) -> None:  # noqa: ANN001
    f = io.BytesIO(b"number,title\n1,x\n")
    f.name = "ledger.csv"
    response = upload(client_for("officer"), f)
    assert response.status_code == 400 and ImportJob.objects.count() == 0


def test_it_imports_a_large_file_in_the_background_with_progress(district: District, client_for, settings, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    settings.HAZARD_IMPORT_SYNC_ROWS = 2
    rows = [row(**{"隐患名称": f"隐患{i}", "隐患描述": f"第{i}处消防通道堵塞", "隐患地点": f"青山街道建设路{i}号"}) for i in range(5)]
    c = client_for("officer")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(c, sheet(rows))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PENDING and job.total_rows == 5
    partial = c.get(f"/hazards/import/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in partial and "<html" not in partial
    for callback in callbacks:  # the worker picks the job up (huey runs immediately in tests)
        callback()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.created_count == 5 and job.percent == 100
    partial = c.get(f"/hazards/import/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial
    assert response.status_code == 302


def test_it_runs_an_import_job_only_once(district: District, client_for) -> None:  # noqa: ANN001
    upload(client_for("officer"), sheet([row()]))
    job = ImportJob.objects.get()
    services.hazard_import_run(job_id=str(job.pk))
    assert Hazard.objects.count() == 1


def test_it_hides_someone_elses_import(district: District, client_for) -> None:  # noqa: ANN001
    upload(client_for("officer"), sheet([row()]))
    job = ImportJob.objects.get()
    assert client_for("head").get(f"/hazards/import/{job.pk}/").status_code == 404
