"""Periodic jobs of command and duty. Each calls a service; each is idempotent because every
notification it sends carries a dedupe key."""

from __future__ import annotations

import logging

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
    """Send an urgent-report SMS through the SMS backend the outbox uses (settings.SMS_BACKEND:
    a file per message by default, an HTTP gateway when SMS_GATEWAY_URL is set). A phone the
    gateway refuses is skipped; the in-app notification has already gone out."""
    from outbox.backends import SmsError, get_sms_backend

    backend = get_sms_backend()
    sent = 0
    for phone in phones:
        try:
            backend.send(phone, text)
            sent += 1
        except SmsError:
            log.warning("an urgent-report SMS was not accepted by the gateway")
    return sent
