"""Writes on complaint cases. Every function here is one transaction with its audit row.

API of the cases module
=======================

All services are keyword-only, ``@transaction.atomic``, and take ``actor`` (a User)
and ``case`` (a Case, e.g. from ``cases.access.get_case_for_user``). Every service
that acts on an existing case takes ``expected_version`` (the ``Case.version`` the
user saw; ``None`` only for system jobs) and raises :class:`CaseConflict` (a
``minsheng.api.ConflictError``: HTTP 409) when the case changed meanwhile. A refusal
raises ``PermissionDenied`` (wrong role or unit) or ``ValidationError`` (wrong state,
bad input, window closed) with a translated message and changes nothing.
"Handlers" below are the officers and heads of a unit the case is actively assigned
to (or of a unit above it); "lead handlers" those of the lead unit. Cases handled at
the district level itself (review/re-review opinions) are prepared by intake and
approved by a leader.

Registration and decision (intake officers)
- ``case_register(actor, channel, type, title, content, ...) -> Case``: a new case in
  state *registered* with its complainants, attachments and decision clock. Idempotent
  by ``idempotency_key`` (a retry returns the first case). Flags a match with a finished
  matter (``final_match``). Refuses: not intake (public channels web/open311 may pass
  ``actor=None``), empty or over-long title/content, unknown or inactive category,
  a ``town`` that is not a town, ``accused_unit`` on a non-accusation, a named case
  without a name, bad phone/ID number, a receipt time in the future.
- ``case_accept(...)``: registered -> accepted; starts the assign and handling clocks
  (hotline limits for questions/help/complaints). Refuses a finished-matter match
  without a ``note``.
- ``case_not_accept(..., reason)``: registered -> not accepted. Reason required.
- ``case_redirect(..., channel, reason)``: registered -> redirected to litigation,
  arbitration, administrative reconsideration, labour arbitration or discipline inspection.
- ``case_assign(..., units, lead=None, instructions="", due_date=None)``: accepted or
  objected -> assigned, to one unit or several with a lead. Refuses: no/unknown/inactive
  unit, lead not among the units, an accusation assigned to the accused unit or its
  subtree, a due date in the past or after the statutory handling deadline.

The handling unit
- ``case_receive(..., unit=None)``: a handler receives the assignment; the lead's
  receipt moves assigned -> handling.
- ``case_object(..., reason, unit=None)``: within the objection window (5 working days);
  the lead's objection moves the case back to intake (objected). Refuses after the window.
- ``case_add_note(..., text, contact=False)``: an internal investigation note (never
  public); ``contact=True`` records the first contact and stops the hotline contact clock.
- ``case_record_meeting(..., held_at, place, participants, notes="")``: a meeting with
  the complainant (见面). Refuses: anonymous case, time in the future or before receipt.
- ``case_request_extension(..., days, reason)``: lead handlers, while handling, once
  (at most the configured 30 days); refused after the deadline passed.
- ``case_decide_extension(..., approve, note="")``: the lead unit's head; approval moves
  the handling deadline and tells the complainant why (a public timeline line).
- ``case_draft_reply(..., outcome, text, assistance..., submit=True)``: lead handlers;
  with ``submit`` handling -> reply pending. Assistance referral needs what and by whom.
- ``case_approve_reply(...)`` / ``case_return_reply(..., reason)``: the lead unit's head;
  reply pending -> reply approved / back to handling.
- ``case_notify_complainant(..., via)``: lead handlers or intake; reply approved ->
  replied; stops the handling clock and opens the review (or re-review) window. After a
  re-review the matter is finished (``final``) on every case of the chain.

After the reply
- ``case_record_followup(..., resolved, satisfaction, comment, channel)``: follow-up
  officers; replied cases.
- ``case_close(..., note="")``: follow-up officers or intake; replied -> closed; a named
  case needs a follow-up first.
- ``case_request_review(..., reason) -> Case`` / ``case_request_rereview(...) -> Case``:
  intake; within 30 days of the reply / review opinion; opens a new linked case at the
  next-higher unit with its own 30-day opinion clock. Refuses after the window, twice,
  on a re-review, or on a case without an issued reply.
- ``case_withdraw(..., reason)``: intake or lead handlers; any open state -> withdrawn.
- Public doors (the portal, after checking the complainant's query code) call
  ``case_record_followup``, ``case_request_review``/``case_request_rereview`` and
  ``case_withdraw`` with ``actor=None, by_complainant=True``; a complainant rates once.

Any time
- ``case_link(..., other, kind)``: intake or handlers link duplicate/related cases.
- ``merge_case(actor, case, into, expected_version, note="")``: intake merges a registered
  case into the main case of the same matter (duplicate of, not accepted, complainant
  told); it follows the main case's reply (``case_follow_reply``). Refused into itself,
  into a merged case, into a finished matter or closed review chain, into a case not yet
  accepted, and for a case no longer registered or a review request.
- ``case_add_attachment(..., upload, name, description="", is_material=False)``: intake
  or handlers; the file is checked by content (``files.services.file_store``).
- ``case_reveal_identity(actor, case, reason="") -> list[dict]``: the complainants in
  clear for a user allowed to reveal them; writes a ``case.reveal_identity`` audit row
  (see ``cases.selectors.identity_access_log``). Refused for everyone else.
- ``available_actions(user, case) -> list[ActionInfo]``: the actions this user may take
  now (pages and API render buttons from it).

Every write goes through ``_commit``, which bumps the version, recomputes the clocks'
summary (``next_due``, ``is_overdue``), writes the timeline line and the audit row and
sends ``cases.signals.case_changed`` (the hook for rollups).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, Unit, UnitKind, User
from audit.services import audit_record
from cases import choice_cache, clocks, numbers
from cases.access import active_assignments, forget_assignments, handles_case, identity_access, is_accused, user_can_see_case
from cases.models import (
    CONTENT_MAX,
    FINISHED_STATES,
    OPEN_STATES,
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
    CaseType,
    Category,
    Channel,
    ClockKind,
    Complainant,
    ContactChannel,
    Level,
    Outcome,
    RedirectChannel,
    Satisfaction,
    State,
)
from cases.search import tokenize
from cases.signals import case_changed
from minsheng.api import ConflictError
from notifications.models import Notification
from notifications.services import notify
from workcal.selectors import get_calendar

PUBLIC_CHANNELS = frozenset({Channel.WEB, Channel.OPEN311})
TEXT_MAX = 2000  # reasons, notes and other short texts

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    State.REGISTERED: frozenset({State.ACCEPTED, State.NOT_ACCEPTED, State.REDIRECTED, State.WITHDRAWN}),
    State.ACCEPTED: frozenset({State.ASSIGNED, State.WITHDRAWN}),
    State.OBJECTED: frozenset({State.ASSIGNED, State.WITHDRAWN}),
    State.ASSIGNED: frozenset({State.HANDLING, State.OBJECTED, State.WITHDRAWN}),
    State.HANDLING: frozenset({State.REPLY_PENDING, State.WITHDRAWN}),
    State.REPLY_PENDING: frozenset({State.REPLY_APPROVED, State.HANDLING, State.WITHDRAWN}),
    State.REPLY_APPROVED: frozenset({State.REPLIED, State.WITHDRAWN}),
    State.REPLIED: frozenset({State.CLOSED}),
}


class CaseConflict(ConflictError):
    """The case changed after the user loaded it (optimistic locking)."""


@dataclass(frozen=True)
class ComplainantIn:
    """A complainant as given at registration."""

    name: str
    phone: str = ""
    id_number: str = ""
    address: str = ""
    is_representative: bool = False


@dataclass(frozen=True)
class ActionInfo:
    """An action a user may take on a case now. ``key`` names the service
    (``case_<key>``) and the API action (``POST /api/v1/cases/{number}/{key}``)."""

    key: str
    label: str
    style: str = "secondary"  # a Bootstrap button colour


# ---------------------------------------------------------------------------
# Internal helpers
# ---------------------------------------------------------------------------


def _now() -> dt.datetime:
    return timezone.now()


def _today() -> dt.date:
    return timezone.localdate()


def _lock(case: Case, expected_version: int | None) -> Case:
    """Re-read the case under a row lock and compare versions."""
    fresh = Case.objects.select_for_update(of=("self",)).select_related("category", "current_unit", "updated_by").get(pk=case.pk)
    if expected_version is not None and fresh.version != expected_version:
        raise CaseConflict(
            _("Case %(number)s was changed by %(who)s at %(when)s; please reload it and try again.")
            % {
                "number": fresh.number,
                "who": str(fresh.updated_by) if fresh.updated_by else _("the system"),
                "when": date_format(timezone.localtime(fresh.updated_at), "Y-m-d H:i"),
            }
        )
    return fresh


def _state_error(case: Case) -> ValidationError:
    return ValidationError(_("This cannot be done while the case is “%(state)s”.") % {"state": State(case.state).label})


def _require_state(case: Case, *states: str) -> None:
    if case.state not in states:
        raise _state_error(case)


def _deny(message: str) -> PermissionDenied:
    return PermissionDenied(message)


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_text(value: str | None, field: str, label: str, *, required: bool = True, limit: int = TEXT_MAX) -> str:
    # Control characters (NUL above all: PostgreSQL refuses it in text) never reach the database.
    value = _CONTROL_CHARS.sub("", value or "").strip()
    if required and not value:
        raise ValidationError({field: _("%(label)s is required.") % {"label": label}})
    if len(value) > limit:
        raise ValidationError(
            {field: _("%(label)s may be at most %(limit)d characters (it has %(n)d).") % {"label": label, "limit": limit, "n": len(value)}}
        )
    return value


def _commit(
    case: Case,
    *,
    actor: User | None,
    action: str,
    to_state: str | None = None,
    event: str | None = None,
    text: str = "",
    public: bool = False,
    fields: Iterable[str] = (),
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
    event_unit: Unit | None = None,
) -> CaseEvent | None:
    """The one way a case changes: state, version, clock summary, timeline line, audit row
    and the ``case_changed`` signal, all in the caller's transaction."""
    at = at or _now()
    from_state = case.state
    if to_state is not None and to_state != from_state:
        if to_state not in ALLOWED_TRANSITIONS.get(from_state, frozenset()):
            raise _state_error(case)
        case.state = to_state
    old_version = case.version
    case.version = old_version + 1
    case.updated_by = actor if getattr(actor, "pk", None) else None
    case.updated_at = at
    changed = set(fields) | {"state", "version", "updated_by", "updated_at"}
    changed |= set(clocks.apply_summary(case))
    values = {name: getattr(case, name) for name in changed}
    if "updated_by" in values:
        values["updated_by"] = case.updated_by
    rows = Case.objects.filter(pk=case.pk, version=old_version).update(**values)
    if rows != 1:  # someone else wrote between our read and our write (SQLite has no row locks)
        raise CaseConflict(_("Case %(number)s was changed meanwhile; please reload it and try again.") % {"number": case.number})
    return _record(
        case,
        actor=actor,
        action=action,
        from_state=from_state,
        old_version=old_version,
        event=event,
        text=text,
        public=public,
        before=before,
        after=after,
        at=at,
        event_unit=event_unit,
    )


