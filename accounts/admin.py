"""Administrators manage units, users and roles in Django's admin (Chinese labels).

Admin saves go through the services where one exists, so they are audited too."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, RoleAssignment, Unit, User
from accounts.services import unit_rebuild_paths
from audit.services import audit_record


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "leader", "is_coordinating", "is_active"]
    list_filter = ["kind", "is_coordinating", "is_active"]
    search_fields = ["name", "name_en", "code"]
    autocomplete_fields = ["parent", "leader"]

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        unit_rebuild_paths(obj)
        audit_record(actor=request.user, action="unit.update" if change else "unit.create", obj=obj, after={"fields": list(form.changed_data)})


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 1
    verbose_name = _("role")
    verbose_name_plural = _("roles")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [RoleInline]
    list_display = ["username", "full_name", "unit", "is_active", "last_login"]
    list_filter = ["is_active", "role_assignments__role", "unit__kind"]
    search_fields = ["username", "full_name", "phone"]
    autocomplete_fields = ["unit"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "title", "unit", "phone", "email")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "full_name", "unit", "password1", "password2")}),)

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action="user.update" if change else "user.create", obj=obj, after={"fields": list(form.changed_data)})

    @transaction.atomic
    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        user = form.instance
        roles = sorted(user.role_assignments.values_list("role", flat=True))
        user.is_staff = user.is_superuser = "admin" in roles
        user.save(update_fields=["is_staff", "is_superuser"])
        audit_record(actor=request.user, action="user.set_roles", obj=user, after={"roles": roles})


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "prefix", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
