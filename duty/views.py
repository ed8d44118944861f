"""Pages of command and duty. Thin: access functions fetch, services write."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from accounts.scoping import is_district_wide
from cases.models import Case
from core.forms import apply_validation_error
from duty import access, exports, selectors, services
from duty.forms import (
    AccountabilityForm,
    AnswerForm,
    BatchForm,
    BatchProgressForm,
    CloseForm,
    DailyReportForm,
    DutySettingsForm,
    InstructionForm,
    NoticeForm,
    OwnershipForm,
    ProgressForm,
    ResultForm,
    ReviewForm,
    RosterImportForm,
    SpecialPeriodForm,
    UrgentReportForm,
)
from duty.models import (
    AccountabilityRecord,
    BatchItem,
    CaseOwnership,
    CentralBatch,
    DailyReport,
    Instruction,
    InstructionTarget,
    NoticeAnswer,
    ProgressReport,
    SpecialPeriod,
    SupervisionNotice,
    UrgentReport,
)
from files.models import StoredFile
from files.services import file_path, file_store
from hazards.models import Hazard

ATTACHMENT_KINDS = {"image", "pdf", "office"}
MAX_FILES = 10


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _store_uploads(request: HttpRequest, field: str = "files") -> list[StoredFile]:
    uploads = request.FILES.getlist(field)
    if len(uploads) > MAX_FILES:
        raise ValidationError(_("At most %(n)d files at a time.") % {"n": MAX_FILES})
    return [file_store(actor=request.user, upload=f, name=f.name or "file", allowed_kinds=ATTACHMENT_KINDS) for f in uploads]


def _cases_from_numbers(user: User, text: str, field: str) -> list[Case]:
    """Cases named by number that the user may see; a ValidationError names every unknown one."""
    from cases.access import get_case_for_user

    numbers = [n for n in re.split(r"[\s,，、;；]+", text or "") if n]
    found: list[Case] = []
    missing: list[str] = []
    for number in dict.fromkeys(numbers):
        try:
            found.append(get_case_for_user(user, number))
        except Http404:
            missing.append(number)
    if missing:
        raise ValidationError({field: _("No case you can see has the number %(numbers)s.") % {"numbers": "、".join(missing)}})
    return found


def _hazards_from_numbers(user: User, text: str, field: str) -> list[Hazard]:
    """Hazards named by number that the user may see; a ValidationError names every unknown one."""
    from hazards.access import get_hazard_for_user

    numbers = [n for n in re.split(r"[\s,，、;；]+", text or "") if n]
    found: list[Hazard] = []
    missing: list[str] = []
    for number in dict.fromkeys(numbers):
        try:
            found.append(get_hazard_for_user(user, number))
        except Http404:
            missing.append(number)
    if missing:
        raise ValidationError({field: _("No hazard you can see has the number %(numbers)s.") % {"numbers": "、".join(missing)}})
    return found


def _date_param(request: HttpRequest, name: str = "date") -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return timezone.localdate()


def _page(request: HttpRequest, qs: Any, per_page: int = 30) -> Any:
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def _attachment(response_name: str, data: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(response_name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


# --- overview -------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    now = timezone.now()
    today = timezone.localdate(now)
    unit = access.home_unit(user)
    ctx: dict[str, Any] = {"periods": selectors.periods_on(today), "today": today, "unit": unit}
    if unit is not None and access.acts_for(user, unit):
        rule = selectors.day_rule(today, [unit])
        ctx["my"] = {
            "reports": access.reporting_units().filter(pk=unit.pk).exists(),
            "targets": list(selectors.pending_targets(unit)[:20]),
            "notices": list(SupervisionNotice.objects.filter(unit=unit, status__in=[SupervisionNotice.Status.ISSUED, SupervisionNotice.Status.RETURNED]).order_by("due_date")[:20]),
            "report": DailyReport.objects.filter(unit=unit, date=today).first(),
            "report_required": unit.pk in rule.required,
            "report_due": rule.due_at[unit.pk],
            "shift": selectors.current_shift(unit, now),
            "tomorrow_missing": bool(selectors.units_without_roster(today + dt.timedelta(days=1), [unit])),
            "owned": list(CaseOwnership.objects.filter(ended_at__isnull=True, case__current_unit=unit).select_related("case", "leader")[:10]),
            "items": list(
                BatchItem.objects.filter(unit=unit, batch__status=CentralBatch.Status.OPEN).exclude(status=BatchItem.Status.RESOLVED).select_related("batch", "case")[:10]
            ),
        }
    if is_district_wide(user):
        rows = selectors.daily_summary(today)
        ctx["district"] = {
            "counts": selectors.summary_counts(rows),
            "instructions": list(selectors.with_target_counts(Instruction.objects.filter(status=Instruction.Status.OPEN)).order_by("-sent_at")[:8]),
            "urgent": list(selectors.open_urgent_reports(UrgentReport.objects.all())[:8]),
            "no_roster": selectors.units_without_roster(today + dt.timedelta(days=1)),
            "overdue_notices": SupervisionNotice.objects.filter(
                status__in=[SupervisionNotice.Status.ISSUED, SupervisionNotice.Status.RETURNED], due_date__lt=today
            ).count(),
        }
    ctx["can_command"] = access.can_command(user)
    ctx["can_supervise"] = access.can_supervise(user)
    return render(request, "duty/home.html", ctx)


# --- instructions ----------------------------------------------------------------------------


@login_required
def instruction_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    qs = selectors.with_target_counts(access.instructions_for(user))
    status = request.GET.get("status", "open")
    if status in Instruction.Status.values:
        qs = qs.filter(status=status)
    page = _page(request, qs.order_by("-sent_at", "-pk"))
    unit = access.home_unit(user)
    mine: dict[int, InstructionTarget] = {}
    if unit is not None:
        mine = {t.instruction_id: t for t in InstructionTarget.objects.filter(unit=unit, instruction__in=[i.pk for i in page])}
    rows = [(i, mine.get(i.pk)) for i in page]
    return render(request, "duty/instruction_list.html", {"page": page, "rows": rows, "status": status, "can_command": access.can_command(user), "now": timezone.now()})


@login_required
def instruction_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not access.can_command(user):
        raise PermissionDenied
    units = access.visible_duty_units(user)
    form = InstructionForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                files = _store_uploads(request, "attachments")
                linked = _cases_from_numbers(user, form.cleaned_data["case_numbers"], "case_numbers")
                linked_hazards = _hazards_from_numbers(user, form.cleaned_data["hazard_numbers"], "hazard_numbers")
                instruction = services.instruction_send(
                    actor=user,
                    title=form.cleaned_data["title"],
                    content=form.cleaned_data["content"],
                    kind=form.cleaned_data["kind"],
                    urgency=form.cleaned_data["urgency"],
                    units=form.chosen_units(),
                    ack_deadline=form.cleaned_data["ack_deadline"],
                    report_deadline=form.cleaned_data["report_deadline"],
                    attachments=files,
                    cases=linked,
                    hazards=linked_hazards,
                )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Instruction %(number)s sent to %(n)d unit(s).") % {"number": instruction.number, "n": instruction.targets.count()})
            return redirect("duty:instruction_detail", pk=instruction.pk)
    return render(request, "duty/instruction_form.html", {"form": form})


def _can_watch(user: User, instruction: Instruction) -> bool:
    return instruction.sender_id == user.pk or access.can_command(user) or access.is_duty_office(user)


@login_required
def instruction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    instruction = access.get_instruction_for_user(user, pk)
    target = access.target_for(user, instruction)
    if target is not None and target.first_seen_at is None:
        services.instruction_mark_seen(actor=user, target=target)
        target.refresh_from_db()
    ctx: dict[str, Any] = {
        "instruction": instruction,
        "target": target,
        "result_form": ResultForm(),
        "close_form": CloseForm(),
        "watch": _can_watch(user, instruction),
        "can_close": instruction.is_open and (instruction.sender_id == user.pk or access.is_duty_office(user) or (access.can_command(user) and user.has_role(Role.LEADER))),
        "now": timezone.now(),
        "notices": instruction.notices.select_related("unit"),
    }
    if ctx["watch"]:
        ctx["targets"], ctx["counts"] = selectors.instruction_board(instruction)
    return render(request, "duty/instruction_detail.html", ctx)


@login_required
def instruction_board(request: HttpRequest, pk: int) -> HttpResponse:
    """The sender's live board (htmx polls it)."""
    user = _user(request)
    instruction = access.get_instruction_for_user(user, pk)
    if not _can_watch(user, instruction):
        raise PermissionDenied
    targets, counts = selectors.instruction_board(instruction)
    return render(request, "duty/partials/instruction_board.html", {"instruction": instruction, "targets": targets, "counts": counts, "now": timezone.now()})


