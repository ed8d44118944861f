"""Every write on hazards, campaigns and inspections. Each service is one transaction
that checks role, unit and state, writes the audit row and a timeline event, and queues
side effects on commit. A refused action raises and changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from accounts.models import Role, Unit, UnitKind, User
from audit.services import audit_record
from files.services import file_path, file_store
from hazards import access
from hazards.models import (
    UNRECTIFIED_STATES,
    Campaign,
    CampaignTarget,
    ChecklistItem,
    Grade,
    Hazard,
    HazardCategory,
    HazardEvent,
    HazardExtension,
    HazardPhoto,
    HazardPlan,
    HazardRules,
    HazardSequence,
    ImportJob,
    Inspection,
    InspectionPhoto,
    ListingLevel,
    Source,
    State,
)
from notifications.models import Notification
from notifications.services import notify
from workcal.selectors import get_calendar

Upload = IO[bytes]
ANSWER_VALUES = ("ok", "problem", "na")


# ---------------------------------------------------------------- helpers


def today() -> dt.date:
    return timezone.localdate()


def normalise_text(text: str) -> str:
    """Lower case, without spaces or punctuation (Chinese punctuation included)."""
    return re.sub(r"[\W_]+", "", text or "").lower()


def dedupe_key_for(*, address: str, category_id: int, description: str) -> str:
    raw = f"{normalise_text(address)}|{category_id}|{normalise_text(description)}"
    return hashlib.sha256(raw.encode()).hexdigest()


def allocate_numbers(year: int, count: int = 1) -> list[str]:
    """Reserve ``count`` consecutive hazard numbers of ``year`` (inside the caller's transaction)."""
    HazardSequence.objects.get_or_create(year=year)
    HazardSequence.objects.filter(year=year).update(last=F("last") + count)
    last = HazardSequence.objects.get(year=year).last
    return [f"YH{year}-{n:05d}" for n in range(last - count + 1, last + 1)]


def _event(hazard: Hazard, actor: User | None, kind: str, note: str = "") -> HazardEvent:
    return HazardEvent.objects.create(
        hazard=hazard, actor=actor if getattr(actor, "pk", None) else None, actor_name=str(actor) if actor else _("system"), kind=kind, note=note
    )


def _touch(hazard: Hazard, *fields: str) -> None:
    hazard.updated_at = timezone.now()
    hazard.save(update_fields=[*fields, "updated_at"])


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _store_photos(*, actor: User | None, hazard: Hazard, uploads: Iterable[Upload], phase: str) -> list[HazardPhoto]:
    photos = []
    for upload in uploads:
        stored = file_store(actor=actor, upload=upload, name=getattr(upload, "name", "photo.jpg"), allowed_kinds={"image"})
        photos.append(HazardPhoto.objects.create(hazard=hazard, file=stored, phase=phase, uploaded_by=actor))
    return photos


def hazard_url(hazard: Hazard) -> str:
    return reverse("hazards:detail", args=[hazard.number])


def default_deadline(*, grade: str, found_on: dt.date) -> dt.date:
    rules = HazardRules.current()
    days = rules.general_days if grade == Grade.GENERAL else rules.major_max_days
    return get_calendar().add_calendar_days(found_on, days)


def _state_label(state: str) -> str:
    return str(State(state).label)


def _check_state(hazard: Hazard, allowed: Sequence[str], action: str) -> None:
    if hazard.state not in allowed:
        raise ValidationError(
            _("A hazard that is “%(state)s” cannot be %(action)s.") % {"state": _state_label(hazard.state), "action": action}
        )


def _unit_heads(unit: Unit) -> list[User]:
    users = list(User.objects.filter(unit=unit, is_active=True, role_assignments__role=Role.HEAD).distinct())
    if unit.leader_id and all(u.pk != unit.leader_id for u in users):
        leader = User.objects.filter(pk=unit.leader_id, is_active=True).first()
        if leader:
            users.append(leader)
    return users


def _unit_workers(unit: Unit) -> list[User]:
    return list(User.objects.filter(unit=unit, is_active=True, role_assignments__role__in=[Role.OFFICER, Role.HEAD]).distinct())


def _supervisors() -> list[User]:
    return list(User.objects.filter(is_active=True, role_assignments__role=Role.SUPERVISOR).distinct())


# ---------------------------------------------------------------- register and edit


def _validate_plan_fields(
    *, found_on: dt.date, responsible_person: str, measures: str, funds_amount: Decimal | None, deadline: dt.date | None, contingency: str
) -> None:
    errors: dict[str, list[str]] = {}
    if not (responsible_person or "").strip():
        errors["responsible_person"] = [_("Name the person responsible for the rectification.")]
    if not (measures or "").strip():
        errors["measures"] = [_("Describe the rectification measures.")]
    if funds_amount is None:
        errors["funds_amount"] = [_("State the funds set aside for the rectification (0 if none are needed).")]
    elif funds_amount < 0:
        errors["funds_amount"] = [_("The funds cannot be negative.")]
    if deadline is None:
        errors["deadline"] = [_("Set the deadline of the rectification.")]
    elif deadline < found_on:
        errors["deadline"] = [_("The deadline cannot be before the date the hazard was found.")]
    if not (contingency or "").strip():
        errors["contingency"] = [_("Describe the contingency plan while the hazard is being rectified.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def hazard_register(
    *,
    actor: User,
    category: HazardCategory,
    grade: str,
    title: str,
    description: str,
    address: str,
    town: Unit,
    unit: Unit,
    found_on: dt.date,
    deadline: dt.date | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    responsible_person: str = "",
    responsible_phone: str = "",
    source: str = Source.UNIT_REPORT,
    source_note: str = "",
    inspection: Inspection | None = None,
    source_case: Any | None = None,
    plan: dict[str, Any] | None = None,
    photos: Sequence[Upload] = (),
) -> Hazard:
    """Register a hazard found on ``found_on``. A major hazard may come with its plan;
    its deadline is then the plan's."""
    _require(access.can_work(actor), _("You may not register hazards."))
    _require(
        access.user_covers_unit(actor, town) or access.user_covers_unit(actor, unit),
        _("You may register hazards only on your own territory or for your own unit."),
    )
    errors: dict[str, list[str]] = {}
    if grade not in Grade.values:
        errors["grade"] = [_("Choose the grade: general or major.")]
    if not category.is_active:
        errors["category"] = [_("This category is no longer in use.")]
    if town.kind != UnitKind.TOWN:
        errors["town"] = [_("Choose a town or street.")]
    if not unit.is_active:
        errors["unit"] = [_("The responsible unit is no longer active.")]
    if not (title or "").strip():
        errors["title"] = [_("Give the hazard a short title.")]
    if not (description or "").strip():
        errors["description"] = [_("Describe the hazard.")]
    if not (address or "").strip():
        errors["address"] = [_("Give the location of the hazard.")]
    if found_on > today():
        errors["found_on"] = [_("The date found cannot be in the future.")]
    if source not in Source.values:
        errors["source"] = [_("Choose the source of the report.")]
    if (latitude is None) != (longitude is None):
        errors["latitude"] = [_("Give both latitude and longitude, or neither.")]
    if plan and grade == Grade.MAJOR:
        try:
            _validate_plan_fields(found_on=found_on, **{k: plan.get(k) for k in ("responsible_person", "measures", "funds_amount", "deadline", "contingency")})
        except ValidationError as exc:
            for field, msgs in exc.message_dict.items():
                errors.setdefault(f"plan_{field}", []).extend(msgs)
        if plan.get("deadline"):
            deadline = plan["deadline"]
    if deadline is None and "found_on" not in errors:
        deadline = default_deadline(grade=grade, found_on=found_on)
    if deadline is not None and deadline < found_on:
        errors["deadline"] = [_("The deadline cannot be before the date the hazard was found.")]
    if inspection is not None:
        source = Source.INSPECTION
    if source_case is not None:
        source = Source.CASE
    if errors:
        raise ValidationError(errors)
    assert deadline is not None
    number = allocate_numbers(today().year)[0]
    hazard = Hazard.objects.create(
        number=number,
        category=category,
        grade=grade,
        title=title.strip(),
        description=description.strip(),
        address=address.strip(),
        latitude=latitude,
        longitude=longitude,
        town=town,
        unit=unit,
        responsible_person=responsible_person.strip(),
        responsible_phone=responsible_phone.strip(),
        source=source,
        source_note=source_note.strip(),
        inspection=inspection,
        source_case=source_case,
        campaign=inspection.campaign if inspection else None,
        found_on=found_on,
        deadline=deadline,
        registered_by=actor,
        dedupe_key=dedupe_key_for(address=address, category_id=category.pk, description=description),
    )
    if plan and grade == Grade.MAJOR:
        HazardPlan.objects.create(
            hazard=hazard,
            responsible_person=plan["responsible_person"].strip(),
            measures=plan["measures"].strip(),
            funds_amount=plan["funds_amount"],
            funds_source=(plan.get("funds_source") or "").strip(),
            deadline=plan["deadline"],
            contingency=plan["contingency"].strip(),
            updated_by=actor,
        )
    if inspection is not None and not inspection.found_hazards:
        inspection.found_hazards = True
        inspection.save(update_fields=["found_hazards"])
    _store_photos(actor=actor, hazard=hazard, uploads=photos, phase=HazardPhoto.Phase.BEFORE)
    _event(hazard, actor, HazardEvent.Kind.REGISTERED, f"{hazard.get_grade_display()} · {category.name}")
    if plan and grade == Grade.MAJOR:
        _event(hazard, actor, HazardEvent.Kind.PLAN_SAVED)
    audit_record(
        actor=actor,
        action="hazard.register",
        obj=hazard,
        after={"number": number, "grade": grade, "category": category.code, "unit": unit.code, "town": town.code, "deadline": deadline, "source": source},
    )
    url = hazard_url(hazard)
    recipients = [u for u in _unit_workers(unit) if u.pk != actor.pk]
    title_text = _("New hazard %(number)s for your unit: %(title)s") % {"number": number, "title": hazard.title}
    transaction.on_commit(lambda: _notify_later(recipients, title_text, url, f"hazard:{hazard.pk}:registered"))
    return hazard


def _notify_later(users: list[User], title: str, url: str, key: str, level: str = Notification.Level.INFO) -> None:
    with transaction.atomic():
        notify(users=users, title=title, url=url, level=level, dedupe_key=key)


def _case_line(case_id: int, actor: User | None, text: str) -> None:
    """A line on a complaint case's timeline (internal, not shown to the complainant)."""
    from cases.models import CaseEvent

    CaseEvent.objects.create(
        case_id=case_id,
        kind=CaseEvent.Kind.LINKED,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=str(actor) if actor else _("system"),
        unit=actor.unit if actor is not None and actor.unit_id else None,
        text=text,
        public=False,
    )


@transaction.atomic
def hazard_register_from_case(*, actor: User, case: Any, **fields: Any) -> Hazard:
    """Register a hazard reported in a complaint case ("register as hazard" on the case page).
    The hazard links to the case, and the case's timeline records it (and later its close-off)."""
    from cases.access import user_can_see_case

    _require(user_can_see_case(actor, case), _("You may not see this case."))
    fields.pop("source", None)
    if not (fields.get("source_note") or "").strip():
        fields["source_note"] = _("Complaint case %(number)s") % {"number": case.number}
    hazard = hazard_register(actor=actor, source=Source.CASE, source_case=case, **fields)
    _case_line(case.pk, actor, _("Registered as hazard %(number)s: %(title)s") % {"number": hazard.number, "title": hazard.title})
    return hazard


EDITABLE_FIELDS = ("title", "description", "address", "latitude", "longitude", "responsible_person", "responsible_phone")


@transaction.atomic
def hazard_update(*, actor: User, hazard: Hazard, **changes: Any) -> Hazard:
    """Correct the descriptive details of an open hazard (not its grade, unit or clock)."""
    _require(access.can_edit_hazard(actor, hazard), _("You may not change this hazard."))
    if hazard.state == State.CLOSED:
        raise ValidationError(_("A closed hazard cannot be changed."))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These details cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for field in ("title", "description", "address"):
        if field in changes and not (changes[field] or "").strip():
            raise ValidationError({field: [_("This field cannot be empty.")]})
    before = {f: getattr(hazard, f) for f in changes}
    changed = [f for f, v in changes.items() if getattr(hazard, f) != v]
    if not changed:
        return hazard
    for field in changed:
        setattr(hazard, field, changes[field].strip() if isinstance(changes[field], str) else changes[field])
    hazard.dedupe_key = dedupe_key_for(address=hazard.address, category_id=hazard.category_id, description=hazard.description)
    _touch(hazard, *changed, "dedupe_key")
    _event(hazard, actor, HazardEvent.Kind.UPDATED, ", ".join(str(Hazard._meta.get_field(f).verbose_name) for f in changed))
    audit_record(actor=actor, action="hazard.update", obj=hazard, before={f: before[f] for f in changed}, after={f: getattr(hazard, f) for f in changed})
    return hazard


@transaction.atomic
def hazard_plan_save(
    *,
    actor: User,
    hazard: Hazard,
    responsible_person: str,
    measures: str,
    funds_amount: Decimal | None,
    deadline: dt.date | None,
    contingency: str,
    funds_source: str = "",
) -> HazardPlan:
    """Save the five-point plan (五落实) of a major hazard. Before rectification starts the
    plan's deadline becomes the hazard's; afterwards the deadline moves only by extension."""
    _require(access.can_edit_hazard(actor, hazard), _("You may not change this hazard."))
    if hazard.grade != Grade.MAJOR:
        raise ValidationError(_("Only a major hazard has a five-point rectification plan."))
    _check_state(hazard, UNRECTIFIED_STATES, _("given a new plan"))
    _validate_plan_fields(
        found_on=hazard.found_on, responsible_person=responsible_person, measures=measures, funds_amount=funds_amount, deadline=deadline, contingency=contingency
    )
    assert deadline is not None
    if hazard.state == State.RECTIFYING and deadline != hazard.deadline:
        raise ValidationError({"deadline": [_("Rectification has started: the deadline can only be moved by an approved extension.")]})
    plan = HazardPlan.objects.filter(hazard=hazard).first()
    before = None
    if plan is None:
        plan = HazardPlan(hazard=hazard)
    else:
        before = {"responsible_person": plan.responsible_person, "funds_amount": plan.funds_amount, "deadline": plan.deadline}
    plan.responsible_person = responsible_person.strip()
    plan.measures = measures.strip()
    plan.funds_amount = funds_amount
    plan.funds_source = funds_source.strip()
    plan.deadline = deadline
    plan.contingency = contingency.strip()
    plan.updated_at = timezone.now()
    plan.updated_by = actor
    plan.save()
    if hazard.deadline != deadline:
        hazard.deadline = deadline
        _touch(hazard, "deadline")
    _event(hazard, actor, HazardEvent.Kind.PLAN_SAVED)
    audit_record(
        actor=actor,
        action="hazard.plan_save",
        obj=hazard,
        before=before,
        after={"responsible_person": plan.responsible_person, "funds_amount": funds_amount, "deadline": deadline},
    )
    return plan


# ---------------------------------------------------------------- life cycle


@transaction.atomic
def hazard_start_rectification(*, actor: User, hazard: Hazard) -> Hazard:
    """registered -> rectifying. A major hazard needs its complete five-point plan first."""
    _require(access.can_edit_hazard(actor, hazard), _("You may not change this hazard."))
    hazard = Hazard.objects.select_for_update().select_related("unit", "town").get(pk=hazard.pk)
    _check_state(hazard, [State.REGISTERED], _("put into rectification"))
    if hazard.grade == Grade.MAJOR:
        plan = HazardPlan.objects.filter(hazard=hazard).first()
        if plan is None:
            raise ValidationError(_("A major hazard cannot enter rectification without its five-point plan (responsibility, measures, funds, deadline, contingency plan)."))
        missing = plan.missing_items()
        if missing:
            raise ValidationError(_("The rectification plan is incomplete: %(items)s.") % {"items": "、".join(missing)})
    hazard.state = State.RECTIFYING
    _touch(hazard, "state")
    _event(hazard, actor, HazardEvent.Kind.STARTED)
    audit_record(actor=actor, action="hazard.start", obj=hazard, before={"state": State.REGISTERED}, after={"state": State.RECTIFYING})
    return hazard


@transaction.atomic
def hazard_report_rectified(*, actor: User, hazard: Hazard, note: str, photos: Sequence[Upload] = ()) -> Hazard:
    """Report the rectification done, with evidence: a report and at least one photo after
    rectification. A general hazard may be reported straight from registered (fixed at once)."""
    _require(access.can_edit_hazard(actor, hazard), _("You may not change this hazard."))
    hazard = Hazard.objects.select_for_update().select_related("unit", "town").get(pk=hazard.pk)
    allowed = [State.REGISTERED, State.RECTIFYING] if hazard.grade == Grade.GENERAL else [State.RECTIFYING]
    if hazard.grade == Grade.MAJOR and hazard.state == State.REGISTERED:
        raise ValidationError(_("A major hazard must go through rectification under its plan before it can be reported rectified."))
    _check_state(hazard, allowed, _("reported rectified"))
    if not (note or "").strip():
        raise ValidationError({"note": [_("Describe what was done to rectify the hazard.")]})
    new_photos = _store_photos(actor=actor, hazard=hazard, uploads=photos, phase=HazardPhoto.Phase.AFTER)
    if not new_photos and not hazard.photos.filter(phase=HazardPhoto.Phase.AFTER).exists():
        raise ValidationError({"photos": [_("Attach at least one photo taken after the rectification as evidence.")]})
    before = hazard.state
    now = timezone.now()
    hazard.state = State.RECTIFIED
    hazard.rectified_at = now
    hazard.rectified_on = timezone.localdate(now)
    hazard.rectified_by = actor
    hazard.rectification_note = note.strip()
    _touch(hazard, "state", "rectified_at", "rectified_on", "rectified_by", "rectification_note")
    _event(hazard, actor, HazardEvent.Kind.RECTIFIED, note.strip())
    audit_record(
        actor=actor,
        action="hazard.rectified",
        obj=hazard,
        before={"state": before},
        after={"state": State.RECTIFIED, "photos": len(new_photos), "on_time": hazard.rectified_on <= hazard.deadline},
    )
    return hazard


@transaction.atomic
def hazard_verify(*, actor: User, hazard: Hazard, passed: bool, note: str = "") -> Hazard:
    """On-site verification (验收): passed -> verified; failed -> back to rectifying with the reason.
    The person who reported the rectification may not verify it."""
    _require(access.can_verify_hazard(actor, hazard), _("Only the supervising side (unit heads, supervisors, the safety oversight office) may verify a rectification."))
    hazard = Hazard.objects.select_for_update().select_related("unit", "town").get(pk=hazard.pk)
    _check_state(hazard, [State.RECTIFIED], _("verified"))
    if hazard.rectified_by_id == actor.pk:
        raise PermissionDenied(_("You reported this rectification yourself; another person must verify it on site."))
    if not passed and not (note or "").strip():
        raise ValidationError({"note": [_("Give the reason why the rectification failed verification.")]})
    now = timezone.now()
    if passed:
        hazard.state = State.VERIFIED
        hazard.verified_at = now
        hazard.verified_by = actor
        _touch(hazard, "state", "verified_at", "verified_by")
        _event(hazard, actor, HazardEvent.Kind.VERIFY_PASSED, (note or "").strip())
    else:
        hazard.state = State.RECTIFYING
        hazard.rectified_at = None
        hazard.rectified_on = None
        hazard.rectified_by = None
        _touch(hazard, "state", "rectified_at", "rectified_on", "rectified_by")
        _event(hazard, actor, HazardEvent.Kind.VERIFY_FAILED, note.strip())
        recipients = _unit_workers(hazard.unit)
        title = _("Hazard %(number)s failed verification and is back in rectification") % {"number": hazard.number}
        url = hazard_url(hazard)
        key = f"hazard:{hazard.pk}:verify_failed:{now:%Y%m%d%H%M%S}"
        transaction.on_commit(lambda: _notify_later(recipients, title, url, key))
    audit_record(
        actor=actor,
        action="hazard.verify",
        obj=hazard,
        before={"state": State.RECTIFIED},
        after={"state": hazard.state, "passed": passed},
        note=(note or "").strip(),
    )
    return hazard


@transaction.atomic
def hazard_close(*, actor: User, hazard: Hazard, note: str = "") -> Hazard:
    """Close off (销号) a verified hazard; a listed hazard is delisted on the same day."""
    _require(access.can_verify_hazard(actor, hazard), _("Only unit heads, supervisors and the safety oversight office may close off a hazard."))
    hazard = Hazard.objects.select_for_update().select_related("unit", "town").get(pk=hazard.pk)
    _check_state(hazard, [State.VERIFIED], _("closed off"))
    hazard.state = State.CLOSED
    hazard.closed_at = timezone.now()
    hazard.closed_by = actor
    fields = ["state", "closed_at", "closed_by"]
    if hazard.listed_level and hazard.delisted_on is None:
        hazard.delisted_on = today()
        fields.append("delisted_on")
    _touch(hazard, *fields)
    _event(hazard, actor, HazardEvent.Kind.CLOSED, (note or "").strip())
    if hazard.source_case_id:
        _case_line(
            hazard.source_case_id, actor, _("Hazard %(number)s registered from this case has been rectified, verified on site and closed off.") % {"number": hazard.number}
        )
    audit_record(actor=actor, action="hazard.close", obj=hazard, before={"state": State.VERIFIED}, after={"state": State.CLOSED}, note=(note or "").strip())
    return hazard


@transaction.atomic
def hazard_list_supervision(*, actor: User, hazard: Hazard, level: str, listed_on: dt.date, note: str = "") -> Hazard:
    """Put an open hazard under listed supervision (挂牌督办) at a level, published on a date."""
    _require(access.can_supervise_hazards(actor) and access.can_see_hazard(actor, hazard), _("Only supervisors, leaders and the safety oversight office may list a hazard for supervision."))
    if hazard.state == State.CLOSED:
        raise ValidationError(_("A closed hazard cannot be listed for supervision."))
    if level not in ListingLevel.values:
        raise ValidationError({"level": [_("Choose the level of the listed supervision.")]})
    if listed_on < hazard.found_on or listed_on > today():
        raise ValidationError({"listed_on": [_("The publication date must lie between the date found and today.")]})
    before = {"level": hazard.listed_level, "listed_on": hazard.listed_on}
    hazard.listed_level = level
    hazard.listed_on = listed_on
    hazard.listed_note = (note or "").strip()[:200]
    hazard.delisted_on = None
    _touch(hazard, "listed_level", "listed_on", "listed_note", "delisted_on")
    _event(hazard, actor, HazardEvent.Kind.LISTED, f"{ListingLevel(level).label} · {listed_on:%Y-%m-%d} {hazard.listed_note}".strip())
    audit_record(actor=actor, action="hazard.list", obj=hazard, before=before, after={"level": level, "listed_on": listed_on})
    recipients = _unit_heads(hazard.unit)
    title = _("Hazard %(number)s is under listed supervision") % {"number": hazard.number}
    url = hazard_url(hazard)
    transaction.on_commit(lambda: _notify_later(recipients, title, url, f"hazard:{hazard.pk}:listed:{level}", Notification.Level.ESCALATION))
    return hazard


@transaction.atomic
def hazard_photo_add(*, actor: User, hazard: Hazard, upload: Upload, phase: str) -> HazardPhoto:
    _require(access.can_edit_hazard(actor, hazard), _("You may not change this hazard."))
    if hazard.state == State.CLOSED:
        raise ValidationError(_("A closed hazard cannot be changed."))
    if phase not in HazardPhoto.Phase.values:
        raise ValidationError({"phase": [_("Say whether the photo was taken before or after rectification.")]})
    photo = _store_photos(actor=actor, hazard=hazard, uploads=[upload], phase=phase)[0]
    _event(hazard, actor, HazardEvent.Kind.PHOTO_ADDED, photo.get_phase_display())
    audit_record(actor=actor, action="hazard.photo_add", obj=hazard, after={"file": str(photo.file_id), "phase": phase})
    return photo


# ---------------------------------------------------------------- extensions


@transaction.atomic
def hazard_extension_request(*, actor: User, hazard: Hazard, new_deadline: dt.date, reason: str) -> HazardExtension:
    """Ask the supervising side for a later deadline. For a major hazard the request must come
    at least N working days (default 20) before the deadline; for a general one before it."""
    _require(access.can_edit_hazard(actor, hazard), _("You may not change this hazard."))
    hazard = Hazard.objects.select_for_update().select_related("unit", "town").get(pk=hazard.pk)
    _check_state(hazard, UNRECTIFIED_STATES, _("given a later deadline"))
    if HazardExtension.objects.filter(hazard=hazard, status=HazardExtension.Status.PENDING).exists():
        raise ValidationError(_("An extension request for this hazard is already waiting for a decision."))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Give the reason for the extension.")]})
    if new_deadline <= hazard.deadline:
        raise ValidationError({"new_deadline": [_("The new deadline must be later than the current deadline (%(date)s).") % {"date": hazard.deadline}]})
    now = today()
    if hazard.grade == Grade.MAJOR:
        need = HazardRules.current().extension_notice_working_days
        left = get_calendar().working_days_between(now, hazard.deadline)
        if left < need:
            raise ValidationError(
                _("An extension of a major hazard must be requested at least %(n)d working days before the deadline (%(date)s); only %(left)d remain.")
                % {"n": need, "date": hazard.deadline, "left": max(left, 0)}
            )
    elif now > hazard.deadline:
        raise ValidationError(pgettext("hazard", "The deadline (%(date)s) has passed; an extension must be requested before it.") % {"date": hazard.deadline})
    ext = HazardExtension.objects.create(hazard=hazard, requested_by=actor, old_deadline=hazard.deadline, new_deadline=new_deadline, reason=reason.strip())
    _event(hazard, actor, HazardEvent.Kind.EXTENSION_REQUESTED, f"{hazard.deadline} → {new_deadline}: {reason.strip()}")
    audit_record(actor=actor, action="hazard.extension_request", obj=hazard, after={"old": hazard.deadline, "new": new_deadline})
    recipients = _supervisors()
    title = _("Extension requested for hazard %(number)s") % {"number": hazard.number}
    url = hazard_url(hazard)
    transaction.on_commit(lambda: _notify_later(recipients, title, url, f"hazard:{hazard.pk}:ext:{ext.pk}"))
    return ext


@transaction.atomic
def hazard_extension_decide(*, actor: User, extension: HazardExtension, approve: bool, note: str = "") -> HazardExtension:
    """The supervising side approves (the deadline moves) or rejects a pending extension."""
    hazard = Hazard.objects.select_for_update().select_related("unit", "town").get(pk=extension.hazard_id)
    _require(access.can_supervise_hazards(actor) and access.can_see_hazard(actor, hazard), _("Only the supervising side may decide on an extension."))
    extension = HazardExtension.objects.select_for_update().get(pk=extension.pk)
    if extension.status != HazardExtension.Status.PENDING:
        raise ValidationError(_("This extension request has already been decided."))
    if extension.requested_by_id == actor.pk:
        raise PermissionDenied(_("You cannot decide on your own extension request."))
    if not approve and not (note or "").strip():
        raise ValidationError({"note": [_("Give the reason for rejecting the extension.")]})
    extension.status = HazardExtension.Status.APPROVED if approve else HazardExtension.Status.REJECTED
    extension.decided_by = actor
    extension.decided_at = timezone.now()
    extension.decision_note = (note or "").strip()[:200]
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if approve:
        old = hazard.deadline
        hazard.deadline = extension.new_deadline
        _touch(hazard, "deadline")
        HazardPlan.objects.filter(hazard=hazard).update(deadline=extension.new_deadline)
        _event(hazard, actor, HazardEvent.Kind.EXTENSION_APPROVED, f"{old} → {extension.new_deadline} {extension.decision_note}".strip())
    else:
        _event(hazard, actor, HazardEvent.Kind.EXTENSION_REJECTED, extension.decision_note)
    audit_record(
        actor=actor, action="hazard.extension_decide", obj=hazard, after={"approved": approve, "deadline": hazard.deadline}, note=extension.decision_note
    )
    recipients = [extension.requested_by]
    title = (_("Extension approved for hazard %(number)s") if approve else _("Extension rejected for hazard %(number)s")) % {"number": hazard.number}
    url = hazard_url(hazard)
    transaction.on_commit(lambda: _notify_later(recipients, title, url, f"hazard:{hazard.pk}:ext:{extension.pk}:decided"))
    return extension


# ---------------------------------------------------------------- clocks


@transaction.atomic
def hazard_remind(*, hazard_id: int, on: dt.date | None = None) -> bool:
    """Remind the responsible unit of a deadline coming within the reminder window.
    Idempotent: at most one reminder per hazard and deadline. Returns True when sent."""
    on = on or today()
    hazard = Hazard.objects.select_for_update().select_related("unit").filter(pk=hazard_id).first()
    if hazard is None or hazard.state not in UNRECTIFIED_STATES or hazard.reminded_for == hazard.deadline:
        return False
    window = HazardRules.current().remind_days_before
    if not (on <= hazard.deadline <= on + dt.timedelta(days=window)):
        return False
    hazard.reminded_for = hazard.deadline
    hazard.save(update_fields=["reminded_for"])
    recipients = _unit_workers(hazard.unit) + _unit_heads(hazard.unit)
    _event(hazard, None, HazardEvent.Kind.REMINDED, str(hazard.deadline))
    audit_record(actor=None, action="hazard.remind", obj=hazard, after={"deadline": hazard.deadline, "recipients": len(recipients)})
    notify(
        users=recipients,
        title=_("Hazard %(number)s is due for rectification on %(date)s") % {"number": hazard.number, "date": hazard.deadline},
        body=hazard.title,
        url=hazard_url(hazard),
        level=Notification.Level.REMINDER,
        dedupe_key=f"hazard:{hazard.pk}:remind:{hazard.deadline}",
    )
    return True


@transaction.atomic
def hazard_escalate(*, hazard_id: int, on: dt.date | None = None) -> bool:
    """Escalate an overdue hazard to the responsible unit's head and the supervisors.
    Idempotent: at most once per hazard and deadline. Returns True when escalated."""
    on = on or today()
    hazard = Hazard.objects.select_for_update().select_related("unit").filter(pk=hazard_id).first()
    if hazard is None or hazard.state not in UNRECTIFIED_STATES or hazard.deadline >= on or hazard.escalated_for == hazard.deadline:
        return False
    hazard.escalated_for = hazard.deadline
    hazard.save(update_fields=["escalated_for"])
    recipients = _unit_heads(hazard.unit) + _supervisors()
    days = (on - hazard.deadline).days
    _event(hazard, None, HazardEvent.Kind.ESCALATED, _("%(days)d days overdue") % {"days": days})
    audit_record(actor=None, action="hazard.escalate", obj=hazard, after={"deadline": hazard.deadline, "recipients": len(recipients)})
    notify(
        users=recipients,
        title=_("Hazard %(number)s is overdue (deadline %(date)s)") % {"number": hazard.number, "date": hazard.deadline},
        body=f"{hazard.unit.name} · {hazard.title}",
        url=hazard_url(hazard),
        level=Notification.Level.ESCALATION,
        dedupe_key=f"hazard:{hazard.pk}:escalate:{hazard.deadline}",
    )
    return True


# ---------------------------------------------------------------- campaigns


@transaction.atomic
def campaign_create(
    *,
    actor: User,
    name: str,
    categories: Sequence[HazardCategory],
    starts_on: dt.date,
    ends_on: dt.date,
    description: str = "",
    lead_unit: Unit | None = None,
) -> Campaign:
    """Start a screening campaign; each category's default checklist is copied into it."""
    _require(access.can_manage_campaigns(actor), _("Only supervisors, leaders and the safety oversight office may organise a campaign."))
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("Give the campaign a name.")]
    if not categories:
        errors["categories"] = [_("Choose at least one category.")]
    if ends_on < starts_on:
        errors["ends_on"] = [_("The campaign cannot end before it starts.")]
    if errors:
        raise ValidationError(errors)
    campaign = Campaign.objects.create(name=name.strip(), description=(description or "").strip(), starts_on=starts_on, ends_on=ends_on, lead_unit=lead_unit, created_by=actor)
    campaign.categories.set(categories)
    defaults = ChecklistItem.objects.filter(campaign__isnull=True, is_active=True, category__in=categories)
    ChecklistItem.objects.bulk_create(
        [ChecklistItem(category_id=i.category_id, campaign=campaign, text=i.text, sort_order=i.sort_order) for i in defaults]
    )
    audit_record(actor=actor, action="campaign.create", obj=campaign, after={"name": campaign.name, "categories": [c.code for c in categories], "starts_on": starts_on, "ends_on": ends_on})
    return campaign


@transaction.atomic
def campaign_close(*, actor: User, campaign: Campaign) -> Campaign:
    _require(access.can_manage_campaigns(actor), _("Only supervisors, leaders and the safety oversight office may organise a campaign."))
    if campaign.status == Campaign.Status.CLOSED:
        raise ValidationError(_("This campaign is already finished."))
    campaign.status = Campaign.Status.CLOSED
    campaign.closed_at = timezone.now()
    campaign.save(update_fields=["status", "closed_at"])
    audit_record(actor=actor, action="campaign.close", obj=campaign, after={"status": campaign.status})
    return campaign


def _check_campaign_open(campaign: Campaign) -> None:
    if campaign.status != Campaign.Status.ACTIVE:
        raise ValidationError(_("This campaign is finished and can no longer be changed."))


def _validate_target(*, campaign: Campaign, category: HazardCategory, name: str, town: Unit, kind: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("Give the target a name.")]
    if not campaign.categories.filter(pk=category.pk).exists():
        errors["category"] = [_("This category is not part of the campaign.")]
    if town.kind != UnitKind.TOWN:
        errors["town"] = [_("Choose a town or street.")]
    if kind not in CampaignTarget.Kind.values:
        errors["kind"] = [_("Choose the kind of target.")]
    if CampaignTarget.objects.filter(campaign=campaign, category=category, name=(name or "").strip()).exists():
        errors["name"] = [_("The campaign already has a target of this name in this category.")]
    return errors


@transaction.atomic
def campaign_target_add(
    *,
    actor: User,
    campaign: Campaign,
    category: HazardCategory,
    name: str,
    town: Unit,
    kind: str = CampaignTarget.Kind.SITE,
    address: str = "",
    target_unit: Unit | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> CampaignTarget:
    _require(access.can_manage_campaigns(actor), _("Only supervisors, leaders and the safety oversight office may organise a campaign."))
    _check_campaign_open(campaign)
    errors = _validate_target(campaign=campaign, category=category, name=name, town=town, kind=kind)
    if (latitude is None) != (longitude is None):
        errors["latitude"] = [_("Give both latitude and longitude, or neither.")]
    if errors:
        raise ValidationError(errors)
    target = CampaignTarget.objects.create(
        campaign=campaign,
        category=category,
        kind=kind,
        name=name.strip(),
        address=(address or "").strip(),
        town=town,
        target_unit=target_unit,
        latitude=latitude,
        longitude=longitude,
    )
    audit_record(actor=actor, action="campaign.target_add", obj=target, after={"campaign": campaign.pk, "category": category.code, "town": town.code})
    return target


@transaction.atomic
def campaign_targets_import(*, actor: User, campaign: Campaign, rows: Sequence[dict[str, Any]]) -> list[CampaignTarget]:
    """Add many targets at once (validated rows from an Excel sheet); all or nothing."""
    _require(access.can_manage_campaigns(actor), _("Only supervisors, leaders and the safety oversight office may organise a campaign."))
    _check_campaign_open(campaign)
    targets = [
        CampaignTarget(
            campaign=campaign,
            category=r["category"],
            kind=r["kind"],
            name=r["name"],
            address=r.get("address", ""),
            town=r["town"],
            latitude=r.get("latitude"),
            longitude=r.get("longitude"),
        )
        for r in rows
    ]
    created = CampaignTarget.objects.bulk_create(targets)
    audit_record(actor=actor, action="campaign.targets_import", obj=campaign, after={"count": len(created)})
    return created


@transaction.atomic
def campaign_checklist_item_add(*, actor: User, campaign: Campaign, category: HazardCategory, text: str) -> ChecklistItem:
    _require(access.can_manage_campaigns(actor), _("Only supervisors, leaders and the safety oversight office may organise a campaign."))
    _check_campaign_open(campaign)
    if not campaign.categories.filter(pk=category.pk).exists():
        raise ValidationError({"category": [_("This category is not part of the campaign.")]})
    if not (text or "").strip():
        raise ValidationError({"text": [_("Write the item to check.")]})
    last = ChecklistItem.objects.filter(campaign=campaign, category=category).order_by("-sort_order").values_list("sort_order", flat=True).first() or 0
    item = ChecklistItem.objects.create(campaign=campaign, category=category, text=text.strip(), sort_order=last + 1)
    audit_record(actor=actor, action="campaign.checklist_add", obj=campaign, after={"category": category.code, "text": item.text})
    return item


@transaction.atomic
def campaign_checklist_item_remove(*, actor: User, item: ChecklistItem) -> ChecklistItem:
    """Retire an item (answers already given keep their text)."""
    _require(access.can_manage_campaigns(actor), _("Only supervisors, leaders and the safety oversight office may organise a campaign."))
    if item.campaign is None:
        raise ValidationError(_("Default items are edited by an administrator."))
    _check_campaign_open(item.campaign)
    item.is_active = False
    item.save(update_fields=["is_active"])
    audit_record(actor=actor, action="campaign.checklist_remove", obj=item.campaign, before={"text": item.text})
    return item


def checklist_for(target: CampaignTarget) -> list[ChecklistItem]:
    return list(ChecklistItem.objects.filter(campaign=target.campaign_id, category=target.category_id, is_active=True))


@transaction.atomic
def inspection_record(
    *,
    actor: User,
    target: CampaignTarget,
    inspected_on: dt.date,
    answers: dict[int, tuple[str, str]],
    found_hazards: bool,
    note: str = "",
    other_inspectors: str = "",
    photos: Sequence[Upload] = (),
) -> Inspection:
    """Record one inspection of a target: every checklist item answered (ok / problem / not
    applicable), and whether hazards were found (they are then registered from the inspection)."""
    campaign = target.campaign
    covers = access.user_covers_unit(actor, target.town) or access.user_covers_unit(actor, target.target_unit)
    _require(access.can_work(actor) and covers, _("You may not inspect targets outside your territory."))
    _check_campaign_open(campaign)
    errors: dict[str, list[str]] = {}
    if inspected_on > today():
        errors["inspected_on"] = [_("The inspection date cannot be in the future.")]
    elif inspected_on < campaign.starts_on:
        errors["inspected_on"] = [_("The inspection date is before the campaign started (%(date)s).") % {"date": campaign.starts_on}]
    items = checklist_for(target)
    recorded = []
    missing = []
    problems = 0
    for item in items:
        value = answers.get(item.pk)
        if value is None or value[0] not in ANSWER_VALUES:
            missing.append(item.text)
            continue
        problems += value[0] == "problem"
        recorded.append({"item": item.pk, "text": item.text, "result": value[0], "note": (value[1] or "").strip()[:200]})
    if missing:
        errors["answers"] = [_("Answer every item of the checklist; unanswered: %(items)s") % {"items": "；".join(missing)}]
    if problems and not found_hazards:
        errors["found_hazards"] = [_("Items were marked as problems: tick “hazards found” and register them.")]
    if errors:
        raise ValidationError(errors)
    inspection = Inspection.objects.create(
        campaign=campaign,
        target=target,
        inspected_on=inspected_on,
        inspector=actor,
        other_inspectors=(other_inspectors or "").strip()[:200],
        answers=recorded,
        note=(note or "").strip(),
        found_hazards=found_hazards,
    )
    for upload in photos:
        stored = file_store(actor=actor, upload=upload, name=getattr(upload, "name", "photo.jpg"), allowed_kinds={"image"})
        InspectionPhoto.objects.create(inspection=inspection, file=stored)
    first = target.inspected_on is None or inspected_on < target.inspected_on
    CampaignTarget.objects.filter(pk=target.pk).update(inspection_count=F("inspection_count") + 1)
    if first:
        CampaignTarget.objects.filter(pk=target.pk).update(inspected_on=inspected_on)
        target.inspected_on = inspected_on
    target.inspection_count += 1
    audit_record(
        actor=actor,
        action="inspection.record",
        obj=inspection,
        after={"campaign": campaign.pk, "target": target.pk, "date": inspected_on, "problems": problems, "found_hazards": found_hazards},
    )
    return inspection


# ---------------------------------------------------------------- Excel import of ledgers


def import_sync_rows() -> int:
    """Files with more data rows than this are imported in the background."""
    return int(getattr(settings, "HAZARD_IMPORT_SYNC_ROWS", 300))


@transaction.atomic
def hazard_import_start(*, actor: User, upload: Upload, name: str, skip_duplicates: bool = False) -> ImportJob:
    """Store an uploaded ledger and create its import job. Large files are queued for the
    background worker on commit; the caller runs small ones at once with hazard_import_run."""
    from hazards.excel import SheetError, count_rows

    _require(access.can_import(actor), _("You may not import hazards."))
    if not (name or "").lower().endswith(".xlsx"):
        raise ValidationError(_("Upload the ledger as an Excel .xlsx file (start from the template)."))
    stored = file_store(actor=actor, upload=upload, name=name, allowed_kinds={"office"})
    try:
        with open(file_path(stored), "rb") as fh:
            rows = count_rows(fh)
    except SheetError as exc:
        raise ValidationError(str(exc))
    job = ImportJob.objects.create(created_by=actor, file=stored, language=get_language() or "zh-hans", skip_duplicates=skip_duplicates, total_rows=rows)
    audit_record(actor=actor, action="hazard.import_start", obj=job, after={"file": stored.original_name, "rows": rows, "skip_duplicates": skip_duplicates})
    if rows > import_sync_rows():
        job_id = str(job.pk)
        transaction.on_commit(lambda: _enqueue_import(job_id))
    return job


def _enqueue_import(job_id: str) -> None:
    from hazards.tasks import hazard_import_task

    hazard_import_task(job_id)


def import_runs_in_background(job: ImportJob) -> bool:
    return job.total_rows > import_sync_rows()


def hazard_import_run(*, job_id: str) -> ImportJob:
    """Validate the whole file, then write every hazard in one transaction, or nothing.
    Idempotent: only a waiting job is run. Progress is committed as the rows are checked."""
    from hazards.excel import SheetError, duplicate_errors, parse_hazard_sheet

    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(status=ImportJob.Status.RUNNING)
    job = ImportJob.objects.select_related("file", "created_by").get(pk=job_id)
    if not claimed:
        return job

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=min(done, total), total_rows=total)

    with translation.override(job.language):
        try:
            with open(file_path(job.file), "rb") as fh:
                result = parse_hazard_sheet(fh, user=job.created_by, progress=progress)
        except SheetError as exc:
            return _import_fail(job, [{"row": 0, "column": "", "message": str(exc)}], [])
        errors = [e.as_dict() for e in result.errors]
        if result.duplicates and not job.skip_duplicates:
            errors += [e.as_dict() for e in duplicate_errors(result.duplicates)]
            errors.sort(key=lambda e: e["row"])
        if errors:
            return _import_fail(job, errors, result.duplicates)
        if not result.rows:
            return _import_fail(job, [{"row": 0, "column": "", "message": _("The file holds no hazards to import.")}], result.duplicates)
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.WRITING, processed_rows=job.total_rows)
        return _import_write(job=job, rows=result.rows, duplicates=result.duplicates)


