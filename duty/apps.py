from typing import Any, TextIO

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "duty"
    verbose_name = _("Command and duty")

    def load_demo(self, *, stdout: TextIO | None = None, seed: int = 20261129, **kwargs: Any) -> None:
        """Called by ``manage.py load_demo`` after the demo district (and the demo cases) are built."""
        from duty.demo import load_demo

        load_demo(stdout=stdout, seed=seed)
