"""Removing orphaned upload files: bytes on disk that no StoredFile row points at.

``file_store`` writes the bytes before its row; when the caller's transaction rolls back
afterwards (a refused second attachment, a lost database connection, a killed worker),
the bytes stay behind. They hold citizens' uploads, so they must not linger. Only files
laid out the way ``file_store`` names them (``YYYY/MM/<32 hex digits>``) are considered,
and only when older than a grace period, so that a transaction still in flight keeps
its file. Each run writes one audit row with the count."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from files.models import StoredFile

DEFAULT_GRACE = dt.timedelta(hours=1)
_YEAR, _MONTH, _NAME = re.compile(r"\d{4}"), re.compile(r"\d{2}"), re.compile(r"[0-9a-f]{32}")
_BATCH = 500


@dataclass
class OrphanSweep:
    checked: int = 0
    orphans: list[str] = field(default_factory=list)  # storage paths, relative to MEDIA_ROOT
    bytes: int = 0
    deleted: int = 0
    dry_run: bool = False


def _candidates(root: Path, cutoff: float) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    if not root.is_dir():
        return found
    for year in sorted(p for p in root.iterdir() if p.is_dir() and _YEAR.fullmatch(p.name)):
        for month in sorted(p for p in year.iterdir() if p.is_dir() and _MONTH.fullmatch(p.name)):
            for item in month.iterdir():
                if not _NAME.fullmatch(item.name) or item.is_symlink() or not item.is_file():
                    continue
                st = item.stat()
                if st.st_mtime < cutoff:
                    found.append((f"{year.name}/{month.name}/{item.name}", st.st_size))
    return found


def orphan_files_sweep(*, grace: dt.timedelta = DEFAULT_GRACE, dry_run: bool = False, now: dt.datetime | None = None) -> OrphanSweep:
    """Delete (or, with ``dry_run``, only list) stored files older than ``grace`` that no row references."""
    now = now or timezone.now()
    root = Path(settings.MEDIA_ROOT)
    result = OrphanSweep(dry_run=dry_run)
    candidates = _candidates(root, (now - grace).timestamp())
    result.checked = len(candidates)
    for start in range(0, len(candidates), _BATCH):
        chunk = candidates[start : start + _BATCH]
        known = set(StoredFile.objects.filter(storage_path__in=[rel for rel, _size in chunk]).values_list("storage_path", flat=True))
        for rel, size in chunk:
            if rel in known:
                continue
            result.orphans.append(rel)
            result.bytes += size
    if not dry_run:
        for rel in result.orphans:
            # Checked again one by one: a row committed since the batch query keeps its file.
            if StoredFile.objects.filter(storage_path=rel).exists():
                continue
            (root / rel).unlink(missing_ok=True)
            result.deleted += 1
    with transaction.atomic():
        audit_record(
            actor=None,
            action="file.sweep_orphans",
            object_type="files.storedfile",
            object_label=str(root)[:200],
            after={
                "checked": result.checked,
                "orphans": len(result.orphans),
                "deleted": result.deleted,
                "bytes": result.bytes,
                "dry_run": dry_run,
                "grace_minutes": int(grace.total_seconds() // 60),
            },
        )
    return result
