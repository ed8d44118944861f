from django.contrib import admin

from workcal.models import CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "note", "source"]
    list_filter = ["is_workday", "source"]
    date_hierarchy = "date"