def _import_fail(job: ImportJob, errors: list[dict[str, Any]], duplicates: list[dict[str, Any]]) -> ImportJob:
    with transaction.atomic():
        job.status = ImportJob.Status.FAILED
        job.errors = errors[:2000]
        job.duplicates = duplicates[:2000]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "errors", "duplicates", "finished_at"])
        audit_record(actor=job.created_by, action="hazard.import_refused", obj=job, after={"errors": len(errors), "duplicates": len(duplicates)})
    return job


@transaction.atomic
def _import_write(*, job: ImportJob, rows: list[dict[str, Any]], duplicates: list[dict[str, Any]]) -> ImportJob:
    actor = job.created_by
    numbers = allocate_numbers(today().year, len(rows))
    now = timezone.now()
    hazards = [
        Hazard(
            number=number,
            category=r["category"],
            grade=r["grade"],
            title=r["title"],
            description=r["description"],
            address=r["address"],
            latitude=r["latitude"],
            longitude=r["longitude"],
            town=r["town"],
            unit=r["unit"],
            responsible_person=r["responsible_person"],
            responsible_phone=r["responsible_phone"],
            source=r["source"],
            source_note=_("Imported from %(file)s, row %(row)d") % {"file": job.file.original_name, "row": r["row"]},
            found_on=r["found_on"],
            deadline=r["deadline"],
            registered_by=actor,
            created_at=now,
            updated_at=now,
            dedupe_key=r["dedupe_key"],
        )
        for number, r in zip(numbers, rows, strict=True)
    ]
    created = Hazard.objects.bulk_create(hazards, batch_size=500)
    if any(h.pk is None for h in created):
        by_number = dict(Hazard.objects.filter(number__in=numbers).values_list("number", "pk"))
        for h in created:
            h.pk = h.id = by_number[h.number]
    plans = [
        HazardPlan(hazard=h, updated_by=actor, funds_source="", **{k: r["plan"][k] for k in ("responsible_person", "measures", "funds_amount", "deadline", "contingency")})
        for h, r in zip(created, rows, strict=True)
        if r["plan"]
    ]
    HazardPlan.objects.bulk_create(plans, batch_size=500)
    note = _("Imported from %(file)s") % {"file": job.file.original_name}
    HazardEvent.objects.bulk_create(
        [HazardEvent(hazard=h, at=now, actor=actor, actor_name=str(actor), kind=HazardEvent.Kind.REGISTERED, note=note) for h in created], batch_size=1000
    )
    for h in created:
        audit_record(actor=actor, action="hazard.import", obj=h, after={"number": h.number, "job": str(job.pk)})
    job.status = ImportJob.Status.DONE
    job.created_count = len(created)
    job.duplicates = duplicates[:2000]
    job.processed_rows = job.total_rows
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "created_count", "duplicates", "processed_rows", "finished_at"])
    audit_record(actor=actor, action="hazard.import_done", obj=job, after={"created": len(created), "skipped_duplicates": len(duplicates)})
    return job