def _record(
    case: Case,
    *,
    actor: User | None,
    action: str,
    from_state: str,
    old_version: int,
    event: str | None,
    text: str,
    public: bool,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    at: dt.datetime,
    event_unit: Unit | None = None,
    clocks_now: list[CaseClock] | None = None,
) -> CaseEvent | None:
    """What every change of a case writes after the case row: the timeline line, the audit
    row and the ``case_changed`` signal (``clocks_now``: the case's clocks when the caller
    knows them all, so that the receivers need not read them again)."""
    line = None
    if event:
        line = CaseEvent.objects.create(
            case=case,
            kind=event,
            actor=case.updated_by,
            actor_name=str(actor) if actor else _("system"),
            unit_id=event_unit.pk if event_unit is not None else getattr(actor, "unit_id", None),
            at=at,
            text=text,
            public=public and event != CaseEvent.Kind.NOTE,
        )
    audit_record(
        actor=actor,
        action=f"case.{action}",
        obj=case,
        object_label=case.number,
        before={"state": from_state, "version": old_version, **(before or {})},
        after={"state": case.state, "version": case.version, **(after or {})},
    )
    case_changed.send(sender=Case, case=case, action=action, from_state=from_state, to_state=case.state, actor=actor, at=at, clocks=clocks_now)
    return line


def _unit_staff(units: Iterable[Unit], roles: Sequence[str] = (Role.OFFICER, Role.HEAD)) -> list[User]:
    unit_list = [u for u in units if u is not None]
    if not unit_list:
        return []
    users = list(User.objects.filter(is_active=True, unit__in=unit_list, role_assignments__role__in=list(roles)).distinct())
    if Role.HEAD in roles:
        leader_ids = [u.leader_id for u in unit_list if u.leader_id]
        users += [u for u in User.objects.filter(pk__in=leader_ids, is_active=True) if u not in users]
    return users


def _role_users(*roles: str) -> list[User]:
    return list(User.objects.filter(is_active=True, role_assignments__role__in=list(roles)).distinct())


def _heads(units: Iterable[Unit]) -> list[User]:
    return _unit_staff(units, roles=(Role.HEAD,))


def _queue_notify(
    users_fn: Callable[[], list[User]], *, case: Case, title: str, body: str = "", level: str = Notification.Level.INFO, key: str = ""
) -> None:
    """Send an in-app notification after the transaction commits."""
    number, url = case.number, case.get_absolute_url()

    def send() -> None:
        notify(
            users=users_fn(), title=f"{number} {title}", body=body, url=url, level=level, dedupe_key=f"case:{number}:{key}" if key else ""
        )

    transaction.on_commit(send)


def _lead_unit(case: Case) -> Unit | None:
    for a in active_assignments(case):
        if a.is_lead:
            return a.unit
    return None


def _active_categories() -> dict[int | str, Category]:
    found: dict[int | str, Category] = {}
    for category in Category.objects.filter(is_active=True):
        found[category.pk] = found[category.code] = category
    return found


def _as_category(value: Category | int | str | None) -> Category | None:
    """An active category by instance, id or code. The active categories are read once per
    process and version of the category tree (``cases.choice_cache``); treat them as read-only."""
    if value is None or value == "":
        return None
    active = choice_cache.memo("cases.active_categories", _active_categories)
    if isinstance(value, Category):
        category = active.get(value.pk)
    elif isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        category = active.get(int(value))
    else:
        category = active.get(value) if isinstance(value, str) else None
    if category is None:
        raise ValidationError({"category": _("Unknown or inactive category.")})
    return category


def _as_unit(value: Unit | int | str, field: str = "unit") -> Unit:
    if isinstance(value, Unit):
        unit = Unit.objects.filter(pk=value.pk, is_active=True).first()
    elif isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        unit = Unit.objects.filter(pk=int(value), is_active=True).first()
    else:
        unit = Unit.objects.filter(code=value, is_active=True).first()
    if unit is None:
        raise ValidationError({field: _("Unknown or inactive unit.")})
    return unit


_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")
_ID_NUMBER = re.compile(r"^([0-9]{15}|[0-9]{17}[0-9Xx])$")


def _clean_complainant(c: ComplainantIn | dict[str, Any], i: int) -> ComplainantIn:
    if isinstance(c, dict):
        c = ComplainantIn(**{k: v for k, v in c.items() if k in ComplainantIn.__dataclass_fields__})
    name = _clean_text(c.name, f"complainants.{i}.name", _("Name"), limit=60)
    phone = (c.phone or "").strip()
    if phone and not _PHONE.match(phone):
        raise ValidationError({f"complainants.{i}.phone": _("“%(value)s” is not a phone number.") % {"value": phone}})
    id_number = (c.id_number or "").strip().upper()
    if id_number and not _ID_NUMBER.match(id_number):
        raise ValidationError({f"complainants.{i}.id_number": _("An ID number has 15 or 18 characters (digits, the last may be X).")})
    address = _clean_text(c.address, f"complainants.{i}.address", _("Address"), required=False, limit=200)
    return ComplainantIn(name=name, phone=phone, id_number=id_number, address=address, is_representative=bool(c.is_representative))


def allocate_number(at: dt.datetime | None = None) -> str:
    """The next readable number of the year, e.g. 2026-000123, from ``cases.numbers``: a
    PostgreSQL sequence per year (never waits; a failed registration leaves a gap), the
    counter row on SQLite. Call inside the registering transaction."""
    return numbers.allocate(timezone.localtime(at or _now()).year)


def _final_match(category: Category | None, people: list[ComplainantIn]) -> Case | None:
    """A finished matter (after re-review) of the same complainant (phone or ID number) in the same category."""
    phones = [p.phone for p in people if p.phone]
    ids = [p.id_number for p in people if p.id_number]
    if category is None or not (phones or ids):
        return None
    # Asked at every registration and nearly always empty: written out (the ORM would
    # compile it each time) and answered from the small partial index case_final_idx.
    who = []
    if phones:
        who.append(f"p.phone IN ({', '.join(['%s'] * len(phones))})")
    if ids:
        who.append(f"p.id_number IN ({', '.join(['%s'] * len(ids))})")
    sql = (
        "SELECT c.id FROM cases_case c WHERE c.final AND c.level = %s AND c.category_id = %s AND EXISTS "  # noqa: S608 - placeholders only
        f"(SELECT 1 FROM cases_complainant p WHERE p.case_id = c.id AND ({' OR '.join(who)})) "
        "ORDER BY c.replied_at DESC, c.id DESC LIMIT 1"
    )
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(sql, [Level.ORIGINAL, category.pk, *phones, *ids])
        row = cursor.fetchone()
    return Case.objects.get(pk=row[0]) if row else None


def _search_tokens(case: Case, reply_text: str = "") -> str:
    return tokenize(case.number, case.title, case.content, reply_text)


# ---------------------------------------------------------------------------
# Permission checks shared by the services and available_actions.
# Each raises PermissionDenied (role/unit) or ValidationError (state) and returns nothing.
# ---------------------------------------------------------------------------


def _is_intake(user: User | None) -> bool:
    return user is not None and user.has_role(Role.INTAKE)


def _check_intake(user: User, case: Case, *states: str) -> None:
    if not _is_intake(user):
        raise _deny(_("Only intake officers may do this."))
    if states:
        _require_state(case, *states)


def _check_handler(user: User, case: Case, *states: str, lead_only: bool = True) -> None:
    if not handles_case(user, case, lead_only=lead_only):
        raise _deny(_("Only officers of the handling unit may do this."))
    if states:
        _require_state(case, *states)


def _check_head(user: User, case: Case, *states: str) -> None:
    if not handles_case(user, case, lead_only=True, head=True):
        raise _deny(_("Only the head of the handling unit may do this."))
    if states:
        _require_state(case, *states)


def _my_assignments(user: User, case: Case, statuses: Iterable[str]) -> list[CaseAssignment]:
    """The active assignments of units this user works for (lead first)."""
    wanted = set(statuses)
    mine = []
    for a in active_assignments(case):
        if a.status not in wanted:
            continue
        probe = _AssignmentProbe(case, a)
        if handles_case(user, probe):  # type: ignore[arg-type]
            mine.append(a)
    return mine


class _AssignmentProbe:
    """Quacks like a case with exactly one active assignment (for handles_case)."""

    def __init__(self, case: Case, assignment: CaseAssignment) -> None:
        self._active_assignments = [assignment]
        self.pk = case.pk


