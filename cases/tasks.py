"""Periodic jobs of the cases module (huey). They call the sweep, which is idempotent."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from cases.sweep import sweep


@db_periodic_task(crontab(minute="7"))
def case_deadline_sweep() -> None:
    """Hourly (hotline limits count in hours): overdue flags, reminders, escalations."""
    with translation.override(settings.LANGUAGE_CODE):  # notification texts in the installation's language
        sweep()
