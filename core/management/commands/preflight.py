"""``manage.py preflight``: refuse a production start, one line per problem.

Run by bench/prod_up, by gunicorn through deploy/gunicorn.conf.py and by the systemd
units before they start anything. Exit status 0 when everything answers, 2 otherwise.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.preflight import problems

PREFIX = "Minsheng refuses to start: "


class Command(BaseCommand):
    help = "Check DEBUG, SECRET_KEY, the database and Redis before a production start."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--require-redis", action="store_true", help="REDIS_URL must be set (the production profile).")

    def handle(self, *args: Any, **options: Any) -> None:
        found = problems(require_redis=options["require_redis"])
        for line in found:
            self.stderr.write(PREFIX + line, style_func=lambda text: text)
        if found:
            sys.exit(2)
        if options["verbosity"] >= 2:
            self.stdout.write("preflight: ready for production")
