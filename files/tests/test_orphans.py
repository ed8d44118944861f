"""Bytes without a row: none left by a refused upload; the ones a rolled-back transaction
leaves are removed by `manage.py clean_orphan_files` (and its nightly job) after a grace period."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from accounts.testing import District
from audit.models import AuditEntry
from cases import services as svc
from cases.models import Case, CaseType, Channel
from files.models import StoredFile
from files.services import file_store
from files.tests.helpers import png


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def age(path: Path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def register_with(d: District, *attachments: tuple[bytes, str]) -> Case:
    return svc.case_register(
        actor=d.intake,
        channel=Channel.VISIT,
        type=CaseType.COMPLAINT,
        title="小区门口积水",
        content="下雨后门口积水一周。",
        complainants=[{"name": "王芳", "phone": "13812345678"}],
        attachments=[(io.BytesIO(data), name) for data, name in attachments],
    )


def test_it_leaves_no_file_when_an_upload_is_refused(district: District, media: Path) -> None:
    with pytest.raises(ValidationError):
        file_store(actor=district.intake, upload=io.BytesIO(b"MZ\x90\x00 an executable"), name="照片.png")
    assert stored_files(media) == []


def test_it_leaves_no_file_when_the_scanner_refuses_it(district: District, media: Path, settings) -> None:  # noqa: ANN001
    settings.FILE_SCANNER = "files.tests.test_orphans.refuse_everything"
    with pytest.raises(ValidationError, match="infected"):
        file_store(actor=district.intake, upload=io.BytesIO(png()), name="照片.png")
    assert stored_files(media) == [] and not StoredFile.objects.exists()


def refuse_everything(path: Path) -> None:
    assert path.exists()
    raise ValidationError("infected")


def test_it_sweeps_the_bytes_a_rolled_back_registration_left_after_the_grace_period(district: District, media: Path) -> None:
    # The second attachment is refused, so the whole registration rolls back: no case, no
    # row, but the first attachment's bytes were already written.
    with pytest.raises(ValidationError):
        register_with(district, (png(), "现场.png"), (b"not a picture", "假的.png"))
    assert not Case.objects.exists() and not StoredFile.objects.exists()
    [orphan] = stored_files(media)
    kept = register_with(district, (png(3, 3), "保留.png")).attachments.get().file
    kept_path = media / kept.storage_path
    # Other things under MEDIA_ROOT (trained models, exports) are never touched.
    foreign = media / "triage" / "model.bin"
    foreign.parent.mkdir(parents=True)
    foreign.write_bytes(b"model")
    for path in (orphan, kept_path, foreign):
        age(path, 2)

    # Too young: left alone.
    young = io.StringIO()
    call_command("clean_orphan_files", "--grace-minutes", "180", stdout=young)
    assert orphan.exists() and "0 orphaned" in young.getvalue()

    dry = io.StringIO()
    call_command("clean_orphan_files", "--dry-run", stdout=dry)
    assert "would delete " + orphan.relative_to(media).as_posix() in dry.getvalue()
    assert orphan.exists()

    out = io.StringIO()
    call_command("clean_orphan_files", stdout=out)
    assert "1 orphaned" in out.getvalue()
    assert not orphan.exists()
    assert kept_path.read_bytes() == png(3, 3) and foreign.exists()

    again = io.StringIO()
    call_command("clean_orphan_files", stdout=again)
    assert "0 orphaned" in again.getvalue()

    runs = list(AuditEntry.objects.filter(action="file.sweep_orphans").order_by("pk"))
    assert [(r.after["orphans"], r.after["deleted"], r.after["dry_run"]) for r in runs] == [
        (0, 0, False),
        (1, 0, True),
        (1, 1, False),
        (0, 0, False),
    ]


def test_it_runs_the_sweep_as_a_nightly_job(district: District, media: Path) -> None:
    from files.tasks import clean_orphan_files

    with pytest.raises(ValidationError):
        register_with(district, (png(), "现场.png"), (b"not a picture", "假的.png"))
    [orphan] = stored_files(media)
    fresh = media / orphan.parent.relative_to(media) / ("0" * 32)
    fresh.write_bytes(b"still being written by a running transaction")
    age(orphan, 2)
    clean_orphan_files()  # huey runs tasks immediately in tests
    assert not orphan.exists() and fresh.exists()
    assert AuditEntry.objects.filter(action="file.sweep_orphans").get().after["deleted"] == 1


def test_it_refuses_a_grace_period_under_a_minute(media: Path, db: None) -> None:
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("clean_orphan_files", "--grace-minutes", "0", stderr=err)
    assert "at least 1" in err.getvalue()
