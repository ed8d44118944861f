"""Backup and restore round trip: every case, event, attachment (bytes) and audit row
comes back identical, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
import tarfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts.testing import make_district
from audit.chain import seal_pending
from cases import services as s
from cases.tests.helpers import register, walk
from workcal.selectors import invalidate_calendar
from workcal.services import calendar_seed

TABLES = [
    "cases_case",
    "cases_complainant",
    "cases_caseevent",
    "cases_caseattachment",
    "files_storedfile",
    "audit_auditentry",
    "audit_auditseal",
    "accounts_user",
]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _norm(value: Any) -> str:
    """One text form for a value read through Django's cursor or a raw connection."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (dict, list)):  # jsonb through psycopg; Django's cursor gives the text
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(" ")
    return str(value)


def _rows(rows: list[Any]) -> list[tuple[str, ...]]:
    return [tuple(_norm(v) for v in row) for row in rows]


def _rows_default(table: str) -> list[tuple[str, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")  # noqa: S608 - fixed table names
        return _rows(cursor.fetchall())


def _media_snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _build_data() -> None:
    calendar_seed(actor=None, years=[2025, 2026])
    invalidate_calendar()
    d = make_district()
    case = register(d, attachments=[(io.BytesIO(PDF), "现场照片说明.pdf")])
    walk(d, case, "closed")
    register(d, title="道路井盖缺失存在安全隐患", attachments=[(io.BytesIO(PDF + b"2"), "井盖.pdf")])
    seal_pending()
    invalidate_calendar()


@pytest.fixture
def media(tmp_path: Path, settings: Any) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def _archive_manifest(path: Path) -> dict[str, Any]:
    with tarfile.open(path) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return json.loads(member.read())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_round_trips_sqlite_into_a_new_database_and_in_place(tmp_path: Path, media: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite round trip")
    _build_data()
    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "backups"), stdout=out)
    archive = Path(out.getvalue().strip())
    manifest = _archive_manifest(archive)
    assert manifest["engine"] == "sqlite" and manifest["files"] == 2
    target_db = tmp_path / "restored.sqlite3"
    target_media = tmp_path / "restored-media"
    out = io.StringIO()
    call_command("restore", str(archive), database_url=f"sqlite:///{target_db}", media_root=str(target_media), stdout=out)
    assert "Audit chain intact" in out.getvalue()
    restored = sqlite3.connect(target_db)
    try:
        for table in TABLES:
            original = _rows_default(table)
            again = _rows(restored.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall())  # noqa: S608
            assert again == original, table
            if table in ("cases_case", "cases_caseevent", "cases_caseattachment", "audit_auditentry"):
                assert original, table
    finally:
        restored.close()
    assert _media_snapshot(target_media) == _media_snapshot(media)
    assert len(_media_snapshot(media)) == 2
    _check_in_place_restore(tmp_path, media)


def _check_in_place_restore(tmp_path: Path, media: Path) -> None:
    """Restore over the live database: refused without --force, then everything is as at backup time."""
    before = {table: _rows_default(table) for table in TABLES}
    files_before = _media_snapshot(media)
    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "b"), stdout=out)
    archive = Path(out.getvalue().strip())
    # Changes after the backup: a new case, a new file.
    from accounts.models import User

    d_intake = User.objects.get(username="intake")
    s.case_register(
        actor=d_intake,
        channel="visit",
        type="complaint",
        title="备份之后登记的事项",
        content="备份之后登记，恢复后应不存在。",
        category="air-fumes",
        town=None,
        address="",
        complainants=[s.ComplainantIn(name="李四", phone="13900001111")],
        attachments=[(io.BytesIO(PDF + b"3"), "later.pdf")],
    )
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), stdout=io.StringIO())
    out = io.StringIO()
    call_command("restore", str(archive), force=True, stdout=out)
    assert "Audit chain intact" in out.getvalue()
    assert {table: _rows_default(table) for table in TABLES} == before
    assert _media_snapshot(media) == files_before
    assert list(media.parent.glob("media.before-restore-*")), "the replaced files are kept aside"


@pytest.mark.django_db
def test_it_refuses_a_damaged_archive(tmp_path: Path, media: Path) -> None:
    archive = tmp_path / "bad.tar"
    manifest = {
        "format": 1,
        "app": "minsheng",
        "app_version": "x",
        "created_at": "",
        "engine": connection.vendor,
        "database": "database.sqlite3",
        "files": 1,
        "sha256": {"database.sqlite3": "0" * 64, "files/a.pdf": "0" * 64},
    }
    with tarfile.open(archive, "w") as tar:
        for name, data in (("database.sqlite3", b"x"), ("files/a.pdf", PDF), ("manifest.json", json.dumps(manifest).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    target = tmp_path / "t.sqlite3"
    with pytest.raises(CommandError, match="Checksum mismatch"):
        call_command("restore", str(archive), database_url=f"sqlite:///{target}", media_root=str(tmp_path / "m"), stdout=io.StringIO())
    assert not target.exists()
    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as tar:
        for name, data in (("../escape.txt", b"x"), ("manifest.json", json.dumps(manifest).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(CommandError, match="unexpected member"):
        call_command("restore", str(evil), database_url=f"sqlite:///{target}", media_root=str(tmp_path / "m"), stdout=io.StringIO())
    assert not (tmp_path / "escape.txt").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_round_trips_postgresql_into_a_second_database(tmp_path: Path, media: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL round trip (set DATABASE_URL to PostgreSQL)")
    import psycopg

    from cases.numbers import highest_numbers, sequence_name
    from ops.backup import _pg_kwargs

    _build_data()
    # A backup of a version that counted with the counter row: no number sequence in the dump.
    (year, last), = highest_numbers().items()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SEQUENCE {sequence_name(year)}")
    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "backups"), stdout=out)
    archive = Path(out.getvalue().strip())
    db = connection.settings_dict
    name = f"{db['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    admin = dict(_pg_kwargs(db), dbname="postgres", autocommit=True)
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(**dict(_pg_kwargs(db), dbname=name)) as target:  # left behind in the target, behind the data
        target.execute(f"CREATE SEQUENCE {sequence_name(year)}")
    try:
        auth = f"{db['USER']}:{db.get('PASSWORD') or ''}@" if db.get("USER") else ""
        url = f"postgresql://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"
        target_media = tmp_path / "restored-media"
        out = io.StringIO()
        call_command("restore", str(archive), database_url=url, media_root=str(target_media), stdout=out)
        assert "Audit chain intact" in out.getvalue()
        with psycopg.connect(**dict(_pg_kwargs(db), dbname=name)) as restored:
            for table in TABLES:
                original = _rows_default(table)
                again = _rows(restored.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall())  # noqa: S608
                assert again == original, table
            # The restore put the sequence in step: the next registration follows the highest number.
            assert restored.execute("SELECT nextval(%s)", [sequence_name(year)]).fetchone() == (last + 1,)
        assert _media_snapshot(target_media) == _media_snapshot(media)
        with pytest.raises(CommandError, match="not empty"):
            call_command("restore", str(archive), database_url=url, media_root=str(tmp_path / "empty-media"), stdout=io.StringIO())
    finally:
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_it_names_the_backup_commands_in_settings() -> None:
    assert "ops" in settings.INSTALLED_APPS
