from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from accounts.scoping import scope_root


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "core/home.html", {"scope_root": scope_root(user)})  # type: ignore[arg-type]


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _error(request: HttpRequest, status: int, template: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        from django.utils.translation import gettext as _

        messages = {400: _("Bad request."), 403: _("You may not do this."), 404: _("Not found."), 500: _("Server error.")}
        return JsonResponse({"code": str(status), "message": messages.get(status, "")}, status=status)
    return render(request, template, status=status)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "400.html")


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "403.html")


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "404.html")


def error_500(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, "500.html")
