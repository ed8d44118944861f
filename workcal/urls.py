from django.urls import path

from workcal import views

app_name = "workcal"
urlpatterns = [
    path("", views.calendar_view, name="calendar"),
    path("day/", views.day_toggle, name="day_toggle"),
]
