from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = _("Messages to complainants")

    def ready(self) -> None:
        from outbox import hooks  # noqa: F401  (connects to cases.signals.case_changed)
