"""The request a service runs under (client IP), kept in a context variable so
that services called from any door can write it to their audit rows."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("minsheng_client_ip", default=None)


def current_ip() -> str | None:
    return _client_ip.get()


@contextmanager
def client_ip(ip: str | None) -> Iterator[None]:
    token = _client_ip.set(ip)
    try:
        yield
    finally:
        _client_ip.reset(token)
