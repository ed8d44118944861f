"""The category tree and unit lists of the registration form, cached.

The intake form needs every active category (for the select and its search text), the
towns and the units that may be accused: three queries and a few hundred objects on every
request, although they change a few times a year. They are built once per version and
language and kept in the cache (Redis in production, shared by every worker) and in a small
per-process memo, so that a request costs no query and at most one cache read (the version,
itself kept a second in each process: ``core.local_memo``).

:func:`memo` keeps other facts of those two tables per process the same way.

Invalidation: any save or delete of a ``Category``, a ``Unit`` or a ``DeadlineRule`` (the admin, the accounts
services, fixtures) replaces the version, at once and again when its transaction commits
(so a worker that rebuilt the lists from the not yet committed rows meanwhile is not
trusted). A version is a random token, never a counter: after the cache is flushed a new
version cannot meet lists built before. Writes that bypass model signals (``QuerySet.update``
on names, ``is_active`` or parents, raw SQL) must call :func:`bump` themselves; the lists also
expire after ``TTL`` seconds as a last resort.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import get_language

from core import local_memo

VERSION_KEY = "cases:choices:version"
TTL = 3600

_memo: dict[tuple[str, str], dict[str, Any]] = {}


def _lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh"


#: seconds a process keeps the version it read (core.local_memo): another worker's change
#: reaches this one within that time; this process's own changes at once
LOCAL_SECONDS = 1.0


def _shared_version() -> str:
    found = cache.get(VERSION_KEY)
    if found is None:
        found = uuid.uuid4().hex
        if not cache.add(VERSION_KEY, found, None):
            found = cache.get(VERSION_KEY) or found
    return str(found)


def version() -> str:
    return str(local_memo.remembered(VERSION_KEY, LOCAL_SECONDS, _shared_version))


def bump() -> None:
    """Forget every cached list (this process at once, every other within a second)."""
    new = uuid.uuid4().hex
    cache.set(VERSION_KEY, new, None)
    local_memo.remember(VERSION_KEY, LOCAL_SECONDS, new)
    _memo.clear()
    _derived.clear()


def _on_change(sender: Any, **kwargs: Any) -> None:
    bump()
    transaction.on_commit(bump)


def connect() -> None:
    """Called from ``CasesConfig.ready``."""
    from accounts.models import Unit
    from cases.models import Category, DeadlineRule

    for model in (Category, Unit, DeadlineRule):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"cases_choices_{model.__name__}_save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"cases_choices_{model.__name__}_delete")


def _build() -> dict[str, Any]:
    from accounts.models import Unit, UnitKind
    from cases import forms as f

    towns = Unit.objects.filter(kind=UnitKind.TOWN, is_active=True).order_by("sort_order", "path")
    accusable = Unit.objects.filter(is_active=True, parent__isnull=False).order_by("path")
    return {
        "category": f.category_choices(),
        "category_groups": f.category_options(),
        "town": [(str(u.pk), u.display_name) for u in towns],
        "accused_unit": f.unit_choices(accusable),
    }


def register_choices() -> dict[str, Any]:
    """``{"category", "category_groups", "town", "accused_unit"}`` for the active language.
    Treat the lists as read-only: they are shared."""
    ver = version()
    key = (ver, _lang())
    found = _memo.get(key)
    if found is not None:
        return found
    cache_key = f"cases:choices:{ver}:{key[1]}"
    found = cache.get(cache_key)
    if found is None:
        found = _build()
        cache.set(cache_key, found, TTL)
    if len(_memo) > 8:
        _memo.clear()
    _memo[key] = found
    return found


class Ready(BaseChoiceIterator):
    """A cached choice list already in Django's normal form: a form field given it does not
    normalise hundreds of entries again on every request."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self.items = items

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def ready_choices(choices: dict[str, Any], name: str) -> Ready:
    """``choices[name]`` (from :func:`register_choices`) with the empty choice first, made
    once per cached list."""
    key = f"{name}:ready"
    found = choices.get(key)
    if found is None:
        found = choices[key] = Ready([("", "—"), *choices[name]])
    return found


_derived: dict[tuple[str, str], Any] = {}


def memo(name: str, build: Any) -> Any:
    """``build()`` computed once per process and version of the categories and units (e.g. a
    category's top-level ancestor, the district's unit): for facts derived from those two
    tables only, read on every case write."""
    key = (version(), name)
    if key not in _derived:
        if len(_derived) > 32:
            _derived.clear()
        _derived[key] = build()
    return _derived[key]
