"""Every write of command and duty. Each service is one transaction with its audit row;
a refused action raises ValidationError or PermissionDenied and changes nothing."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from collections.abc import Sequence as Seq
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import Role, Unit, User
from accounts.scoping import user_can_see_unit
from audit.services import audit_record
from cases.models import Case
from duty.access import (
    acts_for,
    can_command,
    can_edit_roster,
    can_supervise,
    duty_office_users,
    is_duty_office,
    reporting_units,
    unit_staff,
)
from duty.models import (
    AccountabilityRecord,
    BatchItem,
    CaseOwnership,
    CentralBatch,
    DailyReport,
    DutySettings,
    DutyShift,
    Instruction,
    InstructionTarget,
    NoticeAnswer,
    ProgressReport,
    Sequence,
    SpecialPeriod,
    SupervisionNotice,
    UrgentReport,
)
from duty.selectors import current_shift, day_rule, district_root, get_duty_settings, local_dt, units_without_roster
from files.models import StoredFile
from hazards.models import Hazard
from hazards.models import State as HazardState
from notifications.models import Notification
from notifications.services import notify

MAX_TITLE = 200


def _next_number(key: str, prefix: str) -> str:
    year = timezone.localdate().year
    seq, _created = Sequence.objects.select_for_update().get_or_create(key=key, year=year)
    seq.value += 1
    seq.save(update_fields=["value"])
    return f"{prefix}{year}-{seq.value:04d}"


def _required_text(value: str, field: str, label: str, *, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _("%(label)s is required.") % {"label": label}})
    if max_length and len(value) > max_length:
        raise ValidationError({field: _("%(label)s may be at most %(n)d characters.") % {"label": label, "n": max_length}})
    return value


def _fmt(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- instructions ---------------------------------------------------------------------------


@transaction.atomic
def instruction_send(
    *,
    actor: User,
    title: str,
    content: str,
    units: Iterable[Unit],
    ack_deadline: dt.datetime,
    report_deadline: dt.datetime,
    kind: str = Instruction.Kind.INSTRUCTION,
    urgency: str = Instruction.Urgency.NORMAL,
    attachments: Iterable[StoredFile] = (),
    cases: Iterable[Case] = (),
    hazards: Iterable[Hazard] = (),
) -> Instruction:
    """Send an instruction or warning to units; each gets a recipient row and a notification.
    It may link complaint cases (the caller fetched them through the cases access function)."""
    if not can_command(actor):
        raise PermissionDenied(_("Only the duty office, leaders and supervisors may send instructions."))
    title = _required_text(title, "title", _("The title"), max_length=MAX_TITLE)
    content = _required_text(content, "content", _("The content"))
    if kind not in Instruction.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of instruction.")})
    if urgency not in Instruction.Urgency.values:
        raise ValidationError({"urgency": _("Unknown urgency.")})
    unit_list = list(dict.fromkeys(units))
    if not unit_list:
        raise ValidationError({"units": _("Choose at least one unit to send the instruction to.")})
    for unit in unit_list:
        if not unit.is_active or not user_can_see_unit(actor, unit):
            raise ValidationError({"units": _("%(unit)s is not a unit you can send instructions to.") % {"unit": unit}})
    now = timezone.now()
    if ack_deadline <= now:
        raise ValidationError({"ack_deadline": _("The acknowledgement deadline must be in the future.")})
    if report_deadline < ack_deadline:
        raise ValidationError({"report_deadline": _("The result deadline cannot be before the acknowledgement deadline.")})
    instruction = Instruction.objects.create(
        number=_next_number("instruction", "ZL"),
        kind=kind,
        urgency=urgency,
        title=title,
        content=content,
        sender=actor,
        sender_unit=actor.unit,
        sent_at=now,
        ack_deadline=ack_deadline,
        report_deadline=report_deadline,
    )
    InstructionTarget.objects.bulk_create([InstructionTarget(instruction=instruction, unit=u) for u in unit_list])
    files = list(attachments)
    if files:
        instruction.attachments.set(files)
    case_list = list(cases)
    if case_list:
        instruction.cases.set(case_list)
    hazard_list = list(hazards)
    if hazard_list:
        instruction.hazards.set(hazard_list)
    audit_record(
        actor=actor,
        action="instruction.send",
        obj=instruction,
        after={
            "title": title,
            "kind": kind,
            "urgency": urgency,
            "units": [u.name for u in unit_list],
            "ack_deadline": ack_deadline,
            "report_deadline": report_deadline,
            "files": len(files),
            "cases": [c.number for c in case_list],
            "hazards": [h.number for h in hazard_list],
        },
    )
    url = reverse("duty:instruction_detail", args=[instruction.pk])
    level = Notification.Level.ESCALATION if urgency != Instruction.Urgency.NORMAL else Notification.Level.INFO
    for unit in unit_list:
        notify(
            users=unit_staff(unit),
            title=_("New %(kind)s %(number)s: %(title)s") % {"kind": instruction.get_kind_display(), "number": instruction.number, "title": title},
            body=_("Acknowledge by %(ack)s, report the result by %(report)s.") % {"ack": _fmt(ack_deadline), "report": _fmt(report_deadline)},
            url=url,
            level=level,
            dedupe_key=f"duty:instr:{instruction.pk}:{unit.pk}:sent",
        )
    return instruction


@transaction.atomic
def instruction_mark_seen(*, actor: User, target: InstructionTarget) -> bool:
    """Record that the unit opened the instruction (first time only). Returns True when recorded."""
    if not acts_for(actor, target.unit):
        raise PermissionDenied(_("This instruction was not sent to your unit."))
    target = InstructionTarget.objects.select_for_update().get(pk=target.pk)
    if target.first_seen_at is not None:
        return False
    target.first_seen_at = timezone.now()
    target.save(update_fields=["first_seen_at"])
    audit_record(actor=actor, action="instruction.seen", obj=target, after={"first_seen_at": target.first_seen_at})
    return True


def _open_target_for_update(actor: User, target: InstructionTarget) -> InstructionTarget:
    if not acts_for(actor, target.unit):
        raise PermissionDenied(_("This instruction was not sent to your unit."))
    target = InstructionTarget.objects.select_for_update().select_related("instruction", "unit").get(pk=target.pk)
    if not target.instruction.is_open:
        raise ValidationError(_("This instruction is closed."))
    return target


@transaction.atomic
def instruction_acknowledge(*, actor: User, target: InstructionTarget) -> InstructionTarget:
    target = _open_target_for_update(actor, target)
    if target.acknowledged_at is not None:
        raise ValidationError(_("Your unit has already acknowledged this instruction."))
    now = timezone.now()
    target.first_seen_at = target.first_seen_at or now
    target.acknowledged_at = now
    target.acknowledged_by = actor
    target.save(update_fields=["first_seen_at", "acknowledged_at", "acknowledged_by"])
    audit_record(actor=actor, action="instruction.acknowledge", obj=target, after={"acknowledged_at": now, "late": now > target.instruction.ack_deadline})
    return target


@transaction.atomic
def instruction_report(*, actor: User, target: InstructionTarget, result: str, files: Iterable[StoredFile] = ()) -> InstructionTarget:
    target = _open_target_for_update(actor, target)
    if target.acknowledged_at is None:
        raise ValidationError(_("Acknowledge the instruction before reporting its result."))
    if target.reported_at is not None:
        raise ValidationError(_("Your unit has already reported the result of this instruction."))
    result = _required_text(result, "result", _("The result"))
    now = timezone.now()
    target.result = result
    target.reported_at = now
    target.reported_by = actor
    target.save(update_fields=["result", "reported_at", "reported_by"])
    file_list = list(files)
    if file_list:
        target.result_files.set(file_list)
    instruction = target.instruction
    audit_record(actor=actor, action="instruction.report", obj=target, after={"result": result[:500], "late": now > instruction.report_deadline, "files": len(file_list)})
    notify(
        users=[instruction.sender],
        title=_("%(unit)s reported on %(number)s") % {"unit": target.unit, "number": instruction.number},
        body=result[:300],
        url=reverse("duty:instruction_detail", args=[instruction.pk]),
        dedupe_key=f"duty:instr:{instruction.pk}:{target.unit_id}:reported",
    )
    return target


@transaction.atomic
def instruction_close(*, actor: User, instruction: Instruction, note: str = "") -> Instruction:
    """Close an instruction. With units still to report, a reason is required."""
    if not (actor.pk == instruction.sender_id or is_duty_office(actor) or (can_command(actor) and actor.has_role(Role.LEADER))):
        raise PermissionDenied(_("Only the sender or the duty office may close this instruction."))
    instruction = Instruction.objects.select_for_update().get(pk=instruction.pk)
    if not instruction.is_open:
        raise ValidationError(_("This instruction is already closed."))
    note = (note or "").strip()
    missing = instruction.targets.filter(reported_at__isnull=True).count()
    if missing and not note:
        raise ValidationError({"note": _("%(n)d unit(s) have not reported their result; give a reason to close anyway.") % {"n": missing}})
    instruction.status = Instruction.Status.CLOSED
    instruction.closed_at = timezone.now()
    instruction.closed_by = actor
    instruction.close_note = note
    instruction.save(update_fields=["status", "closed_at", "closed_by", "close_note"])
    audit_record(actor=actor, action="instruction.close", obj=instruction, before={"status": "open"}, after={"status": "closed", "note": note, "unreported": missing})
    return instruction


@transaction.atomic
def instructions_sweep(*, now: dt.datetime | None = None) -> int:
    """Remind units before an acknowledgement or result is due; escalate once it is overdue.
    Idempotent: every notification has a dedupe key."""
    now = now or timezone.now()
    conf = get_duty_settings()
    sent = 0
    ack_window = now + dt.timedelta(minutes=conf.ack_reminder_minutes)
    result_window = now + dt.timedelta(minutes=conf.result_reminder_minutes)
    base = InstructionTarget.objects.filter(instruction__status=Instruction.Status.OPEN).select_related("instruction", "instruction__sender", "unit", "unit__leader")
    for t in base.filter(acknowledged_at__isnull=True, instruction__ack_deadline__lte=ack_window):
        sent += _instruction_nudge(t, "ack", now)
    for t in base.filter(reported_at__isnull=True, instruction__report_deadline__lte=result_window):
        sent += _instruction_nudge(t, "report", now)
    if sent:
        audit_record(actor=None, action="instruction.sweep", object_type="duty.instruction", after={"notifications": sent, "at": now})
    return sent


def _instruction_nudge(t: InstructionTarget, what: str, now: dt.datetime) -> int:
    instruction = t.instruction
    deadline = instruction.ack_deadline if what == "ack" else instruction.report_deadline
    url = reverse("duty:instruction_detail", args=[instruction.pk])
    params = {"number": instruction.number, "title": instruction.title, "deadline": _fmt(deadline), "unit": t.unit}
    key = f"duty:instr:{instruction.pk}:{t.unit_id}:{what}"
    if now <= deadline:
        title = (_("Acknowledge %(number)s by %(deadline)s") if what == "ack" else _("Report the result of %(number)s by %(deadline)s")) % params
        return len(notify(users=unit_staff(t.unit), title=title, body=instruction.title, url=url, level=Notification.Level.REMINDER, dedupe_key=f"{key}:remind"))
    title = (_("Overdue: %(unit)s has not acknowledged %(number)s") if what == "ack" else _("Overdue: %(unit)s has not reported on %(number)s")) % params
    users = [*unit_staff(t.unit), instruction.sender]
    return len(notify(users=users, title=title, body=instruction.title, url=url, level=Notification.Level.ESCALATION, dedupe_key=f"{key}:overdue"))


# --- supervision notices and accountability -------------------------------------------------


@transaction.atomic
def notice_issue(
    *,
    actor: User,
    unit: Unit,
    title: str,
    requirement: str,
    due_date: dt.date,
    subject: str = SupervisionNotice.Subject.OTHER,
    instruction: Instruction | None = None,
    case: Case | None = None,
    hazard: Hazard | None = None,
) -> SupervisionNotice:
    if not can_supervise(actor):
        raise PermissionDenied(_("Only supervisors and leaders may issue supervision notices."))
    title = _required_text(title, "title", _("The title"), max_length=MAX_TITLE)
    requirement = _required_text(requirement, "requirement", _("The requirement"))
    if subject not in SupervisionNotice.Subject.values:
        raise ValidationError({"subject": _("Unknown subject.")})
    if not unit.is_active or not user_can_see_unit(actor, unit):
        raise ValidationError({"unit": _("Choose a unit in your district.")})
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": _("The answer date cannot be in the past.")})
    if subject == SupervisionNotice.Subject.INSTRUCTION:
        if instruction is None:
            raise ValidationError({"instruction": _("Choose the instruction this notice is about.")})
        if not instruction.targets.filter(unit=unit).exists():
            raise ValidationError({"instruction": _("That instruction was not sent to %(unit)s.") % {"unit": unit}})
    if subject == SupervisionNotice.Subject.CASE:
        if case is None:
            raise ValidationError({"case": _("Give the number of the case this notice is about.")})
        if not case.is_open:
            raise ValidationError({"case": _("Case %(number)s is finished; supervise an open case.") % {"number": case.number}})
    if subject == SupervisionNotice.Subject.HAZARD:
        if hazard is None:
            raise ValidationError({"hazard": _("Give the number of the hazard this notice is about.")})
        if hazard.state == HazardState.CLOSED:
            raise ValidationError({"hazard": _("Hazard %(number)s is closed; supervise an open hazard.") % {"number": hazard.number}})
    notice = SupervisionNotice.objects.create(
        number=_next_number("notice", "DB"),
        subject=subject,
        title=title,
        requirement=requirement,
        unit=unit,
        instruction=instruction if subject == SupervisionNotice.Subject.INSTRUCTION else None,
        case=case if subject == SupervisionNotice.Subject.CASE else None,
        hazard=hazard if subject == SupervisionNotice.Subject.HAZARD else None,
        issued_by=actor,
        due_date=due_date,
    )
    audit_record(
        actor=actor,
        action="notice.issue",
        obj=notice,
        after={"unit": unit.name, "subject": subject, "due_date": due_date, "title": title, "case": notice.case.number if notice.case else None, "hazard": notice.hazard.number if notice.hazard else None},
    )
    notify(
        users=unit_staff(unit),
        title=_("Supervision notice %(number)s: %(title)s") % {"number": notice.number, "title": title},
        body=_("Answer by %(date)s.") % {"date": due_date.isoformat()},
        url=reverse("duty:notice_detail", args=[notice.pk]),
        level=Notification.Level.ESCALATION,
        dedupe_key=f"duty:notice:{notice.pk}:issued",
    )
    return notice


@transaction.atomic
def notice_answer(*, actor: User, notice: SupervisionNotice, text: str, files: Iterable[StoredFile] = ()) -> NoticeAnswer:
    if not acts_for(actor, notice.unit):
        raise PermissionDenied(_("This supervision notice was not sent to your unit."))
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    if not notice.awaiting_unit:
        raise ValidationError(_("This notice is not waiting for an answer."))
    text = _required_text(text, "text", _("The answer"))
    answer = NoticeAnswer.objects.create(notice=notice, text=text, answered_by=actor)
    file_list = list(files)
    if file_list:
        answer.files.set(file_list)
    before = notice.status
    notice.status = SupervisionNotice.Status.ANSWERED
    notice.save(update_fields=["status"])
    audit_record(actor=actor, action="notice.answer", obj=notice, before={"status": before}, after={"status": notice.status, "answer": text[:500], "late": timezone.localdate() > notice.due_date})
    notify(
        users=[notice.issued_by],
        title=_("%(unit)s answered %(number)s") % {"unit": notice.unit, "number": notice.number},
        body=text[:300],
        url=reverse("duty:notice_detail", args=[notice.pk]),
        dedupe_key=f"duty:notice:{notice.pk}:answer:{answer.pk}",
    )
    return answer


@transaction.atomic
def notice_review(*, actor: User, notice: SupervisionNotice, accept: bool, note: str = "", new_due_date: dt.date | None = None) -> SupervisionNotice:
    """Accept the unit's answer (the notice is done) or send it back with a reason."""
    if not can_supervise(actor):
        raise PermissionDenied(_("Only supervisors and leaders may review answers."))
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != SupervisionNotice.Status.ANSWERED:
        raise ValidationError(_("There is no answer waiting for review."))
    answer = notice.answers.filter(verdict=NoticeAnswer.Verdict.PENDING).order_by("-answered_at", "-pk").first()
    if answer is None:
        raise ValidationError(_("There is no answer waiting for review."))
    note = (note or "").strip()
    if not accept and not note:
        raise ValidationError({"note": _("Say why the answer is sent back.")})
    if new_due_date is not None and new_due_date < timezone.localdate():
        raise ValidationError({"new_due_date": _("The answer date cannot be in the past.")})
    now = timezone.now()
    answer.verdict = NoticeAnswer.Verdict.ACCEPTED if accept else NoticeAnswer.Verdict.RETURNED
    answer.review_note = note
    answer.reviewed_by = actor
    answer.reviewed_at = now
    answer.save(update_fields=["verdict", "review_note", "reviewed_by", "reviewed_at"])
    fields = ["status"]
    if accept:
        notice.status = SupervisionNotice.Status.ACCEPTED
        notice.closed_at = now
        fields.append("closed_at")
    else:
        notice.status = SupervisionNotice.Status.RETURNED
        if new_due_date is not None:
            notice.due_date = new_due_date
            fields.append("due_date")
    notice.save(update_fields=fields)
    audit_record(actor=actor, action="notice.accept" if accept else "notice.return", obj=notice, before={"status": "answered"}, after={"status": notice.status, "note": note, "due_date": notice.due_date})
    notify(
        users=unit_staff(notice.unit),
        title=(_("Answer to %(number)s accepted") if accept else _("Answer to %(number)s sent back")) % {"number": notice.number},
        body=note[:300],
        url=reverse("duty:notice_detail", args=[notice.pk]),
        level=Notification.Level.INFO if accept else Notification.Level.ESCALATION,
        dedupe_key=f"duty:notice:{notice.pk}:review:{answer.pk}",
    )
    return notice


