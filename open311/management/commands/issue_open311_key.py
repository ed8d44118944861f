from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from open311.services import open311_key_issue


class Command(BaseCommand):
    help = "Issue an Open311 API key for a client application and print it (it is shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client_name", help="The client application, e.g. '12345 hotline platform'.")
        parser.add_argument("--contact", default="", help="Who runs the client.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            _client, secret = open311_key_issue(actor=None, name=options["client_name"], contact=options["contact"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        self.stdout.write(secret)
