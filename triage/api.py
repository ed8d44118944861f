"""REST API of smart triage under /api/v1/triage/ (mounted by ``minsheng.api``).

Every operation calls the same services, selectors and access functions as the pages:
``triage.services.suggest`` (the registration doors), ``cases.access.get_case_for_user``
(404 outside the user's scope), ``triage.services`` for decisions (403 for a role that
may not act, 400 for a refused decision, 409 when the case changed meanwhile)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from accounts.models import Role, Unit, UnitKind, User
from cases.access import get_case_for_user
from cases.models import State
from minsheng.api import ErrorOut
from triage import selectors
from triage import services as svc
from triage.models import ClassifierVersion

PREFIX = "/triage"
router = Router(tags=["triage"])

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class SuggestIn(Schema):
    title: str = Field("", max_length=500)
    content: str = Field("", max_length=20_000)
    town_id: int | None = Field(
        None, description="The town / street already known, if any: it decides the unit when a category has no default unit."
    )


class RefOut(Schema):
    id: int
    code: str
    name: str


class SuggestionItemOut(Schema):
    category: RefOut
    category_path: str
    unit: RefOut | None
    confidence: float = Field(description="1.0 for an administrator rule; the calibrated probability for the model.")
    source: str = Field(description="rule or model")
    reason: str
    terms: list[str]


class TownOut(Schema):
    id: int
    code: str
    name: str
    reason: str


class SuggestOut(Schema):
    status: str = Field(description="ok | empty | too_short | foreign | no_match | inactive")
    message: str
    warning: str
    uncertain: bool
    model_version: int | None
    items: list[SuggestionItemOut]
    town: TownOut | None


def _ref(obj: Any) -> dict[str, Any] | None:
    if obj is None:
        return None
    return {"id": obj.pk, "code": obj.code, "name": obj.name}


@router.post("/suggest", response={200: SuggestOut, **ERRORS}, summary="Suggest category and unit", operation_id="triage_suggest")
def suggest(request: HttpRequest, payload: SuggestIn) -> dict[str, Any]:
    """The top 3 categories with their handling units, each with a confidence and a reason.
    Rules win over the model; bad input (empty, too short, not Chinese) gets no suggestion
    and says why in ``status`` and ``message``. Intake officers and administrators."""
    user = _user(request)
    if not user.has_role(Role.INTAKE, Role.ADMIN):
        raise PermissionDenied(_("Only intake officers may register cases."))
    town = Unit.objects.filter(pk=payload.town_id, kind=UnitKind.TOWN, is_active=True).first() if payload.town_id else None
    result = svc.suggest(title=payload.title, content=payload.content, user=user, town=town, source="api")
    return {
        "status": result.status,
        "message": result.message,
        "warning": result.warning,
        "uncertain": result.uncertain,
        "model_version": result.version.number if result.version else None,
        "items": [
            {
                "category": _ref(it.category),
                "category_path": it.path,
                "unit": _ref(it.unit),
                "confidence": it.confidence,
                "source": it.source,
                "reason": it.reason,
                "terms": it.terms,
            }
            for it in result.items
        ],
        "town": {**_ref(result.town), "reason": result.town_reason} if result.town else None,  # type: ignore[dict-item]
    }


class KeptItemOut(Schema):
    rank: int
    category: RefOut | None = Field(description="null when the category no longer exists")
    category_path: str
    unit: RefOut | None
    confidence: float
    source: str = Field(description="rule or model")
    reason: str
    usable: bool = Field(description="false when the category is no longer in use: it cannot be applied")


class KeptSuggestionOut(Schema):
    case: str
    status: str = Field(description="ok | empty | too_short | foreign | no_match | inactive (why there is no item) | not_computed (not yet: it is computed just after the registration commits)")
    message: str
    outcome: str = Field(description="pending | accepted | overridden | none")
    chosen_rank: int | None
    model_version: int | None
    from_rule: bool
    can_apply: bool = Field(description="true when you may apply an item now (intake, case still to be decided)")
    items: list[KeptItemOut]
    town: RefOut | None


class ApplyIn(Schema):
    rank: int = Field(ge=1, le=3, description="Which suggestion (1-3).")
    version: int | None = Field(None, description="The version of the case you saw (409 when it changed).")


def _kept_out(user: User, case: Any) -> dict[str, Any]:
    kept = selectors.case_suggestion(case)
    if kept is None:
        return {
            "case": case.number,
            "status": "not_computed",
            "message": _("No routing suggestion is kept for this case yet: it is computed just after registration."),
            "outcome": "none",
            "chosen_rank": None,
            "model_version": None,
            "from_rule": False,
            "can_apply": False,
            "items": [],
            "town": None,
        }
    row = kept.row
    return {
        "case": case.number,
        "status": row.status or ("ok" if kept.items else "no_match"),
        "message": str(kept.message),
        "outcome": row.outcome,
        "chosen_rank": row.chosen_rank,
        "model_version": row.version.number if row.version else None,
        "from_rule": row.from_rule,
        "can_apply": bool(kept.items) and case.state == State.REGISTERED and user.has_role(Role.INTAKE),
        "items": [
            {
                "rank": it.rank,
                "category": _ref(it.category),
                "category_path": it.path,
                "unit": _ref(it.unit),
                "confidence": it.confidence,
                "source": it.source,
                "reason": it.reason,
                "usable": it.usable,
            }
            for it in kept.items
        ],
        "town": _ref(kept.town),
    }


@router.get(
    "/cases/{number}/suggestion",
    response={200: KeptSuggestionOut, **ERRORS},
    summary="The routing suggestion kept with a case",
    operation_id="triage_case_suggestion",
)
def case_suggestion(request: HttpRequest, number: str) -> dict[str, Any]:
    """The suggestion computed when the case was registered (any door): top categories with
    their units, confidence and reason, and whether it was accepted or overridden; status
    ``not_computed`` while none is kept yet (it is computed just after the registration commits)."""
    user = _user(request)
    case = get_case_for_user(user, number)
    return _kept_out(user, case)


@router.post(
    "/cases/{number}/suggestion/apply",
    response={200: KeptSuggestionOut, **ERRORS},
    summary="Apply a kept suggestion to a case",
    operation_id="triage_case_suggestion_apply",
)
def case_suggestion_apply(request: HttpRequest, number: str, payload: ApplyIn) -> dict[str, Any]:
    """Intake sets the case's category (and its town when it has none) from suggestion
    ``rank``, as the case page's one click does: 403 for other roles, 400 once the case is
    decided or for a rank or category that cannot be applied, 409 when the case changed."""
    user = _user(request)
    case = get_case_for_user(user, number)
    case = svc.suggestion_apply(actor=user, case=case, rank=payload.rank, expected_version=payload.version)
    return _kept_out(user, case)


class CaseRefOut(Schema):
    number: str
    title: str
    state: str
    received_at: str


class DuplicateOut(Schema):
    case: CaseRefOut
    score: float
    reasons: list[str]


def _case_ref(case: Any) -> dict[str, Any]:
    return {"number": case.number, "title": case.title, "state": case.state, "received_at": case.received_at.isoformat()}


@router.get(
    "/cases/{number}/duplicates",
    response={200: list[DuplicateOut], **ERRORS},
    summary="Likely duplicates of a case",
    operation_id="triage_duplicates",
)
def duplicates(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    """Likely duplicates among the cases you may see, with a similarity score in [0, 1]."""
    user = _user(request)
    case = get_case_for_user(user, number)
    return [
        {"case": _case_ref(d.case), "score": d.score, "reasons": [str(r) for r in d.reasons]}
        for d in svc.duplicates_for_case(user=user, case=case)
    ]


class MergeIn(Schema):
    into: str = Field(description="The number of the main case.")
    version: int | None = Field(None, description="The version of this case you saw (409 when it changed).")
    note: str = Field("", max_length=500)


class DismissIn(Schema):
    other: str


class DecisionOut(Schema):
    case: str
    other: str
    decision: str


@router.post(
    "/cases/{number}/merge",
    response={200: DecisionOut, **ERRORS},
    summary="Merge a case into another as a duplicate",
    operation_id="triage_merge",
)
def merge(request: HttpRequest, number: str, payload: MergeIn) -> dict[str, Any]:
    """Intake merges a registered case into the main case: it is not handled separately and
    receives the main case's reply. Refused into itself or into a finished matter."""
    user = _user(request)
    case = get_case_for_user(user, number)
    into = get_case_for_user(user, payload.into.strip())
    decision = svc.case_merge_duplicate(actor=user, case=case, into=into, expected_version=payload.version, note=payload.note)
    return {"case": case.number, "other": into.number, "decision": decision.kind}


