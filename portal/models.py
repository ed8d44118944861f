"""The public portal keeps one thing of its own: the hash of each case's secret query code."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class QueryCode(models.Model):
    """The complainant's secret code for following a case on the portal. Only an HMAC of
    the code is stored; the code is shown once on the receipt and sent by SMS/e-mail."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="query_code")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("query code")
        verbose_name_plural = _("query codes")

    def __str__(self) -> str:
        return str(self.case_id)
