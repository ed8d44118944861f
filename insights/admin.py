from django.contrib import admin

from insights.models import DailyBrief, RateDefinition


@admin.register(RateDefinition)
class RateDefinitionAdmin(admin.ModelAdmin):
    """Read-only here: targets are changed on the dashboard settings page, which writes the audit log."""

    list_display = ["__str__", "code", "target", "shown", "sort_order"]

    def has_add_permission(self, request):  # noqa: ANN001, ANN201
        return False

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False


@admin.register(DailyBrief)
class DailyBriefAdmin(admin.ModelAdmin):
    list_display = ["day", "kind", "generated_at", "generated_by"]
    readonly_fields = ["day", "kind", "generated_at", "generated_by", "since", "data", "docx"]

    def has_add_permission(self, request):  # noqa: ANN001, ANN201
        return False

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False
