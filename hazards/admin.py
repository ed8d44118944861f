"""Administrators edit the category list, the default checklists and the hazard rules here.
Hazards themselves change only through the services (the pages and the API)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from audit.services import audit_record
from hazards.models import ChecklistItem, HazardCategory, HazardRules


class AuditedAdmin(admin.ModelAdmin):
    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action=f"admin.{obj._meta.model_name}.{'change' if change else 'add'}", obj=obj, after={f: str(form.cleaned_data[f]) for f in form.changed_data})

    @transaction.atomic
    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(actor=request.user, action=f"admin.{obj._meta.model_name}.delete", obj=obj)
        super().delete_model(request, obj)


class ChecklistInline(admin.TabularInline):
    model = ChecklistItem
    fields = ["text", "sort_order", "is_active"]
    extra = 1

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).filter(campaign__isnull=True)


@admin.register(HazardCategory)
class HazardCategoryAdmin(AuditedAdmin):
    list_display = ["name", "name_en", "code", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    search_fields = ["name", "name_en", "code"]
    inlines = [ChecklistInline]


@admin.register(HazardRules)
class HazardRulesAdmin(AuditedAdmin):
    list_display = ["__str__", "general_days", "major_max_days", "extension_notice_working_days", "remind_days_before"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not HazardRules.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
