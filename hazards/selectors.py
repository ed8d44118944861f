"""Reads: ledger filters and key-based pagination, dashboard figures, campaign coverage.

The dashboard counts and the ledger lists use the same ``status_q`` definitions, so a
figure and the list it drills down to always agree."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Unit, User
from hazards.access import hazard_scope_q, target_scope_q
from hazards.models import (
    RECTIFIED_STATES,
    UNRECTIFIED_STATES,
    Campaign,
    CampaignTarget,
    Grade,
    Hazard,
    HazardCategory,
    Source,
    State,
)

PAGE_SIZE = 50

STATUS_SETS: dict[str, Any] = {
    "open": _("Open (not closed off)"),
    "overdue": pgettext_lazy("hazard", "Overdue"),
    "unrectified": _("Not yet rectified"),
    "rectified": _("Rectified (incl. verified and closed)"),
    "due": _("Due or done (deadline passed, or rectified)"),
    "ontime": _("Rectified on time"),
    "listed": _("Under listed supervision"),
}

SORTS: dict[str, Any] = {
    "-id": pgettext_lazy("hazard", "Newest first"),
    "deadline": _("Deadline, earliest first"),
    "-found_on": _("Date found, latest first"),
}


def status_q(name: str, today: dt.date | None = None) -> Q:
    today = today or timezone.localdate()
    if name == "open":
        return ~Q(state=State.CLOSED)
    if name == "overdue":
        return Q(state__in=UNRECTIFIED_STATES, deadline__lt=today)
    if name == "unrectified":
        return Q(state__in=UNRECTIFIED_STATES)
    if name == "rectified":
        return Q(state__in=RECTIFIED_STATES)
    if name == "due":
        return Q(deadline__lt=today) | Q(state__in=RECTIFIED_STATES)
    if name == "ontime":
        return Q(state__in=RECTIFIED_STATES, rectified_on__lte=F("deadline"))
    if name == "listed":
        return ~Q(listed_level="") & Q(delisted_on__isnull=True)
    if name in State.values:
        return Q(state=name)
    raise ValueError(name)


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


@dataclass
class LedgerFilter:
    q: str = ""
    category: str = ""
    grade: str = ""
    state: str = ""
    status: str = ""
    town: str = ""
    unit: str = ""
    source: str = ""
    campaign: int | None = None
    found_from: dt.date | None = None
    found_to: dt.date | None = None
    sort: str = "-id"
    after: str = ""
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, data: QueryDict | dict[str, str]) -> LedgerFilter:
        get = data.get
        f = cls(
            q=(get("q") or "").strip()[:100],
            category=(get("category") or "").strip(),
            grade=get("grade") if get("grade") in Grade.values else "",
            state=get("state") if get("state") in State.values else "",
            status=get("status") if get("status") in STATUS_SETS else "",
            town=(get("town") or "").strip(),
            unit=(get("unit") or "").strip(),
            source=get("source") if get("source") in Source.values else "",
            found_from=_date(get("found_from")),
            found_to=_date(get("found_to")),
            sort=get("sort") if get("sort") in SORTS else "-id",
            after=(get("after") or "").strip(),
        )
        campaign = get("campaign") or ""
        f.campaign = int(campaign) if str(campaign).isdigit() else None
        return f

    def params(self, **override: Any) -> dict[str, str]:
        """The filter as query parameters (without the cursor), for links and exports."""
        out = {
            "q": self.q,
            "category": self.category,
            "grade": self.grade,
            "state": self.state,
            "status": self.status,
            "town": self.town,
            "unit": self.unit,
            "source": self.source,
            "campaign": str(self.campaign or ""),
            "found_from": self.found_from.isoformat() if self.found_from else "",
            "found_to": self.found_to.isoformat() if self.found_to else "",
            "sort": "" if self.sort == "-id" else self.sort,
        }
        out.update({k: str(v) for k, v in override.items()})
        return {k: v for k, v in out.items() if v}

    def apply(self, qs: QuerySet[Hazard], today: dt.date | None = None) -> QuerySet[Hazard]:
        if self.category:
            qs = qs.filter(category__code=self.category)
        if self.grade:
            qs = qs.filter(grade=self.grade)
        if self.state:
            qs = qs.filter(state=self.state)
        if self.status:
            qs = qs.filter(status_q(self.status, today))
        if self.town:
            qs = qs.filter(town__code=self.town)
        if self.unit:
            qs = qs.filter(unit__code=self.unit)
        if self.source:
            qs = qs.filter(source=self.source)
        if self.campaign:
            qs = qs.filter(campaign_id=self.campaign)
        if self.found_from:
            qs = qs.filter(found_on__gte=self.found_from)
        if self.found_to:
            qs = qs.filter(found_on__lte=self.found_to)
        if self.q:
            term = self.q
            qs = qs.filter(
                Q(number__iexact=term) | Q(title__icontains=term) | Q(description__icontains=term) | Q(address__icontains=term) | Q(responsible_person=term)
            )
        return qs


def visible_hazards(user: User) -> QuerySet[Hazard]:
    return Hazard.objects.filter(hazard_scope_q(user))


def ledger_queryset(user: User, flt: LedgerFilter) -> QuerySet[Hazard]:
    return flt.apply(visible_hazards(user)).select_related("category", "town", "unit")


# ---------------------------------------------------------------- key-based pagination


def _encode(value: Any, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{value}|{pk}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        value, pk = raw.rsplit("|", 1)
        return value, int(pk)
    except (ValueError, UnicodeDecodeError):
        return None


def paginate(qs: QuerySet[Hazard], sort: str, after: str, size: int = PAGE_SIZE) -> tuple[list[Hazard], str]:
    """One page after the cursor, ordered by ``sort`` then id; returns (rows, next cursor)."""
    decoded = _decode(after) if after else None
    if sort == "deadline":
        qs = qs.order_by("deadline", "id")
        if decoded:
            day = _date(decoded[0])
            if day:
                qs = qs.filter(Q(deadline__gt=day) | Q(deadline=day, id__gt=decoded[1]))
    elif sort == "-found_on":
        qs = qs.order_by("-found_on", "-id")
        if decoded:
            day = _date(decoded[0])
            if day:
                qs = qs.filter(Q(found_on__lt=day) | Q(found_on=day, id__lt=decoded[1]))
    else:
        qs = qs.order_by("-id")
        if decoded:
            qs = qs.filter(id__lt=decoded[1])
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not more or not rows:
        return rows, ""
    last = rows[-1]
    value = {"deadline": last.deadline, "-found_on": last.found_on}.get(sort, last.pk)
    return rows, _encode(value, last.pk)


# ---------------------------------------------------------------- dashboard

FIGURES = ("total", "open", "overdue", "rectified", "due", "ontime", "major_open", "listed")


def _figure_aggregates(today: dt.date) -> dict[str, Count]:
    return {
        "total": Count("id"),
        "open": Count("id", filter=status_q("open", today)),
        "overdue": Count("id", filter=status_q("overdue", today)),
        "rectified": Count("id", filter=status_q("rectified", today)),
        "due": Count("id", filter=status_q("due", today)),
        "ontime": Count("id", filter=status_q("ontime", today)),
        "major_open": Count("id", filter=status_q("open", today) & Q(grade=Grade.MAJOR)),
        "listed": Count("id", filter=status_q("listed", today)),
    }


def rate(numerator: int, denominator: int) -> float | None:
    return round(numerator * 100 / denominator, 1) if denominator else None


def dashboard_figures(user: User, flt: LedgerFilter, today: dt.date | None = None) -> dict[str, Any]:
    """Headline figures and breakdowns by category, unit and state, for the user's scope
    and the filter's period/category/town."""
    today = today or timezone.localdate()
    base = flt.apply(visible_hazards(user), today)
    aggs = _figure_aggregates(today)
    totals = base.aggregate(**aggs)
    totals["rectification_rate"] = rate(totals["rectified"], totals["total"])
    totals["ontime_rate"] = rate(totals["ontime"], totals["due"])
    by_category = list(base.values("category__code", "category__name", "category__name_en", "category__sort_order").annotate(**aggs).order_by("category__sort_order"))
    by_unit = list(base.values("unit__code", "unit__name", "unit__name_en").annotate(**aggs).order_by("-open", "unit__name")[:20])
    by_state = {row["state"]: row["n"] for row in base.values("state").annotate(n=Count("id"))}
    for rows in (by_category, by_unit):
        for row in rows:
            row["rectification_rate"] = rate(row["rectified"], row["total"])
            row["ontime_rate"] = rate(row["ontime"], row["due"])
    return {"totals": totals, "by_category": by_category, "by_unit": by_unit, "by_state": by_state}


