from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

STATUS_CLASS = {"good": "success", "warn": "warning", "bad": "danger", "none": "secondary"}


@register.filter
def pct(value: float | None) -> str:
    """45.25 -> "45.3%"; None -> "—" (nothing in the denominator)."""
    if value is None:
        return "—"
    return f"{value:.1f}%"


@register.filter
def status_class(status: str) -> str:
    """A figure's status as a Bootstrap colour name."""
    return STATUS_CLASS.get(status, "secondary")


@register.filter
def target_text(value: Any) -> str:
    if value is None:
        return "—"
    return f"{float(value):g}%"


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key) if mapping else None
