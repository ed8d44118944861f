from django.urls import path

from portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("submit/", views.submit, name="submit"),
    path("receipt/", views.receipt, name="receipt"),
    path("track/", views.track, name="track"),
    path("case/<str:number>/", views.status, name="status"),
    path("case/<str:number>/rate/", views.rate, name="rate"),
    path("case/<str:number>/review/", views.review, name="review"),
    path("case/<str:number>/withdraw/", views.withdraw, name="withdraw"),
    path("leave/", views.leave, name="leave"),
]
