from __future__ import annotations

from django import forms, template
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def bs(field: forms.BoundField) -> SafeString:
    """Render a form field's widget with Bootstrap classes (and is-invalid when it has errors)."""
    widget = field.field.widget
    if isinstance(widget, (forms.Select, forms.SelectMultiple)):
        css = "form-select"
    elif isinstance(widget, (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)):
        css = ""
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    existing = widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{existing} {css}".strip()})
