"""Reads of the triage module: suggestion acceptance figures, hotspots, similar replies,
model versions. Each costs a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, Unit, User
from accounts.scoping import is_district_wide
from cases.models import Case, CaseReply, Category
from lib.triage import dedup
from triage.models import CaseFingerprint, ClassifierVersion, Hotspot, HotspotRun, NewCase, SuggestionLog


@dataclass
class AcceptanceRate:
    """How often the suggestions were taken at registration (for the dashboard)."""

    decided: int
    accepted: int
    accepted_top1: int
    overridden: int
    without: int
    start: dt.datetime | None
    end: dt.datetime | None

    @property
    def rate(self) -> float | None:
        """Accepted (any of the top 3) ÷ registrations that had suggestions."""
        shown = self.accepted + self.overridden
        return round(self.accepted / shown, 4) if shown else None

    @property
    def top1_rate(self) -> float | None:
        shown = self.accepted + self.overridden
        return round(self.accepted_top1 / shown, 4) if shown else None

    @property
    def override_rate(self) -> float | None:
        shown = self.accepted + self.overridden
        return round(self.overridden / shown, 4) if shown else None

    formula = _("Accepted: the category registered was one of the 3 suggested. Rate = accepted ÷ (accepted + overridden).")


def suggestion_acceptance(start: dt.datetime | None = None, end: dt.datetime | None = None) -> AcceptanceRate:
    qs = SuggestionLog.objects.exclude(outcome=SuggestionLog.Outcome.PENDING)
    if start is not None:
        qs = qs.filter(decided_at__gte=start)
    if end is not None:
        qs = qs.filter(decided_at__lt=end)
    agg = qs.aggregate(
        decided=Count("id"),
        accepted=Count("id", filter=Q(outcome=SuggestionLog.Outcome.ACCEPTED)),
        top1=Count("id", filter=Q(outcome=SuggestionLog.Outcome.ACCEPTED, chosen_rank=1)),
        overridden=Count("id", filter=Q(outcome=SuggestionLog.Outcome.OVERRIDDEN)),
        without=Count("id", filter=Q(outcome=SuggestionLog.Outcome.NONE)),
    )
    return AcceptanceRate(agg["decided"], agg["accepted"], agg["top1"], agg["overridden"], agg["without"], start, end)


@dataclass
class KeptItem:
    rank: int
    category: Category | None
    path: str
    unit: Unit | None
    confidence: float
    source: str
    reason: str

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)

    @property
    def usable(self) -> bool:
        return self.category is not None and self.category.is_active


@dataclass
class KeptSuggestion:
    """The suggestion kept with a case (see triage.services.suggestion_for_case)."""

    row: SuggestionLog
    items: list[KeptItem]
    message: str
    town: Unit | None

    @property
    def outcome(self) -> str:
        return self.row.outcome

    @property
    def decided(self) -> bool:
        return self.row.outcome in (SuggestionLog.Outcome.ACCEPTED, SuggestionLog.Outcome.OVERRIDDEN)


def _path(cat: Category) -> str:
    names = []
    node: Category | None = cat
    while node is not None:
        names.insert(0, node.display_name)
        node = node.parent
    return " › ".join(names)


def suggestion_pending(case: Case) -> bool:
    """Whether ``case`` still waits in the batch job's queue for its index and suggestion
    (a second or two after its registration)."""
    return NewCase.objects.filter(case_id=case.pk).exists()


def case_suggestion(case: Case) -> KeptSuggestion | None:
    """The suggestion kept with ``case``, its categories and units read afresh (3 queries)."""
    from triage.services import _no_suggestion_message

    row = SuggestionLog.objects.filter(case=case).select_related("town", "version", "chosen_category").first()
    if row is None:
        return None
    cat_ids = [s.get("category") for s in row.suggestions if s.get("category")]
    unit_ids = [s.get("unit") for s in row.suggestions if s.get("unit")]
    cats = {c.pk: c for c in Category.objects.filter(pk__in=cat_ids).select_related("parent__parent")} if cat_ids else {}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids)} if unit_ids else {}
    items = []
    for rank, s in enumerate(row.suggestions, 1):
        cat = cats.get(s.get("category"))
        items.append(
            KeptItem(
                rank=rank,
                category=cat,
                path=_path(cat) if cat is not None else _("(a category that no longer exists)"),
                unit=units.get(s.get("unit")),
                confidence=float(s.get("confidence") or 0),
                source=str(s.get("source") or ""),
                reason=str(s.get("reason") or ""),
            )
        )
    message = "" if items else (_no_suggestion_message(row.status) or _("No category was suggested for this text."))
    return KeptSuggestion(row=row, items=items, message=message, town=row.town)


def applied_suggestion_unit(case: Case) -> Unit | None:
    """The handling unit of the routing suggestion applied to ``case`` (one click, or chosen
    at registration), while the case still has the category of that suggestion; else None."""
    if case.category_id is None:
        return None
    row = (
        SuggestionLog.objects.filter(case=case, outcome=SuggestionLog.Outcome.ACCEPTED, chosen_category_id=case.category_id)
        .values_list("chosen_rank", "suggestions")
        .first()
    )
    if row is None or not row[0] or not 1 <= row[0] <= len(row[1] or []):
        return None
    unit_id = (row[1][row[0] - 1] or {}).get("unit")
    return Unit.objects.filter(pk=unit_id, is_active=True).first() if unit_id else None


DECIDED_LIMIT = 200


@dataclass
class DecidedRow:
    row: SuggestionLog
    case: Case
    top: Category | None
    chosen: Category | None


def decided_suggestions(user: User, start: dt.datetime, end: dt.datetime, *, outcome: str = "") -> list[DecidedRow]:
    """The newest suggestions decided in [start, end) on cases the user may see (at most
    DECIDED_LIMIT), with the case, the top suggestion and the category chosen."""
    from cases.access import cases_for_user

    qs = SuggestionLog.objects.filter(decided_at__gte=start, decided_at__lt=end, case__isnull=False).exclude(
        outcome=SuggestionLog.Outcome.PENDING
    )
    if outcome:
        qs = qs.filter(outcome=outcome)
    qs = qs.filter(case__in=cases_for_user(user).values("pk"))
    rows = list(qs.select_related("case", "top_category", "chosen_category").order_by("-decided_at", "-id")[:DECIDED_LIMIT])
    return [DecidedRow(r, r.case, r.top_category, r.chosen_category) for r in rows if r.case is not None]


def can_see_hotspots(user: User) -> bool:
    return bool(
        user.is_authenticated and user.is_active and (is_district_wide(user) or user.has_role(Role.LEADER, Role.SUPERVISOR, Role.ADMIN))
    )


def latest_hotspot_run(days: int | None = None) -> HotspotRun | None:
    qs = HotspotRun.objects.all()
    if days:
        runs = [r for r in qs[:20] if (r.period_end - r.period_start).days == days]
        return runs[0] if runs else None
    return qs.first()


def top_hotspots(limit: int = 10, run: HotspotRun | None = None) -> list[Hotspot]:
    """The latest run's hotspots, hottest first (for dashboards and the daily brief)."""
    run = run or latest_hotspot_run()
    if run is None:
        return []
    return list(run.hotspots.select_related("town", "category", "representative")[:limit])