def _check_receive(user: User, case: Case) -> None:
    _require_state(case, State.ASSIGNED, State.HANDLING)
    if not user.has_role(Role.OFFICER, Role.HEAD) or not _my_assignments(user, case, [CaseAssignment.Status.PENDING]):
        raise _deny(_("Only officers of a unit the case is assigned to may receive it."))


def _check_object(user: User, case: Case) -> None:
    _require_state(case, State.ASSIGNED, State.HANDLING)
    if not user.has_role(Role.OFFICER, Role.HEAD) or not _my_assignments(
        user, case, [CaseAssignment.Status.PENDING, CaseAssignment.Status.RECEIVED]
    ):
        raise _deny(_("Only officers of a unit the case is assigned to may object."))


def _check_note(user: User, case: Case) -> None:
    if not (_is_intake(user) or handles_case(user, case)):
        raise _deny(_("Only intake officers and the handling unit may add notes."))
    _require_state(case, *(OPEN_STATES | {State.REPLIED}))


def _check_meeting(user: User, case: Case) -> None:
    _check_handler(user, case, State.HANDLING, State.REPLY_PENDING)


def _check_request_extension(user: User, case: Case) -> None:
    _check_handler(user, case, State.HANDLING)
    if case.level != Level.ORIGINAL:
        raise ValidationError(_("Review and re-review opinions cannot be extended."))
    if CaseExtension.objects.filter(case=case, decision__in=[CaseExtension.Decision.PENDING, CaseExtension.Decision.APPROVED]).exists():
        raise ValidationError(_("This case already had its one extension (or a request is pending)."))


def _check_decide_extension(user: User, case: Case) -> None:
    _check_head(user, case, State.HANDLING, State.REPLY_PENDING)
    if not CaseExtension.objects.filter(case=case, decision=CaseExtension.Decision.PENDING).exists():
        raise ValidationError(_("There is no extension request to decide."))


def _check_draft_reply(user: User, case: Case) -> None:
    _check_handler(user, case, State.HANDLING)


def _check_approve_reply(user: User, case: Case) -> None:
    _check_head(user, case, State.REPLY_PENDING)


def _check_notify(user: User, case: Case) -> None:
    if not (_is_intake(user) or handles_case(user, case)):
        raise _deny(_("Only intake officers and the handling unit may issue the reply."))
    _require_state(case, State.REPLY_APPROVED)


def _check_followup(user: User, case: Case, complainant: bool = False) -> None:
    if not complainant and not user.has_role(Role.FOLLOWUP):
        raise _deny(_("Only follow-up officers may record a follow-up."))
    _require_state(case, State.REPLIED)


def _check_close(user: User, case: Case) -> None:
    if not user.has_role(Role.FOLLOWUP, Role.INTAKE):
        raise _deny(_("Only follow-up officers and intake officers may close a case."))
    _require_state(case, State.REPLIED)


def _check_request_review(user: User, case: Case, level: str, complainant: bool = False) -> None:
    if complainant:
        _require_state(case, State.REPLIED, State.CLOSED)
    else:
        _check_intake(user, case, State.REPLIED, State.CLOSED)
    if case.level != level:
        raise ValidationError(
            _("A review is requested on a first-handling case.")
            if level == Level.ORIGINAL
            else _("A re-review is requested on a review case.")
        )
    if case.review_cases.exists():
        raise ValidationError(_("A review of this case was already requested."))


def _check_withdraw(user: User, case: Case, complainant: bool = False) -> None:
    if not complainant and not (_is_intake(user) or handles_case(user, case)):
        raise _deny(_("Only intake officers and the handling unit may record a withdrawal."))
    _require_state(case, *OPEN_STATES)


def _check_link(user: User, case: Case) -> None:
    if not (_is_intake(user) or handles_case(user, case, lead_only=False)):
        raise _deny(_("Only intake officers and the handling unit may link cases."))


def _check_attachment(user: User, case: Case) -> None:
    if not (_is_intake(user) or handles_case(user, case, lead_only=False)):
        raise _deny(_("Only intake officers and the handling unit may add attachments."))
    _require_state(case, *(OPEN_STATES | {State.REPLIED}))


def _check_reveal(user: User, case: Case) -> None:
    if identity_access(user, case) != "reveal" or case.anonymous:
        raise _deny(_("You may not see this complainant's identity."))


ACTIONS: list[tuple[str, Any, str, Callable[[User, Case], None]]] = [
    ("accept", gettext_lazy("Accept"), "primary", lambda u, c: _check_intake(u, c, State.REGISTERED)),
    ("not_accept", gettext_lazy("Do not accept"), "outline-danger", lambda u, c: _check_intake(u, c, State.REGISTERED)),
    ("redirect", gettext_lazy("Redirect to another channel"), "outline-secondary", lambda u, c: _check_intake(u, c, State.REGISTERED)),
    ("assign", gettext_lazy("Assign to a unit"), "primary", lambda u, c: _check_intake(u, c, State.ACCEPTED, State.OBJECTED)),
    ("receive", gettext_lazy("Receive"), "primary", _check_receive),
    ("object", gettext_lazy("Object (not our matter)"), "outline-danger", _check_object),
    ("add_note", gettext_lazy("Add a note"), "outline-secondary", _check_note),
    ("record_meeting", gettext_lazy("Record a meeting"), "outline-secondary", _check_meeting),
    ("request_extension", gettext_lazy("Request an extension"), "outline-warning", _check_request_extension),
    ("decide_extension", gettext_lazy("Decide on the extension"), "warning", _check_decide_extension),
    ("draft_reply", gettext_lazy("Draft the written reply"), "primary", _check_draft_reply),
    ("approve_reply", gettext_lazy("Approve the reply"), "success", _check_approve_reply),
    ("return_reply", gettext_lazy("Return the reply"), "outline-danger", _check_approve_reply),
    ("notify_complainant", gettext_lazy("Issue the reply to the complainant"), "primary", _check_notify),
    ("record_followup", gettext_lazy("Record the follow-up"), "primary", _check_followup),
    ("close", gettext_lazy("Close the case"), "success", _check_close),
    (
        "request_review",
        gettext_lazy("Register a review request"),
        "outline-secondary",
        lambda u, c: _check_request_review(u, c, Level.ORIGINAL),
    ),
    (
        "request_rereview",
        gettext_lazy("Register a re-review request"),
        "outline-secondary",
        lambda u, c: _check_request_review(u, c, Level.REVIEW),
    ),
    ("withdraw", gettext_lazy("Record withdrawal"), "outline-danger", _check_withdraw),
    ("link", gettext_lazy("Link a case"), "outline-secondary", _check_link),
    ("add_attachment", gettext_lazy("Add an attachment"), "outline-secondary", _check_attachment),
    ("reveal_identity", gettext_lazy("Show the complainant's identity"), "outline-secondary", _check_reveal),
]


def available_actions(user: User, case: Case) -> list[ActionInfo]:
    """The actions ``user`` may take on ``case`` now, in a stable order. Only role, unit and
    state are checked here; the service still validates the input and the time windows."""
    if not getattr(user, "is_authenticated", False) or is_accused(user, case):
        return []
    out = []
    for key, label, style, check in ACTIONS:
        try:
            check(user, case)
        except (PermissionDenied, ValidationError):
            continue
        out.append(ActionInfo(key=key, label=str(label), style=style))
    return out


# ---------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------


def _lost_race_answered(register: Callable[..., Case]) -> Callable[..., Case]:
    """A retry that loses the race for its idempotency key to a concurrent request (the
    unique key refuses the INSERT and the registration's transaction rolls back) gets the
    case the other one made."""

    @functools.wraps(register)
    def run(**kwargs: Any) -> Case:
        try:
            return register(**kwargs)
        except IntegrityError:
            key = (kwargs.get("idempotency_key") or "").strip()[:100]
            if key and not transaction.get_connection().in_atomic_block:
                existing = Case.objects.filter(idempotency_key=key).first()
                if existing is not None:
                    return existing
            raise

    return run


