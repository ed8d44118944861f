"""Administrator rules: keywords and patterns per category, place names → town / street.

Sources, in order: active :class:`~triage.models.TriageRule` rows (by priority), then the
keywords kept on the categories themselves (``Category.keywords``, edited with the
category tree). Matching is done on the normalised text (lib.triage.text.normalise), so
punctuation, spaces and full-width forms do not matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts.models import Unit, UnitKind
from cases.models import Category
from lib.triage.text import normalise
from triage.models import TriageRule

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


def _norm_word(word: str) -> str:
    return normalise(word, fold_digits=False)


def _safe_regex(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def category_hits(text: str) -> list[RuleHit]:
    """Categories the rules point to, best first (priority, then matched length)."""
    norm = normalise(text, fold_digits=False)
    raw = (text or "")[:MAX_REGEX_TEXT]
    hits: dict[int, RuleHit] = {}
    rules = TriageRule.objects.filter(is_active=True, kind__in=[TriageRule.Kind.KEYWORD, TriageRule.Kind.REGEX]).select_related(
        "category", "unit"
    )
    for rule in rules:
        cat = rule.category
        if cat is None or not cat.is_active:
            continue
        matched: list[str] = []
        if rule.kind == TriageRule.Kind.KEYWORD:
            matched = [w for w in rule.words() if (nw := _norm_word(w)) and nw in norm]
        else:
            rx = _safe_regex(rule.pattern)
            m = rx.search(raw) if rx else None
            if m:
                matched = [m.group(0)[:30]]
        if not matched:
            continue
        score = sum(len(w) for w in matched)
        reason = _("Rule: the text mentions “%(words)s”") % {"words": "、".join(matched[:4])}
        if rule.note:
            reason += f" ({rule.note})"
        hit = RuleHit(cat, rule.unit if rule.unit and rule.unit.is_active else None, reason, matched, rule.priority, score, rule.pk)
        old = hits.get(cat.pk)
        if old is None or (hit.priority, -hit.score) < (old.priority, -old.score):
            hits[cat.pk] = hit
    for cat in Category.objects.filter(is_active=True).exclude(keywords="").select_related("parent__parent"):
        if cat.pk in hits:
            continue
        matched = [w for w in cat.keyword_list() if (nw := _norm_word(w)) and len(nw) >= 2 and nw in norm]
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


def place_hits(text: str) -> list[PlaceHit]:
    """Towns / streets named in the text: place-name rules first, then the towns' own names."""
    norm = normalise(text, fold_digits=False)
    out: list[PlaceHit] = []
    seen: set[int] = set()
    for rule in TriageRule.objects.filter(is_active=True, kind=TriageRule.Kind.PLACE).select_related("town"):
        town = rule.town
        if town is None or not town.is_active or town.pk in seen:
            continue
        for word in rule.words():
            nw = _norm_word(word)
            if nw and nw in norm:
                out.append(PlaceHit(town, word, _("Place name “%(name)s” belongs to %(town)s") % {"name": word, "town": town.display_name}))
                seen.add(town.pk)
                break
    for town in Unit.objects.filter(kind=UnitKind.TOWN, is_active=True).order_by("sort_order", "path"):
        if town.pk in seen:
            continue
        names = {town.name}
        # "青山街道" is often written "青山"; "桃园镇" as "桃园"
        for suffix in ("街道办事处", "街道", "镇", "乡"):
            if town.name.endswith(suffix) and len(town.name) - len(suffix) >= 2:
                names.add(town.name[: -len(suffix)])
        for name in sorted(names, key=len, reverse=True):
            if _norm_word(name) in norm:
                out.append(PlaceHit(town, name, _("The text names %(town)s") % {"town": town.display_name}))
                seen.add(town.pk)
                break
    return out