def category_counts(user: User, flt: LedgerFilter) -> dict[str, int]:
    """Hazards per category under the filter without its category (for the ledger tabs)."""
    base = LedgerFilter(**{**flt.__dict__, "category": "", "after": ""}).apply(visible_hazards(user))
    return {row["category__code"]: row["n"] for row in base.values("category__code").annotate(n=Count("id"))}


def map_points(user: User, flt: LedgerFilter, limit: int = 5000) -> list[dict[str, Any]]:
    qs = flt.apply(visible_hazards(user)).filter(latitude__isnull=False, longitude__isnull=False)
    if not flt.status and not flt.state:
        qs = qs.filter(status_q("open"))
    rows = qs.order_by("-id").values("number", "title", "grade", "state", "latitude", "longitude", "town__name", "category__name", "deadline")[:limit]
    today = timezone.localdate()
    return [
        {
            "number": r["number"],
            "title": r["title"],
            "grade": r["grade"],
            "state": str(State(r["state"]).label),
            "lat": float(r["latitude"]),
            "lng": float(r["longitude"]),
            "town": r["town__name"],
            "category": r["category__name"],
            "overdue": r["state"] in UNRECTIFIED_STATES and r["deadline"] < today,
        }
        for r in rows
    ]


def filter_choices(user: User) -> dict[str, Any]:
    from accounts.scoping import scope_root
    from hazards.access import sees_all_hazards

    towns = Unit.objects.filter(kind="town", is_active=True)
    units = Unit.objects.filter(is_active=True).exclude(kind="district")
    if not sees_all_hazards(user):
        root = scope_root(user)
        if root is not None and root.kind == "town":
            towns = towns.filter(path__startswith=root.path)
    return {
        "categories": list(HazardCategory.objects.filter(is_active=True)),
        "towns": list(towns.order_by("sort_order", "id")),
        "units": list(units.order_by("path")),
        "grades": Grade.choices,
        "states": State.choices,
        "statuses": [(k, v) for k, v in STATUS_SETS.items()],
        "sources": Source.choices,
        "sorts": [(k, v) for k, v in SORTS.items()],
    }


