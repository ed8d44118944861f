"""Periodic jobs of the files app (huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from files.sweep import orphan_files_sweep


@db_periodic_task(crontab(hour="3", minute="20"))
def clean_orphan_files() -> int:
    """Nightly: remove upload bytes that no row references (left by rolled-back transactions),
    older than an hour. Idempotent: a second run finds nothing to delete."""
    return orphan_files_sweep().deleted
