from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Public portal")

    def load_demo(self, *, stdout: Any, cases: int, seed: int) -> None:
        """Query codes for the demo's portal cases and a demo Open311 client (``manage.py load_demo``)."""
        from portal.demo import load_demo

        load_demo(stdout=stdout, cases=cases, seed=seed)
