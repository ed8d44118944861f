"""manage.py clean_orphan_files [--dry-run] [--grace-minutes N]"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from files.sweep import orphan_files_sweep


class Command(BaseCommand):
    help = "Delete uploaded files on disk that no database row references (older than the grace period). Writes one audit row."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List the orphaned files; delete nothing.")
        parser.add_argument("--grace-minutes", type=int, default=60, help="Leave files younger than this alone (default 60).")

    def handle(self, *args: Any, **options: Any) -> None:
        grace = options["grace_minutes"]
        if grace < 1:
            self.stderr.write("--grace-minutes must be at least 1 (a younger file may belong to a transaction still running).")
            raise SystemExit(2)
        result = orphan_files_sweep(grace=dt.timedelta(minutes=grace), dry_run=options["dry_run"])
        for rel in result.orphans:
            self.stdout.write(("would delete " if result.dry_run else "deleted ") + rel)
        verb = "would delete" if result.dry_run else "deleted"
        self.stdout.write(
            f"{result.checked} files older than {grace} min checked, {len(result.orphans)} orphaned ({result.bytes} bytes), {result.deleted if not result.dry_run else len(result.orphans)} {verb}."
        )
