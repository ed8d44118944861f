from __future__ import annotations

from typing import Any, TextIO

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "hazards"
    verbose_name = _("Hazards")

    def load_demo(self, *, stdout: TextIO | None = None, seed: int = 20261129, **kwargs: Any) -> None:
        """Called by ``manage.py load_demo`` after the demo district is built."""
        from hazards.demo import load_hazard_demo

        load_hazard_demo(stdout=stdout, seed=seed)