@_lost_race_answered
@transaction.atomic
def case_register(
    *,
    actor: User | None,
    channel: str,
    type: str,  # noqa: A002 - the domain's word
    title: str,
    content: str,
    category: Category | int | str | None = None,
    urgent: bool = False,
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    town: Unit | int | str | None = None,
    complainants: Sequence[ComplainantIn | dict[str, Any]] = (),
    anonymous: bool = False,
    head_count: int | None = None,
    accused_unit: Unit | int | str | None = None,
    confidential: bool = False,
    received_at: dt.datetime | None = None,
    attachments: Sequence[tuple[IO[bytes], str]] = (),
    materials: Sequence[tuple[IO[bytes], str]] = (),
    idempotency_key: str | None = None,
) -> Case:
    """Register a case (state *registered*) with its complainants, attachments and decision clock.

    ``attachments``/``materials`` are (file object, file name) pairs; materials are an
    accusation's evidence. With ``idempotency_key`` a retry returns the case first made."""
    key = (idempotency_key or "").strip()[:100] or None
    if key and (made := Case.objects.filter(idempotency_key=key).values_list("pk", flat=True).first()) is not None:
        return Case.objects.get(pk=made)  # a retry: the case the first request made
    if actor is None:
        if channel not in PUBLIC_CHANNELS:
            raise _deny(_("Only intake officers may register cases."))
    elif not _is_intake(actor):
        raise _deny(_("Only intake officers may register cases."))
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if type not in CaseType.values:
        raise ValidationError({"type": _("Unknown case type.")})
    title = _clean_text(title, "title", _("The title"), limit=200)
    content = _clean_text(content, "content", _("The content"), limit=CONTENT_MAX)
    cat = _as_category(category)
    town_unit = None
    if town not in (None, ""):
        town_unit = _as_unit(town, "town")  # type: ignore[arg-type]
        if town_unit.kind != UnitKind.TOWN:
            raise ValidationError({"town": _("Choose a town or street.")})
    accused = None
    if accused_unit not in (None, ""):
        if type != CaseType.ACCUSATION:
            raise ValidationError({"accused_unit": _("Only an accusation names an accused unit.")})
        accused = _as_unit(accused_unit, "accused_unit")  # type: ignore[arg-type]
        if accused.parent_id is None:
            raise ValidationError({"accused_unit": _("Name the accused department, town or office, not the whole district.")})
    address = _clean_text(address, "address", _("The address"), required=False, limit=200)
    for value, field, lo, hi in ((latitude, "latitude", -90, 90), (longitude, "longitude", -180, 180)):
        if value is not None and not (lo <= float(value) <= hi):
            raise ValidationError({field: _("Out of range.")})
    people = [] if anonymous else [_clean_complainant(c, i) for i, c in enumerate(complainants)]
    if not anonymous and not people:
        raise ValidationError({"complainants": _("Give at least one complainant, or mark the case anonymous.")})
    if len(people) > 50:
        raise ValidationError({"complainants": _("At most 50 representatives may be recorded.")})
    heads = head_count if head_count is not None else max(len(people), 1)
    if heads < max(len(people), 1) or heads > 100_000:
        raise ValidationError({"head_count": _("The number of people must be at least the number of complainants given.")})
    now = _now()
    received = received_at or now
    if received > now + dt.timedelta(minutes=5):
        raise ValidationError({"received_at": _("The time of receipt cannot be in the future.")})
    if received < now - dt.timedelta(days=366 * 3):
        raise ValidationError({"received_at": _("The time of receipt is implausibly old.")})

    case = Case(
        number=allocate_number(received),
        channel=channel,
        type=type,
        title=title,
        content=content,
        category=cat,
        urgent=bool(urgent),
        address=address,
        latitude=latitude,
        longitude=longitude,
        town=town_unit,
        anonymous=bool(anonymous),
        joint=heads > 1,
        head_count=heads,
        confidential=bool(confidential) or type == CaseType.ACCUSATION,
        accused_unit=accused,
        received_at=received,
        idempotency_key=key,
        created_by=actor,
        created_at=now,
        updated_by=actor if getattr(actor, "pk", None) else None,
        updated_at=now,
        version=1,  # written once, complete: no UPDATE after the INSERT
    )
    cal = get_calendar()
    # the decision clock is built before the case is inserted, so the case row carries its
    # deadline summary at once and nobody reads the clock back
    decide = clocks.build_clock(case, ClockKind.DECIDE, received, clocks.rule(ClockKind.DECIDE), cal)
    clocks.apply_summary(case, running=[decide])
    match = _final_match(cat, people)
    if match is not None:
        case.final_match = match
        case.final_match_reason = (
            _(
                "The same complainant's matter in “%(category)s” was finished after re-review in case %(number)s; it is not to be accepted again."
            )
            % {"category": cat.name if cat else "", "number": match.number}
        )[:300]
    case.search_tokens = _search_tokens(case)
    if len(transaction.get_connection().atomic_blocks) > 1:
        # inside a caller's transaction: a savepoint keeps it usable after a lost race
        try:
            with transaction.atomic():
                case.save()
        except IntegrityError:
            if key and (existing := Case.objects.filter(idempotency_key=key).first()) is not None:
                return existing  # a concurrent retry won the race
            raise
    else:
        case.save()  # a lost race rolls this transaction back; case_register answers it
    decide.save()
    Complainant.objects.bulk_create([Complainant(case=case, order=i, **p.__dict__) for i, p in enumerate(people)])
    for upload, name in attachments:
        _store_attachment(actor, case, upload, name, "", False)
    for upload, name in materials:
        _store_attachment(actor, case, upload, name, "", case.type == CaseType.ACCUSATION)
    _record(
        case,
        actor=actor,
        action="register",
        from_state=case.state,
        old_version=0,
        event=CaseEvent.Kind.REGISTERED,
        text=_("Registered via %(channel)s.") % {"channel": Channel(channel).label},
        public=True,
        before=None,
        at=now,
        after={
            "number": case.number,
            "type": type,
            "channel": channel,
            "category": cat.code if cat else None,
            "final_match": match.number if match else None,
        },
        clocks_now=[decide],
    )
    if actor is None:
        _queue_notify(lambda: _role_users(Role.INTAKE), case=case, title=_("New case to register and decide"), body=title, key="new")
    return case


def _store_attachment(actor: User | None, case: Case, upload: IO[bytes], name: str, description: str, is_material: bool) -> CaseAttachment:
    from files.services import file_store

    stored = file_store(actor=actor, upload=upload, name=name, allowed_kinds={"image", "pdf", "office", "audio"})
    return CaseAttachment.objects.create(
        case=case,
        file=stored,
        description=description[:200],
        is_material=is_material,
        added_by=actor if getattr(actor, "pk", None) else None,
    )


# ---------------------------------------------------------------------------
# Decision
# ---------------------------------------------------------------------------


@transaction.atomic
def case_accept(*, actor: User, case: Case, expected_version: int | None, note: str = "") -> Case:
    """Accept a registered case: stops the decision clock, starts the assign and handling clocks."""
    case = _lock(case, expected_version)
    _check_intake(actor, case, State.REGISTERED)
    note = _clean_text(note, "note", _("The note"), required=False)
    if case.final_match_id and not note:
        raise ValidationError({"note": case.final_match_reason + " " + _("To accept it as a new matter, say why in the note.")})
    now = _now()
    cal = get_calendar()
    clocks.clock_stop(case, [ClockKind.DECIDE], now)
    assign_clock = clocks.build_clock(case, ClockKind.ASSIGN, case.received_at, clocks.rule("assign"), cal)
    assign_clock.save()
    handle, contact = clocks.handling_limits(case)
    clocks.clock_start(case, ClockKind.HANDLE, now, handle, cal)
    if contact is not None:
        clocks.clock_start(case, ClockKind.CONTACT, now, contact, cal)
    case.decided_at = now
    _commit(
        case,
        actor=actor,
        action="accept",
        to_state=State.ACCEPTED,
        event=CaseEvent.Kind.ACCEPTED,
        text=_("Your matter has been accepted.") + (f"\n{note}" if note and not case.final_match_id else ""),
        public=True,
        fields=["decided_at"],
        after={"note": note},
        at=now,
    )
    return case


def _close_not_accepted(case: Case, *, actor: User, action: str, reason: str, after: dict[str, Any], now: dt.datetime) -> None:
    """End a registered case as not accepted (its clock stops; the reason is public)."""
    clocks.clock_stop(case, None, now)
    case.decided_at = now
    case.closed_at = now
    case.decision_reason = reason[:TEXT_MAX]
    _commit(
        case,
        actor=actor,
        action=action,
        to_state=State.NOT_ACCEPTED,
        event=CaseEvent.Kind.NOT_ACCEPTED,
        text=_("Not accepted: %(reason)s") % {"reason": reason},
        public=True,
        fields=["decided_at", "closed_at", "decision_reason"],
        after=after,
        at=now,
    )


@transaction.atomic
def case_not_accept(*, actor: User, case: Case, expected_version: int | None, reason: str) -> Case:
    """Do not accept a registered case; the reason is told to the complainant."""
    case = _lock(case, expected_version)
    _check_intake(actor, case, State.REGISTERED)
    reason = _clean_text(reason, "reason", _("The reason"))
    _close_not_accepted(case, actor=actor, action="not_accept", reason=reason, after={"reason": reason}, now=_now())
    return case


@transaction.atomic
def case_redirect(*, actor: User, case: Case, expected_version: int | None, channel: str, reason: str = "") -> Case:
    """Redirect a registered case to a statutory channel (诉访分离) and tell the complainant which."""
    case = _lock(case, expected_version)
    _check_intake(actor, case, State.REGISTERED)
    if channel not in RedirectChannel.values:
        raise ValidationError(
            {"channel": _("Choose litigation, arbitration, administrative reconsideration, labour arbitration or discipline inspection.")}
        )
    reason = _clean_text(reason, "reason", _("The reason"), required=False)
    now = _now()
    clocks.clock_stop(case, None, now)
    case.decided_at = now
    case.closed_at = now
    case.redirect_channel = channel
    case.decision_reason = reason
    text = _("Please pursue this matter through: %(channel)s.") % {"channel": RedirectChannel(channel).label}
    _commit(
        case,
        actor=actor,
        action="redirect",
        to_state=State.REDIRECTED,
        event=CaseEvent.Kind.REDIRECTED,
        text=text + (f"\n{reason}" if reason else ""),
        public=True,
        fields=["decided_at", "closed_at", "redirect_channel", "decision_reason"],
        after={"channel": channel, "reason": reason},
        at=now,
    )
    return case


