from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from audit.chain import seal_pending


@db_periodic_task(crontab(minute="*"))
@lock_task("audit-seal")
def seal_audit_rows() -> int:
    """Extend the audit hash chain over new rows (idempotent)."""
    return seal_pending()
