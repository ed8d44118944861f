from django.urls import path

from core.replica import reads_from_replica as replica
from insights import views

app_name = "insights"
# Report pages read from the reports replica when one is configured (core.replica).
urlpatterns = [
    path("", replica(views.overview), name="overview"),
    path("units/<int:unit_id>/", replica(views.unit_page), name="unit"),
    path("ranking/", replica(views.ranking), name="ranking"),
    path("export.xlsx", replica(views.export_dashboard), name="export"),
    path("drill/<slug:code>/<slug:part>/", replica(views.drill), name="drill"),
    path("overdue/", replica(views.overdue), name="overdue"),
    path("ledger/", replica(views.ledger_page), name="ledger"),
    path("ledger/export/", views.ledger_export, name="ledger_export"),
    path("ledger/jobs/<int:job_id>/", views.ledger_job, name="ledger_job"),
    path("ledger/jobs/<int:job_id>/download/", views.ledger_download, name="ledger_download"),
    path("briefs/", replica(views.briefs), name="briefs"),
    path("briefs/generate/", views.brief_generate, name="brief_generate"),
    path("briefs/<int:brief_id>/", replica(views.brief_detail), name="brief"),
    path("briefs/<int:brief_id>/docx/", replica(views.brief_docx), name="brief_docx"),
    path("settings/", views.settings_page, name="settings"),
]