@transaction.atomic
def case_assign(
    *,
    actor: User,
    case: Case,
    expected_version: int | None,
    units: Sequence[Unit | int | str],
    lead: Unit | int | str | None = None,
    instructions: str = "",
    due_date: dt.date | None = None,
) -> Case:
    """Assign an accepted (or objected) case to one unit, or several with a lead."""
    case = _lock(case, expected_version)
    _check_intake(actor, case, State.ACCEPTED, State.OBJECTED)
    if not units:
        raise ValidationError({"units": _("Choose at least one unit.")})
    unit_list: list[Unit] = []
    for u in units:
        unit = _as_unit(u, "units")
        if unit.pk not in {x.pk for x in unit_list}:
            unit_list.append(unit)
    lead_unit = _as_unit(lead, "lead") if lead not in (None, "") else unit_list[0]  # type: ignore[arg-type]
    if lead_unit.pk not in {u.pk for u in unit_list}:
        raise ValidationError({"lead": _("The lead unit must be one of the assigned units.")})
    for unit in unit_list:
        if unit.parent_id is None:
            raise ValidationError({"units": _("Assign the case to a department, town or office, not to the whole district.")})
        if case.type == CaseType.ACCUSATION and case.accused_unit is not None and unit.is_within(case.accused_unit):
            raise ValidationError({"units": _("An accusation cannot be assigned to the accused unit.")})
    instructions = _clean_text(instructions, "instructions", _("The instructions"), required=False)
    now = _now()
    today = _today()
    handle_clock = CaseClock.objects.filter(case=case, kind=ClockKind.HANDLE, stopped_at__isnull=True).first()
    if due_date is not None:
        if due_date <= today:
            raise ValidationError({"due_date": _("The deadline must be after today.")})
        if handle_clock is not None and due_date > handle_clock.due_date:
            raise ValidationError(
                {
                    "due_date": _("The deadline may not be later than the statutory one (%(date)s).")
                    % {"date": handle_clock.due_date.isoformat()}
                }
            )
    old = list(CaseAssignment.objects.filter(case=case, is_active=True))
    for a in old:
        a.is_active = False
        if a.status in (CaseAssignment.Status.PENDING, CaseAssignment.Status.RECEIVED):
            a.status = CaseAssignment.Status.WITHDRAWN
        a.save(update_fields=["is_active", "status"])
    for unit in unit_list:
        CaseAssignment.objects.create(
            case=case, unit=unit, is_lead=unit.pk == lead_unit.pk, assigned_by=actor, assigned_at=now, instructions=instructions
        )
    forget_assignments(case)
    cal = get_calendar()
    clocks.clock_stop(case, [ClockKind.ASSIGN], now)
    clocks.clock_start(case, ClockKind.OBJECTION, now, clocks.rule("objection"), cal)
    if handle_clock is not None and due_date is not None:
        handle_clock.due_date = due_date
        handle_clock.save(update_fields=["due_date"])
    case.current_unit = lead_unit
    case.assigned_at = now
    names = "、".join(u.name for u in unit_list)
    _commit(
        case,
        actor=actor,
        action="assign",
        to_state=State.ASSIGNED,
        event=CaseEvent.Kind.ASSIGNED,
        text=_("Transferred to %(units)s for handling.") % {"units": names} + (f"\n{instructions}" if instructions else ""),
        public=True,
        fields=["current_unit", "assigned_at"],
        after={"units": [u.code for u in unit_list], "lead": lead_unit.code, "due_date": due_date.isoformat() if due_date else None},
        at=now,
    )
    count = CaseAssignment.objects.filter(case=case).count()
    _queue_notify(
        lambda: _unit_staff(unit_list), case=case, title=_("New case assigned to your unit"), body=case.title, key=f"assigned:{count}"
    )
    return case


# ---------------------------------------------------------------------------
# The handling unit
# ---------------------------------------------------------------------------


def _pick_assignment(actor: User, case: Case, unit: Unit | int | str | None, statuses: Iterable[str]) -> CaseAssignment:
    mine = _my_assignments(actor, case, statuses)
    if unit not in (None, ""):
        target = _as_unit(unit)  # type: ignore[arg-type]
        mine = [a for a in mine if a.unit_id == target.pk]
    if not mine:
        raise _deny(_("Only officers of a unit the case is assigned to may do this."))
    return mine[0]


@transaction.atomic
def case_receive(*, actor: User, case: Case, expected_version: int | None, unit: Unit | int | str | None = None) -> Case:
    """A unit receives its assignment; the lead unit's receipt starts the handling."""
    case = _lock(case, expected_version)
    _check_receive(actor, case)
    assignment = _pick_assignment(actor, case, unit, [CaseAssignment.Status.PENDING])
    now = _now()
    assignment.status = CaseAssignment.Status.RECEIVED
    assignment.received_by = actor
    assignment.received_at = now
    assignment.save(update_fields=["status", "received_by", "received_at"])
    to_state = None
    if assignment.is_lead:
        clocks.clock_stop(case, [ClockKind.OBJECTION], now)
        to_state = State.HANDLING
    _commit(
        case,
        actor=actor,
        action="receive",
        to_state=to_state,
        event=CaseEvent.Kind.RECEIVED,
        text=_("%(unit)s received the case.") % {"unit": assignment.unit.name},
        public=False,
        after={"unit": assignment.unit.code, "lead": assignment.is_lead},
        at=now,
        event_unit=assignment.unit,
    )
    return case


@transaction.atomic
def case_object(*, actor: User, case: Case, expected_version: int | None, reason: str, unit: Unit | int | str | None = None) -> Case:
    """A unit objects that the matter is not its own, within the objection window. The lead
    unit's objection sends the case back to intake."""
    case = _lock(case, expected_version)
    _check_object(actor, case)
    assignment = _pick_assignment(actor, case, unit, [CaseAssignment.Status.PENDING, CaseAssignment.Status.RECEIVED])
    reason = _clean_text(reason, "reason", _("The reason"))
    limit = clocks.rule("objection")
    cal = get_calendar()
    window_end = cal.add(clocks.local_date(assignment.assigned_at), limit.days, limit.day_type)
    if _today() > window_end:
        raise ValidationError(clocks.window_message(ClockKind.OBJECTION, window_end, limit.days))
    now = _now()
    assignment.status = CaseAssignment.Status.OBJECTED
    assignment.objection_reason = reason
    assignment.objected_at = now
    assignment.is_active = False
    assignment.save(update_fields=["status", "objection_reason", "objected_at", "is_active"])
    to_state = None
    fields: list[str] = []
    if assignment.is_lead:
        CaseAssignment.objects.filter(case=case, is_active=True).update(is_active=False, status=CaseAssignment.Status.WITHDRAWN)
        clocks.clock_stop(case, [ClockKind.OBJECTION], now)
        clocks.clock_start(case, ClockKind.ASSIGN, now, clocks.rule("assign"), cal)
        case.current_unit = None
        fields.append("current_unit")
        to_state = State.OBJECTED
    forget_assignments(case)
    _commit(
        case,
        actor=actor,
        action="object",
        to_state=to_state,
        event=CaseEvent.Kind.OBJECTED,
        text=_("%(unit)s objects: %(reason)s") % {"unit": assignment.unit.name, "reason": reason},
        fields=fields,
        after={"unit": assignment.unit.code, "lead": assignment.is_lead, "reason": reason},
        at=now,
        event_unit=assignment.unit,
    )
    _queue_notify(
        lambda: _role_users(Role.INTAKE),
        case=case,
        title=_("A unit objected to an assignment"),
        body=f"{assignment.unit.name}: {reason}",
        key=f"objected:{assignment.pk}",
    )
    return case


@transaction.atomic
def case_add_note(*, actor: User, case: Case, expected_version: int | None, text: str, contact: bool = False) -> CaseEvent:
    """An internal investigation note (never shown to the complainant). With ``contact`` it
    records that the complainant was contacted and stops the hotline contact clock."""
    case = _lock(case, expected_version)
    _check_note(actor, case)
    text = _clean_text(text, "text", _("The note"), limit=CONTENT_MAX)
    now = _now()
    if contact:
        clocks.clock_stop(case, [ClockKind.CONTACT], now)
    line = _commit(
        case,
        actor=actor,
        action="add_note",
        event=CaseEvent.Kind.CONTACT if contact else CaseEvent.Kind.NOTE,
        text=text,
        public=False,
        after={"contact": contact},
        at=now,
    )
    assert line is not None
    return line


@transaction.atomic
def case_record_meeting(
    *, actor: User, case: Case, expected_version: int | None, held_at: dt.datetime, place: str, participants: str, notes: str = ""
) -> CaseMeeting:
    """Record a meeting with the complainant (见面)."""
    case = _lock(case, expected_version)
    _check_meeting(actor, case)
    if case.anonymous:
        raise ValidationError(_("An anonymous case has no complainant to meet."))
    now = _now()
    if held_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"held_at": _("Record a meeting after it took place, not before.")})
    if held_at < case.received_at:
        raise ValidationError({"held_at": _("The meeting cannot be before the case was received.")})
    place = _clean_text(place, "place", _("The place"), limit=200)
    participants = _clean_text(participants, "participants", _("The participants"), limit=300)
    notes = _clean_text(notes, "notes", _("The notes"), required=False, limit=CONTENT_MAX)
    meeting = CaseMeeting.objects.create(
        case=case, held_at=held_at, place=place, participants=participants, notes=notes, recorded_by=actor, recorded_at=now
    )
    clocks.clock_stop(case, [ClockKind.CONTACT], now)
    _commit(
        case,
        actor=actor,
        action="record_meeting",
        event=CaseEvent.Kind.MEETING,
        text=_("Met the complainant at %(place)s.") % {"place": place},
        after={"held_at": held_at.isoformat(), "place": place},
        at=now,
    )
    return meeting