# ---------------------------------------------------------------- campaigns


def campaign_targets(user: User, campaign: Campaign) -> QuerySet[CampaignTarget]:
    return campaign.targets.filter(target_scope_q(user))


def campaign_coverage(user: User, campaign: Campaign) -> dict[str, Any]:
    """Coverage = targets inspected ÷ targets, overall, per category and per town (in the user's scope)."""
    targets = campaign_targets(user, campaign)
    done = Count("id", filter=Q(inspected_on__isnull=False))
    totals = targets.aggregate(total=Count("id"), inspected=done)
    by_category = list(
        targets.values("category_id", "category__name", "category__name_en", "category__sort_order").annotate(total=Count("id"), inspected=done).order_by("category__sort_order")
    )
    by_town = list(targets.values("town_id", "town__name", "town__name_en", "town__sort_order").annotate(total=Count("id"), inspected=done).order_by("town__sort_order", "town_id"))
    for row in [totals, *by_category, *by_town]:
        row["rate"] = rate(row["inspected"], row["total"])
        row["missing"] = row["total"] - row["inspected"]
    return {"totals": totals, "by_category": by_category, "by_town": by_town}


def campaign_hazard_figures(user: User, campaign: Campaign) -> dict[str, Any]:
    hazards = visible_hazards(user).filter(campaign=campaign)
    today = timezone.localdate()
    totals = hazards.aggregate(**_figure_aggregates(today), major=Count("id", filter=Q(grade=Grade.MAJOR)))
    totals["rectification_rate"] = rate(totals["rectified"], totals["total"])
    by_category = list(
        hazards.values("category__name", "category__code", "category__sort_order")
        .annotate(total=Count("id"), major=Count("id", filter=Q(grade=Grade.MAJOR)), rectified=Count("id", filter=status_q("rectified")))
        .order_by("category__sort_order")
    )
    return {"totals": totals, "by_category": by_category}


def target_points(user: User, campaign: Campaign) -> list[dict[str, Any]]:
    rows = campaign_targets(user, campaign).filter(latitude__isnull=False).values(
        "id", "name", "latitude", "longitude", "inspected_on", "town__name", "category__name"
    )
    return [
        {
            "id": r["id"],
            "name": r["name"],
            "lat": float(r["latitude"]),
            "lng": float(r["longitude"]),
            "done": r["inspected_on"] is not None,
            "town": r["town__name"],
            "category": r["category__name"],
        }
        for r in rows
    ]
