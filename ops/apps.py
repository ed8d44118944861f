from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations: backup and restore, data retention, sign-in auditing."""

    name = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from ops import signals  # noqa: F401  (connects the sign-in receivers)