@transaction.atomic
def case_request_extension(*, actor: User, case: Case, expected_version: int | None, days: int, reason: str) -> CaseExtension:
    """Ask the unit head for more time (once; at most the configured 30 days)."""
    case = _lock(case, expected_version)
    _check_request_extension(actor, case)
    limit = clocks.rule("extension")
    if not isinstance(days, int) or days < 1 or days > limit.days:
        raise ValidationError({"days": _("An extension is 1 to %(max)d days.") % {"max": limit.days}})
    reason = _clean_text(reason, "reason", _("The reason"))
    handle = CaseClock.objects.filter(case=case, kind=ClockKind.HANDLE, stopped_at__isnull=True).first()
    if handle is None:
        raise _state_error(case)
    if _today() > handle.due_date:
        raise ValidationError(
            _("The deadline (%(date)s) has passed; an extension must be requested before it.") % {"date": handle.due_date.isoformat()}
        )
    now = _now()
    ext = CaseExtension.objects.create(case=case, days=days, reason=reason, requested_by=actor, requested_at=now, old_due=handle.due_date)
    _commit(
        case,
        actor=actor,
        action="request_extension",
        event=CaseEvent.Kind.EXTENSION_REQUESTED,
        text=_("Extension of %(days)d days requested: %(reason)s") % {"days": days, "reason": reason},
        after={"days": days, "reason": reason},
        at=now,
    )
    lead = _lead_unit(case)
    _queue_notify(
        lambda: _heads([lead] if lead else []),
        case=case,
        title=_("Extension request waiting for your decision"),
        body=reason,
        key=f"extension:{ext.pk}",
    )
    return ext


@transaction.atomic
def case_decide_extension(*, actor: User, case: Case, expected_version: int | None, approve: bool, note: str = "") -> CaseExtension:
    """The unit head approves (the handling deadline moves; the complainant is told why) or refuses."""
    case = _lock(case, expected_version)
    _check_decide_extension(actor, case)
    note = _clean_text(note, "note", _("The note"), required=not approve)
    ext = CaseExtension.objects.get(case=case, decision=CaseExtension.Decision.PENDING)
    now = _now()
    ext.decided_by = actor
    ext.decided_at = now
    ext.decision_note = note
    if approve:
        handle = CaseClock.objects.filter(case=case, kind=ClockKind.HANDLE, stopped_at__isnull=True).first()
        if handle is None:
            raise _state_error(case)
        clocks.clock_extend(handle, ext.days)
        ext.decision = CaseExtension.Decision.APPROVED
        ext.new_due = handle.due_date
        text = _("The time limit was extended by %(days)d days to %(date)s. Reason: %(reason)s") % {
            "days": ext.days,
            "date": handle.due_date.isoformat(),
            "reason": ext.reason,
        }
        kind, public = CaseEvent.Kind.EXTENSION_APPROVED, True
    else:
        ext.decision = CaseExtension.Decision.REFUSED
        text = _("Extension refused: %(note)s") % {"note": note}
        kind, public = CaseEvent.Kind.EXTENSION_REFUSED, False
    ext.save(update_fields=["decided_by", "decided_at", "decision_note", "decision", "new_due"])
    _commit(
        case,
        actor=actor,
        action="decide_extension",
        event=kind,
        text=text,
        public=public,
        after={"approve": approve, "days": ext.days, "new_due": ext.new_due.isoformat() if ext.new_due else None},
        at=now,
    )
    requester = ext.requested_by
    _queue_notify(
        lambda: [requester] if requester else [],
        case=case,
        title=_("Extension approved") if approve else _("Extension refused"),
        body=text,
        key=f"extension-decided:{ext.pk}",
    )
    return ext


@transaction.atomic
def case_draft_reply(
    *,
    actor: User,
    case: Case,
    expected_version: int | None,
    outcome: str,
    text: str,
    assistance_needed: bool = False,
    assistance_what: str = "",
    assistance_by: str = "",
    assistance_when: dt.date | None = None,
    submit: bool = True,
) -> CaseReply:
    """Write (or rewrite) the written reply; with ``submit`` it goes to the unit head for approval."""
    case = _lock(case, expected_version)
    _check_draft_reply(actor, case)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose supported, explained or not supported.")})
    text = _clean_text(text, "text", _("The reply"), limit=CONTENT_MAX)
    assistance_what = _clean_text(assistance_what, "assistance_what", _("What help"), required=assistance_needed, limit=300)
    assistance_by = _clean_text(assistance_by, "assistance_by", _("Who gives the help"), required=assistance_needed, limit=200)
    if assistance_when is not None and assistance_when < clocks.local_date(case.received_at):
        raise ValidationError({"assistance_when": _("The date of help cannot be before the case was received.")})
    now = _now()
    reply, _created = CaseReply.objects.update_or_create(
        case=case,
        defaults={
            "outcome": outcome,
            "text": text,
            "status": CaseReply.Status.SUBMITTED if submit else CaseReply.Status.DRAFT,
            "drafted_by": actor,
            "drafted_at": now,
            "approved_by": None,
            "approved_at": None,
            "assistance_needed": bool(assistance_needed),
            "assistance_what": assistance_what if assistance_needed else "",
            "assistance_by": assistance_by if assistance_needed else "",
            "assistance_when": assistance_when if assistance_needed else None,
        },
    )
    case.search_tokens = _search_tokens(case, text)
    _commit(
        case,
        actor=actor,
        action="draft_reply",
        to_state=State.REPLY_PENDING if submit else None,
        event=CaseEvent.Kind.REPLY_SUBMITTED if submit else CaseEvent.Kind.REPLY_DRAFTED,
        text=str(Outcome(outcome).label),
        fields=["search_tokens"],
        after={"outcome": outcome, "submit": submit, "assistance": assistance_needed},
        at=now,
    )
    if submit:
        lead = _lead_unit(case)
        n = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.REPLY_SUBMITTED).count()
        _queue_notify(
            lambda: _heads([lead] if lead else []) if lead and lead.parent_id else _role_users(Role.LEADER),
            case=case,
            title=_("A reply is waiting for your approval"),
            body=case.title,
            key=f"reply-submitted:{n}",
        )
    return reply


@transaction.atomic
def case_approve_reply(*, actor: User, case: Case, expected_version: int | None, note: str = "") -> CaseReply:
    """The unit head approves the submitted reply."""
    case = _lock(case, expected_version)
    _check_approve_reply(actor, case)
    note = _clean_text(note, "note", _("The note"), required=False)
    now = _now()
    reply = CaseReply.objects.get(case=case)
    reply.status = CaseReply.Status.APPROVED
    reply.approved_by = actor
    reply.approved_at = now
    reply.return_reason = ""
    reply.save(update_fields=["status", "approved_by", "approved_at", "return_reason"])
    _commit(
        case,
        actor=actor,
        action="approve_reply",
        to_state=State.REPLY_APPROVED,
        event=CaseEvent.Kind.REPLY_APPROVED,
        text=note,
        after={"note": note},
        at=now,
    )
    drafter = reply.drafted_by
    _queue_notify(
        lambda: [drafter] if drafter else [],
        case=case,
        title=_("Reply approved; issue it to the complainant"),
        key=f"reply-approved:{case.version}",
    )
    return reply


@transaction.atomic
def case_return_reply(*, actor: User, case: Case, expected_version: int | None, reason: str) -> CaseReply:
    """The unit head returns the reply for changes; the case is back in handling."""
    case = _lock(case, expected_version)
    _check_approve_reply(actor, case)
    reason = _clean_text(reason, "reason", _("The reason"))
    now = _now()
    reply = CaseReply.objects.get(case=case)
    reply.status = CaseReply.Status.RETURNED
    reply.return_reason = reason
    reply.save(update_fields=["status", "return_reason"])
    _commit(
        case,
        actor=actor,
        action="return_reply",
        to_state=State.HANDLING,
        event=CaseEvent.Kind.REPLY_RETURNED,
        text=reason,
        after={"reason": reason},
        at=now,
    )
    drafter = reply.drafted_by
    _queue_notify(
        lambda: [drafter] if drafter else [],
        case=case,
        title=_("Reply returned for changes"),
        body=reason,
        key=f"reply-returned:{case.version}",
    )
    return reply


@transaction.atomic
def case_notify_complainant(*, actor: User, case: Case, expected_version: int | None, via: str = ContactChannel.PHONE) -> Case:
    """Issue the approved reply to the complainant: stops the handling clock and opens the
    review (or re-review) window. After a re-review the matter is finished (终结)."""
    case = _lock(case, expected_version)
    _check_notify(actor, case)
    if via not in ContactChannel.values:
        raise ValidationError({"via": _("Unknown channel.")})
    now = _now()
    reply = CaseReply.objects.get(case=case)
    reply.status = CaseReply.Status.ISSUED
    reply.issued_by = actor
    reply.issued_at = now
    reply.issued_via = via
    reply.save(update_fields=["status", "issued_by", "issued_at", "issued_via"])
    clocks.clock_stop(
        case, [ClockKind.HANDLE, ClockKind.CONTACT, ClockKind.REVIEW_OPINION, ClockKind.REREVIEW_OPINION, ClockKind.OBJECTION], now
    )
    cal = get_calendar()
    fields = ["replied_at"]
    if case.level == Level.ORIGINAL:
        clocks.clock_start(case, ClockKind.REVIEW_REQUEST, now, clocks.rule("review_request"), cal)
    elif case.level == Level.REVIEW:
        clocks.clock_start(case, ClockKind.REREVIEW_REQUEST, now, clocks.rule("rereview_request"), cal)
    else:
        case.final = True
        fields.append("final")
        chain = []
        node = case.parent_case
        while node is not None:
            chain.append(node.pk)
            node = node.parent_case
        Case.objects.filter(pk__in=chain).update(final=True)
    case.replied_at = now
    label = {Level.ORIGINAL: _("written reply"), Level.REVIEW: _("review opinion"), Level.REREVIEW: _("re-review opinion")}[
        Level(case.level)
    ]
    _commit(
        case,
        actor=actor,
        action="notify_complainant",
        to_state=State.REPLIED,
        event=CaseEvent.Kind.REPLIED,
        text=_("The %(what)s was issued (%(outcome)s).") % {"what": label, "outcome": Outcome(reply.outcome).label}
        + (
            "\n" + _("This matter is now finished and will not be accepted again on the same facts.")
            if case.level == Level.REREVIEW
            else ""
        ),
        public=True,
        fields=fields,
        after={"via": via, "outcome": reply.outcome, "final": case.final},
        at=now,
    )
    _queue_notify(lambda: _role_users(Role.FOLLOWUP), case=case, title=_("Reply issued; follow up with the complainant"), key="replied")
    return case