@transaction.atomic
def notices_sweep(*, today: dt.date | None = None) -> int:
    """Remind units of notices coming due and escalate overdue ones (idempotent)."""
    today = today or timezone.localdate()
    conf = get_duty_settings()
    sent = 0
    horizon = today + dt.timedelta(days=conf.notice_reminder_days)
    waiting = SupervisionNotice.objects.filter(
        status__in=[SupervisionNotice.Status.ISSUED, SupervisionNotice.Status.RETURNED], due_date__lte=horizon
    ).select_related("unit", "unit__leader", "issued_by")
    for notice in waiting:
        url = reverse("duty:notice_detail", args=[notice.pk])
        params = {"number": notice.number, "date": notice.due_date.isoformat(), "unit": notice.unit}
        if today <= notice.due_date:
            sent += len(
                notify(
                    users=unit_staff(notice.unit),
                    title=_("Supervision notice %(number)s is due on %(date)s") % params,
                    body=notice.title,
                    url=url,
                    level=Notification.Level.REMINDER,
                    dedupe_key=f"duty:notice:{notice.pk}:{notice.due_date}:remind",
                )
            )
        else:
            sent += len(
                notify(
                    users=[*unit_staff(notice.unit), notice.issued_by],
                    title=_("Overdue: %(unit)s has not answered %(number)s (due %(date)s)") % params,
                    body=notice.title,
                    url=url,
                    level=Notification.Level.ESCALATION,
                    dedupe_key=f"duty:notice:{notice.pk}:{notice.due_date}:overdue",
                )
            )
    if sent:
        audit_record(actor=None, action="notice.sweep", object_type="duty.supervisionnotice", after={"notifications": sent, "day": today})
    return sent


