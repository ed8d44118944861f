from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Write one .tar with the database (SQLite online backup or pg_dump), the uploaded files and a manifest with checksums."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", default=str(Path(settings.VAR_DIR) / "backups"), help="Folder for the archive (default var/backups).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = backup_create(output_dir=Path(options["output"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(path))
