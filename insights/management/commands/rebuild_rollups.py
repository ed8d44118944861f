from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from insights.services import rollups_rebuild


class Command(BaseCommand):
    help = "Recompute every dashboard figure (figure rows, rollups, state counts) from the cases, in one transaction."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=2000, help="Cases read per batch (default 2000).")
        parser.add_argument("--quiet", action="store_true", help="Print only the result line.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        quiet = options["quiet"]

        def progress(n: int) -> None:
            if not quiet and n % 50_000 < options["batch_size"]:
                self.stdout.write(f"  {n} cases…")

        result = rollups_rebuild(actor=None, batch_size=max(100, options["batch_size"]), progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt the figures of {result.cases} cases: {result.rows} figure rows, {result.rollups} rollup rows in {time.monotonic() - started:.1f} s."
            )
        )
