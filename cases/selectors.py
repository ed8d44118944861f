"""Reads on complaint cases: inboxes, filtered lists with key-based pagination, search,
the case page's data, the identity access log and category suggestions.

Every list starts from ``cases.access.cases_for_user`` (scoping) and costs a fixed
number of queries whatever its length:

- ``inbox(user, box)`` -> QuerySet for one inbox (see ``BOXES``), ``inbox_boxes(user)``
  the boxes a user's roles give them, ``inbox_counts(user)`` all their counts in one query.
- ``filter_cases(qs, CaseFilter)`` -> QuerySet; ``list_cases(user, CaseFilter, cursor=..., limit=..., order=...)`` -> Page
  (``list_order``: a search is listed newest first).
- ``paginate(qs, cursor=None, limit=50, order="deadline")`` -> Page (keyset: by
  ``(due_key, id)`` or, with ``order="newest"``, by ``(-received_at, -id)``).
- ``case_detail(user, case)`` -> CaseDetail (timeline, clocks with their state, people, ...).
- ``identity_access_log(case)`` -> the audit rows of revealed identities.
- ``suggest_categories(text)`` / ``suggest_unit(category, town)`` for registration.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import operator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, Unit, User
from accounts.scoping import is_district_wide
from audit.models import AuditEntry
from cases import clocks
from cases.access import cases_for_user, complainants_for_user, handles_case, identity_access
from cases.models import (
    FAR_FUTURE,
    OPEN_STATES,
    UNIT_STATES,
    Case,
    CaseAssignment,
    CaseAttachment,
    CaseClock,
    CaseEvent,
    CaseExtension,
    CaseFollowUp,
    CaseLink,
    CaseMeeting,
    CaseReply,
    Category,
    ClockKind,
    State,
)
from cases.search import filter_search

MAX_PAGE = 200

# key -> (label, roles that see it)
BOXES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "to_decide": (gettext_lazy("To decide"), (Role.INTAKE,)),
    "to_assign": (gettext_lazy("To assign"), (Role.INTAKE,)),
    "objections": (gettext_lazy("Objections"), (Role.INTAKE,)),
    "unit_open": (gettext_lazy("My unit's open cases"), (Role.OFFICER, Role.HEAD)),
    "to_approve": (gettext_lazy("Waiting for my approval"), (Role.HEAD, Role.LEADER)),
    "to_follow_up": (gettext_lazy("To follow up"), (Role.FOLLOWUP,)),
    "overdue": (gettext_lazy("Overdue"), (Role.SUPERVISOR, Role.LEADER, Role.INTAKE, Role.HEAD)),
}


def _box_q(user: User, box: str) -> Q:
    if box == "to_decide":
        return Q(state=State.REGISTERED)
    if box == "to_assign":
        return Q(state=State.ACCEPTED)
    if box == "objections":
        return Q(state=State.OBJECTED)
    if box == "unit_open":
        if is_district_wide(user):
            return Q(pk__in=[])  # district-wide staff are not a handling unit
        return Q(state__in=UNIT_STATES)
    if box == "to_approve":
        pending_ext = CaseExtension.objects.filter(case=OuterRef("pk"), decision=CaseExtension.Decision.PENDING)
        if is_district_wide(user):
            if not user.has_role(Role.LEADER):
                return Q(pk__in=[])
            # a leader approves opinions handled at the district level itself
            return Q(state=State.REPLY_PENDING, current_unit__parent__isnull=True)
        # A pending extension is decided while the case is being handled (or its reply
        # waits): naming the state lets the planner read the state index, not every case.
        return Q(state=State.REPLY_PENDING) | Q(Exists(pending_ext), state=State.HANDLING)
    if box == "to_follow_up":
        return Q(state=State.REPLIED)
    if box == "overdue":
        return Q(is_overdue=True, state__in=OPEN_STATES)
    raise ValidationError(_("Unknown inbox."))


def inbox_boxes(user: User) -> list[tuple[str, str]]:
    """(key, label) of the inboxes this user's roles give them, in display order."""
    return [(key, str(label)) for key, (label, roles) in BOXES.items() if user.has_role(*roles)]


def inbox(user: User, box: str) -> QuerySet[Case]:
    """The cases of one inbox, scoped to the user, sorted by deadline (paginate with ``paginate``)."""
    if box not in BOXES or not user.has_role(*BOXES[box][1]):
        return Case.objects.none()
    return list_queryset(cases_for_user(user).filter(_box_q(user, box)))


