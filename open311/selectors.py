"""Reads of the Open311 door. Requests are the cases of the channels in
``OPEN311_LIST_CHANNELS`` (Open311 by default), never confidential ones, and the nodes
carry no personal data: no complainant, no phone, no e-mail, no staff names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet

from cases.models import FINISHED_STATES, Case, CaseClock, CaseEvent, CaseType, Category, ClockKind, State
from open311.models import Open311Client, ServiceAttribute
from open311.render import w3c
from portal.plain import CLOSING_EVENTS, is_open, plain_event, plain_state


def changeset() -> dt.datetime | None:
    """When the service list last changed (the newest attribute or category edit we can see)."""
    from audit.models import AuditEntry

    newest = AuditEntry.objects.filter(action="open311.service_update").aggregate(m=Max("at"))["m"]
    return newest or dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def is_service(category: Category) -> bool:
    """A service is an active category without active children (the leaves of the tree)."""
    return not category.children.filter(is_active=True).exists()


def service_categories() -> list[tuple[Category, bool]]:
    has_children = Category.objects.filter(parent=OuterRef("pk"), is_active=True)
    has_attributes = ServiceAttribute.objects.filter(category=OuterRef("pk"), variable=True)
    rows = (
        Category.objects.filter(is_active=True)
        .annotate(has_children=Exists(has_children), has_attributes=Exists(has_attributes))
        .filter(has_children=False)
        .select_related("parent", "parent__parent")
        .order_by("parent__parent__sort_order", "parent__sort_order", "sort_order", "code")
    )
    return [(c, bool(c.has_attributes)) for c in rows]  # type: ignore[attr-defined]


def _path(category: Category) -> list[str]:
    names = []
    node: Category | None = category
    while node is not None:
        names.append(node.display_name)
        node = node.parent
    return list(reversed(names))


def service_node(category: Category, has_attributes: bool) -> dict[str, Any]:
    path = _path(category)
    return {
        "service_code": category.code,
        "service_name": category.display_name,
        "description": " > ".join(path),
        "metadata": has_attributes,
        "type": "realtime",
        "keywords": ",".join(category.keyword_list()),
        "group": category.parent.display_name if category.parent_id else "",
    }


def attribute_nodes(category: Category) -> list[dict[str, Any]]:
    out = []
    for attr in ServiceAttribute.objects.filter(category=category).prefetch_related("values"):
        node: dict[str, Any] = {
            "variable": attr.variable,
            "code": attr.code,
            "datatype": attr.datatype,
            "required": attr.required,
            "datatype_description": attr.datatype_description or None,
            "order": attr.order,
            "description": attr.description,
        }
        if attr.is_list:
            node["values"] = [{"key": v.key, "name": v.name} for v in attr.values.all()]
        out.append(node)
    return out


def unknown_service_codes(codes: Sequence[str]) -> list[str]:
    if not codes:
        return []
    known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
    return [c for c in codes if c not in known]


def public_cases() -> QuerySet[Case]:
    handle = CaseClock.objects.filter(kind=ClockKind.HANDLE).order_by("-started_at", "-id")
    return (
        Case.objects.filter(channel__in=settings.OPEN311_LIST_CHANNELS, confidential=False)
        .exclude(type=CaseType.ACCUSATION)
        .select_related("category", "current_unit", "open311_submission")
        .prefetch_related(Prefetch("clocks", queryset=handle, to_attr="handle_clocks"))
    )


def requests_by_ids(ids: Sequence[str]) -> list[Case]:
    order = {v: i for i, v in enumerate(ids)}
    found = list(public_cases().filter(number__in=list(ids)))
    return sorted(found, key=lambda c: order.get(c.number, 0))


def requests_query(*, codes: Sequence[str], statuses: Sequence[str], start: dt.datetime, end: dt.datetime, page: int, page_size: int) -> list[Case]:
    qs = public_cases().filter(received_at__gte=start, received_at__lte=end)
    if codes:
        qs = qs.filter(category__code__in=list(codes))
    wanted = set(statuses)
    if wanted == {"open"}:
        qs = qs.exclude(state__in=list(FINISHED_STATES | {State.REPLIED}))
    elif wanted == {"closed"}:
        qs = qs.filter(state__in=list(FINISHED_STATES | {State.REPLIED}))
    offset = (page - 1) * page_size
    return list(qs.order_by("-received_at", "-id")[offset : offset + page_size])


def _expected(case: Case) -> str | None:
    clocks = getattr(case, "handle_clocks", None)
    if clocks is None:
        clocks = list(case.clocks.filter(kind=ClockKind.HANDLE).order_by("-started_at", "-id"))
    if not clocks:
        return None
    clock = clocks[0]
    if clock.due_at is not None:
        return w3c(clock.due_at)
    end_of_day = dt.datetime.combine(clock.due_date, dt.time(23, 59, 59))
    from django.utils import timezone

    return w3c(timezone.make_aware(end_of_day))


def request_node(case: Case) -> dict[str, Any]:
    submission = getattr(case, "open311_submission", None) if hasattr(case, "open311_submission") else None
    media = submission.media_urls[0] if submission is not None and submission.media_urls else None
    from_open311 = submission is not None
    return {
        "service_request_id": case.number,
        "status": "open" if is_open(case) else "closed",
        "status_notes": plain_state(case),
        "service_name": case.category.display_name if case.category_id else None,
        "service_code": case.category.code if case.category_id else None,
        # The text a client filed publicly; other channels' texts are not published.
        "description": case.content.split("\n\n")[0] if from_open311 else None,
        "agency_responsible": case.current_unit.display_name if case.current_unit_id else None,
        "service_notice": None,
        "requested_datetime": w3c(case.received_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": _expected(case),
        "address": case.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": float(case.latitude) if case.latitude is not None else None,
        "long": float(case.longitude) if case.longitude is not None else None,
        "media_url": media,
    }


def updates_for_client(client: Open311Client, *, start: dt.datetime, end: dt.datetime, page: int, page_size: int) -> list[dict[str, Any]]:
    events = (
        CaseEvent.objects.filter(public=True, at__gte=start, at__lte=end, case__open311_submission__client=client)
        .filter(Q(case__confidential=False))
        .select_related("case")
        .order_by("at", "id")
    )
    offset = (page - 1) * page_size
    out = []
    for event in events[offset : offset + page_size]:
        closing = event.kind in CLOSING_EVENTS
        out.append(
            {
                "update_id": str(event.pk),
                "service_request_id": event.case.number,
                "status": "closed" if closing else "open",
                "updated_datetime": w3c(event.at),
                "description": plain_event(event.kind) or str(CaseEvent.Kind(event.kind).label),
                "media_url": None,
            }
        )
    return out
