"""The bad-input catalogue: for each input surface (staff forms, REST, Open311, imports,
uploads) hostile or broken input is stored as inert text or refused cleanly — never a
500, always a clear message, nothing written when refused. Excel exports neutralise
formula cells."""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.testing import District
from cases.models import Case, Category
from cases.tests.test_views_register import PNG, form_data
from files.models import StoredFile
from files.services import file_store
from hazards.models import Hazard, HazardCategory

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
SQL = "'; DROP TABLE cases_case; --"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def d(district: District) -> District:
    from workcal.selectors import invalidate_calendar
    from workcal.services import calendar_seed

    year = timezone.localdate().year
    calendar_seed(actor=None, years=[year, year + 1])
    invalidate_calendar()
    return district


def _intake(d: District) -> Client:
    c = Client()
    c.force_login(d.intake)
    return c


def _as(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _zip_bomb(kind: str) -> bytes:
    """An OOXML-looking zip whose one part inflates to 500 MB of zeros (a few hundred KB packed)."""
    buf = io.BytesIO()
    part = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open(part, "w", force_zip64=True) as f:
            chunk = b"\0" * (1024 * 1024)
            for _i in range(500):
                f.write(chunk)
    return buf.getvalue()


# ----------------------------------------------------------------- staff form: case registration


def test_it_renders_script_in_a_case_title_and_content_escaped_everywhere(d: District) -> None:
    c = _intake(d)
    r = c.post("/cases/new/", form_data(d, title=f"标题{XSS}", content=f"内容{XSS}{SQL}"))
    case = Case.objects.get()
    assert r.status_code == 302
    assert case.title == f"标题{XSS}" and SQL in case.content  # stored as plain text
    for url in (case.get_absolute_url(), "/cases/", f"/cases/{case.number}/sheet/"):
        html = c.get(url).content.decode()
        assert XSS not in html, url
        assert XSS_ESCAPED in html, url


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "很长" * 101),  # 202 characters > 200
        ("title", "空\x00字节"),
        ("content", "内容\x00"),
        ("latitude", "999"),
        ("longitude", "-1e9"),
        ("head_count", "-5"),
        ("head_count", str(10**20)),
        ("received_at", "99999-01-01 10:00"),
        ("received_at", "0000-00-00 00:00"),
        ("category", "1 OR 1=1"),
        ("town", "-1"),
        ("c-0-phone", "1" * 400),
    ],
)
def test_it_refuses_bad_registration_fields_beside_the_field_and_writes_nothing(d: District, field: str, value: str) -> None:
    before = (Case.objects.count(), StoredFile.objects.count())
    data = form_data(d, joint="on" if field == "head_count" else None, **{field: value})
    r = _intake(d).post("/cases/new/", data)
    assert r.status_code in (200, 400, 422), r.status_code
    assert b"invalid-feedback" in r.content or b"alert-danger" in r.content or b"is-invalid" in r.content
    assert (Case.objects.count(), StoredFile.objects.count()) == before


def test_it_stores_nothing_when_an_attachment_lies_about_its_type(d: District) -> None:
    fake = SimpleUploadedFile("照片.png", b"MZ\x90\x00 this is an executable", content_type="image/png")
    r = _intake(d).post("/cases/new/", {**form_data(d), "attachments": [fake]})
    assert r.status_code in (200, 400, 422)
    assert "不符".encode() in r.content or b"does not match" in r.content
    assert Case.objects.count() == 0 and StoredFile.objects.count() == 0


# ----------------------------------------------------------------- REST