def inbox_counts(user: User) -> dict[str, int]:
    """The number of cases in each of the user's inboxes, in one query."""
    boxes = [key for key, _label in inbox_boxes(user)]
    if not boxes:
        return {}
    conditions = {key: _box_q(user, key) for key in boxes}
    aggregates = {key: Count("pk", filter=q) for key, q in conditions.items()}
    # Only cases in some box count: saying so lets PostgreSQL read the state and overdue
    # indexes instead of every case of the user's scope (the counts are the same).
    return dict(cases_for_user(user).filter(functools.reduce(operator.or_, conditions.values())).aggregate(**aggregates))


def list_queryset(qs: QuerySet[Case]) -> QuerySet[Case]:
    """What a list row needs, in the same query."""
    return qs.select_related("category", "current_unit", "town").defer("content", "search_tokens")


@dataclass
class CaseFilter:
    """Filters of the case lists. Every field is optional."""

    states: list[str] = field(default_factory=list)
    type: str = ""
    level: str = ""
    category: int | None = None  # the category and everything under it
    unit: int | None = None  # the handling unit and its subtree
    town: int | None = None
    channel: str = ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    overdue: bool | None = None
    open_only: bool = False
    q: str = ""


def _tz_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filter_cases(qs: QuerySet[Case], f: CaseFilter) -> QuerySet[Case]:
    if f.states:
        bad = [s for s in f.states if s not in State.values]
        if bad:
            raise ValidationError({"state": _("Unknown state: %(value)s") % {"value": ", ".join(bad)}})
        qs = qs.filter(state__in=f.states)
    if f.open_only:
        qs = qs.filter(state__in=OPEN_STATES)
    if f.type:
        qs = qs.filter(type=f.type)
    if f.level:
        qs = qs.filter(level=f.level)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.category:
        ids = category_subtree_ids(f.category)
        if not ids:
            raise ValidationError({"category": _("Unknown or inactive category.")})
        qs = qs.filter(category_id__in=ids)
    if f.unit:
        unit = Unit.objects.filter(pk=f.unit).first()
        if unit is None:
            raise ValidationError({"unit": _("Unknown or inactive unit.")})
        qs = qs.filter(current_unit__path__startswith=unit.path)
    if f.town:
        qs = qs.filter(town_id=f.town)
    if f.received_from:
        qs = qs.filter(received_at__gte=_tz_start(f.received_from))
    if f.received_to:
        qs = qs.filter(received_at__lt=_tz_start(f.received_to + dt.timedelta(days=1)))
    if f.overdue is not None:
        qs = qs.filter(is_overdue=f.overdue)
    if f.q.strip():
        qs = filter_search(qs, f.q)
    return qs


