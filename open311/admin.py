"""Administrators issue and revoke Open311 API keys and define each category's extra
attributes (the questions an Open311 client asks)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from open311.models import Open311Client, ServiceAttribute, ServiceAttributeValue
from open311.services import open311_key_issue, open311_key_revoke


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "contact", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "contact", "prefix"]
    fields = ["name", "contact", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request: HttpRequest, obj: Open311Client, form: Any, change: bool) -> None:
        if change:
            with transaction.atomic():
                super().save_model(request, obj, form, change)
                audit_record(actor=request.user, action="open311.client_update", obj=obj, after={"fields": list(form.changed_data)})
            return
        client, secret = open311_key_issue(actor=request.user, name=obj.name, contact=obj.contact)
        obj.pk = client.pk
        obj.prefix, obj.key_hash, obj.created_at = client.prefix, client.key_hash, client.created_at
        self.message_user(
            request,
            _("The API key of “%(name)s” is %(key)s — copy it now: it is shown only this once.") % {"name": client.name, "key": secret},
            messages.WARNING,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Open311Client | None = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected API keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Open311Client]) -> None:
        for client in queryset:
            open311_key_revoke(actor=request.user, client=client)
        self.message_user(request, _("Revoked."))


class ValueInline(admin.TabularInline):
    model = ServiceAttributeValue
    extra = 1


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ["category", "code", "description", "datatype", "required", "variable", "order"]
    list_filter = ["datatype", "required"]
    search_fields = ["code", "description", "category__name", "category__code"]
    autocomplete_fields = ["category"]
    inlines = [ValueInline]

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: ServiceAttribute, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action="open311.service_update", obj=obj, after={"fields": list(form.changed_data), "change": change})

    @transaction.atomic
    def delete_model(self, request: HttpRequest, obj: ServiceAttribute) -> None:
        audit_record(actor=request.user, action="open311.service_update", obj=obj, after={"deleted": True})
        super().delete_model(request, obj)