@transaction.atomic
def accountability_create(
    *,
    actor: User,
    unit: Unit,
    reason: str,
    measure: str,
    decided_by: str,
    decided_on: dt.date,
    measure_detail: str = "",
    notices: Iterable[SupervisionNotice] = (),
    cases: Iterable[Case] = (),
) -> AccountabilityRecord:
    """Record an accountability measure taken on a unit."""
    if not can_supervise(actor):
        raise PermissionDenied(_("Only supervisors and leaders may record accountability."))
    if not unit.is_active or not user_can_see_unit(actor, unit):
        raise ValidationError({"unit": _("Choose a unit in your district.")})
    reason = _required_text(reason, "reason", pgettext("duty", "The reason"))
    decided_by = _required_text(decided_by, "decided_by", _("The deciding body"), max_length=100)
    if measure not in AccountabilityRecord.Measure.values:
        raise ValidationError({"measure": _("Choose a measure.")})
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": _("The decision date cannot be in the future.")})
    notice_list = list(notices)
    for n in notice_list:
        if n.unit_id != unit.pk:
            raise ValidationError({"notices": _("Notice %(number)s was not sent to %(unit)s.") % {"number": n.number, "unit": unit}})
    record = AccountabilityRecord.objects.create(
        unit=unit, reason=reason, measure=measure, measure_detail=(measure_detail or "").strip(), decided_by=decided_by, decided_on=decided_on, recorded_by=actor
    )
    if notice_list:
        record.notices.set(notice_list)
    case_list = list(cases)
    if case_list:
        record.cases.set(case_list)
    audit_record(
        actor=actor,
        action="accountability.create",
        obj=record,
        after={
            "unit": unit.name,
            "measure": measure,
            "decided_by": decided_by,
            "decided_on": decided_on,
            "notices": [n.number for n in notice_list],
            "cases": [c.number for c in case_list],
        },
    )
    notify(
        users=[u for u in [unit.leader] if u is not None],
        title=_("Accountability record on %(unit)s: %(measure)s") % {"unit": unit, "measure": record.get_measure_display()},
        body=reason[:300],
        url=reverse("duty:unit_page", args=[unit.code]),
        level=Notification.Level.ESCALATION,
        dedupe_key=f"duty:accountability:{record.pk}",
    )
    return record


