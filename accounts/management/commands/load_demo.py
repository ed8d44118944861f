from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.demo import DEMO_PASSWORD, build_demo_district, demo_account_lines, demo_exists


class Command(BaseCommand):
    help = "Load the demo district (units, users for every role, demo cases) into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when demo data is already there.")
        parser.add_argument("--cases", type=int, default=2000, help="How many demo cases to generate (when the cases module is installed).")
        parser.add_argument("--seed", type=int, default=20261129)

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_exists():
            if options["if_empty"]:
                self.stdout.write("Demo data already loaded.")
                return
            self.stderr.write("The demo district is already loaded; use a fresh database to load it again.")
            raise SystemExit(1)
        build_demo_district()
        from django.apps import apps

        for config in apps.get_app_configs():
            hook = getattr(config, "load_demo", None)
            if callable(hook):
                hook(stdout=self.stdout, cases=options["cases"], seed=options["seed"])
        self.stdout.write(self.style.SUCCESS("Demo district loaded. Accounts (password %s):" % DEMO_PASSWORD))
        for line in demo_account_lines():
            self.stdout.write(line)
