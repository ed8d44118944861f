from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("password/", views.password_change, name="password_change"),
    path("two-factor/", views.totp_setup, name="totp_setup"),
    path("tokens/", views.token_issue, name="token_issue"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