# --- duty roster ------------------------------------------------------------------------------

_MULTI_NAME = re.compile(r"[、,，;；/／&＆]|\s和\s|\s+")


@dataclass(frozen=True)
class ShiftInput:
    start: dt.time
    end: dt.time
    leader_name: str
    officer_name: str
    phone: str


def shift_span(day: dt.date, start: dt.time, end: dt.time, handover: dt.time) -> tuple[dt.datetime, dt.datetime]:
    """The real moments of a shift on duty day ``day`` (which runs handover to handover)."""
    start_day = day if start >= handover else day + dt.timedelta(days=1)
    end_day = day if end > handover else day + dt.timedelta(days=1)
    return local_dt(start_day, start), local_dt(end_day, end)


def roster_check_day(day: dt.date, shifts: Seq[ShiftInput], handover: dt.time) -> list[str]:
    """Problems with one duty day's shifts: missing fields, two leaders on one shift,
    overlaps (two leaders on duty at once) and gaps in the 24 hours. Empty when fine."""
    problems: list[str] = []
    day_start = local_dt(day, handover)
    day_end = local_dt(day + dt.timedelta(days=1), handover)
    spans = []
    for s in shifts:
        label = f"{s.start:%H:%M}–{s.end:%H:%M}"
        if not s.leader_name.strip():
            problems.append(_("%(date)s %(shift)s: the leader on duty is missing.") % {"date": day, "shift": label})
        elif _MULTI_NAME.search(s.leader_name.strip()):
            problems.append(_("%(date)s %(shift)s: one shift has one leader on duty, not “%(names)s”.") % {"date": day, "shift": label, "names": s.leader_name.strip()})
        if not s.officer_name.strip():
            problems.append(_("%(date)s %(shift)s: the officer on duty is missing.") % {"date": day, "shift": label})
        if not s.phone.strip():
            problems.append(_("%(date)s %(shift)s: the duty phone is missing.") % {"date": day, "shift": label})
        elif not re.fullmatch(r"[0-9+\-() ]{3,40}", s.phone.strip()):
            problems.append(_("%(date)s %(shift)s: “%(phone)s” is not a phone number.") % {"date": day, "shift": label, "phone": s.phone.strip()})
        if len(s.leader_name.strip()) > 40 or len(s.officer_name.strip()) > 40:
            problems.append(_("%(date)s %(shift)s: names may be at most 40 characters.") % {"date": day, "shift": label})
        spans.append((*shift_span(day, s.start, s.end, handover), s))
    spans.sort(key=lambda x: x[0])
    cursor = day_start
    for start, end, s in spans:
        if end <= start:
            problems.append(_("%(date)s: the shift %(start)s–%(end)s ends before it starts.") % {"date": day, "start": f"{s.start:%H:%M}", "end": f"{s.end:%H:%M}"})
            continue
        if start > cursor:
            problems.append(_("%(date)s: nobody is on duty from %(start)s to %(end)s.") % {"date": day, "start": _fmt(cursor), "end": _fmt(start)})
        elif start < cursor:
            problems.append(
                _("%(date)s: two leaders would be on duty at once from %(start)s to %(end)s.") % {"date": day, "start": _fmt(start), "end": _fmt(min(cursor, end))}
            )
        cursor = max(cursor, end)
    if spans and cursor < day_end:
        problems.append(_("%(date)s: nobody is on duty from %(start)s to %(end)s.") % {"date": day, "start": _fmt(cursor), "end": _fmt(day_end)})
    return problems


def _match_leader(unit: Unit, name: str) -> User | None:
    return User.objects.filter(is_active=True, full_name=name, unit__path__startswith=unit.path).order_by("pk").first()


@transaction.atomic
def roster_set_days(*, actor: User, unit: Unit, days: dict[dt.date, Seq[ShiftInput]]) -> int:
    """Replace the shifts of the given duty days of ``unit`` (an empty list clears a day).
    All-or-nothing: any problem on any day refuses the whole change."""
    if not can_edit_roster(actor, unit):
        raise PermissionDenied(_("You may edit only your own unit's duty roster."))
    handover = get_duty_settings().handover_time
    problems: list[str] = []
    for day in sorted(days):
        problems.extend(roster_check_day(day, days[day], handover))
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    leaders: dict[str, User | None] = {}
    changed = 0
    for day in sorted(days):
        DutyShift.objects.filter(unit=unit, duty_date=day).delete()
        rows = []
        for s in days[day]:
            start, end = shift_span(day, s.start, s.end, handover)
            name = s.leader_name.strip()
            if name not in leaders:
                leaders[name] = _match_leader(unit, name)
            rows.append(
                DutyShift(unit=unit, duty_date=day, starts_at=start, ends_at=end, leader_name=name, leader=leaders[name], officer_name=s.officer_name.strip(), phone=s.phone.strip(), updated_by=actor, updated_at=now)
            )
        DutyShift.objects.bulk_create(rows)
        changed += 1
    if changed:
        audit_record(
            actor=actor,
            action="roster.set",
            obj=unit,
            after={"days": [d.isoformat() for d in sorted(days)], "shifts": sum(len(v) for v in days.values())},
        )
    return changed


