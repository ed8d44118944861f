"""Administrators edit the routing rules in Django's admin (audited like the category tree).
Model versions are managed on the routing models page (/triage/models/)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from audit.services import audit_record
from triage.models import TriageRule


@admin.register(TriageRule)
class TriageRuleAdmin(admin.ModelAdmin):
    list_display = ["kind", "pattern", "category", "unit", "town", "priority", "is_active", "note"]
    list_filter = ["kind", "is_active"]
    list_editable = ["priority", "is_active"]
    search_fields = ["pattern", "note"]
    autocomplete_fields = ["category", "unit", "town"]
    exclude = ["created_by", "created_at"]

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: TriageRule, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=f"triage.rule.{'change' if change else 'create'}",
            obj=obj,
            after={name: form.cleaned_data.get(name) for name in getattr(form, "changed_data", [])},
        )

    @transaction.atomic
    def delete_model(self, request: HttpRequest, obj: TriageRule) -> None:
        audit_record(actor=request.user, action="triage.rule.delete", obj=obj)
        super().delete_model(request, obj)
