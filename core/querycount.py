"""Benchmark aid: an ``X-Query-Count`` response header with the number of SQL statements
the request ran (session, user, view, template and session save alike).

Installed only when the server starts with ``BENCH_QUERY_COUNT=1`` (``bench/run`` sets it
on the server it measures); otherwise it is not in ``MIDDLEWARE`` and costs nothing. It is
the outermost middleware so that every statement of the request is counted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse

HEADER = "X-Query-Count"


class QueryCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counter(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        connection = connections["default"]
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response[HEADER] = str(count)
        return response
