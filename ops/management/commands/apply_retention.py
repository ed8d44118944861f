from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cases.retention import retention_apply


class Command(BaseCommand):
    help = "Anonymise the personal data of cases finished more than RETENTION_PERSONAL_DATA_YEARS ago (0 = never)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only list the cases that would be anonymised.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = retention_apply(dry_run=options["dry_run"])
        if result.cutoff is None:
            self.stdout.write("Retention is off (RETENTION_PERSONAL_DATA_YEARS=0); nothing changed.")
            return
        verb = "Would anonymise" if result.dry_run else "Anonymised"
        self.stdout.write(f"{verb} the personal data of {len(result.cases)} case(s) finished before {result.cutoff:%Y-%m-%d}.")
        for number in result.cases[:50]:
            self.stdout.write(f"  {number}")
