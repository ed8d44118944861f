from django.urls import path

from triage import views

app_name = "triage"
urlpatterns = [
    path("suggest/", views.suggest, name="suggest"),
    path("cases/<str:number>/suggestion/", views.case_suggestion, name="case_suggestion"),
    path("cases/<str:number>/suggestion/apply/", views.case_suggestion_apply, name="case_suggestion_apply"),
    path("cases/<str:number>/duplicates/", views.case_duplicates, name="case_duplicates"),
    path("cases/<str:number>/duplicates/<str:decision>/", views.duplicate_decide, name="duplicate_decide"),
    path("cases/<str:number>/similar-replies/", views.case_similar_replies, name="case_similar_replies"),
    # the short names the pages' documentation uses
    path("c/<str:number>/duplicates/", views.case_duplicates, name="duplicates"),
    path("c/<str:number>/similar-replies/", views.case_similar_replies, name="similar_replies"),
    path("hotspots/", views.hotspots, name="hotspots"),
    path("hotspots/<int:pk>/", views.hotspot_detail, name="hotspot"),
    path("acceptance/", views.acceptance, name="acceptance"),
    path("models/", views.models_page, name="models"),
    path("models/<str:action>/", views.model_action, name="model_action"),
]
