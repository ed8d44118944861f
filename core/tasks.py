"""Periodic housekeeping of the core app."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from core.idempotency import idempotency_purge


@db_periodic_task(crontab(minute="17", hour="3"))
def purge_idempotency_keys() -> int:
    """Delete Idempotency-Key records older than IDEMPOTENCY_TTL_HOURS (idempotent)."""
    return idempotency_purge()