def category_subtree_ids(category_id: int) -> list[int]:
    """The category and its descendants (the taxonomy has three levels)."""
    ids = list(Category.objects.filter(pk=category_id).values_list("pk", flat=True))
    frontier = ids
    for _level in range(2):
        frontier = list(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids += frontier
    return ids


@dataclass
class Page:
    items: list[Case]
    next_cursor: str | None
    limit: int


def _encode(parts: list[str]) -> str:
    return base64.urlsafe_b64encode("|".join(parts).encode()).decode().rstrip("=")


def _decode(cursor: str) -> list[str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationError({"cursor": _("Invalid cursor.")})
    return raw.split("|")


def paginate(qs: QuerySet[Case], *, cursor: str | None = None, limit: int = 50, order: str = "deadline", sort_matches: bool = False) -> Page:
    """One page of cases by key (no OFFSET): ``order="deadline"`` sorts by the next deadline
    (cases without one last), ``order="newest"`` by time of receipt, newest first. The cost
    is one query whatever the page number."""
    limit = max(1, min(int(limit), MAX_PAGE))
    if order == "deadline":
        qs = qs.order_by("due_key", "id")
        if cursor:
            parts = _decode(cursor)
            try:
                kind, due, pk = parts
                due_date, last_id = dt.date.fromisoformat(due), int(pk)
            except ValueError:
                raise ValidationError({"cursor": _("Invalid cursor.")})
            if kind != "d":
                raise ValidationError({"cursor": _("Invalid cursor.")})
            if due_date >= FAR_FUTURE:
                # Among the cases without a deadline (most of the register): nothing sorts
                # after them, and PostgreSQL estimates this exactly (the row comparison
                # below it would estimate at one row and sort whatever follows).
                qs = qs.filter(due_key=due_date, id__gt=last_id)
            else:
                # A row comparison, so that the page starts where case_due_idx (due_key, id)
                # has the key; the spelled-out OR is only a filter, read from the list's start.
                qs = qs.filter(TupleGreaterThan(Tuple(F("due_key"), F("id")), (due_date, last_id)))
        items = list(qs[: limit + 1])
        more = len(items) > limit
        items = items[:limit]
        nxt = _encode(["d", items[-1].due_key.isoformat(), str(items[-1].pk)]) if more and items else None
        return Page(items=items, next_cursor=nxt, limit=limit)
    if order == "newest":
        # ``sort_matches``: sorted, not walked; the same order, written so that PostgreSQL
        # cannot read it off case_received_idx (see paginate_search).
        received = Coalesce("received_at", "received_at") if sort_matches else F("received_at")
        qs = qs.order_by(received.desc(), "-id")
        if cursor:
            parts = _decode(cursor)
            try:
                kind, when, pk = parts
                moment, last_id = parse_datetime(when), int(pk)
            except ValueError:
                raise ValidationError({"cursor": _("Invalid cursor.")})
            if kind != "n" or moment is None:
                raise ValidationError({"cursor": _("Invalid cursor.")})
            qs = qs.filter(TupleLessThan(Tuple(F("received_at"), F("id")), (moment, last_id)))  # case_received_idx
        items = list(qs[: limit + 1])
        more = len(items) > limit
        items = items[:limit]
        nxt = _encode(["n", items[-1].received_at.isoformat(), str(items[-1].pk)]) if more and items else None
        return Page(items=items, next_cursor=nxt, limit=limit)
    raise ValidationError({"order": _("Sort by “deadline” or “newest”.")})


def list_order(filters: CaseFilter | None, order: str) -> str:
    """The order a list is read in: a search (``q``) is always listed newest first, whatever
    ``order`` asks. Sorting the matches by deadline would sort every match (thousands for a
    common word, ten times as many at ten times the history) before the first page; newest
    first walks ``case_received_idx`` by key, a page at a time (docs/performance.md)."""
    if filters is not None and filters.q.strip():
        return "newest"
    return order


#: A search page looks for its matches among the cases received in the last 3 days before
#: its key, then 30, 240, 1,920, then all, and sorts the matches of the window it stops in
#: (found through the search index and ``case_received_idx`` together): a common word costs
#: about a page's worth of matches whatever the history; only a rare one (few matches in all)
#: reads further back. Walking ``case_received_idx`` and testing every case instead is what
#: PostgreSQL picks when it overestimates the matches in a scope (a town officer's: it
#: assumes half the cases are assigned to the town), and then reads tens of thousands of
#: cases; so the matches are sorted, never walked (docs/performance.md).
SEARCH_WINDOWS = (3, 30, 240, 1920)


def paginate_search(qs: QuerySet[Case], *, cursor: str | None = None, limit: int = 50) -> Page:
    """``paginate(qs, order="newest")`` for a searched queryset, through growing windows of
    receipt time (``SEARCH_WINDOWS``): the same page, one to four queries."""
    top = timezone.now()
    if cursor:
        parts = _decode(cursor)
        moment = parse_datetime(parts[1]) if len(parts) == 3 and parts[0] == "n" else None
        if moment is None:
            raise ValidationError({"cursor": _("Invalid cursor.")})
        top = moment
    for days in SEARCH_WINDOWS:
        window = qs.filter(received_at__gte=top - dt.timedelta(days=days))
        page = paginate(window, cursor=cursor, limit=limit, order="newest", sort_matches=True)
        if page.next_cursor:  # a full page and more in the window: older cases cannot come first
            return page
    return paginate(qs, cursor=cursor, limit=limit, order="newest", sort_matches=True)


def paginate_list(qs: QuerySet[Case], filters: CaseFilter | None, *, cursor: str | None = None, limit: int = 50, order: str = "deadline") -> Page:
    """One page of a filtered list in ``list_order``: a search through ``paginate_search``."""
    if list_order(filters, order) == "newest" and filters is not None and filters.q.strip():
        return paginate_search(qs, cursor=cursor, limit=limit)
    return paginate(qs, cursor=cursor, limit=limit, order=order)


def list_cases(user: User, filters: CaseFilter | None = None, *, cursor: str | None = None, limit: int = 50, order: str = "deadline") -> Page:
    """The staff case list: scoped, filtered, searched and paginated by key (a search newest
    first, see ``list_order`` and ``paginate_search``)."""
    qs = list_queryset(cases_for_user(user))
    if filters is not None:
        qs = filter_cases(qs, filters)
    return paginate_list(qs, filters, cursor=cursor, limit=limit, order=order)


def search_cases(user: User, query: str, *, cursor: str | None = None, limit: int = 50) -> Page:
    """Full-text search of title, content and reply, newest first."""
    return list_cases(user, CaseFilter(q=query), cursor=cursor, limit=limit, order="newest")


@dataclass
class ClockView:
    kind: str
    label: str
    started_at: dt.datetime
    due_date: dt.date
    due_at: dt.datetime | None
    stopped_at: dt.datetime | None
    state: str
    state_label: str
    days_left: int | None
    extended_days: int
    is_window: bool


def clock_views(clock_list: list[CaseClock], today: dt.date | None = None) -> list[ClockView]:
    from cases.models import ClockState

    now = timezone.now()
    today = today or timezone.localdate()
    out = []
    for c in clock_list:
        state = clocks.clock_state(c, today, now)
        out.append(
            ClockView(
                kind=c.kind,
                label=str(ClockKind(c.kind).label),
                started_at=c.started_at,
                due_date=c.due_date,
                due_at=c.due_at,
                stopped_at=c.stopped_at,
                state=state,
                state_label=str(ClockState(state).label),
                days_left=None if c.stopped_at else (c.due_date - today).days,
                extended_days=c.extended_days,
                is_window=c.is_window,
            )
        )
    return out


@dataclass
class CaseDetail:
    case: Case
    complainants: list[dict[str, object]]
    identity: str  # "plain" | "reveal" | "masked"
    clocks: list[ClockView]
    timeline: list[CaseEvent]
    assignments: list[Any]
    reply: CaseReply | None
    meetings: list[CaseMeeting]
    extensions: list[CaseExtension]
    followups: list[CaseFollowUp]
    links: list[tuple[str, Case]]
    attachments: list[CaseAttachment]
    actions: list[Any]
    #: which optional related rows exist (see present_relations)
    present: set[str] = field(default_factory=set)


#: The case's related rows that are often absent (a new case has none of them): one query
#: says which exist, and only those are read. The case page's query count stays bounded by
#: the number of kinds, not the number of rows.
_OPTIONAL = {
    "links_out": (CaseLink, "from_case"),
    "links_in": (CaseLink, "to_case"),
    "attachments": (CaseAttachment, "case"),
    "assignments": (CaseAssignment, "case"),
    "reply": (CaseReply, "case"),
    "meetings": (CaseMeeting, "case"),
    "extensions": (CaseExtension, "case"),
    "followups": (CaseFollowUp, "case"),
}


def present_relations(case: Case) -> set[str]:
    """Which of the case's optional related rows exist (one query)."""
    flags = {f"has_{name}": Exists(model.objects.filter(**{field: OuterRef("pk")})) for name, (model, field) in _OPTIONAL.items()}
    row = Case.objects.filter(pk=case.pk).values(**flags).first() or {}
    return {name.removeprefix("has_") for name, there in row.items() if there}


def case_detail(user: User, case: Case, *, public_only: bool = False) -> CaseDetail:
    """Everything the case page shows, in a bounded number of queries (one says which of the
    optional related rows exist; only those are read). ``public_only`` keeps the timeline
    lines the complainant may see."""
    from cases.services import available_actions

    there = present_relations(case)
    people, access = complainants_for_user(user, case)
    events = CaseEvent.objects.filter(case=case).select_related("unit").order_by("at", "id")
    if public_only:
        events = events.filter(public=True)
    links: list[tuple[str, Case]] = []
    if "links_out" in there:
        for link in CaseLink.objects.filter(from_case=case).select_related("to_case"):
            links.append((str(link.get_kind_display()), link.to_case))
    if "links_in" in there:
        for link in CaseLink.objects.filter(to_case=case).select_related("from_case"):
            label = _("Reviewed by") if link.kind == CaseLink.Kind.REVIEW_OF else str(link.get_kind_display())
            links.append((label, link.from_case))
    visible_links: list[tuple[str, Case]] = []
    if links:
        seen = set(cases_for_user(user).filter(pk__in=[other.pk for _l, other in links]).values_list("pk", flat=True))
        visible_links = [(label, other) for label, other in links if other.pk in seen]
    attachments = list(CaseAttachment.objects.filter(case=case).select_related("file")) if "attachments" in there else []
    if attachments and access == "masked" and not handles_case(user, case):
        attachments = [a for a in attachments if not a.is_material]
    assignments = list(case.assignments.select_related("unit").order_by("-is_active", "-is_lead", "id")) if "assignments" in there else []
    return CaseDetail(
        case=case,
        complainants=people,
        identity=access,
        clocks=clock_views(list(CaseClock.objects.filter(case=case).order_by("started_at", "id"))),
        timeline=list(events),
        assignments=assignments,
        reply=CaseReply.objects.filter(case=case).select_related("drafted_by", "approved_by").first() if "reply" in there else None,
        meetings=list(CaseMeeting.objects.filter(case=case)) if "meetings" in there else [],
        extensions=list(CaseExtension.objects.filter(case=case).select_related("requested_by", "decided_by")) if "extensions" in there else [],
        followups=list(CaseFollowUp.objects.filter(case=case).select_related("by")) if "followups" in there else [],
        links=visible_links,
        attachments=attachments,
        actions=available_actions(user, case),
        present=there,
    )


def attachment_for_user(user: User, case: Case, attachment_id: int) -> CaseAttachment:
    """One attachment of a case the user may see (the caller got ``case`` from
    ``get_case_for_user``), or Http404. Accusation materials are withheld from users who
    see the identity masked and do not handle the case."""
    from django.http import Http404

    attachment = CaseAttachment.objects.filter(case=case, pk=attachment_id).select_related("file").first()
    if attachment is None:
        raise Http404(_("No such attachment."))
    if attachment.is_material and identity_access(user, case) == "masked" and not handles_case(user, case):
        raise Http404(_("No such attachment."))
    return attachment


def identity_access_log(case: Case) -> QuerySet[AuditEntry]:
    """Who revealed this case's complainant identity, when and why (newest first)."""
    return AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk), action="case.reveal_identity").order_by("-at", "-id")


