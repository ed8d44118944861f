"""Administrators edit the message templates and read the delivery log (recipients masked)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from outbox.models import Delivery, MessageTemplate
from outbox.services import delivery_retry


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["event", "medium", "language", "is_active", "updated_at"]
    list_filter = ["event", "medium", "language", "is_active"]
    readonly_fields = ["updated_at"]

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: MessageTemplate, form: Any, change: bool) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action="outbox.template_update" if change else "outbox.template_create", obj=obj, after={"fields": list(form.changed_data)})


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "event", "medium", "masked", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["status", "medium", "event"]
    fields = ["case", "event", "medium", "masked", "subject", "body", "status", "attempts", "next_attempt_at", "last_error", "provider_id", "created_at", "sent_at"]
    readonly_fields = fields
    actions = ["send_again"]

    @admin.display(description=_("recipient"))
    def masked(self, obj: Delivery) -> str:
        return obj.masked_recipient

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False

    @admin.action(description=_("Send the selected failed messages again"))
    def send_again(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        done = 0
        for delivery in queryset.filter(status=Delivery.Status.FAILED):
            try:
                delivery_retry(actor=request.user, delivery=delivery)
                done += 1
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.WARNING)
        self.message_user(request, _("%(count)d message(s) queued again.") % {"count": done})