def test_it_answers_bad_rest_input_with_a_4xx_in_the_error_shape(d: District) -> None:
    c = _intake(d)
    base = {
        "channel": "visit",
        "type": "complaint",
        "title": "路灯不亮",
        "content": "滨河路路灯连续一周不亮。",
        "location": {"town": "qingshan"},
        "anonymous": True,
    }
    bad = [
        {**base, "title": "长" * 5000},
        {**base, "location": {"town": "qingshan", "latitude": 1e308}},
        {**base, "location": {"town": "' OR 1=1 --"}},
        {**base, "head_count": -3},
        {**base, "received_at": "99999-01-01T00:00:00"},
        {**base, "category": "'; DROP TABLE cases_case; --"},
    ]
    for i, body in enumerate(bad):
        r = c.post("/api/v1/cases", body, content_type="application/json")
        assert 400 <= r.status_code < 500, (i, r.status_code)
        assert "message" in r.json() or "detail" in r.json(), r.json()
    for raw in (b"\xff\xfe\xfa not utf-8", b'{"title": "\xc3\x28"}', b"[" * 10000):
        r = c.generic("POST", "/api/v1/cases", raw, content_type="application/json")
        assert 400 <= r.status_code < 500, (raw[:20], r.status_code)
    assert Case.objects.count() == 0
    ok = c.post("/api/v1/cases", {**base, "title": XSS}, content_type="application/json")
    assert ok.status_code in (200, 201), ok.content
    assert Case.objects.get().title == XSS
    assert XSS_ESCAPED in c.get(Case.objects.get().get_absolute_url()).content.decode()
    # NUL and other control characters are dropped, never stored (PostgreSQL refuses NUL).
    nul = c.post("/api/v1/cases", {**base, "title": "空\x00字\x07节"}, content_type="application/json")
    assert nul.status_code in (200, 201), nul.content
    assert Case.objects.filter(title="空字节").exists()
    assert c.get("/api/v1/cases?after=%00%ff&limit=-1").status_code < 500
    # NUL in a URL: a clean 400 before any view runs (core.request_guard; more in test_nul_requests.py).
    assert c.get("/api/v1/cases/%00%27%20OR%201=1").status_code == 400
    for url in ("/cases/%00x/", "/api/v1/hazards/%00x", "/hazards/%00x/", "/portal/case/%00x/"):
        assert c.get(url).status_code == 400, url


# ----------------------------------------------------------------- Open311


def test_it_refuses_bad_open311_requests_cleanly(d: District) -> None:
    from open311.services import open311_key_issue

    _client, key = open311_key_issue(actor=None, name="测试客户端")
    code = Category.objects.filter(is_active=True).exclude(children__isnull=False).first()
    assert code is not None
    c = Client()
    base = {"api_key": key, "service_code": code.code, "description": "路灯不亮", "lat": "30.5", "long": "114.3"}
    bad = [
        {**base, "lat": "999"},
        {**base, "long": "NaN"},
        {**base, "description": "长" * 20000},
        {**base, "service_code": "' OR 1=1 --"},
        {**base, "api_key": "' OR 1=1 --"},
    ]
    for body in bad:
        r = c.post("/open311/v2/requests.json", body)
        assert 400 <= r.status_code < 500, (body, r.status_code, r.content[:200])
        data = r.json()
        assert isinstance(data, list) and data[0].get("description"), data
    r = c.generic(
        "POST",
        "/open311/v2/requests.json",
        b"description=\xff\xfe&api_key=" + key.encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert r.status_code < 500
    assert Case.objects.count() == 0 or r.status_code < 300
    r = c.post("/open311/v2/requests.json", {**base, "description": "空\x00字节"})
    assert r.status_code == 200, r.content
    assert Case.objects.get().content == "空字节"


# ----------------------------------------------------------------- hazards: form and Excel import


def test_it_renders_script_in_a_hazard_title_escaped(d: District) -> None:
    c = _as(d.officer)
    data = {
        "category": HazardCategory.objects.get(code="fire").pk,
        "grade": "general",
        "title": f"隐患{XSS}",
        "description": SQL,
        "town": d.town_a.pk,
        "unit": d.town_a.pk,
        "address": "青山街道中山路1号",
        "source": "unit_report",
        "found_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
    }
    r = c.post("/hazards/new/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    hazard = Hazard.objects.get()
    assert hazard.description == SQL
    for url in (f"/hazards/{hazard.number}/", "/hazards/"):
        html = c.get(url).content.decode()
        assert XSS not in html and XSS_ESCAPED in html, url
    before = Hazard.objects.count()
    for field, value in (("title", "长" * 121), ("found_on", "99999-01-01"), ("latitude", "-999"), ("title", "空\x00")):
        r = c.post("/hazards/new/", {**data, field: value})
        assert r.status_code in (200, 400, 422), (field, r.status_code)
        assert Hazard.objects.count() == before


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("台账.xlsx", b"this is not a spreadsheet"),
        ("台账.xlsx", PNG),
        ("../../etc/passwd.xlsx", b"PK\x03\x04garbage"),
        ("bomb.xlsx", None),
    ],
)
def test_it_refuses_a_broken_hazard_import_file_and_writes_nothing(d: District, name: str, content: bytes | None) -> None:
    body = content if content is not None else _zip_bomb("xlsx")
    before = (Hazard.objects.count(), StoredFile.objects.count())
    r = _as(d.officer).post("/hazards/import/", {"file": SimpleUploadedFile(name, body)})
    assert r.status_code in (200, 302, 400, 422), r.status_code
    if r.status_code == 302:  # accepted as a job: the job itself must have failed with errors
        from hazards.models import ImportJob

        job = ImportJob.objects.get()
        assert job.state != "done" or not Hazard.objects.exists()
    assert Hazard.objects.count() == before[0]


