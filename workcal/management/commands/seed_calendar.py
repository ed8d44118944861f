from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from workcal.services import calendar_seed


class Command(BaseCommand):
    help = "Seed China's public holidays and make-up working days (default: this year and next)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("years", nargs="*", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        this = timezone.localdate().year
        years = options["years"] or [this, this + 1]
        count = calendar_seed(actor=None, years=years)
        self.stdout.write(f"Seeded {count} calendar exceptions for {', '.join(map(str, years))}.")