@router.post("/cases/{number}/dismiss", response={200: DecisionOut, **ERRORS}, summary="Not a duplicate", operation_id="triage_dismiss")
def dismiss(request: HttpRequest, number: str, payload: DismissIn) -> dict[str, Any]:
    user = _user(request)
    case = get_case_for_user(user, number)
    other = get_case_for_user(user, payload.other.strip())
    decision = svc.duplicate_dismiss(actor=user, case=case, other=other)
    return {"case": case.number, "other": other.number, "decision": decision.kind}


class SimilarReplyOut(Schema):
    case: CaseRefOut
    score: float
    outcome: str
    reply: str


@router.get(
    "/cases/{number}/similar-replies",
    response={200: list[SimilarReplyOut], **ERRORS},
    summary="Replies to similar past cases",
    operation_id="triage_similar_replies",
)
def similar_replies(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    user = _user(request)
    case = get_case_for_user(user, number)
    return [
        {"case": _case_ref(r.case), "score": r.score, "outcome": r.reply.outcome, "reply": r.reply.text}
        for r in selectors.similar_replies(user=user, case=case)
    ]


class HotspotOut(Schema):
    id: int
    rank: int
    title: str
    size: int
    previous: int
    growth: float
    heat: float
    place: str
    category: str | None
    keywords: list[str]
    cases: list[int] = Field(description="Case ids (open a hotspot with /triage/hotspots/{id}/ for the list).")


class HotspotsOut(Schema):
    period_start: str | None
    period_end: str | None
    hotspots: list[HotspotOut]


class HotspotsQuery(Schema):
    limit: int = Field(10, ge=1, le=20)


@router.get("/hotspots", response={200: HotspotsOut, **ERRORS}, summary="The latest hotspots", operation_id="triage_hotspots")
def hotspots(request: HttpRequest, q: Query[HotspotsQuery]) -> dict[str, Any]:
    user = _user(request)
    if not selectors.can_see_hotspots(user):
        raise PermissionDenied(_("Hotspots are shown to district-wide staff, leaders and supervisors."))
    run = selectors.latest_hotspot_run()
    items = selectors.top_hotspots(limit=q.limit, run=run)
    return {
        "period_start": run.period_start.isoformat() if run else None,
        "period_end": run.period_end.isoformat() if run else None,
        "hotspots": [
            {
                "id": h.pk,
                "rank": h.rank,
                "title": h.title,
                "size": h.size,
                "previous": h.previous,
                "growth": h.growth,
                "heat": h.heat,
                "place": h.place,
                "category": h.category.name if h.category else None,
                "keywords": h.keywords,
                "cases": h.case_ids,
            }
            for h in items
        ],
    }


class AcceptanceOut(Schema):
    days: int
    decided: int
    accepted: int
    accepted_top1: int
    overridden: int
    without_suggestion: int
    rate: float | None = Field(description="accepted ÷ (accepted + overridden)")
    top1_rate: float | None


class AcceptanceQuery(Schema):
    days: int = Field(30, ge=1, le=366)


@router.get(
    "/acceptance", response={200: AcceptanceOut, **ERRORS}, summary="How often suggestions were accepted", operation_id="triage_acceptance"
)
def acceptance(request: HttpRequest, q: Query[AcceptanceQuery]) -> dict[str, Any]:
    user = _user(request)
    if not selectors.can_see_hotspots(user):
        raise PermissionDenied(_("Only district-wide staff, leaders and supervisors see these figures."))
    start, end = selectors.recent_window(q.days)
    r = selectors.suggestion_acceptance(start, end)
    return {
        "days": q.days,
        "decided": r.decided,
        "accepted": r.accepted,
        "accepted_top1": r.accepted_top1,
        "overridden": r.overridden,
        "without_suggestion": r.without,
        "rate": r.rate,
        "top1_rate": r.top1_rate,
    }


class VersionOut(Schema):
    number: int
    is_active: bool
    status: str
    created_at: str
    trained_cases: int
    accuracy: float | None
    macro_f1: float | None
    training_seconds: float
    size_bytes: int


def _version(v: ClassifierVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "is_active": v.is_active,
        "status": v.status,
        "created_at": v.created_at.isoformat(),
        "trained_cases": v.trained_cases,
        "accuracy": v.accuracy,
        "macro_f1": v.macro_f1,
        "training_seconds": v.training_seconds,
        "size_bytes": v.size_bytes,
    }


def _require_admin(user: User) -> None:
    if not user.has_role(Role.ADMIN):
        raise PermissionDenied(_("Only administrators may manage routing models."))


@router.get("/models", response={200: list[VersionOut], **ERRORS}, summary="Routing model versions", operation_id="triage_models")
def models(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    _require_admin(user)
    return [_version(v) for v in selectors.classifier_versions()]


class TrainIn(Schema):
    seed: int = 0
    activate: bool | None = Field(None, description="null: put in use unless clearly worse than the version in use.")


@router.post(
    "/models/train", response={200: VersionOut, **ERRORS}, summary="Train a new routing model version", operation_id="triage_train"
)
def train(request: HttpRequest, payload: TrainIn) -> dict[str, Any]:
    user = _user(request)
    _require_admin(user)
    return _version(svc.classifier_train(actor=user, seed=payload.seed, activate=payload.activate))


class ActivateIn(Schema):
    number: int


@router.post("/models/activate", response={200: VersionOut, **ERRORS}, summary="Put a version in use", operation_id="triage_activate")
def activate(request: HttpRequest, payload: ActivateIn) -> dict[str, Any]:
    user = _user(request)
    _require_admin(user)
    version = ClassifierVersion.objects.filter(number=payload.number).first()
    if version is None:
        raise ValidationError({"number": _("No such version.")})
    return _version(svc.classifier_activate(actor=user, version=version))


@router.post(
    "/models/rollback", response={200: VersionOut, **ERRORS}, summary="Put the previous version back in use", operation_id="triage_rollback"
)
def rollback(request: HttpRequest) -> dict[str, Any]:
    user = _user(request)
    _require_admin(user)
    return _version(svc.classifier_rollback(actor=user))
