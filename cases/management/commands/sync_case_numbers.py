from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from cases.numbers import sync_sequences


class Command(BaseCommand):
    help = (
        "Make the next case number of each year follow the highest number in use (PostgreSQL: the "
        "number sequences; SQLite: the counter rows). Run after writing case numbers directly, e.g. a "
        "restore; `restore` runs it itself. Run it while nobody registers cases."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            highest = sync_sequences()
        years = ", ".join(f"{year}: {last}" for year, last in sorted(highest.items())) or "none"
        self.stdout.write(f"Case numbers in step with the highest in use ({years}).")
