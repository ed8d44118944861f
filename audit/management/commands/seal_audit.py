from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from audit.chain import seal_pending


class Command(BaseCommand):
    help = "Append hash-chain seals for audit rows that have none yet (the worker does this every minute)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Sealed {seal_pending()} audit row(s).")