@transaction.atomic
def roster_import(*, actor: User, unit: Unit, upload: IO[bytes]) -> int:
    """Import a unit's roster from an Excel sheet (the export format). All-or-nothing: any
    bad row refuses the whole file, with an error for each bad row."""
    if not can_edit_roster(actor, unit):
        raise PermissionDenied(_("You may edit only your own unit's duty roster."))
    from duty.exports import parse_roster_xlsx

    handover = get_duty_settings().handover_time
    parsed = parse_roster_xlsx(upload, handover)
    days = {day: [ShiftInput(start=r[1], end=r[2], leader_name=r[3], officer_name=r[4], phone=r[5]) for r in rows] for day, rows in parsed.items()}
    problems: list[str] = []
    for day in sorted(days):
        first_row = parsed[day][0][0]
        problems.extend(_("Row %(row)d: %(problem)s") % {"row": first_row, "problem": p} for p in roster_check_day(day, days[day], handover))
    if problems:
        raise ValidationError(problems)
    return roster_set_days(actor=actor, unit=unit, days=days)


@transaction.atomic
def roster_check_tomorrow(*, now: dt.datetime | None = None) -> int:
    """From the configured time on, flag every unit with no roster for tomorrow: its staff
    are reminded and the duty office gets the list (once per day)."""
    now = now or timezone.now()
    conf = get_duty_settings()
    local = timezone.localtime(now)
    if local.time() < conf.roster_check_time:
        return 0
    tomorrow = local.date() + dt.timedelta(days=1)
    missing = units_without_roster(tomorrow)
    sent = 0
    for unit in missing:
        sent += len(
            notify(
                users=unit_staff(unit),
                title=_("No duty roster for %(date)s") % {"date": tomorrow.isoformat()},
                body=_("Enter tomorrow's leader on duty, officer on duty and duty phone."),
                url=reverse("duty:roster_month", args=[unit.code, tomorrow.year, tomorrow.month]),
                level=Notification.Level.REMINDER,
                dedupe_key=f"duty:roster:{tomorrow}:{unit.pk}",
            )
        )
    if missing:
        sent += len(
            notify(
                users=duty_office_users(),
                title=_("%(n)d unit(s) have no duty roster for %(date)s") % {"n": len(missing), "date": tomorrow.isoformat()},
                body="、".join(u.name for u in missing),
                url=reverse("duty:roster_board"),
                level=Notification.Level.REMINDER,
                dedupe_key=f"duty:roster:{tomorrow}:missing",
            )
        )
    if sent:
        audit_record(actor=None, action="roster.check_tomorrow", object_type="duty.dutyshift", after={"date": tomorrow, "units": [u.name for u in missing]})
    return sent


# --- daily reports ------------------------------------------------------------------------------


@transaction.atomic
def daily_report_submit(
    *,
    actor: User,
    unit: Unit,
    date: dt.date,
    nothing_to_report: bool = False,
    situation: str = "",
    incidents: str = "",
    hazards: str = "",
    help_needed: str = "",
) -> DailyReport:
    """File (or correct) a unit's daily report. The first filing after the deadline is
    stamped late, and a correction keeps the first filing's time and stamp."""
    if not acts_for(actor, unit):
        raise PermissionDenied(_("You may file daily reports only for your own unit."))
    now = timezone.now()
    if date > timezone.localdate(now):
        raise ValidationError({"date": _("You cannot file a daily report for a future day.")})
    if not reporting_units().filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("%(unit)s does not file daily reports.") % {"unit": unit}})
    fields = {"situation": situation, "incidents": incidents, "hazards": hazards, "help_needed": help_needed}
    fields = {k: (v or "").strip() for k, v in fields.items()}
    if nothing_to_report:
        if fields["incidents"] or fields["hazards"] or fields["help_needed"]:
            raise ValidationError({"nothing_to_report": _("“Nothing to report” cannot go with incidents, hazards or requests for help.")})
    elif not any(fields.values()):
        raise ValidationError(_("Describe the day's situation, or tick “nothing to report”."))
    report = DailyReport.objects.select_for_update().filter(unit=unit, date=date).first()
    if report is None:
        due_at = day_rule(date, [unit]).due_at[unit.pk]
        report = DailyReport.objects.create(
            unit=unit, date=date, due_at=due_at, submitted_at=now, submitted_by=actor, is_late=now > due_at, nothing_to_report=nothing_to_report, updated_at=now, **fields
        )
        audit_record(actor=actor, action="daily_report.submit", obj=report, after={"date": date, "late": report.is_late, "nothing_to_report": nothing_to_report, **fields})
    else:
        before = {k: getattr(report, k) for k in [*fields, "nothing_to_report"]}
        for k, v in fields.items():
            setattr(report, k, v)
        report.nothing_to_report = nothing_to_report
        report.updated_at = now
        report.save(update_fields=[*fields, "nothing_to_report", "updated_at"])
        audit_record(actor=actor, action="daily_report.correct", obj=report, before=before, after={**fields, "nothing_to_report": nothing_to_report})
    if fields["help_needed"]:
        notify(
            users=duty_office_users(),
            title=_("%(unit)s asks the district for help (daily report %(date)s)") % {"unit": unit, "date": date.isoformat()},
            body=fields["help_needed"][:300],
            url=reverse("duty:daily_summary") + f"?date={date.isoformat()}",
            level=Notification.Level.ESCALATION,
            dedupe_key=f"duty:daily:{date}:{unit.pk}:help",
        )
    return report


