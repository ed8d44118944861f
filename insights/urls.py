from django.urls import path

from insights import views

app_name = "insights"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("units/<int:unit_id>/", views.unit_page, name="unit"),
    path("ranking/", views.ranking, name="ranking"),
    path("export.xlsx", views.export_dashboard, name="export"),
    path("drill/<slug:code>/<slug:part>/", views.drill, name="drill"),
    path("overdue/", views.overdue, name="overdue"),
    path("ledger/", views.ledger_page, name="ledger"),
    path("ledger/export/", views.ledger_export, name="ledger_export"),
    path("ledger/jobs/<int:job_id>/", views.ledger_job, name="ledger_job"),
    path("ledger/jobs/<int:job_id>/download/", views.ledger_download, name="ledger_download"),
    path("briefs/", views.briefs, name="briefs"),
    path("briefs/generate/", views.brief_generate, name="brief_generate"),
    path("briefs/<int:brief_id>/", views.brief_detail, name="brief"),
    path("briefs/<int:brief_id>/docx/", views.brief_docx, name="brief_docx"),
    path("settings/", views.settings_page, name="settings"),
]
