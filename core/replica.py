"""Reports read from a replica, when one is configured.

``REPORTS_DATABASE_URL`` (a PostgreSQL streaming standby, read-only) adds the database alias
``reports``; the pages that only read figures for people to look at (dashboards, the unit
ranking, drill-downs, the overdue list, the ledger and the daily briefs: decorated with
:func:`reads_from_replica`) then read from it, so long reports do not compete with case
work on the primary. Everything else reads and writes the primary, and so does every write
made while such a page is answered (the router sends writes to ``default``).

A standby lags the primary by a moment: the figures may miss the last second of changes.
The session and the signed-in user are read from the primary *before* switching, so a
person who has just signed in is never taken for a stranger by a standby that has not yet
received their session.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

ALIAS = "reports"
_reading_reports: contextvars.ContextVar[bool] = contextvars.ContextVar("minsheng_reading_reports", default=False)


def replica_alias() -> str | None:
    """The alias reads of reports go to, or None when no replica is configured."""
    alias = getattr(settings, "REPORTS_DATABASE", None)
    return alias if alias and alias in settings.DATABASES else None


@contextmanager
def reports_reads() -> Iterator[None]:
    """Inside the block, reads go to the replica (when configured); writes stay on the primary."""
    token = _reading_reports.set(True)
    try:
        yield
    finally:
        _reading_reports.reset(token)


def reads_from_replica(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a report page: its GET/HEAD reads go to the replica (when configured)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or replica_alias() is None:
            return view(request, *args, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            user.is_authenticated  # noqa: B018 - load the session and user from the primary first
        with reports_reads():
            return view(request, *args, **kwargs)

    return wrapper


class ReportsRouter:
    """Reads inside :func:`reports_reads` go to the replica; all else to ``default``."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if _reading_reports.get():
            return replica_alias()
        return None

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return db != ALIAS  # a standby is read-only: it gets the schema from the primary