@transaction.atomic
def daily_reports_sweep(*, now: dt.datetime | None = None) -> int:
    """Before the deadline remind units that have not reported; at the deadline remind them
    again and list them to the duty office. Idempotent."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    conf = get_duty_settings()
    units = list(reporting_units())
    rule = day_rule(day, units)
    reported = set(DailyReport.objects.filter(date=day).values_list("unit_id", flat=True))
    sent = 0
    missing_by_deadline: dict[dt.datetime, list[Unit]] = {}
    url = reverse("duty:daily_today")
    for unit in units:
        if unit.pk not in rule.required or unit.pk in reported:
            continue
        due = rule.due_at[unit.pk]
        params = {"date": day.isoformat(), "time": _fmt(due)}
        if now >= due:
            missing_by_deadline.setdefault(due, []).append(unit)
            sent += len(
                notify(
                    users=unit_staff(unit),
                    title=_("Your daily report for %(date)s is missing (due %(time)s)") % params,
                    body=_("File it now; it will be stamped late."),
                    url=url,
                    level=Notification.Level.ESCALATION,
                    dedupe_key=f"duty:daily:{day}:{unit.pk}:missing",
                )
            )
        elif now >= due - dt.timedelta(minutes=conf.report_reminder_minutes):
            sent += len(
                notify(
                    users=unit_staff(unit),
                    title=_("Daily report for %(date)s is due at %(time)s") % params,
                    url=url,
                    level=Notification.Level.REMINDER,
                    dedupe_key=f"duty:daily:{day}:{unit.pk}:remind",
                )
            )
    for due, missing in missing_by_deadline.items():
        sent += len(
            notify(
                users=duty_office_users(),
                title=_("%(n)d unit(s) missed the daily report deadline %(time)s") % {"n": len(missing), "time": _fmt(due)},
                body="、".join(u.name for u in missing),
                url=reverse("duty:daily_summary") + f"?date={day.isoformat()}",
                level=Notification.Level.ESCALATION,
                dedupe_key=f"duty:daily:{day}:missing:{timezone.localtime(due):%H%M}",
            )
        )
    if sent:
        audit_record(
            actor=None,
            action="daily_report.sweep",
            object_type="duty.dailyreport",
            after={"date": day, "missing": [u.name for units_ in missing_by_deadline.values() for u in units_], "notifications": sent},
        )
    return sent


# --- urgent incident reports -------------------------------------------------------------------


@transaction.atomic
def urgent_report_file(
    *,
    actor: User,
    unit: Unit,
    title: str,
    place: str,
    occurred_at: dt.datetime,
    scale: str = "",
    measures: str = "",
    help_needed: str = "",
    files: Iterable[StoredFile] = (),
    parent: UrgentReport | None = None,
) -> UrgentReport:
    """File an urgent incident report (or a follow-up to one); the unit's duty leader,
    its responsible leader and the district duty office are notified at once."""
    if not acts_for(actor, unit):
        raise PermissionDenied(_("You may file urgent reports only for your own unit."))
    title = _required_text(title, "title", _("What happened"), max_length=MAX_TITLE)
    place = _required_text(place, "place", _("The place"), max_length=200)
    now = timezone.now()
    if occurred_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("The time of the incident cannot be in the future.")})
    if parent is not None:
        parent = UrgentReport.objects.select_for_update().get(pk=parent.pk)
        if parent.parent_id is not None:
            parent = parent.parent
        if parent.unit_id != unit.pk:  # type: ignore[union-attr]
            raise PermissionDenied(_("Follow-up reports come from the unit that filed the first report."))
        if parent.status != UrgentReport.Status.OPEN:  # type: ignore[union-attr]
            raise ValidationError(_("This incident is closed; file a new report."))
    number = _next_number("urgent", "KB")
    report = UrgentReport.objects.create(
        number=number,
        parent=parent,
        unit=unit,
        reported_by=actor,
        reported_at=now,
        title=title,
        place=place,
        occurred_at=occurred_at,
        scale=(scale or "").strip(),
        measures=(measures or "").strip(),
        help_needed=(help_needed or "").strip(),
    )
    file_list = list(files)
    if file_list:
        report.files.set(file_list)
    audit_record(
        actor=actor,
        action="urgent.follow_up" if parent else "urgent.file",
        obj=report,
        after={"unit": unit.name, "title": title, "place": place, "occurred_at": occurred_at, "parent": parent.number if parent else None},
    )
    recipients = _urgent_recipients(unit, now)
    root = parent or report
    heading = (_("Follow-up to urgent report %(number)s: %(title)s") if parent else _("Urgent report from %(unit)s: %(title)s")) % {"number": root.number, "title": title, "unit": unit}
    body = _("%(when)s at %(place)s. %(scale)s") % {"when": _fmt(occurred_at), "place": place, "scale": report.scale}
    notify(
        users=recipients,
        title=heading,
        body=body.strip(),
        url=reverse("duty:urgent_detail", args=[root.pk]),
        level=Notification.Level.ESCALATION,
        dedupe_key=f"duty:urgent:{report.pk}",
    )
    phones = sorted({u.phone for u in recipients if u.phone})
    if phones:
        text = f"{heading} {body}"[:300]
        transaction.on_commit(lambda: _queue_sms(phones, text))
    return report


def _urgent_recipients(unit: Unit, now: dt.datetime) -> list[User]:
    users: list[User] = list(duty_office_users())
    if unit.leader is not None:
        users.append(unit.leader)
    shift = current_shift(unit, now)
    if shift is not None and shift.leader is not None:
        users.append(shift.leader)
    root = district_root()
    duty_office = Unit.objects.filter(is_coordinating=True, members__role_assignments__role=Role.DUTY).distinct().first()
    if duty_office is not None:
        district_shift = current_shift(duty_office, now)
        if district_shift is not None and district_shift.leader is not None:
            users.append(district_shift.leader)
    if root is not None and root.leader is not None:
        users.append(root.leader)
    return list(dict.fromkeys(users))


def _queue_sms(phones: list[str], text: str) -> None:
    from duty.tasks import send_urgent_sms

    send_urgent_sms(phones, text)


@transaction.atomic
def urgent_report_close(*, actor: User, report: UrgentReport, note: str = "") -> UrgentReport:
    if not is_duty_office(actor):
        raise PermissionDenied(_("Only the duty office may close an incident."))
    report = UrgentReport.objects.select_for_update().get(pk=report.pk)
    if report.parent_id is not None:
        raise ValidationError(_("Close the first report of the incident, not a follow-up."))
    if report.status != UrgentReport.Status.OPEN:
        raise ValidationError(_("This incident is already closed."))
    report.status = UrgentReport.Status.CLOSED
    report.closed_at = timezone.now()
    report.closed_by = actor
    report.save(update_fields=["status", "closed_at", "closed_by"])
    audit_record(actor=actor, action="urgent.close", obj=report, before={"status": "open"}, after={"status": "closed", "note": note})
    return report


# --- special periods and settings ----------------------------------------------------------------


def _check_period(name: str, start_date: dt.date, end_date: dt.date) -> str:
    name = _required_text(name, "name", _("The name"), max_length=100)
    if end_date < start_date:
        raise ValidationError({"end_date": _("The last day cannot be before the first day.")})
    if (end_date - start_date).days > 366:
        raise ValidationError({"end_date": _("A special period may last at most a year.")})
    return name


@transaction.atomic
def special_period_create(
    *,
    actor: User,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    units: Iterable[Unit] = (),
    report_due_time: dt.time | None = None,
    description: str = "",
) -> SpecialPeriod:
    if not (is_duty_office(actor) or (actor.has_role(Role.LEADER) and can_command(actor))):
        raise PermissionDenied(_("Only the duty office and leaders may declare special periods."))
    name = _check_period(name, start_date, end_date)
    unit_list = list(units)
    allowed = set(reporting_units().values_list("pk", flat=True))
    if any(u.pk not in allowed for u in unit_list):
        raise ValidationError({"units": _("Choose units that file daily reports.")})
    period = SpecialPeriod.objects.create(name=name, start_date=start_date, end_date=end_date, report_due_time=report_due_time, description=(description or "").strip(), created_by=actor)
    if unit_list:
        period.units.set(unit_list)
    audit_record(
        actor=actor,
        action="special_period.create",
        obj=period,
        after={"name": name, "start": start_date, "end": end_date, "due": report_due_time, "units": [u.name for u in unit_list] or "all"},
    )
    targets = unit_list or list(reporting_units())
    notify(
        users=[u for unit in targets for u in unit_staff(unit)],
        title=_("Special period “%(name)s”: daily reports required %(start)s to %(end)s") % {"name": name, "start": start_date, "end": end_date},
        body=period.description[:300],
        url=reverse("duty:period_list"),
        dedupe_key=f"duty:period:{period.pk}:declared",
    )
    return period


@transaction.atomic
def special_period_cancel(*, actor: User, period: SpecialPeriod) -> SpecialPeriod:
    if not (is_duty_office(actor) or (actor.has_role(Role.LEADER) and can_command(actor))):
        raise PermissionDenied(_("Only the duty office and leaders may change special periods."))
    period = SpecialPeriod.objects.select_for_update().get(pk=period.pk)
    if period.cancelled_at is not None:
        raise ValidationError(_("This special period is already cancelled."))
    period.cancelled_at = timezone.now()
    period.save(update_fields=["cancelled_at"])
    audit_record(actor=actor, action="special_period.cancel", obj=period, after={"cancelled_at": period.cancelled_at})
    return period


SETTING_FIELDS = (
    "report_due_time",
    "ordinary_days",
    "report_reminder_minutes",
    "handover_time",
    "roster_check_time",
    "ack_reminder_minutes",
    "result_reminder_minutes",
    "notice_reminder_days",
    "progress_interval_days",
)


@transaction.atomic
def duty_settings_update(*, actor: User, **values: object) -> DutySettings:
    if not is_duty_office(actor):
        raise PermissionDenied(_("Only administrators and the duty office may change the duty settings."))
    unknown = set(values) - set(SETTING_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown settings: %(names)s") % {"names": ", ".join(sorted(unknown))})
    if "ordinary_days" in values and values["ordinary_days"] not in DutySettings.OrdinaryDays.values:
        raise ValidationError({"ordinary_days": _("Choose one of the offered rules.")})
    root = district_root()
    if root is None:
        raise ValidationError(_("There is no district yet."))
    row, _created = DutySettings.objects.select_for_update().get_or_create(district=root)
    before = {k: getattr(row, k) for k in SETTING_FIELDS}
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = timezone.now()
    row.full_clean(exclude=["district"])
    row.save()
    audit_record(actor=actor, action="duty_settings.update", obj=row, before=before, after={k: getattr(row, k) for k in SETTING_FIELDS})
    return row


# --- leader case ownership and central assignment ------------------------------------------------


def can_assign_ownership(user: User) -> bool:
    """Leaders, supervisors, the duty office and the complaint bureau's intake staff (district-wide)."""
    from accounts.scoping import is_district_wide

    return user.is_authenticated and user.has_role(Role.LEADER, Role.SUPERVISOR, Role.DUTY, Role.INTAKE) and is_district_wide(user)


