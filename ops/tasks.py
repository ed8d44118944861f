"""Periodic jobs of the operations app."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from cases.retention import retention_apply


@db_periodic_task(crontab(hour="2", minute="40"))
def apply_retention() -> int:
    """Nightly: anonymise personal data past its retention. Idempotent (only cases still holding data)."""
    return len(retention_apply().cases)
