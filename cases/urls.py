from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("export.xlsx", views.export_xlsx, name="export"),
    path("new/", views.register, name="register"),
    path("suggest/", views.suggest, name="suggest"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/act/<str:action>/", views.act, name="act"),
    path("<str:number>/reveal/", views.reveal, name="reveal"),
    path("<str:number>/files/<int:pk>/", views.attachment, name="attachment"),
    path("<str:number>/sheet/", views.sheet, name="sheet"),
    path("<str:number>/sheet.docx", views.sheet_docx, name="sheet_docx"),
]
