from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from core import views as core_views
from minsheng.api import api

admin.site.site_header = "民声 Minsheng"
admin.site.site_title = "民声 Minsheng"
admin.site.index_title = "系统管理"

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("audit/", include("audit.urls")),
    path("calendar/", include("workcal.urls")),
    path("notifications/", include("notifications.urls")),
    path("cases/", include("cases.urls")),
    path("hazards/", include("hazards.urls")),
    path("duty/", include("duty.urls")),
    path("triage/", include("triage.urls")),
    path("portal/", include("portal.urls")),
    path("open311/v2/", include("open311.urls")),
    path("insights/", include("insights.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler400 = core_views.error_400
handler403 = core_views.error_403
handler404 = core_views.error_404
handler500 = core_views.error_500