def _case_unit_staff(case: Case) -> list[User]:
    return unit_staff(case.current_unit) if case.current_unit is not None else []


@transaction.atomic
def ownership_assign(*, actor: User, case: Case, leader: User, interval_days: int | None = None, instructions: str = "") -> CaseOwnership:
    """Make a district leader the owner (包案领导) of an open case."""
    if not can_assign_ownership(actor):
        raise PermissionDenied(_("Only leaders, supervisors and the district offices may assign case ownership."))
    if not leader.is_active or not leader.has_role(Role.LEADER):
        raise ValidationError({"leader": _("%(name)s is not a leader.") % {"name": leader}})
    if not case.is_open:
        raise ValidationError({"case": _("Case %(number)s is finished; a leader owns open cases.") % {"number": case.number}})
    current = CaseOwnership.objects.select_for_update().filter(case=case, ended_at__isnull=True).select_related("leader").first()
    if current is not None:
        raise ValidationError({"case": _("Case %(number)s is already owned by %(leader)s.") % {"number": case.number, "leader": current.leader}})
    interval = interval_days if interval_days is not None else get_duty_settings().progress_interval_days
    if interval < 1 or interval > 90:
        raise ValidationError({"interval_days": _("The progress interval must be between 1 and 90 days.")})
    ownership = CaseOwnership.objects.create(case=case, leader=leader, assigned_by=actor, interval_days=interval, instructions=(instructions or "").strip())
    audit_record(actor=actor, action="ownership.assign", obj=ownership, after={"case": case.number, "leader": str(leader), "interval_days": interval})
    url = reverse("duty:ownership_detail", args=[ownership.pk])
    notify(
        users=[leader],
        title=_("You own case %(number)s: %(title)s") % {"number": case.number, "title": case.title},
        body=ownership.instructions[:300],
        url=url,
        dedupe_key=f"duty:ownership:{ownership.pk}:leader",
    )
    notify(
        users=_case_unit_staff(case),
        title=_("Case %(number)s is owned by %(leader)s; report progress every %(n)d days") % {"number": case.number, "leader": leader, "n": interval},
        body=ownership.instructions[:300],
        url=url,
        level=Notification.Level.ESCALATION,
        dedupe_key=f"duty:ownership:{ownership.pk}:unit",
    )
    return ownership


@transaction.atomic
def ownership_end(*, actor: User, ownership: CaseOwnership, note: str = "") -> CaseOwnership:
    if not (actor.pk == ownership.leader_id or can_assign_ownership(actor)):
        raise PermissionDenied(_("Only the owning leader or the district offices may end a case ownership."))
    ownership = CaseOwnership.objects.select_for_update().get(pk=ownership.pk)
    if ownership.ended_at is not None:
        raise ValidationError(_("This ownership has already ended."))
    ownership.ended_at = timezone.now()
    ownership.ended_by = actor
    ownership.end_note = (note or "").strip()
    ownership.save(update_fields=["ended_at", "ended_by", "end_note"])
    audit_record(actor=actor, action="ownership.end", obj=ownership, after={"note": ownership.end_note})
    return ownership


@transaction.atomic
def ownership_progress(*, actor: User, ownership: CaseOwnership, text: str) -> ProgressReport:
    """The handling unit reports progress on an owned case; the leader is told."""
    case = ownership.case
    unit = case.current_unit
    if unit is None or not acts_for(actor, unit):
        raise PermissionDenied(_("Only the handling unit reports progress on this case."))
    if ownership.ended_at is not None:
        raise ValidationError(_("This ownership has already ended."))
    text = _required_text(text, "text", _("The progress"))
    report = ProgressReport.objects.create(ownership=ownership, unit=unit, text=text, reported_by=actor)
    audit_record(actor=actor, action="ownership.progress", obj=ownership, after={"case": case.number, "text": text[:500]})
    notify(
        users=[ownership.leader],
        title=_("Progress on your case %(number)s from %(unit)s") % {"number": case.number, "unit": unit},
        body=text[:300],
        url=reverse("duty:ownership_detail", args=[ownership.pk]),
        dedupe_key=f"duty:progress:{report.pk}",
    )
    return report


