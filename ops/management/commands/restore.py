from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.backup import BackupError, restore_archive, target_for


class Command(BaseCommand):
    help = (
        "Restore a backup archive: checks every checksum, refuses a non-empty database or media folder "
        "unless --force, then verifies the audit chain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive")
        parser.add_argument("--force", action="store_true", help="Replace a non-empty target (old files are moved aside).")
        parser.add_argument("--database-url", default="", help="Restore into this database instead of the configured one.")
        parser.add_argument("--media-root", default="", help="Restore the files here instead of MEDIA_ROOT.")

    def handle(self, *args: Any, **options: Any) -> None:
        target = target_for(database_url=options["database_url"] or None, media_root=options["media_root"] or None)
        try:
            manifest = restore_archive(archive=Path(options["archive"]), target=target, force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Restored {manifest['engine']} database and {manifest['files']} file(s) from a backup of "
            f"{manifest['created_at']} (version {manifest['app_version']})."
        )
        if manifest.get("moved_aside"):
            self.stdout.write(f"The files that were there before are in {manifest['moved_aside']}.")
        # The case numbers of the restored data may be ahead of (or behind) the number
        # sequences left in the target: the next registration must follow the highest one.
        if target.is_default:
            call_command("sync_case_numbers", stdout=self.stdout, stderr=self.stderr)
            call_command("verify_audit", stdout=self.stdout, stderr=self.stderr)
            return
        env = dict(os.environ, DATABASE_URL=options["database_url"], MEDIA_ROOT=str(target.media_root))
        for command, failure in (
            ("sync_case_numbers", "Restored, but the case numbers could not be put in step"),
            ("verify_audit", "Restored, but the audit chain does not verify"),
        ):
            result = subprocess.run(  # noqa: S603 - our own manage.py, no shell
                [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), command], env=env, capture_output=True, text=True, check=False
            )
            self.stdout.write(result.stdout.strip())
            if result.returncode != 0:
                raise CommandError(f"{failure}: {result.stderr.strip()[-1000:]}")
