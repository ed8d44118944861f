from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cases.sweep import sweep


class Command(BaseCommand):
    help = "Run the case deadline sweep once: overdue flags, reminders before deadlines, escalations."

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings
        from django.utils import translation

        with translation.override(settings.LANGUAGE_CODE):
            result = sweep()
        self.stdout.write(
            f"flagged overdue: {result.flagged}, cleared: {result.cleared}, reminders sent: {result.reminders}, escalations sent: {result.escalations}"
        )
