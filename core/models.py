"""Cross-cutting tables that belong to no single domain app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """The first response to a POST sent with an ``Idempotency-Key`` header.

    A retry with the same key and the same request gets this response again instead of
    acting twice; the same key with a different request is refused. Rows expire after
    ``IDEMPOTENCY_TTL_HOURS`` (24 h) and are purged by ``core.tasks``. See
    :mod:`core.idempotency`."""

    owner = models.CharField(max_length=80, help_text="Whose key space: 'user:<id>', or a client id for anonymous doors.")
    key = models.CharField(_("key"), max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="uniq_idempotency_owner_key")]
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"
