"""Refusing requests whose URL carries a NUL character.

A NUL (``%00``) in a path or a query parameter can never be meant, and PostgreSQL refuses
it in any text it is given ("A string literal cannot contain NUL characters"), so a search
box, a filter or a look-up code holding one would end in a 500. This middleware answers
such a request with a clean 400 in the user's language instead, in the shape of the door
it came through: a page, the REST API's JSON error, or an Open311 error."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

NUL = "\x00"


def has_nul(request: HttpRequest) -> bool:
    if NUL in request.path_info or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    return any(NUL in key or any(NUL in v for v in values) for key, values in request.GET.lists())


def bad_request(request: HttpRequest) -> HttpResponse:
    path = request.path_info
    if path.startswith("/open311/"):
        from open311.render import error

        return error("json" if ".json" in path else "xml", 400, _("The address contains characters that are not allowed."))
    from core.views import error_400

    return error_400(request)


class RejectNulMiddleware:
    """A URL with NUL in its path or query string: 400, before any view or query runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_nul(request):
            return bad_request(request)
        return self.get_response(request)