# ---------------------------------------------------------------------------
# After the reply
# ---------------------------------------------------------------------------


@transaction.atomic
def case_record_followup(
    *,
    actor: User | None,
    case: Case,
    expected_version: int | None,
    resolved: bool,
    satisfaction: str = "",
    comment: str = "",
    channel: str = ContactChannel.PHONE,
    by_complainant: bool = False,
) -> CaseFollowUp:
    """Record the complainant's answers: resolved or not, satisfaction, comment.

    ``by_complainant=True`` with ``actor=None``: the complainant rates the answer through a
    public door (the portal), which has checked their query code; once per case."""
    case = _lock(case, expected_version)
    complainant = by_complainant and actor is None
    _check_followup(actor, case, complainant)  # type: ignore[arg-type]
    if complainant and CaseFollowUp.objects.filter(case=case, channel=ContactChannel.PORTAL, by__isnull=True).exists():
        raise ValidationError(_("You have already rated this answer."))
    if satisfaction and satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("Choose satisfied, basically satisfied or dissatisfied.")})
    if channel not in ContactChannel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    comment = _clean_text(comment, "comment", _("The comment"), required=False)
    now = _now()
    fu = CaseFollowUp.objects.create(
        case=case, resolved=bool(resolved), satisfaction=satisfaction, comment=comment, channel=channel, by=actor, at=now
    )
    text = (_("Resolved") if resolved else _("Not resolved")) + (f" · {Satisfaction(satisfaction).label}" if satisfaction else "")
    _commit(
        case,
        actor=actor,
        action="record_followup",
        event=CaseEvent.Kind.FOLLOWUP,
        text=text + (f"\n{comment}" if comment else ""),
        after={"resolved": resolved, "satisfaction": satisfaction, "channel": channel},
        at=now,
    )
    return fu


@transaction.atomic
def case_close(*, actor: User, case: Case, expected_version: int | None, note: str = "") -> Case:
    """Close a replied case. A named case is closed after its follow-up. The complainant's
    review window stays open."""
    case = _lock(case, expected_version)
    _check_close(actor, case)
    if not case.anonymous and not CaseFollowUp.objects.filter(case=case).exists():
        raise ValidationError(_("A named case is closed after its follow-up; record the follow-up first."))
    note = _clean_text(note, "note", _("The note"), required=False)
    now = _now()
    clocks.clock_stop(case, [k for k in ClockKind.values if k not in (ClockKind.REVIEW_REQUEST, ClockKind.REREVIEW_REQUEST)], now)
    case.closed_at = now
    _commit(
        case,
        actor=actor,
        action="close",
        to_state=State.CLOSED,
        event=CaseEvent.Kind.CLOSED,
        text=note,
        public=True,
        fields=["closed_at"],
        after={"note": note},
        at=now,
    )
    return case


def next_higher_unit(unit: Unit | None) -> Unit:
    """Where a review (or re-review) is handled: the parent of the unit that handled the
    case below; at the top of the tree, the district itself."""
    if unit is None:
        root = Unit.objects.filter(parent__isnull=True).order_by("id").first()
        if root is None:
            raise ValidationError(_("No district unit is configured."))
        return root
    return unit.parent if unit.parent is not None else unit


def _open_review(
    *,
    actor: User | None,
    case: Case,
    expected_version: int | None,
    reason: str,
    level: str,
    received_at: dt.datetime | None,
    by_complainant: bool = False,
) -> Case:
    request_step, opinion_step, window_kind = (
        ("review_request", "review_opinion", ClockKind.REVIEW_REQUEST)
        if level == Level.REVIEW
        else ("rereview_request", "rereview_opinion", ClockKind.REREVIEW_REQUEST)
    )
    case = _lock(case, expected_version)
    _check_request_review(actor, case, Level.ORIGINAL if level == Level.REVIEW else Level.REVIEW, by_complainant and actor is None)  # type: ignore[arg-type]
    reason = _clean_text(reason, "reason", _("The reason"), limit=CONTENT_MAX)
    now = _now()
    received = received_at or now
    if received > now + dt.timedelta(minutes=5):
        raise ValidationError({"received_at": _("The time of receipt cannot be in the future.")})
    if case.replied_at is None:
        raise ValidationError(_("The reply has not been issued yet."))
    cal = get_calendar()
    window = clocks.rule(request_step)
    window_end = cal.add(clocks.local_date(case.replied_at), window.days, window.day_type)
    if clocks.local_date(received) > window_end:
        raise ValidationError(clocks.window_message(window_kind, window_end, window.days))
    handled_by = case.current_unit
    higher = next_higher_unit(handled_by)
    prefix = _("Review") if level == Level.REVIEW else _("Re-review")
    review = Case(
        number=allocate_number(received),
        level=level,
        parent_case=case,
        channel=case.channel,
        type=case.type,
        title=f"{prefix}：{case.title}"[:200],
        content=reason,
        category=case.category,
        urgent=False,
        address=case.address,
        latitude=case.latitude,
        longitude=case.longitude,
        town=case.town,
        anonymous=case.anonymous,
        joint=case.joint,
        head_count=case.head_count,
        confidential=case.confidential,
        accused_unit=case.accused_unit,
        state=State.HANDLING,
        received_at=received,
        decided_at=now,
        assigned_at=now,
        current_unit=higher,
        created_by=actor,
        created_at=now,
        updated_by=actor,
        updated_at=now,
        version=0,
    )
    review.search_tokens = _search_tokens(review)
    review.save()
    Complainant.objects.bulk_create(
        [
            Complainant(
                case=review,
                name=c.name,
                phone=c.phone,
                id_number=c.id_number,
                address=c.address,
                is_representative=c.is_representative,
                order=c.order,
            )
            for c in case.complainants.all()
        ]
    )
    CaseAssignment.objects.create(
        case=review, unit=higher, is_lead=True, status=CaseAssignment.Status.RECEIVED, assigned_by=actor, assigned_at=now, received_at=now
    )
    CaseLink.objects.create(from_case=review, to_case=case, kind=CaseLink.Kind.REVIEW_OF, created_by=actor, created_at=now)
    clocks.clock_start(
        review, ClockKind.REVIEW_OPINION if level == Level.REVIEW else ClockKind.REREVIEW_OPINION, received, clocks.rule(opinion_step), cal
    )
    clocks.clock_stop(case, [window_kind], now)
    what = _("review") if level == Level.REVIEW else _("re-review")
    _commit(
        review,
        actor=actor,
        action="register",
        event=CaseEvent.Kind.REGISTERED,
        text=_("Request for %(what)s of case %(number)s, handled by %(unit)s.")
        % {"what": what, "number": case.number, "unit": higher.name},
        public=True,
        at=now,
        after={"number": review.number, "level": level, "of": case.number, "unit": higher.code},
    )
    _commit(
        case,
        actor=actor,
        action="request_review" if level == Level.REVIEW else "request_rereview",
        event=CaseEvent.Kind.REVIEW_REQUESTED if level == Level.REVIEW else CaseEvent.Kind.REREVIEW_REQUESTED,
        text=_("The complainant asked for a %(what)s: case %(number)s.") % {"what": what, "number": review.number},
        public=True,
        at=now,
        after={"review_case": review.number},
    )
    _queue_notify(
        lambda: _unit_staff([higher]) if higher.parent_id else _role_users(Role.INTAKE),
        case=review,
        title=_("A %(what)s to handle") % {"what": what},
        body=reason[:200],
        key="opened",
    )
    return review


@transaction.atomic
def case_request_review(
    *,
    actor: User | None,
    case: Case,
    expected_version: int | None,
    reason: str,
    received_at: dt.datetime | None = None,
    by_complainant: bool = False,
) -> Case:
    """Register the complainant's request for review (复查) of a replied case, within the
    window; opens a new linked case at the next-higher unit with a 30-day opinion clock.
    ``by_complainant=True`` with ``actor=None``: asked by the complainant on the portal."""
    return _open_review(
        actor=actor,
        case=case,
        expected_version=expected_version,
        reason=reason,
        level=Level.REVIEW,
        received_at=received_at,
        by_complainant=by_complainant,
    )


@transaction.atomic
def case_request_rereview(
    *,
    actor: User | None,
    case: Case,
    expected_version: int | None,
    reason: str,
    received_at: dt.datetime | None = None,
    by_complainant: bool = False,
) -> Case:
    """Register a request for re-review (复核) of a review case, within the window."""
    return _open_review(
        actor=actor,
        case=case,
        expected_version=expected_version,
        reason=reason,
        level=Level.REREVIEW,
        received_at=received_at,
        by_complainant=by_complainant,
    )


@transaction.atomic
def case_withdraw(*, actor: User | None, case: Case, expected_version: int | None, reason: str = "", by_complainant: bool = False) -> Case:
    """Record that the complainant withdrew the case (``by_complainant=True`` with
    ``actor=None``: the complainant withdrew it on the portal)."""
    case = _lock(case, expected_version)
    _check_withdraw(actor, case, by_complainant and actor is None)  # type: ignore[arg-type]
    reason = _clean_text(reason, "reason", _("The reason"), required=False)
    now = _now()
    clocks.clock_stop(case, None, now)
    case.closed_at = now
    _commit(
        case,
        actor=actor,
        action="withdraw",
        to_state=State.WITHDRAWN,
        event=CaseEvent.Kind.WITHDRAWN,
        text=_("Withdrawn by the complainant.") + (f"\n{reason}" if reason else ""),
        public=True,
        fields=["closed_at"],
        after={"reason": reason},
        at=now,
    )
    lead = _lead_unit(case)
    if lead is not None:
        _queue_notify(lambda: _unit_staff([lead]), case=case, title=_("The complainant withdrew the case"), key="withdrawn")
    return case


