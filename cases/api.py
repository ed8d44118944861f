"""REST API of complaint cases, mounted under /api/v1/ by ``minsheng.api``.

Every operation calls the same services and access functions as the web pages:
``cases.access.get_case_for_user`` (404 outside the user's scope, the accused unit
included), ``cases.services.case_*`` (403 for a role or unit that may not act, 400 for
bad input or a wrong state, 409 when the case changed since the client read its
``version``) and ``cases.selectors`` (scoped lists, keyset pagination, the case page's
data with masking). No Case row is written here.

Every POST accepts an ``Idempotency-Key`` header (``core.idempotency``): a retry with
the same key and body returns the first response instead of acting twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile

from accounts.models import Unit, User
from accounts.scoping import visible_units
from cases import access, selectors
from cases import services as svc  # a module import: cases.services imports minsheng.api, which imports us
from cases.models import (
    Case,
    CaseAssignment,
    CaseEvent,
    CaseLink,
    CaseType,
    Category,
    Channel,
    Level,
    State,
)
from cases.schemas import (
    CaseAcceptIn,
    CaseAssignIn,
    CaseCategoryOut,
    CaseCloseIn,
    CaseCreateIn,
    CaseDetailOut,
    CaseExtensionDecisionIn,
    CaseExtensionRequestIn,
    CaseFollowUpIn,
    CaseLinkIn,
    CaseMeetingIn,
    CaseNotAcceptIn,
    CaseNoteIn,
    CaseObjectIn,
    CasePageOut,
    CaseReceiveIn,
    CaseRedirectIn,
    CaseReplyApproveIn,
    CaseReplyDraftIn,
    CaseReplyIssueIn,
    CaseReplyReturnIn,
    CaseRevealIn,
    CaseRevealOut,
    CaseReviewRequestIn,
    CaseWithdrawIn,
    ScopeUnitOut,
    choice,
)
from core.idempotency import idempotent
from minsheng.api import ErrorOut

PREFIX = ""
router = Router(tags=["cases"])

IDEMPOTENCY_DOC = "Optional. A retry with the same key and body returns the first response (header `Idempotent-Replayed: true`) instead of acting twice; the same key with another body is refused with 422. Keys expire after 24 hours."

#: available_actions key (the service case_<key>) -> the API action path segment
ACTION_PATHS: dict[str, str] = {
    "accept": "accept",
    "not_accept": "not-accept",
    "redirect": "redirect",
    "assign": "assign",
    "receive": "receive",
    "object": "object",
    "add_note": "notes",
    "record_meeting": "meetings",
    "request_extension": "extension-request",
    "decide_extension": "extension-decision",
    "draft_reply": "reply-draft",
    "approve_reply": "reply-approve",
    "return_reply": "reply-return",
    "notify_complainant": "reply-issue",
    "record_followup": "followup",
    "close": "close",
    "request_review": "review-request",
    "request_rereview": "rereview-request",
    "withdraw": "withdraw",
    "link": "links",
    "add_attachment": "attachments",
    "reveal_identity": "reveal-identity",
}

READ_ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut}
ACTION_ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# ---------------------------------------------------------------------------
# Serialising (masking happens in cases.access / cases.selectors)
# ---------------------------------------------------------------------------


def _unit_ref(unit: Unit | None) -> dict[str, Any] | None:
    return None if unit is None else {"id": unit.pk, "code": unit.code, "name": unit.name}


def _category_ref(category: Category | None) -> dict[str, Any] | None:
    return None if category is None else {"id": category.pk, "code": category.code, "name": category.name, "level": category.level}


def _name(user: Any) -> str | None:
    return str(user) if user is not None else None


def _first_complainant(user: User, case: Case) -> str | None:
    people = list(case.complainants.all())
    if case.anonymous or not people:
        return None
    plain = access.identity_access(user, case) == "plain"
    first = access.complainant_view(people[0], plain=plain)
    return str(first["name"])


def _summary(user: User, case: Case, complainant: str | None = None, *, with_complainant: bool = True) -> dict[str, Any]:
    return {
        "number": case.number,
        "level": case.level,
        "type": case.type,
        "type_label": str(CaseType(case.type).label),
        "channel": case.channel,
        "title": case.title,
        "state": case.state,
        "state_label": str(State(case.state).label),
        "category": _category_ref(case.category),
        "current_unit": _unit_ref(case.current_unit),
        "town": _unit_ref(case.town),
        "urgent": case.urgent,
        "anonymous": case.anonymous,
        "confidential": case.confidential,
        "complainant": _first_complainant(user, case) if with_complainant else complainant,
        "received_at": case.received_at,
        "next_due": case.next_due,
        "is_overdue": case.is_overdue,
        "version": case.version,
    }


def _links(user: User, case: Case, present: set[str] | None = None) -> list[dict[str, Any]]:
    """Links in both directions, only to cases the user may see (as on the case page).
    ``present`` (from ``case_detail``) says whether the case has links at all."""
    if present is not None and not {"links_out", "links_in"} & present:
        return []
    rows = CaseLink.objects.filter(Q(from_case=case) | Q(to_case=case)).select_related("from_case", "to_case").order_by("created_at", "id")
    pairs = [(link.kind, "out", link.to_case) if link.from_case_id == case.pk else (link.kind, "in", link.from_case) for link in rows]
    if not pairs:
        return []
    visible = set(access.cases_for_user(user).filter(pk__in=[other.pk for _k, _d, other in pairs]).values_list("pk", flat=True))
    return [
        {"kind": kind, "direction": direction, "number": other.number, "title": other.title}
        for kind, direction, other in pairs
        if other.pk in visible
    ]


def _detail(user: User, case: Case) -> dict[str, Any]:
    d = selectors.case_detail(user, case)
    reply = d.reply
    first = str(d.complainants[0]["name"]) if d.complainants and not case.anonymous else None
    out = _summary(user, case, first, with_complainant=False)
    out.update(
        {
            "content": case.content,
            "address": case.address,
            "latitude": float(case.latitude) if case.latitude is not None else None,
            "longitude": float(case.longitude) if case.longitude is not None else None,
            "joint": case.joint,
            "head_count": case.head_count,
            "accused_unit": _unit_ref(case.accused_unit),
            "parent_case": case.parent_case.number if case.parent_case_id and case.parent_case else None,
            "decided_at": case.decided_at,
            "decision_reason": case.decision_reason,
            "redirect_channel": case.redirect_channel,
            "assigned_at": case.assigned_at,
            "replied_at": case.replied_at,
            "closed_at": case.closed_at,
            "final": case.final,
            "final_match": case.final_match.number if case.final_match_id and case.final_match else None,
            "final_match_reason": case.final_match_reason,
            "identity": d.identity,
            "complainants": d.complainants,
            "clocks": [
                {
                    "kind": c.kind,
                    "label": c.label,
                    "started_at": c.started_at,
                    "due_date": c.due_date,
                    "due_at": c.due_at,
                    "stopped_at": c.stopped_at,
                    "running": c.stopped_at is None,
                    "state": c.state,
                    "state_label": c.state_label,
                    "days_left": c.days_left,
                    "extended_days": c.extended_days,
                    "is_window": c.is_window,
                }
                for c in d.clocks
            ],
            "timeline": [
                {
                    "at": e.at,
                    "kind": e.kind,
                    "label": str(CaseEvent.Kind(e.kind).label),
                    "actor": e.actor_name,
                    "unit": e.unit.name if e.unit_id and e.unit else None,
                    "text": e.text,
                    "public": e.public,
                }
                for e in d.timeline
            ],
            "reply": None
            if reply is None
            else {
                "outcome": reply.outcome,
                "outcome_label": str(reply.get_outcome_display()),
                "text": reply.text,
                "status": reply.status,
                "drafted_by": _name(reply.drafted_by),
                "drafted_at": reply.drafted_at,
                "approved_by": _name(reply.approved_by),
                "approved_at": reply.approved_at,
                "return_reason": reply.return_reason,
                "issued_at": reply.issued_at,
                "issued_via": reply.issued_via,
                "assistance_needed": reply.assistance_needed,
                "assistance_what": reply.assistance_what,
                "assistance_by": reply.assistance_by,
                "assistance_when": reply.assistance_when,
            },
            "assignments": [
                {
                    "unit": _unit_ref(a.unit),
                    "is_lead": a.is_lead,
                    "status": a.status,
                    "is_active": a.is_active,
                    "assigned_at": a.assigned_at,
                    "received_at": a.received_at,
                    "objected_at": a.objected_at,
                    "objection_reason": a.objection_reason,
                    "instructions": a.instructions,
                }
                for a in d.assignments
            ],
            "attachments": [
                {
                    "id": a.pk,
                    "name": a.file.original_name,
                    "kind": a.file.kind,
                    "content_type": a.file.content_type,
                    "size": a.file.size,
                    "description": a.description,
                    "is_material": a.is_material,
                    "added_at": a.added_at,
                    "url": f"/api/v1/cases/{case.number}/attachments/{a.pk}",
                }
                for a in d.attachments
            ],
            "links": _links(user, case, d.present),
            "meetings": [
                {
                    "held_at": m.held_at,
                    "place": m.place,
                    "participants": m.participants,
                    "notes": m.notes,
                    "recorded_by": _name(m.recorded_by),
                }
                for m in d.meetings
            ],
            "extensions": [
                {
                    "days": x.days,
                    "reason": x.reason,
                    "requested_by": _name(x.requested_by),
                    "requested_at": x.requested_at,
                    "decision": x.decision,
                    "decided_by": _name(x.decided_by),
                    "decided_at": x.decided_at,
                    "decision_note": x.decision_note,
                    "old_due": x.old_due,
                    "new_due": x.new_due,
                }
                for x in d.extensions
            ],
            "followups": [
                {
                    "resolved": f.resolved,
                    "satisfaction": f.satisfaction,
                    "comment": f.comment,
                    "channel": f.channel,
                    "by": _name(f.by),
                    "at": f.at,
                }
                for f in d.followups
            ],
            "actions": [
                {"key": a.key, "label": a.label, "method": "POST", "path": f"/api/v1/cases/{case.number}/{ACTION_PATHS[a.key]}"}
                for a in d.actions
                if a.key in ACTION_PATHS
            ],
        }
    )
    return CaseDetailOut.model_validate(out).model_dump(mode="json")


def _reload(case: Case | int) -> Case:
    pk = case.pk if isinstance(case, Case) else case
    return Case.objects.select_related("category", "current_unit", "town", "accused_unit", "parent_case", "final_match").get(pk=pk)


def _idempotent(request: HttpRequest, response: HttpResponse, key: str | None, call: Callable[[], tuple[int, Any]]) -> Status[Any]:
    result = idempotent(request, key=key, call=call)
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(result.status, result.body)


def _act(
    request: HttpRequest, response: HttpResponse, number: str, key: str | None, action: Callable[[User, Case], Any], *, status: int = 200
) -> Status[Any]:
    """Fetch the case in the user's scope (404 otherwise), run one service, answer with the
    case as it is now. ``action`` may return another case (a review case) to answer with."""
    user = _user(request)

    def call() -> tuple[int, Any]:
        case = access.get_case_for_user(user, number)
        result = action(user, case)
        target = result if isinstance(result, Case) and result.pk != case.pk else case
        return status, _detail(user, _reload(target))

    return _idempotent(request, response, key, call)


# ---------------------------------------------------------------------------
# Cases: register, list, read
# ---------------------------------------------------------------------------


@router.post(
    "/cases",
    response={201: CaseDetailOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Register a case",
    operation_id="case_register",
    description="Intake officers register a case (state `registered`) with its complainants and location. "
    "Unknown category or unit, text over the limits, a receipt time in the future: 400, nothing stored.",
)
def case_create(
    request: HttpRequest,
    response: HttpResponse,
    payload: CaseCreateIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", description=IDEMPOTENCY_DOC),
) -> Status[Any]:
    user = _user(request)

    def call() -> tuple[int, Any]:
        loc = payload.location
        case = svc.case_register(
            actor=user,
            channel=payload.channel,
            type=payload.type,
            title=payload.title,
            content=payload.content,
            category=payload.category,
            urgent=payload.urgent,
            address=loc.address,
            latitude=loc.latitude,
            longitude=loc.longitude,
            town=loc.town,
            complainants=[c.dict() for c in payload.complainants],
            anonymous=payload.anonymous,
            head_count=payload.head_count,
            accused_unit=payload.accused_unit,
            confidential=payload.confidential,
            received_at=payload.received_at,
        )
        return 201, _detail(user, _reload(case))

    return _idempotent(request, response, idempotency_key, call)


class CaseListQuery(Schema):
    state: list[str] = choice(State, default=[], description="One or more states (repeat the parameter).")
    type: str | None = choice(CaseType, default=None)
    level: str | None = choice(Level, default=None)
    category: str | None = Field(None, description="A category code or id; its subcategories are included.")
    unit: str | None = Field(None, description="A handling unit code or id; its sub-units are included.")
    town: str | None = Field(None, description="A town code or id.")
    channel: str | None = choice(Channel, default=None)
    received_from: dt.date | None = Field(None, description="Received on or after this day (Asia/Shanghai).")
    received_to: dt.date | None = Field(None, description="Received on or before this day.")
    overdue: bool | None = None
    open: bool = Field(False, description="Only open cases.")
    q: str | None = Field(None, description="Full-text search of title, content and reply (Chinese works).")
    order: str = choice(
        ["deadline", "newest"], default="deadline", description="`deadline`: next deadline first; `newest`: latest received first. A search (`q`) is always newest first."
    )
    limit: int = Field(50, ge=1, le=selectors.MAX_PAGE)
    cursor: str | None = Field(None, description="The `next` value of the previous page.")


def _resolve(model: type[Unit] | type[Category], value: str | None, field: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    obj = model.objects.filter(pk=int(value)).first() if value.isdigit() else model.objects.filter(code=value).first()
    if obj is None:
        raise ValidationError({field: _("Unknown category.") if model is Category else _("Unknown unit.")})
    return obj.pk


def _check_choice(value: str | None, allowed: list[str], field: str) -> None:
    if value and value not in allowed:
        raise ValidationError({field: _("“%(value)s” is not one of: %(allowed)s.") % {"value": value, "allowed": ", ".join(allowed)}})


@router.get("/cases", response={200: CasePageOut, **READ_ERRORS}, summary="List cases", operation_id="case_list")
def case_list(request: HttpRequest, filters: Query[CaseListQuery]) -> dict[str, Any]:
    """The cases in your scope, filtered, by key-based (cursor) pagination. Complainants'
    names are masked unless you may see them."""
    user = _user(request)
    _check_choice(filters.type, CaseType.values, "type")
    _check_choice(filters.level, Level.values, "level")
    _check_choice(filters.channel, Channel.values, "channel")
    _check_choice(filters.order, ["deadline", "newest"], "order")
    f = selectors.CaseFilter(
        states=filters.state,
        type=filters.type or "",
        level=filters.level or "",
        category=_resolve(Category, filters.category, "category"),
        unit=_resolve(Unit, filters.unit, "unit"),
        town=_resolve(Unit, filters.town, "town"),
        channel=filters.channel or "",
        received_from=filters.received_from,
        received_to=filters.received_to,
        overdue=filters.overdue,
        open_only=filters.open,
        q=filters.q or "",
    )
    page = selectors.list_cases(user, f, cursor=filters.cursor, limit=filters.limit, order=filters.order)
    prefetch_related_objects(
        page.items,
        "complainants",
        Prefetch(
            "assignments",
            queryset=CaseAssignment.objects.filter(is_active=True).select_related("unit").order_by("-is_lead", "id"),
            to_attr="_active_assignments",
        ),
    )
    return {"items": [_summary(user, c) for c in page.items], "next": page.next_cursor}


@router.get("/cases/{number}", response={200: CaseDetailOut, **READ_ERRORS}, summary="Read a case", operation_id="case_read")
def case_read(request: HttpRequest, number: str) -> dict[str, Any]:
    """The case with its clocks, the staff timeline, the reply, assignments, attachments,
    links and the actions you may take. Complainants are masked unless you may see them."""
    user = _user(request)
    return _detail(user, access.get_case_for_user(user, number))


@router.get(
    "/cases/{number}/attachments/{attachment_id}",
    response={200: None, **READ_ERRORS},
    summary="Download an attachment",
    operation_id="case_attachment_download",
    openapi_extra={
        "responses": {
            200: {"description": "The file.", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
        }
    },
)
def case_attachment_download(request: HttpRequest, number: str, attachment_id: int) -> FileResponse:
    from files.services import file_path

    user = _user(request)
    case = access.get_case_for_user(user, number)
    attachment = selectors.attachment_for_user(user, case, attachment_id)
    stored = attachment.file
    return FileResponse(open(file_path(stored), "rb"), as_attachment=True, filename=stored.original_name, content_type=stored.content_type)


# ---------------------------------------------------------------------------
# Actions: one operation per transition
# ---------------------------------------------------------------------------


def _post(path: str, summary: str, description: str, *, status: int = 200) -> Callable[[Callable[..., Any]], Any]:
    return router.post(
        f"/cases/{{number}}/{path}",
        response={status: CaseDetailOut, **ACTION_ERRORS},
        summary=summary,
        description=description
        + "\n\nErrors: 404 outside your scope; 403 when your role or unit may not do this; 400 for bad input or the wrong state; "
        "409 when the case changed since you read `version`; 422 when an Idempotency-Key is reused for another request.",
        operation_id=f"case_{path.replace('-', '_')}",
    )


IdemKey = Header(None, alias="Idempotency-Key", description=IDEMPOTENCY_DOC)


@_post("accept", "Accept", "Intake: registered → accepted. Starts the handling clock.")
def case_accept(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseAcceptIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_accept(actor=u, case=c, expected_version=payload.version, note=payload.note),
    )


@_post("not-accept", "Do not accept", "Intake: registered → not accepted, with the reason told to the complainant.")
def case_not_accept(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseNotAcceptIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_not_accept(actor=u, case=c, expected_version=payload.version, reason=payload.reason),
    )


@_post(
    "redirect",
    "Redirect to a statutory channel",
    "Intake: registered → redirected (litigation, arbitration, reconsideration, labour arbitration, discipline inspection).",
)
def case_redirect(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseRedirectIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_redirect(actor=u, case=c, expected_version=payload.version, channel=payload.channel, reason=payload.reason),
    )


@_post("assign", "Assign to units", "Intake: accepted or objected → assigned, to one unit or several with a lead unit.")
def case_assign(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseAssignIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_assign(
            actor=u,
            case=c,
            expected_version=payload.version,
            units=payload.units,
            lead=payload.lead,
            instructions=payload.instructions,
            due_date=payload.due_date,
        ),
    )


@_post("receive", "Receive", "An officer of an assigned unit receives it; the lead unit's receipt starts the handling.")
def case_receive(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseReceiveIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_receive(actor=u, case=c, expected_version=payload.version, unit=payload.unit),
    )


@_post(
    "object",
    "Object to the assignment",
    "An assigned unit objects that the matter is not its own, within 5 working days; the lead unit's objection returns the case to intake.",
)
def case_object(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseObjectIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_object(actor=u, case=c, expected_version=payload.version, reason=payload.reason, unit=payload.unit),
    )


@_post(
    "notes",
    "Add an investigation note",
    "Intake or the handling unit: an internal note (never public), or a record of contact with the complainant.",
)
def case_notes(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseNoteIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_add_note(actor=u, case=c, expected_version=payload.version, text=payload.text, contact=payload.contact),
    )


@_post("meetings", "Record a meeting with the complainant", "The handling unit records a meeting (见面) that took place.")
def case_meetings(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseMeetingIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_record_meeting(
            actor=u,
            case=c,
            expected_version=payload.version,
            held_at=payload.held_at,
            place=payload.place,
            participants=payload.participants,
            notes=payload.notes,
        ),
    )


@_post(
    "extension-request",
    "Request an extension",
    "The lead handling unit asks its head for more time (once, at most 30 days by default), before the deadline.",
)
def case_extension_request(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseExtensionRequestIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_request_extension(
            actor=u, case=c, expected_version=payload.version, days=payload.days, reason=payload.reason
        ),
    )


@_post(
    "extension-decision",
    "Decide on the extension",
    "The lead unit's head approves (the deadline moves; the complainant is told why) or refuses (with a note).",
)
def case_extension_decision(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseExtensionDecisionIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_decide_extension(
            actor=u, case=c, expected_version=payload.version, approve=payload.approve, note=payload.note
        ),
    )


@_post(
    "reply-draft",
    "Draft the written reply",
    "The lead handling unit writes the reply (支持 / 解释说明 / 不支持); with `submit` it goes to the head: handling → reply pending.",
)
def case_reply_draft(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseReplyDraftIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_draft_reply(
            actor=u,
            case=c,
            expected_version=payload.version,
            outcome=payload.outcome,
            text=payload.text,
            assistance_needed=payload.assistance_needed,
            assistance_what=payload.assistance_what,
            assistance_by=payload.assistance_by,
            assistance_when=payload.assistance_when,
            submit=payload.submit,
        ),
    )


@_post("reply-approve", "Approve the reply", "The lead unit's head: reply pending → reply approved.")
def case_reply_approve(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseReplyApproveIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_approve_reply(actor=u, case=c, expected_version=payload.version, note=payload.note),
    )


@_post("reply-return", "Return the reply", "The lead unit's head returns the reply for changes: reply pending → handling.")
def case_reply_return(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseReplyReturnIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_return_reply(actor=u, case=c, expected_version=payload.version, reason=payload.reason),
    )


@_post(
    "reply-issue", "Issue the reply to the complainant", "The handling unit or intake: reply approved → replied. Opens the review window."
)
def case_reply_issue(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseReplyIssueIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_notify_complainant(actor=u, case=c, expected_version=payload.version, via=payload.via),
    )


@_post("followup", "Record the follow-up", "Follow-up officers record whether the matter was resolved and the complainant's satisfaction.")
def case_followup(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseFollowUpIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_record_followup(
            actor=u,
            case=c,
            expected_version=payload.version,
            resolved=payload.resolved,
            satisfaction=payload.satisfaction,
            comment=payload.comment,
            channel=payload.channel,
        ),
    )


@_post("close", "Close", "Follow-up officers or intake: replied → closed (a named case after its follow-up).")
def case_close(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseCloseIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_close(actor=u, case=c, expected_version=payload.version, note=payload.note),
    )


@_post(
    "review-request",
    "Register a review request",
    "Intake registers the complainant's request for review (复查) within 30 days of the reply. Answers with the new review case (201).",
    status=201,
)
def case_review_request(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseReviewRequestIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_request_review(
            actor=u, case=c, expected_version=payload.version, reason=payload.reason, received_at=payload.received_at
        ),
        status=201,
    )


@_post(
    "rereview-request",
    "Register a re-review request",
    "Intake registers a request for re-review (复核) of a review case within 30 days of the review opinion. Answers with the new re-review case (201).",
    status=201,
)
def case_rereview_request(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseReviewRequestIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_request_rereview(
            actor=u, case=c, expected_version=payload.version, reason=payload.reason, received_at=payload.received_at
        ),
        status=201,
    )


@_post("withdraw", "Record a withdrawal", "Intake or the lead handling unit records that the complainant withdrew an open case.")
def case_withdraw(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseWithdrawIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_withdraw(actor=u, case=c, expected_version=payload.version, reason=payload.reason),
    )


@_post("links", "Link another case", "Intake or the handling unit links a duplicate or related case (one you can see).")
def case_links(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseLinkIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    def link(u: User, c: Case) -> Any:
        other = access.cases_for_user(u).filter(number=payload.other.strip()).first() if payload.other.strip() else None
        if other is None:
            raise ValidationError({"other": _("No such case.")})
        return svc.case_link(actor=u, case=c, expected_version=payload.version, other=other, kind=payload.kind)

    return _act(request, response, number, idempotency_key, link)


UploadField = File(..., description="The file.")
VersionForm = Form(..., ge=0, description="The case's `version` as last read.")
DescriptionForm = Form("", description="What it is (up to 200 characters).")
MaterialForm = Form(False, description="Accusations only: protected evidence.")


@router.post(
    "/cases/{number}/attachments",
    response={200: CaseDetailOut, **ACTION_ERRORS},
    summary="Add an attachment",
    operation_id="case_attachments",
    description="Intake or the handling unit uploads a file (multipart/form-data): images, PDF, Office documents, audio; "
    "the type is checked by content, not by name. `is_material` marks an accusation's protected evidence.\n\n"
    "Errors: 404 outside your scope; 403 when you may not; 400 for a refused file or the wrong state; 409 when the case changed since `version`.",
)
def case_attachments(
    request: HttpRequest,
    response: HttpResponse,
    number: str,
    file: UploadedFile = UploadField,
    version: int = VersionForm,
    description: str = DescriptionForm,
    is_material: bool = MaterialForm,
    idempotency_key: str | None = IdemKey,
) -> Status[Any]:
    return _act(
        request,
        response,
        number,
        idempotency_key,
        lambda u, c: svc.case_add_attachment(
            actor=u,
            case=c,
            expected_version=version,
            upload=file,
            name=file.name or "file",
            description=description,
            is_material=is_material,
        ),
    )


@router.post(
    "/cases/{number}/reveal-identity",
    response={200: CaseRevealOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Reveal the complainants' identity",
    operation_id="case_reveal_identity",
    description="For a user whose `identity` is `reveal` (e.g. a leader or supervisor): the complainants in clear. "
    "Every call writes an access-log row. Does not change the case, so it takes no `version`. 403 for everyone else.",
)
def case_reveal_identity(
    request: HttpRequest, response: HttpResponse, number: str, payload: CaseRevealIn, idempotency_key: str | None = IdemKey
) -> Status[Any]:
    user = _user(request)

    def call() -> tuple[int, Any]:
        case = access.get_case_for_user(user, number)
        people = svc.case_reveal_identity(actor=user, case=case, reason=payload.reason)
        return 200, CaseRevealOut.model_validate({"number": case.number, "complainants": people}).model_dump(mode="json")

    return _idempotent(request, response, idempotency_key, call)


# ---------------------------------------------------------------------------
# Reference data for clients
# ---------------------------------------------------------------------------


@router.get(
    "/categories",
    response={200: list[CaseCategoryOut], 401: ErrorOut},
    summary="Case categories",
    operation_id="category_list",
    tags=["reference"],
)
def category_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The active three-level category tree, in tree order (parents before children)."""
    cats = selectors.category_tree()
    by_id = {c.pk: c for c in cats}
    unit_codes = dict(Unit.objects.filter(pk__in={c.default_unit_id for c in cats if c.default_unit_id}).values_list("pk", "code"))
    return [
        {
            "id": c.pk,
            "code": c.code,
            "name": c.name,
            "name_en": c.name_en,
            "level": c.level,
            "parent": by_id[c.parent_id].code if c.parent_id in by_id else None,
            "default_unit": unit_codes.get(c.default_unit_id) if c.default_unit_id else None,
        }
        for c in cats
    ]


class ScopeUnitQuery(Schema):
    kind: str | None = choice(["district", "office", "department", "town", "subunit"], default=None, description="Only units of this kind.")


@router.get(
    "/units", response={200: list[ScopeUnitOut], 401: ErrorOut}, summary="Units in your scope", operation_id="unit_list", tags=["reference"]
)
def unit_list(request: HttpRequest, filters: Query[ScopeUnitQuery]) -> list[dict[str, Any]]:
    """The active units you work on (the whole district for district-wide staff, your unit's
    subtree otherwise), in tree order."""
    qs = visible_units(_user(request)).filter(is_active=True).select_related("parent").order_by("path")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return [
        {
            "id": u.pk,
            "code": u.code,
            "name": u.name,
            "name_en": u.name_en,
            "kind": u.kind,
            "parent": u.parent.code if u.parent else None,
            "depth": u.depth,
        }
        for u in qs
    ]