def _target_or_403(user: User, instruction: Instruction) -> InstructionTarget:
    target = access.target_for(user, instruction)
    if target is None:
        raise PermissionDenied(_("This instruction was not sent to your unit."))
    return target


@login_required
@require_POST
def instruction_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    instruction = access.get_instruction_for_user(user, pk)
    target = _target_or_403(user, instruction)
    try:
        services.instruction_acknowledge(actor=user, target=target)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Acknowledged. Report the result by %(deadline)s.") % {"deadline": timezone.localtime(instruction.report_deadline).strftime("%Y-%m-%d %H:%M")})
    return redirect("duty:instruction_detail", pk=pk)


@login_required
@require_POST
def instruction_report(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    instruction = access.get_instruction_for_user(user, pk)
    target = _target_or_403(user, instruction)
    form = ResultForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                files = _store_uploads(request)
                services.instruction_report(actor=user, target=target, result=form.cleaned_data["result"], files=files)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The result was reported."))
            return redirect("duty:instruction_detail", pk=pk)
    target.refresh_from_db()
    return render(
        request,
        "duty/instruction_detail.html",
        {"instruction": instruction, "target": target, "result_form": form, "close_form": CloseForm(), "watch": False, "can_close": False, "now": timezone.now(), "notices": []},
        status=400,
    )


@login_required
@require_POST
def instruction_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    instruction = access.get_instruction_for_user(user, pk)
    form = CloseForm(request.POST)
    form.is_valid()
    try:
        services.instruction_close(actor=user, instruction=instruction, note=form.cleaned_data.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Instruction %(number)s closed.") % {"number": instruction.number})
    return redirect("duty:instruction_detail", pk=pk)


# --- supervision notices and accountability ----------------------------------------------------------


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    qs = selectors.notice_list(access.notices_for(user))
    status = request.GET.get("status", "open")
    if status == "open":
        qs = qs.exclude(status=SupervisionNotice.Status.ACCEPTED)
    elif status in SupervisionNotice.Status.values:
        qs = qs.filter(status=status)
    page = _page(request, qs.order_by("due_date", "-pk") if status == "open" else qs)
    return render(request, "duty/notice_list.html", {"page": page, "status": status, "can_supervise": access.can_supervise(user), "today": timezone.localdate()})


@login_required
def notice_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not access.can_supervise(user):
        raise PermissionDenied
    instructions = Instruction.objects.filter(status=Instruction.Status.OPEN).order_by("-sent_at")
    initial: dict[str, Any] = {}
    if request.GET.get("instruction"):
        found = instructions.filter(pk=request.GET.get("instruction", "0")).first() if request.GET.get("instruction", "").isdigit() else None
        if found:
            initial = {"instruction": found, "subject": SupervisionNotice.Subject.INSTRUCTION, "title": _("Supervision of %(number)s") % {"number": found.number}}
    if request.GET.get("unit"):
        initial["unit"] = access.visible_duty_units(user).filter(code=request.GET["unit"]).first()
    if request.GET.get("case"):
        try:
            found_case = _cases_from_numbers(user, request.GET["case"], "case_number")[0]
        except ValidationError:
            found_case = None
        if found_case is not None:
            initial.update({"subject": SupervisionNotice.Subject.CASE, "case_number": found_case.number, "title": _("Supervision of case %(number)s") % {"number": found_case.number}})
            if found_case.current_unit is not None:
                initial["unit"] = access.home_unit_of(found_case.current_unit)
    if request.GET.get("hazard"):
        try:
            found_hazard = _hazards_from_numbers(user, request.GET["hazard"], "hazard_number")[0]
        except ValidationError:
            found_hazard = None
        if found_hazard is not None:
            initial.update(
                {
                    "subject": SupervisionNotice.Subject.HAZARD,
                    "hazard_number": found_hazard.number,
                    "title": _("Supervision of hazard %(number)s") % {"number": found_hazard.number},
                    "unit": access.home_unit_of(found_hazard.unit),
                }
            )
    form = NoticeForm(request.POST or None, units=access.visible_duty_units(user), instructions=instructions, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            case = None
            hazard = None
            if form.cleaned_data["subject"] == SupervisionNotice.Subject.CASE and form.cleaned_data["case_number"]:
                case = _cases_from_numbers(user, form.cleaned_data["case_number"], "case_number")[0]
            if form.cleaned_data["subject"] == SupervisionNotice.Subject.HAZARD and form.cleaned_data["hazard_number"]:
                hazard = _hazards_from_numbers(user, form.cleaned_data["hazard_number"], "hazard_number")[0]
            notice = services.notice_issue(
                actor=user,
                case=case,
                hazard=hazard,
                unit=form.cleaned_data["unit"],
                subject=form.cleaned_data["subject"],
                instruction=form.cleaned_data["instruction"],
                title=form.cleaned_data["title"],
                requirement=form.cleaned_data["requirement"],
                due_date=form.cleaned_data["due_date"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Supervision notice %(number)s issued.") % {"number": notice.number})
            return redirect("duty:notice_detail", pk=notice.pk)
    return render(request, "duty/form_page.html", {"form": form, "page_title": _("Issue a supervision notice"), "submit_label": _("Issue the notice"), "cancel_url": reverse("duty:notice_list")})


def _notice_context(user: User, notice: SupervisionNotice, **extra: Any) -> dict[str, Any]:
    return {
        "notice": notice,
        "answers": notice.answers.select_related("answered_by", "reviewed_by").prefetch_related("files"),
        "can_answer": notice.awaiting_unit and access.acts_for(user, notice.unit),
        "can_review": notice.status == SupervisionNotice.Status.ANSWERED and access.can_supervise(user),
        "can_supervise": access.can_supervise(user),
        "answer_form": extra.pop("answer_form", AnswerForm()),
        "review_form": extra.pop("review_form", ReviewForm()),
        "records": notice.accountability_records.all(),
        "today": timezone.localdate(),
        **extra,
    }


@login_required
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    notice = access.get_notice_for_user(user, pk)
    return render(request, "duty/notice_detail.html", _notice_context(user, notice))


@login_required
@require_POST
def notice_answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    notice = access.get_notice_for_user(user, pk)
    if not access.acts_for(user, notice.unit):
        raise PermissionDenied(_("This supervision notice was not sent to your unit."))
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                files = _store_uploads(request)
                services.notice_answer(actor=user, notice=notice, text=form.cleaned_data["text"], files=files)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Your answer was sent."))
            return redirect("duty:notice_detail", pk=pk)
    return render(request, "duty/notice_detail.html", _notice_context(user, notice, answer_form=form), status=400)


@login_required
@require_POST
def notice_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    notice = access.get_notice_for_user(user, pk)
    if not access.can_supervise(user):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.notice_review(
                actor=user, notice=notice, accept=form.cleaned_data["decision"] == "accept", note=form.cleaned_data["note"], new_due_date=form.cleaned_data["new_due_date"]
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The review was recorded."))
            return redirect("duty:notice_detail", pk=pk)
    return render(request, "duty/notice_detail.html", _notice_context(user, notice, review_form=form), status=400)


@login_required
def accountability_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    qs = AccountabilityRecord.objects.filter(access.target_scope_q(user)).select_related("unit", "recorded_by").prefetch_related("notices", "cases")
    page = _page(request, qs)
    by_unit = []
    if is_district_wide(user):
        from django.db.models import Count

        by_unit = list(AccountabilityRecord.objects.values("unit__name", "unit__code").annotate(n=Count("pk")).order_by("-n", "unit__name")[:30])
    return render(request, "duty/accountability_list.html", {"page": page, "by_unit": by_unit, "can_supervise": access.can_supervise(user)})


@login_required
def accountability_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not access.can_supervise(user):
        raise PermissionDenied
    units = access.visible_duty_units(user)
    notices = SupervisionNotice.objects.select_related("unit").order_by("-issued_at")[:300]
    notices_qs = SupervisionNotice.objects.filter(pk__in=[n.pk for n in notices])
    initial: dict[str, Any] = {}
    if request.GET.get("notice", "").isdigit():
        n = notices_qs.filter(pk=request.GET["notice"]).first()
        if n:
            initial = {"unit": n.unit, "notices": [n]}
    form = AccountabilityForm(request.POST or None, units=units, notices=notices_qs, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.accountability_create(
                actor=user,
                unit=form.cleaned_data["unit"],
                reason=form.cleaned_data["reason"],
                measure=form.cleaned_data["measure"],
                measure_detail=form.cleaned_data["measure_detail"],
                decided_by=form.cleaned_data["decided_by"],
                decided_on=form.cleaned_data["decided_on"],
                notices=form.cleaned_data["notices"],
                cases=_cases_from_numbers(user, form.cleaned_data["case_numbers"], "case_numbers"),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Accountability record saved."))
            return redirect("duty:unit_page", code=record.unit.code)
    return render(request, "duty/form_page.html", {"form": form, "page_title": _("Record accountability"), "submit_label": _("Save the record"), "cancel_url": reverse("duty:accountability_list")})


@login_required
def unit_page(request: HttpRequest, code: str) -> HttpResponse:
    """A unit's command-and-duty page: open instructions, notices, accountability, reports, roster."""
    user = _user(request)
    unit = access.get_unit_for_user(user, code)
    today = timezone.localdate()
    week = [today - dt.timedelta(days=i) for i in range(6, -1, -1)]
    summary = {day: selectors.daily_summary(day, [unit])[0] for day in week}
    return render(
        request,
        "duty/unit_page.html",
        {
            "unit": unit,
            "targets": InstructionTarget.objects.filter(unit=unit).select_related("instruction").order_by("-instruction__sent_at")[:15],
            "notices": SupervisionNotice.objects.filter(unit=unit).order_by("-issued_at")[:15],
            "records": AccountabilityRecord.objects.filter(unit=unit).prefetch_related("notices").select_related("recorded_by"),
            "week": [(day, summary[day]) for day in week],
            "shift": selectors.current_shift(unit),
            "urgent": UrgentReport.objects.filter(unit=unit, parent__isnull=True).order_by("-reported_at")[:10],
            "now": timezone.now(),
            "today": today,
            "can_supervise": access.can_supervise(user),
        },
    )


# --- roster -------------------------------------------------------------------------------------


@login_required
def roster_board(request: HttpRequest) -> HttpResponse:
    """Who is on duty now, in every unit the user can see; units with no roster for tomorrow flagged."""
    user = _user(request)
    units = list(access.visible_duty_units(user))
    if not units:
        raise PermissionDenied
    now = timezone.now()
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    missing = {u.pk for u in selectors.units_without_roster(tomorrow, units)}
    rows = [(unit, shift, unit.pk in missing) for unit, shift in selectors.on_duty_now(now, units)]
    template = "duty/partials/roster_board.html" if request.htmx else "duty/roster_board.html"  # type: ignore[attr-defined]
    return render(request, template, {"rows": rows, "now": now, "tomorrow": tomorrow, "n_missing": len(missing), "n_off": sum(1 for r in rows if r[1] is None)})


def _month_rows(unit: Any, year: int, month: int, posted: dict[dt.date, list[dict[str, str]]] | None = None) -> list[dict[str, Any]]:
    conf = selectors.get_duty_settings()
    handover = conf.handover_time.strftime("%H:%M")
    shifts = selectors.month_shifts(unit, year, month)
    from workcal.selectors import get_calendar

    cal = get_calendar()
    today = timezone.localdate()
    out = []
    for day_no in range(1, calendar.monthrange(year, month)[1] + 1):
        day = dt.date(year, month, day_no)
        if posted is not None and day in posted:
            rows = posted[day]
        else:
            rows = [
                {
                    "start": timezone.localtime(s.starts_at).strftime("%H:%M"),
                    "end": timezone.localtime(s.ends_at).strftime("%H:%M"),
                    "leader": s.leader_name,
                    "officer": s.officer_name,
                    "phone": s.phone,
                }
                for s in shifts.get(day, [])
            ]
        out.append(
            {
                "date": day,
                "workday": cal.is_workday(day),
                "editable": day >= today - dt.timedelta(days=1),
                "rows": rows or [{"start": handover, "end": handover, "leader": "", "officer": "", "phone": ""}],
                "empty": not rows,
            }
        )
    return out


def _parse_month_post(request: HttpRequest, year: int, month: int) -> tuple[dict[dt.date, list[services.ShiftInput]], dict[dt.date, list[dict[str, str]]], list[str]]:
    dates = request.POST.getlist("date")
    fields = {k: request.POST.getlist(k) for k in ("start", "end", "leader", "officer", "phone")}
    if any(len(v) != len(dates) for v in fields.values()):
        raise ValidationError(_("The roster form was incomplete; reload the page and try again."))
    days: dict[dt.date, list[services.ShiftInput]] = {}
    posted: dict[dt.date, list[dict[str, str]]] = {}
    errors: list[str] = []
    today = timezone.localdate()
    for i, raw in enumerate(dates):
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            errors.append(_("“%(value)s” is not a date.") % {"value": raw})
            continue
        if (day.year, day.month) != (year, month) or day < today - dt.timedelta(days=1):
            continue
        row = {k: (fields[k][i] or "").strip() for k in fields}
        posted.setdefault(day, []).append(row)
        days.setdefault(day, [])
        if not (row["leader"] or row["officer"] or row["phone"]):
            continue
        try:
            start = dt.time.fromisoformat(row["start"])
            end = dt.time.fromisoformat(row["end"])
        except ValueError:
            errors.append(_("%(date)s: the times must look like 08:30.") % {"date": day})
            continue
        days[day].append(services.ShiftInput(start=start, end=end, leader_name=row["leader"], officer_name=row["officer"], phone=row["phone"]))
    return days, posted, errors


@login_required
def roster_month(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
    """Monthly roster entry on one screen."""
    user = _user(request)
    unit = access.get_unit_for_user(user, code)
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404
    can_edit = access.can_edit_roster(user, unit)
    errors: list[str] = []
    posted = None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("You may edit only your own unit's duty roster."))
        try:
            days, posted, errors = _parse_month_post(request, year, month)
            if not errors:
                services.roster_set_days(actor=user, unit=unit, days=days)
                messages.success(request, _("The roster of %(unit)s for %(year)d-%(month)02d was saved.") % {"unit": unit, "year": year, "month": month})
                return redirect("duty:roster_month", code=code, year=year, month=month)
        except ValidationError as exc:
            errors = exc.messages
    first = dt.date(year, month, 1)
    prev = first - dt.timedelta(days=1)
    nxt = first + dt.timedelta(days=32)
    return render(
        request,
        "duty/roster_month.html",
        {
            "unit": unit,
            "year": year,
            "month": month,
            "days": _month_rows(unit, year, month, posted),
            "can_edit": can_edit,
            "errors": errors,
            "prev": prev,
            "next": nxt,
            "import_form": RosterImportForm(),
            "handover": selectors.get_duty_settings().handover_time,
            "split_at": (dt.datetime.combine(first, selectors.get_duty_settings().handover_time) + dt.timedelta(hours=12)).strftime("%H:%M"),
            "units": access.visible_duty_units(user) if is_district_wide(user) else [],
        },
        status=400 if errors else 200,
    )


@login_required
def roster_export(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
    user = _user(request)
    unit = access.get_unit_for_user(user, code)
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404
    days = [dt.date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]
    data = exports.roster_xlsx(unit, selectors.month_shifts(unit, year, month), days)
    return _attachment(f"{unit.name}-值班表-{year}-{month:02d}.xlsx", data, exports.XLSX_TYPE)


@login_required
@require_POST
def roster_import(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = access.get_unit_for_user(user, code)
    if not access.can_edit_roster(user, unit):
        raise PermissionDenied(_("You may edit only your own unit's duty roster."))
    form = RosterImportForm(request.POST, request.FILES)
    today = timezone.localdate()
    back = redirect("duty:roster_month", code=code, year=int(request.POST.get("year") or today.year), month=int(request.POST.get("month") or today.month))
    if not form.is_valid():
        messages.error(request, _("Choose an Excel file to import."))
        return back
    try:
        n = services.roster_import(actor=user, unit=unit, upload=form.cleaned_data["file"])
    except ValidationError as exc:
        for message in exc.messages[:30]:
            messages.error(request, message)
        if len(exc.messages) > 30:
            messages.error(request, _("…and %(n)d more problems.") % {"n": len(exc.messages) - 30})
        messages.error(request, _("Nothing was imported."))
    else:
        messages.success(request, _("%(n)d day(s) of roster imported.") % {"n": n})
    return back


# --- daily reports -------------------------------------------------------------------------------


@login_required
def daily_today(request: HttpRequest) -> HttpResponse:
    """The unit's daily report for a day (today by default), and its last reports."""
    user = _user(request)
    unit = access.home_unit(user)
    if unit is None or not access.acts_for(user, unit) or not access.reporting_units().filter(pk=unit.pk).exists():
        raise PermissionDenied(_("Only staff of a reporting unit file daily reports."))
    day = _date_param(request)
    existing = DailyReport.objects.filter(unit=unit, date=day).first()
    initial = {}
    if existing:
        initial = {k: getattr(existing, k) for k in ("nothing_to_report", "situation", "incidents", "hazards", "help_needed")}
    form = DailyReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.daily_report_submit(actor=user, unit=unit, date=day, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if report.is_late:
                messages.warning(request, _("Daily report for %(date)s filed; it is stamped late.") % {"date": day})
            else:
                messages.success(request, _("Daily report for %(date)s filed on time.") % {"date": day})
            return redirect(f"{request.path}?date={day.isoformat()}")
    rule = selectors.day_rule(day, [unit])
    return render(
        request,
        "duty/daily_form.html",
        {
            "form": form,
            "unit": unit,
            "day": day,
            "existing": existing,
            "required": unit.pk in rule.required,
            "due_at": rule.due_at[unit.pk],
            "period": rule.period_of.get(unit.pk),
            "history": DailyReport.objects.filter(unit=unit).order_by("-date")[:14],
            "is_future": day > timezone.localdate(),
            "now": timezone.now(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _require_district(user: User) -> None:
    if not is_district_wide(user):
        raise PermissionDenied


@login_required
def daily_summary(request: HttpRequest) -> HttpResponse:
    """The district's daily summary: every unit on time, late, missing or pending, with the content."""
    user = _user(request)
    _require_district(user)
    day = _date_param(request)
    rows = selectors.daily_summary(day)
    state = request.GET.get("state", "")
    shown = [r for r in rows if not state or r.state == state]
    return render(
        request,
        "duty/daily_summary.html",
        {
            "day": day,
            "rows": shown,
            "counts": selectors.summary_counts(rows),
            "periods": selectors.periods_on(day),
            "state": state,
            "prev": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "urgent": UrgentReport.objects.filter(parent__isnull=True, reported_at__date=day).select_related("unit"),
        },
    )


@login_required
def daily_summary_export(request: HttpRequest, fmt: str) -> HttpResponse:
    user = _user(request)
    _require_district(user)
    day = _date_param(request)
    rows = selectors.daily_summary(day)
    if fmt == "xlsx":
        return _attachment(f"值班日报汇总-{day.isoformat()}.xlsx", exports.daily_summary_xlsx(day, rows), exports.XLSX_TYPE)
    if fmt == "docx":
        urgent = list(UrgentReport.objects.filter(parent__isnull=True, reported_at__date=day).select_related("unit"))
        data = exports.daily_summary_docx(day, rows, selectors.summary_counts(rows), selectors.periods_on(day), urgent)
        return _attachment(f"值班日报汇总-{day.isoformat()}.docx", data, exports.DOCX_TYPE)
    raise Http404


# --- urgent incident reports -----------------------------------------------------------------------


@login_required
def urgent_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    qs = access.urgent_reports_for(user).filter(parent__isnull=True).select_related("unit").order_by("-reported_at")
    from django.db.models import Count

    page = _page(request, qs.annotate(n_follow_ups=Count("follow_ups")))
    unit = access.home_unit(user)
    return render(request, "duty/urgent_list.html", {"page": page, "can_file": unit is not None and access.acts_for(user, unit)})


@login_required
def urgent_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    unit = access.home_unit(user)
    if unit is None or not access.acts_for(user, unit):
        raise PermissionDenied(_("Only staff of a reporting unit file urgent reports."))
    form = UrgentReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                files = _store_uploads(request)
                report = services.urgent_report_file(actor=user, unit=unit, files=files, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Urgent report %(number)s filed; the duty office and the leaders on duty were notified.") % {"number": report.number})
            return redirect("duty:urgent_detail", pk=report.pk)
    return render(
        request,
        "duty/form_page.html",
        {"form": form, "page_title": _("Urgent incident report of %(unit)s") % {"unit": unit.display_name}, "submit_label": _("File the report now"), "cancel_url": reverse("duty:urgent_list"), "with_files": True},
    )


def _urgent_context(user: User, report: UrgentReport, form: UrgentReportForm | None = None) -> dict[str, Any]:
    root = report.root
    return {
        "report": root,
        "chain": [root, *root.follow_ups.select_related("reported_by").prefetch_related("files").order_by("reported_at")],
        "can_follow_up": root.status == UrgentReport.Status.OPEN and access.acts_for(user, root.unit),
        "can_close": root.status == UrgentReport.Status.OPEN and access.is_duty_office(user),
        "form": form or UrgentReportForm(initial={"title": root.title, "place": root.place, "occurred_at": timezone.localtime(root.occurred_at).replace(tzinfo=None)}),
    }


@login_required
def urgent_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = access.get_urgent_report_for_user(user, pk)
    if report.parent_id:
        return redirect("duty:urgent_detail", pk=report.parent_id)
    return render(request, "duty/urgent_detail.html", _urgent_context(user, report))


@login_required
@require_POST
def urgent_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = access.get_urgent_report_for_user(user, pk)
    if not access.acts_for(user, report.unit):
        raise PermissionDenied(_("Follow-up reports come from the unit that filed the first report."))
    form = UrgentReportForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                files = _store_uploads(request)
                services.urgent_report_file(actor=user, unit=report.unit, parent=report, files=files, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Follow-up report filed."))
            return redirect("duty:urgent_detail", pk=report.root.pk)
    return render(request, "duty/urgent_detail.html", _urgent_context(user, report, form), status=400)


@login_required
@require_POST
def urgent_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = access.get_urgent_report_for_user(user, pk)
    if not access.is_duty_office(user):
        raise PermissionDenied
    try:
        services.urgent_report_close(actor=user, report=report, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Incident closed."))
    return redirect("duty:urgent_detail", pk=report.root.pk)


# --- special periods and settings -------------------------------------------------------------------


def _can_declare(user: User) -> bool:
    return access.is_duty_office(user) or (user.has_role(Role.LEADER) and access.can_command(user))


@login_required
def period_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    periods = SpecialPeriod.objects.prefetch_related("units").select_related("created_by")[:100]
    return render(request, "duty/period_list.html", {"periods": periods, "today": timezone.localdate(), "can_declare": _can_declare(user)})


@login_required
def period_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not _can_declare(user):
        raise PermissionDenied
    form = SpecialPeriodForm(request.POST or None, units=access.reporting_units())
    if request.method == "POST" and form.is_valid():
        try:
            period = services.special_period_create(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Special period “%(name)s” declared.") % {"name": period.name})
            return redirect("duty:period_list")
    return render(request, "duty/period_form.html", {"form": form})


@login_required
@require_POST
def period_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    period = access.get_special_period(pk)
    if not _can_declare(user):
        raise PermissionDenied
    try:
        services.special_period_cancel(actor=user, period=period)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Special period “%(name)s” cancelled.") % {"name": period.name})
    return redirect("duty:period_list")


@login_required
def settings_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not access.is_duty_office(user):
        raise PermissionDenied
    current = selectors.get_duty_settings()
    form = DutySettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.duty_settings_update(actor=user, **{k: form.cleaned_data[k] for k in services.SETTING_FIELDS})
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Duty settings saved."))
            return redirect("duty:settings")
    return render(request, "duty/form_page.html", {"form": form, "page_title": _("Duty settings"), "submit_label": _("Save"), "cancel_url": reverse("duty:home")})


# --- attachments ---------------------------------------------------------------------------------


@login_required
def attachment(request: HttpRequest, file_id: uuid.UUID) -> FileResponse:
    """Serve an attachment of an instruction, a result, a notice answer or an urgent report
    to a user who may see that record."""
    user = _user(request)
    stored = StoredFile.objects.filter(pk=file_id).first()
    if stored is None:
        raise Http404
    visible = (
        access.instructions_for(user).filter(attachments=stored).exists()
        or InstructionTarget.objects.filter(result_files=stored, instruction__in=access.instructions_for(user)).exists()
        or NoticeAnswer.objects.filter(files=stored, notice__in=access.notices_for(user)).exists()
        or access.urgent_reports_for(user).filter(files=stored).exists()
    )
    if not visible:
        raise Http404
    path = file_path(stored)
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=stored.original_name, content_type=stored.content_type)


# --- leader case ownership and central assignment ---------------------------------------------


def _ownerships_for(user: User) -> Any:
    from django.db.models import Prefetch

    from cases.models import CaseClock

    qs = CaseOwnership.objects.select_related("case", "case__current_unit", "leader").prefetch_related(
        Prefetch("case__clocks", queryset=CaseClock.objects.filter(stopped_at__isnull=True), to_attr="running_clocks"),
        Prefetch("progress", queryset=ProgressReport.objects.order_by("-reported_at")),
    )
    if is_district_wide(user):
        return qs
    return qs.filter(access.target_scope_q(user, prefix="case__current_"))


def _ownership_rows(ownerships: Any) -> list[dict[str, Any]]:
    from cases.selectors import clock_views

    rows = []
    today = timezone.localdate()
    for o in ownerships:
        progress = list(o.progress.all())
        last = progress[0] if progress else None
        start = last.reported_at if last else o.assigned_at
        next_due = timezone.localdate(start) + dt.timedelta(days=o.interval_days)
        rows.append(
            {
                "o": o,
                "case": o.case,
                "clocks": [c for c in clock_views(getattr(o.case, "running_clocks", []), today) if not c.is_window],
                "last": last,
                "next_due": next_due,
                "progress_overdue": o.is_active and o.case.is_open and today >= next_due,
            }
        )
    return rows


@login_required
def leader_cases(request: HttpRequest) -> HttpResponse:
    """领导包案: a leader's own cases with their clocks and progress; others see the cases in their scope."""
    user = _user(request)
    qs = _ownerships_for(user)
    mine = user.has_role(Role.LEADER)
    who = request.GET.get("leader", "me" if mine else "all")
    if who == "me":
        qs = qs.filter(leader=user)
    elif who.isdigit():
        qs = qs.filter(leader_id=int(who))
    show = request.GET.get("show", "active")
    if show == "active":
        qs = qs.filter(ended_at__isnull=True)
    rows = _ownership_rows(qs.order_by("case__due_key", "pk")[:200])
    leaders = User.objects.filter(is_active=True, role_assignments__role=Role.LEADER).distinct().order_by("full_name") if is_district_wide(user) else []
    return render(
        request,
        "duty/leader_cases.html",
        {"rows": rows, "who": who, "show": show, "mine": mine, "leaders": leaders, "can_assign": services.can_assign_ownership(user)},
    )


@login_required
def ownership_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not services.can_assign_ownership(user):
        raise PermissionDenied
    leaders = User.objects.filter(is_active=True, role_assignments__role=Role.LEADER).distinct().order_by("full_name")
    initial: dict[str, Any] = {"interval_days": selectors.get_duty_settings().progress_interval_days}
    if request.GET.get("case"):
        initial["case_number"] = request.GET["case"][:30]
    if user.has_role(Role.LEADER):
        initial["leader"] = user
    form = OwnershipForm(request.POST or None, leaders=leaders, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            case = _cases_from_numbers(user, form.cleaned_data["case_number"], "case_number")[0]
            ownership = services.ownership_assign(
                actor=user, case=case, leader=form.cleaned_data["leader"], interval_days=form.cleaned_data["interval_days"], instructions=form.cleaned_data["instructions"]
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("%(leader)s now owns case %(number)s.") % {"leader": ownership.leader, "number": case.number})
            return redirect("duty:ownership_detail", pk=ownership.pk)
    return render(request, "duty/form_page.html", {"form": form, "page_title": _("Assign a case to a leader"), "submit_label": _("Assign"), "cancel_url": reverse("duty:leader_cases")})


def _get_ownership(user: User, pk: int) -> CaseOwnership:
    ownership = _ownerships_for(user).filter(pk=pk).first()
    if ownership is None:
        raise Http404
    return ownership


def _ownership_context(user: User, ownership: CaseOwnership, form: ProgressForm | None = None) -> dict[str, Any]:
    row = _ownership_rows([ownership])[0]
    unit = ownership.case.current_unit
    return {
        "row": row,
        "o": ownership,
        "case": ownership.case,
        "progress": ownership.progress.select_related("reported_by", "unit"),
        "can_report": ownership.is_active and unit is not None and access.acts_for(user, unit),
        "can_end": ownership.is_active and (user.pk == ownership.leader_id or services.can_assign_ownership(user)),
        "form": form or ProgressForm(),
    }


@login_required
def ownership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    return render(request, "duty/ownership_detail.html", _ownership_context(user, _get_ownership(user, pk)))


@login_required
@require_POST
def ownership_progress(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    ownership = _get_ownership(user, pk)
    unit = ownership.case.current_unit
    if unit is None or not access.acts_for(user, unit):
        raise PermissionDenied(_("Only the handling unit reports progress on this case."))
    form = ProgressForm(request.POST)
    if form.is_valid():
        try:
            services.ownership_progress(actor=user, ownership=ownership, text=form.cleaned_data["text"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Progress reported to the leader."))
            return redirect("duty:ownership_detail", pk=pk)
    return render(request, "duty/ownership_detail.html", _ownership_context(user, ownership, form), status=400)


@login_required
@require_POST
def ownership_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    ownership = _get_ownership(user, pk)
    if not (user.pk == ownership.leader_id or services.can_assign_ownership(user)):
        raise PermissionDenied
    try:
        services.ownership_end(actor=user, ownership=ownership, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The ownership has ended."))
    return redirect("duty:ownership_detail", pk=pk)


def _batches_for(user: User) -> Any:
    qs = CentralBatch.objects.all()
    if is_district_wide(user):
        return qs
    return qs.filter(Exists(BatchItem.objects.filter(access.target_scope_q(user), batch=OuterRef("pk"))))


def _get_batch(user: User, pk: int) -> CentralBatch:
    batch = _batches_for(user).select_related("created_by").filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    from django.db.models import Count, Q

    qs = _batches_for(user).annotate(
        n_items=Count("items", distinct=True),
        n_resolved=Count("items", filter=Q(items__status=BatchItem.Status.RESOLVED), distinct=True),
        n_pending=Count("items", filter=Q(items__status=BatchItem.Status.PENDING), distinct=True),
    )
    page = _page(request, qs.order_by("-created_at", "-pk"))
    return render(request, "duty/batch_list.html", {"page": page, "can_assign": services.can_assign_ownership(user), "today": timezone.localdate()})


@login_required
def batch_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not services.can_assign_ownership(user):
        raise PermissionDenied
    form = BatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cases = _cases_from_numbers(user, form.cleaned_data["case_numbers"], "case_numbers")
            batch = services.batch_create(actor=user, title=form.cleaned_data["title"], deadline=form.cleaned_data["deadline"], cases=cases, note=form.cleaned_data["note"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Central assignment %(number)s created with %(n)d case(s).") % {"number": batch.number, "n": batch.items.count()})
            return redirect("duty:batch_detail", pk=batch.pk)
    return render(request, "duty/form_page.html", {"form": form, "page_title": _("Central assignment of cases"), "submit_label": _("Assign"), "cancel_url": reverse("duty:batch_list")})


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    batch = _get_batch(user, pk)
    table = selectors.batch_table(batch, None if is_district_wide(user) else access.target_scope_q(user))
    return render(
        request,
        "duty/batch_detail.html",
        {
            "batch": batch,
            "table": table,
            "form": BatchProgressForm(),
            "can_close": batch.status == CentralBatch.Status.OPEN and services.can_assign_ownership(user),
            "my_units": {u.pk for u in table.units if access.acts_for(user, u)},
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def batch_progress(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    user = _user(request)
    batch = _get_batch(user, pk)
    item = BatchItem.objects.filter(batch=batch, pk=item_id).select_related("unit").first()
    if item is None or not (is_district_wide(user) or access.user_can_see_unit(user, item.unit) or access.acts_for(user, item.unit)):
        raise Http404
    if not access.acts_for(user, item.unit):
        raise PermissionDenied(_("Only the handling unit reports progress on this case."))
    form = BatchProgressForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Describe the progress."))
    else:
        try:
            services.batch_progress(actor=user, item=item, text=form.cleaned_data["text"], resolved=form.cleaned_data["resolved"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Progress reported."))
    return redirect("duty:batch_detail", pk=pk)


@login_required
@require_POST
def batch_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    batch = _get_batch(user, pk)
    if not services.can_assign_ownership(user):
        raise PermissionDenied
    try:
        services.batch_close(actor=user, batch=batch)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Batch %(number)s closed.") % {"number": batch.number})
    return redirect("duty:batch_detail", pk=pk)


@login_required
def batch_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    user = _user(request)
    batch = _get_batch(user, pk)
    table = selectors.batch_table(batch, None if is_district_wide(user) else access.target_scope_q(user))
    if fmt == "xlsx":
        return _attachment(f"{batch.number}-集中交办进展.xlsx", exports.batch_xlsx(batch, table), exports.XLSX_TYPE)
    if fmt == "docx":
        return _attachment(f"{batch.number}-集中交办进展.docx", exports.batch_docx(batch, table), exports.DOCX_TYPE)
    raise Http404
