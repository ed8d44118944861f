"""Background jobs of the hazard ledgers. Each takes ids and calls services; running one
twice changes nothing the second time."""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import F
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from hazards.models import UNRECTIFIED_STATES, Hazard, HazardRules
from hazards.services import hazard_escalate, hazard_import_run, hazard_remind

log = logging.getLogger(__name__)


def sweep_hazard_clocks(on: dt.date | None = None) -> dict[str, int]:
    """Remind hazards due within the reminder window and escalate overdue ones."""
    on = on or timezone.localdate()
    window = HazardRules.current().remind_days_before
    open_qs = Hazard.objects.filter(state__in=UNRECTIFIED_STATES)
    due_ids = open_qs.filter(deadline__gte=on, deadline__lte=on + dt.timedelta(days=window)).exclude(reminded_for=F("deadline")).values_list("pk", flat=True)
    overdue_ids = open_qs.filter(deadline__lt=on).exclude(escalated_for=F("deadline")).values_list("pk", flat=True)
    reminded = sum(hazard_remind(hazard_id=pk, on=on) for pk in list(due_ids))
    escalated = sum(hazard_escalate(hazard_id=pk, on=on) for pk in list(overdue_ids))
    return {"reminded": reminded, "escalated": escalated}


@db_periodic_task(crontab(minute="15", hour="*"))
def hazard_clock_sweep() -> None:
    counts = sweep_hazard_clocks()
    if counts["reminded"] or counts["escalated"]:
        log.info("hazard clocks: %(reminded)d reminded, %(escalated)d escalated", counts)


@db_task()
def hazard_import_task(job_id: str) -> None:
    hazard_import_run(job_id=job_id)
