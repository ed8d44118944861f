"""REST API of the hazard ledgers under /api/v1/hazards: list and read hazards, register
one, and the main steps of its life cycle. Every operation calls the same services and
access functions as the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from accounts.models import Unit, UnitKind, User
from hazards import access, selectors, services
from hazards.models import Hazard, HazardCategory, HazardEvent, HazardPhoto, HazardPlan, State

PREFIX = "/hazards"
router = Router(tags=["hazards"])


class UnitOut(Schema):
    code: str
    name: str


class CategoryOut(Schema):
    code: str
    name: str


class HazardOut(Schema):
    number: str
    title: str
    category: CategoryOut
    grade: Literal["general", "major"]
    state: Literal["registered", "rectifying", "rectified", "verified", "closed"]
    state_label: str
    town: UnitOut
    unit: UnitOut
    address: str
    latitude: float | None
    longitude: float | None
    found_on: dt.date
    deadline: dt.date
    overdue: bool
    listed_level: str
    source: str


class PlanOut(Schema):
    responsible_person: str
    measures: str
    funds_amount: float | None
    funds_source: str
    deadline: dt.date | None
    contingency: str
    complete: bool


class EventOut(Schema):
    at: dt.datetime
    kind: str
    label: str
    actor: str
    note: str


class HazardDetailOut(HazardOut):
    description: str
    responsible_person: str
    responsible_phone: str
    source_note: str
    rectification_note: str
    rectified_on: dt.date | None
    verified_at: dt.datetime | None
    closed_at: dt.datetime | None
    plan: PlanOut | None
    photos: int
    events: list[EventOut]


class HazardPageOut(Schema):
    items: list[HazardOut]
    count: int
    next_cursor: str | None


class HazardFilter(Schema):
    q: str = ""
    category: str = Field("", description="category code")
    grade: Literal["", "general", "major"] = ""
    state: Literal["", "registered", "rectifying", "rectified", "verified", "closed"] = ""
    status: Literal["", "open", "overdue", "unrectified", "rectified", "due", "ontime", "listed"] = ""
    town: str = Field("", description="town code")
    unit: str = Field("", description="responsible unit code")
    source: Literal["", "inspection", "case", "unit_report", "public_report"] = ""
    found_from: dt.date | None = None
    found_to: dt.date | None = None
    sort: Literal["-id", "deadline", "-found_on"] = "-id"
    after: str = Field("", description="the next_cursor of the previous page")
    limit: int = Field(50, ge=1, le=200)


class PlanIn(Schema):
    responsible_person: str
    measures: str
    funds_amount: Decimal = Field(..., description="in 10,000 yuan")
    funds_source: str = ""
    deadline: dt.date
    contingency: str


class HazardIn(Schema):
    category: str = Field(..., description="category code, e.g. fire")
    grade: Literal["general", "major"]
    title: str = Field(..., max_length=120)
    description: str
    address: str = Field(..., max_length=200)
    town: str = Field(..., description="town code")
    unit: str = Field(..., description="responsible unit code")
    found_on: dt.date
    deadline: dt.date | None = None
    latitude: Decimal | None = Field(None, ge=-90, le=90)
    longitude: Decimal | None = Field(None, ge=-180, le=180)
    responsible_person: str = ""
    responsible_phone: str = ""
    source: Literal["inspection", "case", "unit_report", "public_report"] = "unit_report"
    source_note: str = ""
    plan: PlanIn | None = None


class NoteIn(Schema):
    note: str = ""


class VerifyIn(Schema):
    passed: bool
    note: str = ""


class PhotoOut(Schema):
    id: str
    phase: str
    name: str


def _unit(unit: Unit) -> dict[str, str]:
    return {"code": unit.code, "name": unit.name}


def _summary(h: Hazard, today: dt.date) -> dict[str, Any]:
    return {
        "number": h.number,
        "title": h.title,
        "category": {"code": h.category.code, "name": h.category.name},
        "grade": h.grade,
        "state": h.state,
        "state_label": str(State(h.state).label),
        "town": _unit(h.town),
        "unit": _unit(h.unit),
        "address": h.address,
        "latitude": float(h.latitude) if h.latitude is not None else None,
        "longitude": float(h.longitude) if h.longitude is not None else None,
        "found_on": h.found_on,
        "deadline": h.deadline,
        "overdue": h.is_overdue(today),
        "listed_level": h.listed_level if h.is_listed else "",
        "source": h.source,
    }


def _detail(h: Hazard) -> dict[str, Any]:
    plan = HazardPlan.objects.filter(hazard=h).first()
    events = HazardEvent.objects.filter(hazard=h).order_by("at", "id")
    return {
        **_summary(h, timezone.localdate()),
        "description": h.description,
        "responsible_person": h.responsible_person,
        "responsible_phone": h.responsible_phone,
        "source_note": h.source_note,
        "rectification_note": h.rectification_note,
        "rectified_on": h.rectified_on,
        "verified_at": h.verified_at,
        "closed_at": h.closed_at,
        "plan": None
        if plan is None
        else {
            "responsible_person": plan.responsible_person,
            "measures": plan.measures,
            "funds_amount": float(plan.funds_amount) if plan.funds_amount is not None else None,
            "funds_source": plan.funds_source,
            "deadline": plan.deadline,
            "contingency": plan.contingency,
            "complete": plan.is_complete,
        },
        "photos": HazardPhoto.objects.filter(hazard=h).count(),
        "events": [{"at": e.at, "kind": e.kind, "label": e.get_kind_display(), "actor": e.actor_name, "note": e.note} for e in events],
    }


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _reload(user: User, number: str) -> Hazard:
    return access.get_hazard_for_user(user, number)


@router.get("", response=HazardPageOut, summary="List hazards in your scope (filtered, key-paginated)")
def list_hazards(request: HttpRequest, filters: Query[HazardFilter]) -> dict[str, Any]:
    user = _user(request)
    data = filters.dict()
    data = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items() if v not in (None, "")}
    flt = selectors.LedgerFilter.from_query({k: str(v) for k, v in data.items()})
    qs = selectors.ledger_queryset(user, flt)
    rows, cursor = selectors.paginate(qs, flt.sort, flt.after, size=filters.limit)
    today = timezone.localdate()
    return {"items": [_summary(h, today) for h in rows], "count": qs.count(), "next_cursor": cursor or None}


@router.get("/{number}", response=HazardDetailOut, summary="Read one hazard with its plan and timeline")
def read_hazard(request: HttpRequest, number: str) -> dict[str, Any]:
    return _detail(access.get_hazard_for_user(_user(request), number))


def _lookup_unit(code: str, field: str, *, town: bool = False) -> Unit:
    qs = Unit.objects.filter(code=code, is_active=True)
    if town:
        qs = qs.filter(kind=UnitKind.TOWN)
    unit = qs.first()
    if unit is None:
        raise ValidationError({field: [_("Unknown unit code “%(code)s”.") % {"code": code}]})
    return unit


@router.post("", response={201: HazardDetailOut}, summary="Register a hazard")
def register_hazard(request: HttpRequest, payload: HazardIn) -> Status:
    user = _user(request)
    category = HazardCategory.objects.filter(code=payload.category, is_active=True).first()
    if category is None:
        raise ValidationError({"category": [_("Unknown category code “%(code)s”.") % {"code": payload.category}]})
    hazard = services.hazard_register(
        actor=user,
        category=category,
        grade=payload.grade,
        title=payload.title,
        description=payload.description,
        address=payload.address,
        town=_lookup_unit(payload.town, "town", town=True),
        unit=_lookup_unit(payload.unit, "unit"),
        found_on=payload.found_on,
        deadline=payload.deadline,
        latitude=payload.latitude,
        longitude=payload.longitude,
        responsible_person=payload.responsible_person,
        responsible_phone=payload.responsible_phone,
        source=payload.source,
        source_note=payload.source_note,
        plan=payload.plan.dict() if payload.plan else None,
    )
    return Status(201, _detail(_reload(user, hazard.number)))


@router.put("/{number}/plan", response=HazardDetailOut, summary="Save the five-point plan of a major hazard")
def save_plan(request: HttpRequest, number: str, payload: PlanIn) -> dict[str, Any]:
    user = _user(request)
    services.hazard_plan_save(actor=user, hazard=access.get_hazard_for_user(user, number), **payload.dict())
    return _detail(_reload(user, number))


@router.post("/{number}/start", response=HazardDetailOut, summary="Start rectification")
def start_rectification(request: HttpRequest, number: str) -> dict[str, Any]:
    user = _user(request)
    services.hazard_start_rectification(actor=user, hazard=access.get_hazard_for_user(user, number))
    return _detail(_reload(user, number))


@router.post("/{number}/photos", response={201: PhotoOut}, summary="Upload a photo (before or after rectification)")
def add_photo(request: HttpRequest, number: str, phase: Form[Literal["before", "after"]], file: File[UploadedFile]) -> Status:
    user = _user(request)
    photo = services.hazard_photo_add(actor=user, hazard=access.get_hazard_for_user(user, number), upload=file, phase=phase)
    return Status(201, {"id": str(photo.file_id), "phase": photo.phase, "name": photo.file.original_name})


@router.post("/{number}/rectified", response=HazardDetailOut, summary="Report the rectification done (needs an after-photo)")
def report_rectified(request: HttpRequest, number: str, payload: NoteIn) -> dict[str, Any]:
    user = _user(request)
    services.hazard_report_rectified(actor=user, hazard=access.get_hazard_for_user(user, number), note=payload.note)
    return _detail(_reload(user, number))


@router.post("/{number}/verify", response=HazardDetailOut, summary="Record the on-site verification (passed or failed)")
def verify_hazard(request: HttpRequest, number: str, payload: VerifyIn) -> dict[str, Any]:
    user = _user(request)
    services.hazard_verify(actor=user, hazard=access.get_hazard_for_user(user, number), passed=payload.passed, note=payload.note)
    return _detail(_reload(user, number))


@router.post("/{number}/close", response=HazardDetailOut, summary="Close off a verified hazard")
def close_hazard(request: HttpRequest, number: str, payload: NoteIn) -> dict[str, Any]:
    user = _user(request)
    services.hazard_close(actor=user, hazard=access.get_hazard_for_user(user, number), note=payload.note)
    return _detail(_reload(user, number))
