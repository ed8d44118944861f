from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.chain import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; name the first broken row. Exits 1 when broken."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"Audit chain BROKEN at seal #{report.broken_seq} (audit row id {report.broken_entry_id}): "
                f"{report.reason}. {report.checked} row(s) before it verified."
            )
        self.stdout.write(f"Audit chain intact: {report.checked} row(s) verified, {report.unsealed} not sealed yet.")