@transaction.atomic
def batch_create(*, actor: User, title: str, deadline: dt.date, cases: Seq[Case], note: str = "") -> CentralBatch:
    """Assign a batch of prominent cases together (集中交办), each to its handling unit."""
    if not can_assign_ownership(actor):
        raise PermissionDenied(_("Only leaders, supervisors and the district offices may assign cases centrally."))
    title = _required_text(title, "title", _("The title"), max_length=MAX_TITLE)
    if deadline < timezone.localdate():
        raise ValidationError({"deadline": _("The deadline cannot be in the past.")})
    case_list = list(dict.fromkeys(cases))
    if not case_list:
        raise ValidationError({"cases": _("Give at least one case.")})
    problems = []
    for case in case_list:
        if not case.is_open:
            problems.append(_("Case %(number)s is finished.") % {"number": case.number})
        elif case.current_unit is None:
            problems.append(_("Case %(number)s has no handling unit yet; assign it first.") % {"number": case.number})
    if problems:
        raise ValidationError({"cases": problems})
    batch = CentralBatch.objects.create(number=_next_number("batch", "JB"), title=title, note=(note or "").strip(), deadline=deadline, created_by=actor)
    BatchItem.objects.bulk_create([BatchItem(batch=batch, case=c, unit=c.current_unit) for c in case_list])
    audit_record(actor=actor, action="batch.create", obj=batch, after={"title": title, "deadline": deadline, "cases": [c.number for c in case_list]})
    url = reverse("duty:batch_detail", args=[batch.pk])
    by_unit: dict[int, list[Case]] = {}
    for c in case_list:
        by_unit.setdefault(c.current_unit_id, []).append(c)  # type: ignore[arg-type]
    for unit_cases in by_unit.values():
        unit = unit_cases[0].current_unit
        notify(
            users=unit_staff(unit),  # type: ignore[arg-type]
            title=_("Central assignment %(number)s: %(n)d case(s) for your unit, due %(date)s") % {"number": batch.number, "n": len(unit_cases), "date": deadline.isoformat()},
            body="、".join(c.number for c in unit_cases),
            url=url,
            level=Notification.Level.ESCALATION,
            dedupe_key=f"duty:batch:{batch.pk}:{unit.pk}",  # type: ignore[union-attr]
        )
    return batch


@transaction.atomic
def batch_progress(*, actor: User, item: BatchItem, text: str, resolved: bool = False) -> ProgressReport:
    if not acts_for(actor, item.unit):
        raise PermissionDenied(_("Only the handling unit reports progress on this case."))
    item = BatchItem.objects.select_for_update().select_related("batch", "case").get(pk=item.pk)
    if item.batch.status != CentralBatch.Status.OPEN:
        raise ValidationError(_("This batch is closed."))
    if item.status == BatchItem.Status.RESOLVED:
        raise ValidationError(_("This case is already reported resolved."))
    text = _required_text(text, "text", _("The progress"))
    report = ProgressReport.objects.create(item=item, unit=item.unit, text=text, reported_by=actor)
    item.status = BatchItem.Status.RESOLVED if resolved else BatchItem.Status.PROGRESSING
    item.resolved_at = timezone.now() if resolved else None
    item.save(update_fields=["status", "resolved_at"])
    audit_record(actor=actor, action="batch.progress", obj=item.batch, after={"case": item.case.number, "resolved": resolved, "text": text[:500]})
    return report


@transaction.atomic
def batch_close(*, actor: User, batch: CentralBatch) -> CentralBatch:
    if not can_assign_ownership(actor):
        raise PermissionDenied(_("Only leaders, supervisors and the district offices may close a batch."))
    batch = CentralBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != CentralBatch.Status.OPEN:
        raise ValidationError(_("This batch is closed."))
    batch.status = CentralBatch.Status.CLOSED
    batch.closed_at = timezone.now()
    batch.save(update_fields=["status", "closed_at"])
    audit_record(actor=actor, action="batch.close", obj=batch, after={"status": "closed"})
    return batch


def _last_progress_day(start: dt.datetime, reports: Iterable[ProgressReport]) -> dt.date:
    latest = max([start, *[r.reported_at for r in reports]])
    return timezone.localdate(latest)


@transaction.atomic
def progress_sweep(*, today: dt.date | None = None) -> int:
    """Remind handling units whose progress report on an owned or centrally assigned case is
    due, and escalate batch items past the batch deadline. Idempotent."""
    today = today or timezone.localdate()
    interval = get_duty_settings().progress_interval_days
    sent = 0
    owned = CaseOwnership.objects.filter(ended_at__isnull=True).select_related("case", "case__current_unit", "leader").prefetch_related("progress")
    for o in owned:
        if not o.case.is_open or o.case.current_unit is None:
            continue
        due = _last_progress_day(o.assigned_at, o.progress.all()) + dt.timedelta(days=o.interval_days)
        if today >= due:
            sent += len(
                notify(
                    users=_case_unit_staff(o.case),
                    title=_("Progress report on owned case %(number)s is due (leader %(leader)s)") % {"number": o.case.number, "leader": o.leader},
                    body=o.case.title,
                    url=reverse("duty:ownership_detail", args=[o.pk]),
                    level=Notification.Level.REMINDER,
                    dedupe_key=f"duty:ownership:{o.pk}:due:{due}",
                )
            )
    items = BatchItem.objects.filter(batch__status=CentralBatch.Status.OPEN).exclude(status=BatchItem.Status.RESOLVED)
    for item in items.select_related("batch", "case", "unit", "unit__leader").prefetch_related("progress"):
        url = reverse("duty:batch_detail", args=[item.batch_id])
        params = {"number": item.case.number, "batch": item.batch.number, "date": item.batch.deadline.isoformat()}
        if today > item.batch.deadline:
            sent += len(
                notify(
                    users=[*unit_staff(item.unit), item.batch.created_by],
                    title=_("Overdue: case %(number)s of %(batch)s was due %(date)s") % params,
                    body=item.case.title,
                    url=url,
                    level=Notification.Level.ESCALATION,
                    dedupe_key=f"duty:batchitem:{item.pk}:overdue",
                )
            )
            continue
        due = _last_progress_day(item.batch.created_at, item.progress.all()) + dt.timedelta(days=interval)
        if today >= due:
            sent += len(
                notify(
                    users=unit_staff(item.unit),
                    title=_("Progress report on case %(number)s of %(batch)s is due") % params,
                    body=item.case.title,
                    url=url,
                    level=Notification.Level.REMINDER,
                    dedupe_key=f"duty:batchitem:{item.pk}:due:{due}",
                )
            )
    if sent:
        audit_record(actor=None, action="progress.sweep", object_type="duty.progressreport", after={"day": today, "notifications": sent})
    return sent
