from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.core import checks

        from core.preflight import deploy_checks

        # manage.py check --deploy refuses what a production start refuses (docs/operations.md).
        checks.register(deploy_checks, checks.Tags.security, deploy=True)
