from django.urls import path, re_path

from open311 import views

app_name = "open311"
urlpatterns = [
    path("", views.root, name="root"),
    re_path(r"^discovery\.(?P<fmt>\w+)$", views.discovery, name="discovery"),
    re_path(r"^services\.(?P<fmt>\w+)$", views.services, name="services"),
    re_path(r"^services/(?P<code>[-\w]+)\.(?P<fmt>\w+)$", views.service_definition, name="service"),
    re_path(r"^requests\.(?P<fmt>\w+)$", views.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[-\w]+)\.(?P<fmt>\w+)$", views.request_detail, name="request"),
    re_path(r"^servicerequestupdates\.(?P<fmt>\w+)$", views.service_request_updates, name="updates"),
    re_path(r"^tokens/(?P<token_id>[-\w]+)\.(?P<fmt>\w+)$", views.token, name="token"),
    re_path(r"^(?P<path>.*)$", views.not_found, name="not_found"),
]
