from __future__ import annotations

import sys

from django import db
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
    # The database went away (restart, failover, network): say so with 503 and a retry hint,
    # and render nothing that would need the database again (no session, no user, no menus).
    exc = sys.exc_info()[1]
    if isinstance(exc, (db.OperationalError, db.InterfaceError)):
        return database_unavailable(request)
    return _error(request, 500, "500.html")


RETRY_AFTER_SECONDS = 5


def database_unavailable(request: HttpRequest) -> HttpResponse:
    from django.utils.translation import gettext as _

    message = _("The database is not answering for a moment. Nothing was saved; please try again in a few seconds.")
    path = request.path_info
    if path.startswith("/open311/"):
        from open311.render import error

        response = error("json" if ".json" in path else "xml", 503, message)
    elif path.startswith("/api/"):
        response = JsonResponse({"code": "unavailable", "message": message}, status=503)
    else:
        response = render_to_response_without_db(request, message)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def render_to_response_without_db(request: HttpRequest, message: str) -> HttpResponse:
    from django.template import loader

    html = loader.get_template("503.html").render({"message": message, "retry_after": RETRY_AFTER_SECONDS})
    return HttpResponse(html, status=503)