def get_hotspot_for_user(user: User, pk: int) -> Hotspot:
    if not can_see_hotspots(user):
        raise Http404(_("No such hotspot."))
    hotspot = Hotspot.objects.select_related("run", "town", "category", "representative").filter(pk=pk).first()
    if hotspot is None:
        raise Http404(_("No such hotspot."))
    return hotspot


def hotspot_case_list(user: User, hotspot: Hotspot) -> QuerySet[Case]:
    from cases.access import cases_for_user

    return cases_for_user(user).filter(pk__in=hotspot.case_ids).select_related("category", "town", "current_unit").order_by("-received_at")


def classifier_versions(limit: int = 50) -> list[ClassifierVersion]:
    return list(ClassifierVersion.objects.select_related("created_by")[:limit])


def category_names(ids: list[int]) -> dict[int, str]:
    return {c.pk: c.name for c in Category.objects.filter(pk__in=ids)}


@dataclass
class SimilarReply:
    case: Case
    reply: CaseReply
    score: float

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def _category_subtree_ids(cat: Category) -> list[int]:
    """The level-1 ancestor of ``cat`` and everything under it."""
    root = cat
    while root.parent_id is not None and root.parent is not None:
        root = root.parent
    ids = [root.pk]
    frontier = [root.pk]
    for _level in range(3):
        frontier = list(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        if not frontier:
            break
        ids.extend(frontier)
    return ids


def similar_replies(*, user: User, case: Case, k: int = 5) -> list[SimilarReply]:
    """The closed or replied cases most similar to ``case`` (among those the user may see,
    in the same level-1 category when the case has one), with their issued replies."""
    from cases.access import cases_for_user
    from lib.triage.replies import keyword_similarity, keyword_vector
    from triage.services import _ensure_fingerprint, _idf

    fp = _ensure_fingerprint(case)
    sig = dedup.signature_from_bytes(bytes(fp.signature))
    idf = _idf()
    mine = keyword_vector(fp.keywords, idf)
    qs = cases_for_user(user).filter(reply__status=CaseReply.Status.ISSUED).exclude(pk=case.pk)
    if case.category_id and case.category is not None:
        qs = qs.filter(category_id__in=_category_subtree_ids(case.category))
    from triage.services import SIMILAR_CANDIDATES

    ids = list(qs.order_by("-received_at").values_list("pk", flat=True)[:SIMILAR_CANDIDATES])
    scored: list[tuple[float, int]] = []
    for other in CaseFingerprint.objects.filter(case_id__in=ids).only("case_id", "signature", "keywords"):
        kw = keyword_similarity(mine, keyword_vector(other.keywords, idf))
        jac = dedup.similarity(sig, dedup.signature_from_bytes(bytes(other.signature)))
        score = max(kw, jac)
        if score > 0.05:
            scored.append((score, other.case_id))
    scored.sort(key=lambda s: (-s[0], -s[1]))
    top = scored[:k]
    cases = {c.pk: c for c in Case.objects.filter(pk__in=[cid for _s, cid in top]).select_related("reply", "category", "current_unit")}
    return [SimilarReply(cases[cid], cases[cid].reply, round(score, 3)) for score, cid in top if cid in cases]


def recent_window(days: int) -> tuple[dt.datetime, dt.datetime]:
    end = timezone.now()
    return end - dt.timedelta(days=days), end