# ----------------------------------------------------------------- duty: instruction form and roster import


def test_it_renders_script_in_an_instruction_escaped(d: District) -> None:
    from duty import services as ds

    now = timezone.now()
    instruction = ds.instruction_send(
        actor=d.duty,
        title=f"指示{XSS}",
        content=f"内容{XSS}",
        units=[d.town_a],
        ack_deadline=now + dt.timedelta(hours=1),
        report_deadline=now + dt.timedelta(days=1),
    )
    for user in (d.duty, d.officer):
        html = _as(user).get(f"/duty/instructions/{instruction.pk}/").content.decode()
        assert XSS not in html and XSS_ESCAPED in html
    html = _as(d.duty).get("/duty/instructions/").content.decode()
    assert XSS not in html


@pytest.mark.parametrize("content", [b"not a workbook", PNG, None])
def test_it_refuses_a_broken_roster_import(d: District, content: bytes | None) -> None:
    from duty.models import DutyShift

    body = content if content is not None else _zip_bomb("xlsx")
    r = _as(d.officer).post("/duty/roster/qingshan/import/", {"file": SimpleUploadedFile("排班表.xlsx", body)})
    assert r.status_code in (200, 302, 400, 422), r.status_code
    assert DutyShift.objects.count() == 0


# ----------------------------------------------------------------- uploads (files.services)


def test_it_refuses_a_file_whose_content_does_not_match_its_extension(d: District) -> None:
    for name, data in (
        ("photo.png", b"%PDF-1.4 not a png"),
        ("doc.pdf", PNG),
        ("a.docx", b"PK\x03\x04junk"),
        ("run.exe", b"MZ"),
        ("noext", PNG),
    ):
        with pytest.raises(ValidationError):
            file_store(actor=d.intake, upload=io.BytesIO(data), name=name)
    assert StoredFile.objects.count() == 0


def test_it_refuses_an_oversized_image(d: District, settings: Any) -> None:
    settings.MAX_UPLOAD_MB = 1
    big = PNG + b"\0" * (2 * 1024 * 1024)
    with pytest.raises(ValidationError, match="MB"):
        file_store(actor=d.intake, upload=io.BytesIO(big), name="big.png")
    assert StoredFile.objects.count() == 0


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_it_refuses_a_decompression_bomb(d: District, kind: str) -> None:
    with pytest.raises(ValidationError):
        file_store(actor=d.intake, upload=io.BytesIO(_zip_bomb(kind)), name=f"报告.{kind}")
    assert StoredFile.objects.count() == 0


def test_it_strips_path_tricks_from_file_names(d: District, settings: Any) -> None:
    from pathlib import Path

    from files.services import file_path

    for name in ("../../etc/passwd.png", "..\\..\\windows\\win.png", "/abs/path.png", "a\x00b.png", "<img src=x onerror=alert(1)>.png"):
        stored = file_store(actor=d.intake, upload=io.BytesIO(PNG), name=name)
        assert "/" not in stored.original_name and "\\" not in stored.original_name and "\x00" not in stored.original_name
        assert "<" not in stored.original_name
        assert Path(file_path(stored)).resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())


# ----------------------------------------------------------------- exports neutralise formulas


def _cells(content: bytes) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return [str(cell.value) for ws in wb.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1)"])
def test_it_neutralises_formula_cells_in_the_case_export(d: District, formula: str) -> None:
    from cases.tests.helpers import register

    register(d, title=formula)
    r = _intake(d).get("/cases/export.xlsx")
    assert r.status_code == 200
    cells = _cells(r.content)
    assert not any(v.startswith(("=", "+", "-", "@")) and v == formula for v in cells)
    assert any(formula in v for v in cells)


def test_it_neutralises_formula_cells_in_the_hazard_export(d: District) -> None:
    from hazards import services as hs

    hs.hazard_register(
        actor=d.officer,
        category=HazardCategory.objects.get(code="fire"),
        grade="general",
        title="=cmd|' /C calc'!A0",
        description="@SUM(1+1)",
        address="青山街道中山路1号",
        town=d.town_a,
        unit=d.town_a,
        found_on=timezone.localdate() - dt.timedelta(days=1),
    )
    cells = _cells(_as(d.officer).get("/hazards/export.xlsx").content)
    assert any("cmd|" in v for v in cells)
    assert not any(v.startswith(("=", "@")) for v in cells if "cmd|" in v or "SUM(1+1)" in v)


_ = uuid  # keep the import list stable for future cases