def suggest_categories(text: str, limit: int = 5) -> list[tuple[Category, int]]:
    """Rule-based category suggestions: active level-3 categories ranked by how many of their
    keywords occur in the text."""
    text = text or ""
    scored: list[tuple[Category, int]] = []
    for cat in Category.objects.filter(is_active=True, level=3).select_related("parent__parent"):
        score = sum(len(w) for w in cat.keyword_list() if w in text)
        if score:
            scored.append((cat, score))
    scored.sort(key=lambda pair: (-pair[1], pair[0].sort_order, pair[0].pk))
    return scored[:limit]


def proposed_unit(case: Case) -> Unit | None:
    """The unit the assign form proposes: the first answer of ``cases.signals.assign_unit_hooks``
    (the triage module's: the unit of the routing suggestion applied to the case), else
    :func:`suggest_unit`."""
    from cases.signals import assign_unit_hooks

    for hook in assign_unit_hooks:
        unit = hook(case)
        if unit is not None:
            return unit
    return suggest_unit(case.category, case.town)


def suggest_unit(category: Category | None, town: Unit | None = None) -> Unit | None:
    """The suggested handling unit: the category's default unit (or its parent's), else the town."""
    node = category
    while node is not None:
        if node.default_unit_id and node.default_unit and node.default_unit.is_active:
            return node.default_unit
        node = node.parent
    return town


def category_tree() -> list[Category]:
    """Active categories in tree order (level 1, its level 2, their level 3, ...)."""
    cats = list(Category.objects.filter(is_active=True).order_by("sort_order", "code"))
    children: dict[int | None, list[Category]] = {}
    for c in cats:
        children.setdefault(c.parent_id, []).append(c)
    out: list[Category] = []

    def walk(parent: int | None) -> None:
        for c in children.get(parent, []):
            out.append(c)
            walk(c.pk)

    walk(None)
    return out
