"""Administrators edit the case taxonomy and the time limits in Django's admin. Cases
themselves are changed only through the services (the admin shows them read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from audit.services import audit_record
from cases.models import Case, Category, DeadlineRule, HotlineRule


class AuditedAdmin(admin.ModelAdmin):
    action_prefix = ""

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=f"{self.action_prefix}.{'change' if change else 'create'}",
            obj=obj,
            after={name: form.cleaned_data.get(name) for name in getattr(form, "changed_data", [])},
        )

    @transaction.atomic
    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(actor=request.user, action=f"{self.action_prefix}.delete", obj=obj)
        super().delete_model(request, obj)


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(AuditedAdmin):
    action_prefix = "case_rule"
    list_display = ["step", "name", "days", "day_type", "remind_before_days"]
    list_editable = ["days", "day_type", "remind_before_days"]
    readonly_fields = ["step"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(HotlineRule)
class HotlineRuleAdmin(AuditedAdmin):
    action_prefix = "case_hotline_rule"
    list_display = ["category", "urgent", "contact_hours", "resolve_hours", "resolve_days", "day_type"]
    list_filter = ["urgent"]
    autocomplete_fields = ["category"]


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    action_prefix = "case_category"
    list_display = ["name", "code", "level", "parent", "default_unit", "is_active", "sort_order"]
    list_filter = ["level", "is_active"]
    search_fields = ["name", "name_en", "code", "keywords"]
    autocomplete_fields = ["parent", "default_unit"]

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        obj.level = (obj.parent.level + 1) if obj.parent else 1
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: cases refer to categories


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "state", "type", "current_unit", "next_due", "is_overdue"]
    list_filter = ["state", "type", "level", "is_overdue"]
    search_fields = ["number"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
