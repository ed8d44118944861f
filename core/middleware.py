from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ChineseFirstMiddleware:
    """Simplified Chinese unless the user chose another language (cookie) or the
    installation opts in to the browser's Accept-Language (HONOR_ACCEPT_LANGUAGE)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.HONOR_ACCEPT_LANGUAGE:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
