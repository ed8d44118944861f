"""Periodic jobs of the insights module. Each takes ids, calls a service and is idempotent."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from insights import services

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/5"))
def daily_brief() -> int | None:
    """Generate today's scheduled daily brief once the configured time has passed. Runs every
    five minutes; the brief is made once a day (a second run finds it and does nothing)."""
    if not services.brief_due():
        return None
    brief = services.brief_generate(actor=None)
    log.info("daily brief %s generated", brief.pk)
    return brief.pk


@db_task()
def run_ledger_export(job_id: int) -> int:
    """Write a large ledger export in the background."""
    job = services.ledger_export_run(job_id=job_id)
    return job.done
