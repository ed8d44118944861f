"""Periodic jobs of command and duty. Each calls a service; each is idempotent because every
notification it sends carries a dedupe key."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from duty import services

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/5"))
def sweep_instructions() -> int:
    """Reminders before acknowledgement/result deadlines, escalation after them."""
    return services.instructions_sweep()


@db_periodic_task(crontab(minute="*/5"))
def sweep_daily_reports() -> int:
    """Reminders before the daily-report deadline; at the deadline the missing list."""
    return services.daily_reports_sweep()


@db_periodic_task(crontab(minute="*/15"))
def check_tomorrow_roster() -> int:
    """From the configured hour on, flag units with no duty roster for tomorrow."""
    return services.roster_check_tomorrow()


@db_periodic_task(crontab(minute="5", hour="8,14"))
def sweep_notices() -> int:
    """Supervision notices coming due, and overdue ones."""
    return services.notices_sweep()


@db_periodic_task(crontab(minute="20", hour="9"))
def sweep_progress() -> int:
    """Progress reports due on owned and centrally assigned cases; overdue batch items."""
    return services.progress_sweep()


@db_task()
def send_urgent_sms(phones: list[str], text: str) -> int:
    """Send an urgent-report SMS through the configured gateway (settings.SMS_BACKEND, a dotted
    path to ``callable(phones, text)``). Without a gateway nothing is sent."""
    backend = getattr(settings, "SMS_BACKEND", "")
    if not backend:
        log.info("SMS not configured; %d urgent-report message(s) not sent", len(phones))
        return 0
    import_string(backend)(phones, text)
    return len(phones)
