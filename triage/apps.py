from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "triage"
    verbose_name = _("Smart triage")

    def ready(self) -> None:
        from cases.signals import case_changed
        from triage import cache
        from triage.signals import on_case_changed

        case_changed.connect(on_case_changed, dispatch_uid="triage_case_changed")
        # the assign form proposes the unit of the suggestion applied to the case
        from cases.signals import assign_unit_hooks
        from triage.selectors import applied_suggestion_unit

        if applied_suggestion_unit not in assign_unit_hooks:
            assign_unit_hooks.append(applied_suggestion_unit)
        # the per-process copy of rules, categories and model version used by suggest()
        cache.connect()

    def load_demo(self, *, stdout: Any, cases: int, seed: int) -> None:
        """Index the demo cases, train the first routing model on them, add a few rules and
        compute the hotspots (``manage.py load_demo``, after the cases demo)."""
        from triage.demo import load_demo

        load_demo(stdout=stdout, cases=cases, seed=seed)