# ---------------------------------------------------------------------------
# Any time
# ---------------------------------------------------------------------------


@transaction.atomic
def case_link(*, actor: User, case: Case, expected_version: int | None, other: Case, kind: str = CaseLink.Kind.RELATED) -> CaseLink:
    """Link this case to another (duplicate of, related to). Review links are made by the review services."""
    case = _lock(case, expected_version)
    _check_link(actor, case)
    if kind not in (CaseLink.Kind.DUPLICATE_OF, CaseLink.Kind.RELATED):
        raise ValidationError({"kind": _("Choose “duplicate of” or “related to”.")})
    if other.pk == case.pk:
        raise ValidationError({"other": _("A case cannot be linked to itself.")})
    if not user_can_see_case(actor, other):
        raise ValidationError({"other": _("No such case.")})
    if CaseLink.objects.filter(Q(from_case=case, to_case=other) | Q(from_case=other, to_case=case), kind=kind).exists():
        raise ValidationError({"other": _("These cases are already linked.")})
    now = _now()
    link = CaseLink.objects.create(from_case=case, to_case=other, kind=kind, created_by=actor, created_at=now)
    _commit(
        case,
        actor=actor,
        action="link",
        event=CaseEvent.Kind.LINKED,
        text=f"{CaseLink.Kind(kind).label} {other.number}",
        after={"other": other.number, "kind": kind},
        at=now,
    )
    return link


@transaction.atomic
def case_add_attachment(
    *, actor: User, case: Case, expected_version: int | None, upload: IO[bytes], name: str, description: str = "", is_material: bool = False
) -> CaseAttachment:
    """Store a file (checked by content, not by name) and attach it to the case."""
    case = _lock(case, expected_version)
    _check_attachment(actor, case)
    if is_material and case.type != CaseType.ACCUSATION:
        raise ValidationError({"is_material": _("Only an accusation has protected materials.")})
    description = _clean_text(description, "description", _("The description"), required=False, limit=200)
    attachment = _store_attachment(actor, case, upload, name, description, is_material)
    _commit(
        case,
        actor=actor,
        action="add_attachment",
        event=CaseEvent.Kind.ATTACHMENT,
        text=attachment.file.original_name,
        after={"file": str(attachment.file_id), "name": attachment.file.original_name, "material": is_material},
    )
    return attachment


@transaction.atomic
def case_reveal_identity(*, actor: User, case: Case, reason: str = "") -> list[dict[str, object]]:
    """Show a masked identity to a user allowed to reveal it, and log the access
    (audit action ``case.reveal_identity``). Does not change the case or its version."""
    from cases.access import complainant_view

    case = Case.objects.get(pk=case.pk)
    if is_accused(actor, case) or not user_can_see_case(actor, case):
        raise _deny(_("You may not see this complainant's identity."))
    _check_reveal(actor, case)
    reason = _clean_text(reason, "reason", _("The reason"), required=False, limit=300)
    people = list(case.complainants.all())
    audit_record(
        actor=actor,
        action="case.reveal_identity",
        obj=case,
        object_label=case.number,
        after={"complainants": len(people), "reason": reason},
    )
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.IDENTITY_REVEALED,
        actor=actor,
        actor_name=str(actor),
        unit=actor.unit,
        text=reason,
        public=False,
    )
    return [complainant_view(c, plain=True) for c in people]


# ---------------------------------------------------------------------------
# Merging a duplicate into the main case
# ---------------------------------------------------------------------------


def _merged_into(case: Case) -> Case | None:
    """The main case ``case`` was merged into (not accepted as its duplicate), or None."""
    if case.state != State.NOT_ACCEPTED:
        return None
    link = CaseLink.objects.filter(from_case=case, kind=CaseLink.Kind.DUPLICATE_OF).select_related("to_case").order_by("-id").first()
    return link.to_case if link is not None else None


def _chain_finished(case: Case) -> bool:
    """True when the case's matter is finished: the newest level of its review chain is
    closed, not accepted, redirected, withdrawn or finished after re-review (a closed
    original with an open review is still open)."""
    if case.final:
        return True
    newest = case
    node: Case | None = case
    while node is not None:
        review = Case.objects.filter(parent_case=node).order_by("-id").first()
        if review is None:
            break
        newest = node = review
    return newest.state in FINISHED_STATES or newest.final


@transaction.atomic
def merge_case(*, actor: User, case: Case, into: Case, expected_version: int | None, note: str = "") -> Case:
    """Merge ``case`` into the main case ``into``, which handles the same matter: ``case`` is
    linked as its duplicate and not accepted separately, and the complainant is told why
    (a public timeline line; the outbox sends the not-accepted message). One audit row,
    ``case.merge``. When the main case's written reply is issued, the same reply is issued
    on ``case`` (:func:`case_follow_reply`; at once when it is issued already), so the
    merged case is finished when the main one is answered.

    Refused (nothing changes): not an intake officer; into itself; a case that is no longer
    registered (decided, closed, ...); a review or re-review request; into a case that is
    itself merged (merges do not chain: merge into the main case); into a case whose
    matter is finished (closed, not accepted, redirected, withdrawn, or a closed review
    chain); into a case not yet accepted."""
    if not _is_intake(actor):
        raise _deny(_("Only intake officers may do this."))
    if case.pk == into.pk:
        raise ValidationError(_("A case cannot be merged into itself."))
    if not user_can_see_case(actor, into):
        raise ValidationError(_("No such case."))
    case = _lock(case, expected_version)
    into = Case.objects.select_for_update(of=("self",)).get(pk=into.pk)
    if case.level != Level.ORIGINAL:
        raise ValidationError(_("A review or re-review request cannot be merged; it is handled on its own."))
    if case.state != State.REGISTERED:
        raise ValidationError(
            _("Only a case still to be decided can be merged (this one is “%(state)s”); link it as a duplicate instead.")
            % {"state": State(case.state).label}
        )
    main = _merged_into(into)
    if main is not None:
        raise ValidationError(
            _("Case %(number)s is itself merged into %(main)s; merge into the main case.") % {"number": into.number, "main": main.number}
        )
    if _chain_finished(into):
        raise ValidationError(
            _("Case %(number)s is finished (closed review chain); a new case cannot be merged into it.") % {"number": into.number}
        )
    if into.state == State.REGISTERED:
        raise ValidationError(
            _("Case %(number)s has not been accepted yet; accept the main case first, then merge.") % {"number": into.number}
        )
    note = _clean_text(note, "note", _("The note"), required=False, limit=500)
    reason = _(
        "Merged as a duplicate of case %(number)s, which is handling the same matter; its written reply will be sent to you as the answer to this case."
    ) % {"number": into.number}
    if note:
        reason += f"\n{note}"
    now = _now()
    if not CaseLink.objects.filter(from_case=case, to_case=into, kind=CaseLink.Kind.DUPLICATE_OF).exists():
        CaseLink.objects.create(from_case=case, to_case=into, kind=CaseLink.Kind.DUPLICATE_OF, created_by=actor, created_at=now)
    _close_not_accepted(case, actor=actor, action="merge", reason=reason, after={"into": into.number, "note": note}, now=now)
    if CaseReply.objects.filter(case=into, status=CaseReply.Status.ISSUED).exists():
        case_follow_reply(case=case, main=into)
    return case


@transaction.atomic
def case_follow_reply(*, case: Case, main: Case) -> bool:
    """Issue the main case's written reply on a case merged into it: the same reply, a public
    timeline line, the audit row, and the reply message to the complainant (outbox).
    Idempotent: False when the main case has no issued reply yet or ``case`` has one."""
    reply = CaseReply.objects.filter(case=main, status=CaseReply.Status.ISSUED).first()
    if reply is None:
        return False
    dup = _lock(case, None)
    if CaseReply.objects.filter(case=dup, status=CaseReply.Status.ISSUED).exists():
        return False
    now = _now()
    CaseReply.objects.update_or_create(
        case=dup,
        defaults={
            "outcome": reply.outcome,
            "text": reply.text,
            "status": CaseReply.Status.ISSUED,
            "drafted_by": reply.drafted_by,
            "drafted_at": reply.drafted_at,
            "approved_by": reply.approved_by,
            "approved_at": reply.approved_at,
            "issued_by": reply.issued_by,
            "issued_at": now,
            "issued_via": reply.issued_via,
        },
    )
    dup.replied_at = now
    _commit(
        dup,
        actor=None,
        action="follow_reply",
        event=CaseEvent.Kind.REPLIED,
        text=_("The written reply to case %(number)s, into which this case was merged, was issued to you as the answer to this case.")
        % {"number": main.number},
        public=True,
        fields=["replied_at"],
        after={"main": main.number, "outcome": reply.outcome},
        at=now,
    )
    dup_id, main_id = dup.pk, main.pk
    transaction.on_commit(lambda: _tell_reply_followed(dup_id, main_id))
    return True


def _tell_reply_followed(case_id: int, main_id: int) -> None:
    """The reply message to the complainant of a merged case (when the outbox is installed)."""
    from django.apps import apps

    if not apps.is_installed("outbox"):
        return
    try:
        from outbox.models import Event
        from outbox.services import message_queue

        dup = Case.objects.select_related("current_unit").filter(pk=case_id).first()
        if dup is not None:
            message_queue(case=dup, event=Event.REPLIED, key=f"merged:{main_id}")
    except Exception:  # the reply is issued; a message that cannot be queued is logged
        import logging

        logging.getLogger(__name__).exception("could not queue the reply message of merged case %s", case_id)


def finished(case: Case) -> bool:
    return case.state in FINISHED_STATES
