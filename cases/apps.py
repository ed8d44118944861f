from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_search_index(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from cases.search import ensure_search_index

    ensure_search_index(using)


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Complaint cases")

    def ready(self) -> None:
        post_migrate.connect(_ensure_search_index, sender=self, dispatch_uid="cases_search_index")
        from cases import choice_cache

        choice_cache.connect()  # the registration form's cached category and unit lists

    def load_demo(self, *, stdout: Any, cases: int, seed: int) -> None:
        """Generate the demo cases (``manage.py load_demo``)."""
        from cases.demo import load_demo

        load_demo(stdout=stdout, cases=cases, seed=seed)
