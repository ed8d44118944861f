from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from cases.models import Case
        from cases.signals import case_changed
        from insights.services import on_case_changed

        # Every case write sends case_changed inside its transaction (cases.services._commit):
        # the figure rows and rollups move in the same transaction as the case.
        case_changed.connect(on_case_changed, sender=Case, dispatch_uid="insights_rollup_case")

    def load_demo(self, *, stdout: Any, cases: int, seed: int) -> None:
        """After the demo cases exist (bulk-created by the cases demo): compute the figures
        from scratch and generate today's daily brief."""
        from insights.demo import load_demo

        load_demo(stdout=stdout, cases=cases, seed=seed)
