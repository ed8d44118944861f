"""Administrator rules: keywords and patterns per category, place names → town / street.

Sources, in order: active :class:`~triage.models.TriageRule` rows (by priority), then the
keywords kept on the categories themselves (``Category.keywords``, edited with the
category tree). Matching is done on the normalised text (lib.triage.text.normalise), so
punctuation, spaces and full-width forms do not matter. The rules come compiled from the
per-process copy in :mod:`triage.cache` (no query per call).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts.models import Unit
from cases.models import Category
from lib.triage.text import normalise
from triage import cache as triage_cache
from triage.cache import Snapshot

MAX_REGEX_TEXT = 5000


@dataclass
class RuleHit:
    category: Category
    unit: Unit | None
    reason: str
    matched: list[str] = field(default_factory=list)
    priority: int = 100
    score: int = 0
    rule_id: int | None = None
    #: True for an administrator's routing rule (wins over the model); False for the
    #: category's own search keywords (used when there is no model, and to fill up).
    strong: bool = True


@dataclass
class PlaceHit:
    town: Unit
    name: str
    reason: str


def category_hits(text: str, data: Snapshot | None = None) -> list[RuleHit]:
    """Categories the rules point to, best first (priority, then matched length).

    ``data``: the rules and categories to use (:func:`triage.cache.current` when not given);
    nothing is read from the database."""
    data = data or triage_cache.current()
    norm = normalise(text, fold_digits=False)
    raw = (text or "")[:MAX_REGEX_TEXT]
    hits: dict[int, RuleHit] = {}
    for rule in data.rules:
        cat = rule.category
        matched: list[str] = []
        if rule.regex is None:
            matched = [w for w, nw in rule.words if nw in norm]
        else:
            m = rule.regex.search(raw)
            if m:
                matched = [m.group(0)[:30]]
        if not matched:
            continue
        score = sum(len(w) for w in matched)
        reason = _("Rule: the text mentions “%(words)s”") % {"words": "、".join(matched[:4])}
        if rule.note:
            reason += f" ({rule.note})"
        hit = RuleHit(cat, rule.unit, reason, matched, rule.priority, score, rule.rule_id)
        old = hits.get(cat.pk)
        if old is None or (hit.priority, -hit.score) < (old.priority, -old.score):
            hits[cat.pk] = hit
    for cat, words in data.category_words:
        if cat.pk in hits:
            continue
        matched = [w for w, nw in words if nw in norm]
        if not matched:
            continue
        hits[cat.pk] = RuleHit(
            cat,
            None,
            _("Category keywords: the text mentions “%(words)s”") % {"words": "、".join(matched[:4])},
            matched,
            1000,
            sum(len(w) for w in matched),
            strong=False,
        )
    out = sorted(hits.values(), key=lambda h: (h.priority, -h.score, -h.category.level, h.category.sort_order, h.category.pk))
    return _prefer_specific(out)


def _prefer_specific(hits: list[RuleHit]) -> list[RuleHit]:
    """Drop a category when one of its sub-categories matched as well at the same priority."""
    by_pk = {h.category.pk: h for h in hits}
    drop: set[int] = set()
    for h in hits:
        node = h.category.parent
        while node is not None:
            parent = by_pk.get(node.pk)
            if parent is not None and parent.priority >= h.priority:
                drop.add(node.pk)
            node = node.parent
    return [h for h in hits if h.category.pk not in drop]


def place_hits(text: str, data: Snapshot | None = None) -> list[PlaceHit]:
    """Towns / streets named in the text: place-name rules first, then the towns' own names."""
    data = data or triage_cache.current()
    norm = normalise(text, fold_digits=False)
    out: list[PlaceHit] = []
    seen: set[int] = set()
    for town, words in data.places:
        if town.pk in seen:
            continue
        for word, nw in words:
            if nw in norm:
                out.append(PlaceHit(town, word, _("Place name “%(name)s” belongs to %(town)s") % {"name": word, "town": town.display_name}))
                seen.add(town.pk)
                break
    for town, names in data.towns:
        if town.pk in seen:
            continue
        for name, nw in names:
            if nw in norm:
                out.append(PlaceHit(town, name, _("The text names %(town)s") % {"town": town.display_name}))
                seen.add(town.pk)
                break
    return out
