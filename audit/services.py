from __future__ import annotations

from typing import Any

from django.db import models, transaction

from audit.context import current_ip
from audit.models import AuditEntry


def audit_record(
    *,
    actor: Any | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_label: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEntry:
    """Append one audit row. Call it from inside the service's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the service's transaction")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_label = object_label or str(obj)[:200]
    user = actor if getattr(actor, "pk", None) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=(str(user) if user else (str(actor) if actor else "system"))[:150],
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_label=object_label[:200],
        before=_jsonable(before),
        after=_jsonable(after),
        note=note,
        ip=current_ip(),
    )


def _jsonable(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, models.Model):
            out[key] = str(value)
        elif isinstance(value, (str, int, float, bool)) or value is None:
            out[key] = value
        elif isinstance(value, (list, tuple, set, frozenset)):
            out[key] = [v if isinstance(v, (str, int, float, bool)) else str(v) for v in value]
        else:
            out[key] = str(value)
    return out
