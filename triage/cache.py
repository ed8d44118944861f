"""The per-process copy of what a routing suggestion reads: the administrators' rules
(compiled), the category tree (paths, default units), the towns and the model version in use.

``suggest()`` used to read all of these from the database on every call (6 queries, most
of the time of a suggestion on a loaded server). Now each process keeps one
:class:`Snapshot` and checks on every call, with one get from the Django cache (Redis or the
file cache in production, shared by the web workers and the background worker), that it is
still current:

- any save or delete of a :class:`~triage.models.TriageRule`, a category, a unit or a
  :class:`~triage.models.ClassifierVersion` (signals, so the admin site, the services and
  the category editor are all covered) drops this process's copy at once and, when the
  transaction commits, writes a new token under :data:`KEY`, so every other process
  rebuilds its copy on its next suggestion;
- a copy built inside a transaction is only used inside that same transaction (it may hold
  rows that are rolled back): it is valid while a marker it registered with
  ``transaction.on_commit`` is still pending;
- ``flush`` (``post_migrate``) drops it too; bulk ``QuerySet.update()`` on these tables
  sends no signal: call :func:`invalidate` after one.

When the cache cannot be read the copy is rebuilt on every call (slower, never stale).
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import get_language

from accounts.models import Unit, UnitKind
from cases.models import Category
from lib.triage.text import normalise
from triage.models import ClassifierVersion, TriageRule

log = logging.getLogger(__name__)

KEY = "triage:suggest-data:v1"


def _norm_word(word: str) -> str:
    return normalise(word, fold_digits=False)


def _safe_regex(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


@dataclass
class CategoryRule:
    """A keyword or pattern rule, ready to match: normalised words or the compiled regex."""

    rule_id: int
    category: Category
    unit: Unit | None
    priority: int
    note: str
    words: list[tuple[str, str]] = field(default_factory=list)  # (as written, normalised)
    regex: re.Pattern[str] | None = None


@dataclass
class Snapshot:
    gen: str | None
    local: int
    marker: Any
    rules: list[CategoryRule]
    #: active categories with search keywords: (category, [(word, normalised)])
    category_words: list[tuple[Category, list[tuple[str, str]]]]
    #: place-name rules in priority order: (town, [(word, normalised)])
    places: list[tuple[Unit, list[tuple[str, str]]]]
    #: active towns in display order: (town, [(name, normalised)] longest first)
    towns: list[tuple[Unit, list[tuple[str, str]]]]
    #: every category (active or not), parents linked, default units loaded
    categories: dict[int, Category]
    version: ClassifierVersion | None
    paths: dict[tuple[int, str], str] = field(default_factory=dict)

    def path(self, cat: Category) -> str:
        """The path "level 1 › level 2 › level 3" in the current language, no query."""
        key = (cat.pk, get_language() or "")
        out = self.paths.get(key)
        if out is None:
            names = []
            node: Category | None = self.categories.get(cat.pk, cat)
            while node is not None:
                names.insert(0, node.display_name)
                node = node.parent
            out = self.paths[key] = " › ".join(names)
        return out


_lock = threading.Lock()
_local = 0
_snapshot: Snapshot | None = None


def _shared_gen() -> str | None:
    """The shared token (one cache get); a new one is stored when there is none."""
    try:
        gen = cache.get(KEY)
        if gen is None:
            cache.add(KEY, uuid.uuid4().hex, None)
            gen = cache.get(KEY)
        return gen
    except Exception:  # the cache is down: never stale, only slower
        log.warning("triage: cache unavailable, suggestion data read from the database", exc_info=True)
        return None


def _marker_pending(marker: Any) -> bool:
    if marker is None:
        return True
    if not connection.in_atomic_block:
        return False
    return any(entry[1] is marker for entry in connection.run_on_commit)


def current() -> Snapshot:
    """This process's copy, rebuilt when someone changed rules, categories, units or models."""
    global _snapshot
    gen = _shared_gen()
    snap = _snapshot
    if snap is not None and gen is not None and snap.gen == gen and snap.local == _local and _marker_pending(snap.marker):
        return snap
    local = _local
    snap = _build(gen, local)
    if connection.in_atomic_block:
        # rows of this transaction may be rolled back: keep the copy only while it is open
        def marker() -> None:
            return None

        transaction.on_commit(marker)
        snap.marker = marker
    if gen is not None:
        with _lock:
            _snapshot = snap
    return snap


def _build(gen: str | None, local: int) -> Snapshot:
    cats = {c.pk: c for c in Category.objects.select_related("default_unit").order_by("pk")}
    for c in cats.values():
        c.parent = cats.get(c.parent_id) if c.parent_id else None
    rules: list[CategoryRule] = []
    places: list[tuple[Unit, list[tuple[str, str]]]] = []
    for rule in TriageRule.objects.filter(is_active=True).select_related("unit", "town"):
        if rule.kind == TriageRule.Kind.PLACE:
            town = rule.town
            if town is not None and town.is_active:
                places.append((town, [(w, nw) for w in rule.words() if (nw := _norm_word(w))]))
            continue
        if rule.kind not in (TriageRule.Kind.KEYWORD, TriageRule.Kind.REGEX):
            continue
        cat = cats.get(rule.category_id) if rule.category_id else None
        if cat is None or not cat.is_active:
            continue
        compiled = CategoryRule(rule.pk, cat, rule.unit if rule.unit and rule.unit.is_active else None, rule.priority, rule.note)
        if rule.kind == TriageRule.Kind.KEYWORD:
            compiled.words = [(w, nw) for w in rule.words() if (nw := _norm_word(w))]
        else:
            compiled.regex = _safe_regex(rule.pattern)
            if compiled.regex is None:
                continue
        rules.append(compiled)
    category_words = []
    for c in sorted(cats.values(), key=lambda c: c.pk):
        if not c.is_active or not c.keywords:
            continue
        words = [(w, nw) for w in c.keyword_list() if (nw := _norm_word(w)) and len(nw) >= 2]
        if words:
            category_words.append((c, words))
    towns = []
    for town in Unit.objects.filter(kind=UnitKind.TOWN, is_active=True).order_by("sort_order", "path"):
        names = {town.name}
        # "青山街道" is often written "青山"; "桃园镇" as "桃园"
        for suffix in ("街道办事处", "街道", "镇", "乡"):
            if town.name.endswith(suffix) and len(town.name) - len(suffix) >= 2:
                names.add(town.name[: -len(suffix)])
        towns.append((town, [(n, _norm_word(n)) for n in sorted(names, key=len, reverse=True)]))
    version = ClassifierVersion.objects.filter(is_active=True, status=ClassifierVersion.Status.READY).first()
    return Snapshot(gen, local, None, rules, category_words, places, towns, cats, version)


def _bump_shared() -> None:
    try:
        cache.set(KEY, uuid.uuid4().hex, None)
    except Exception:
        log.warning("triage: could not tell the other processes that routing data changed", exc_info=True)


def invalidate(**_kwargs: Any) -> None:
    """Rules, categories, units or models changed: this process at once, the others on commit."""
    global _local, _snapshot
    with _lock:
        _local += 1
        _snapshot = None
    transaction.on_commit(_bump_shared)


def connect() -> None:
    for model in (TriageRule, Category, Unit, ClassifierVersion):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"triage_cache_save_{model._meta.label}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"triage_cache_delete_{model._meta.label}")
    post_migrate.connect(invalidate, dispatch_uid="triage_cache_migrate")
