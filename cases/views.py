"""The staff workbench of complaint cases: inboxes, registration, the case page with its
actions, the printable case sheet and the Excel export.

Views are thin: every case is fetched through ``cases.access.get_case_for_user`` (404 for
cases outside the user's scope), every write is one call of a ``cases.services`` function,
and a refusal of the service is shown beside the form with nothing changed. An htmx
request gets a partial from ``templates/cases/partials/``."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Role, Unit, User
from cases import forms as f
from cases import services
from cases.access import cases_for_user, get_case_for_user
from cases.choice_cache import register_choices
from cases.models import Case, CaseExtension, CaseReply, Category, ClockKind
from cases.selectors import (
    Page,
    case_detail,
    filter_cases,
    identity_access_log,
    inbox,
    inbox_boxes,
    inbox_counts,
    list_order,
    list_queryset,
    paginate,
    paginate_search,
    proposed_unit,
    suggest_categories,
    suggest_unit,
)
from cases.templatetags.cases_tags import reply_status_label
from core.forms import apply_validation_error

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PAGE_SIZE = 50
EXPORT_MAX = 10_000

ACTION_LABELS: dict[str, Any] = {key: label for key, label, _style, _check in services.ACTIONS}
#: Labels whose English word other modules translate differently ("Close" a dialog): a context of their own.
LABEL_OVERRIDES: dict[str, Any] = {"close": pgettext_lazy("case action", "Close")}
ACTION_LABELS.update(LABEL_OVERRIDES)
#: Where a service's message without a field goes, per action.
DEFAULT_FIELD: dict[str, str] = {"add_attachment": "upload", "link": "other"}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _download(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response


# ---------------------------------------------------------------------------
# Inbox and list
# ---------------------------------------------------------------------------


def _list_state(request: HttpRequest, user: User) -> dict[str, Any]:
    """The chosen inbox, the filter form and the filtered queryset of the list pages."""
    boxes = inbox_boxes(user)
    keys = [key for key, _label in boxes]
    box = request.GET.get("box") or (keys[0] if keys else "all")
    if box != "all" and box not in keys:
        box = keys[0] if keys else "all"
    form = f.CaseFilterForm(request.GET, user=user)
    base = inbox(user, box) if box != "all" else list_queryset(cases_for_user(user))
    qs = base.none()
    order = "deadline"
    searching = False
    if form.is_valid():
        order = form.cleaned_data.get("order") or "deadline"
        try:
            flt = form.to_filter()
            searching = bool(flt.q.strip())
            order = list_order(flt, order)  # a search is listed newest first
            qs = filter_cases(base, flt)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            qs = base.none()
    params = {k: v for k, v in request.GET.lists() if k not in ("cursor", "box", "partial") and any(v)}
    query = urlencode([(k, v) for k, vs in params.items() for v in vs])
    return {"boxes": boxes, "box": box, "form": form, "qs": qs, "order": order, "query": query, "searching": searching}


@login_required
def inbox_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    state = _list_state(request, user)
    try:
        cursor = request.GET.get("cursor") or None
        if state["searching"]:
            page = paginate_search(state["qs"], cursor=cursor, limit=PAGE_SIZE)
        else:
            page = paginate(state["qs"], cursor=cursor, limit=PAGE_SIZE, order=state["order"])
    except ValidationError as exc:  # a damaged cursor
        apply_validation_error(state["form"], exc)
        page = Page(items=[], next_cursor=None, limit=PAGE_SIZE)
    partial = _is_htmx(request) and request.htmx.target == "case-list"  # type: ignore[attr-defined]
    counts = {} if partial else inbox_counts(user)  # the tabs are not redrawn by a filter change
    box_labels = dict(state["boxes"])
    context = {
        **state,
        "page": page,
        "counts": counts,
        "box_label": box_labels.get(state["box"], _("All cases")),
        "today": timezone.localdate(),
        "first_page": bool(request.GET.get("cursor")),
        "can_register": user.has_role(Role.INTAKE),
    }
    if partial:
        return render(request, "cases/partials/case_list.html", context)
    return render(request, "cases/inbox.html", context)


@login_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The current filtered list as an Excel workbook (no personal data)."""
    user = _user(request)
    state = _list_state(request, user)
    if state["form"].errors:
        return render(request, "cases/inbox.html", {**state, "page": Page([], None, PAGE_SIZE), "counts": inbox_counts(user)}, status=400)
    qs = state["qs"].order_by("due_key", "id") if state["order"] == "deadline" else state["qs"].order_by("-received_at", "-id")
    rows = list(qs[: EXPORT_MAX + 1])
    data = cases_xlsx(rows[:EXPORT_MAX], truncated=len(rows) > EXPORT_MAX)
    name = _("cases") + f"-{timezone.localdate().isoformat()}.xlsx"
    return _download(data, XLSX, name)


# ---------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------


def _suggest_url() -> str:
    """The hook for category/unit suggestions: the triage module's endpoint when it is
    installed, else the rules-based one of this module."""
    try:
        return reverse("triage:suggest")
    except NoReverseMatch:
        return reverse("cases:suggest")


def _complainant_errors(exc: ValidationError, form: f.RegisterForm, formset: Any, used: list[int]) -> None:
    """Put a register service error on the form or on the complainant row it concerns."""
    if not hasattr(exc, "error_dict"):
        # the register service's only errors without a field are those of a stored file
        files_field = "materials" if form.cleaned_data.get("materials") and not form.cleaned_data.get("attachments") else "attachments"
        apply_validation_error(form, exc, default_field=files_field)
        return
    rest: dict[str, Any] = {}
    for key, errors in exc.error_dict.items():
        parts = key.split(".")
        if parts[0] == "complainants" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(used):
            row = formset.forms[used[int(parts[1])]]
            for error in errors:
                row.add_error(parts[2] if parts[2] in row.fields else None, error)
        elif key == "complainants":
            for error in errors:
                form.add_error(None, error)
        else:
            rest[key] = errors
    if rest:
        apply_validation_error(form, ValidationError(rest))


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.has_role(Role.INTAKE):
        raise PermissionDenied(_("Only intake officers may register cases."))
    if request.method == "POST":
        form = f.RegisterForm(request.POST, request.FILES)
        formset = f.ComplainantFormSet(request.POST, prefix="c")
        anonymous = request.POST.get("anonymous") in ("on", "true", "1")
        people_ok = anonymous or formset.is_valid()
        if form.is_valid() and people_ok:
            data = form.cleaned_data
            people, used = [], []
            if not anonymous:
                for i, row in enumerate(formset.forms):
                    if row.cleaned_data.get("DELETE") or row.is_blank:
                        continue
                    used.append(i)
                    people.append(services.ComplainantIn(**{k: row.cleaned_data.get(k) or "" for k in ("name", "phone", "id_number", "address")}, is_representative=bool(row.cleaned_data.get("is_representative"))))
            try:
                case = services.case_register(
                    actor=user,
                    channel=data["channel"],
                    type=data["type"],
                    title=data["title"],
                    content=data["content"],
                    category=int(data["category"]) if data.get("category") else None,
                    urgent=bool(data.get("urgent")),
                    address=data.get("address") or "",
                    latitude=float(data["latitude"]) if data.get("latitude") is not None else None,
                    longitude=float(data["longitude"]) if data.get("longitude") is not None else None,
                    town=int(data["town"]) if data.get("town") else None,
                    complainants=people,
                    anonymous=anonymous,
                    head_count=data.get("head_count") if data.get("joint") else None,
                    accused_unit=int(data["accused_unit"]) if data.get("accused_unit") else None,
                    received_at=data.get("received_at"),
                    attachments=[(u, u.name) for u in data.get("attachments") or []],
                    materials=[(u, u.name) for u in data.get("materials") or []],
                    idempotency_key=data.get("idempotency_key") or None,
                )
            except ValidationError as exc:
                _complainant_errors(exc, form, formset, used)
            else:
                messages.success(request, _("Case %(number)s registered.") % {"number": case.number})
                if case.final_match_id:
                    messages.warning(request, case.final_match_reason)
                return redirect(case.get_absolute_url())
        status = 422
    else:
        form = f.RegisterForm()
        formset = f.ComplainantFormSet(prefix="c")
        status = 200
    context = {"form": form, "formset": formset, "category_groups": register_choices()["category_groups"], "suggest_url": _suggest_url()}
    return render(request, "cases/register.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest) -> HttpResponse:
    """Rules-based suggestions of category and handling unit from the title and content
    (Category.keywords). The triage module may replace this endpoint (see ``_suggest_url``)."""
    user = _user(request)
    if not user.has_role(Role.INTAKE):
        raise PermissionDenied(_("Only intake officers may register cases."))
    data = request.POST if request.method == "POST" else request.GET
    text = f"{data.get('title', '')}\n{data.get('content', '')}"[:20_000]
    town = None
    if (data.get("town") or "").isdigit():
        town = Unit.objects.filter(pk=int(data["town"]), is_active=True).first()
    scored = suggest_categories(text) if text.strip() else []
    ids = [c.pk for c, _score in scored]
    cats = {c.pk: c for c in Category.objects.filter(pk__in=ids).select_related("parent__parent", "default_unit", "parent__default_unit", "parent__parent__default_unit")}
    items = []
    for cat, score in scored:
        full = cats.get(cat.pk, cat)
        path = " › ".join(n.display_name for n in (full.parent.parent if full.parent else None, full.parent, full) if n is not None)
        items.append({"category": full, "path": path, "score": score, "unit": suggest_unit(full, town)})
    return render(request, "cases/partials/suggestions.html", {"items": items, "town": town, "has_text": bool(text.strip())})


# ---------------------------------------------------------------------------
# The case page
# ---------------------------------------------------------------------------


def _extras(case: Case) -> list[dict[str, str]]:
    """Links and lazy-loaded panels other modules hang under the case (the #case-extras hook)."""
    out: list[dict[str, str]] = []
    for name, kind, label in (
        ("triage:case_suggestion", "panel", ""),
        ("triage:case_duplicates", "panel", ""),
        ("triage:case_similar_replies", "panel", ""),
        ("hazards:from_case", "link", _("Register as a hazard")),
    ):
        for args, kwargs in (((case.number,), {}), ((), {"number": case.number}), ((), {})):
            try:
                url = reverse(name, args=args, kwargs=kwargs)
            except NoReverseMatch:
                continue
            if not args and not kwargs:
                url += "?" + urlencode({"case": case.number})
            out.append({"name": name, "kind": kind, "url": url, "label": label})
            break
    return out


def _detail_context(user: User, case: Case, **extra: Any) -> dict[str, Any]:
    detail = case_detail(user, case)
    actions = [replace(a, label=str(LABEL_OVERRIDES[a.key])) if a.key in LABEL_OVERRIDES else a for a in detail.actions if a.key != "reveal_identity"]
    can_reveal = any(a.key == "reveal_identity" for a in detail.actions)
    access_log = list(identity_access_log(case)[:20]) if detail.identity != "masked" else []
    running = [c for c in detail.clocks if c.stopped_at is None]
    category_path = []
    node = case.category
    while node is not None:
        category_path.insert(0, node.display_name)
        node = node.parent
    return {
        "case": case,
        "d": detail,
        "actions": actions,
        "can_reveal": can_reveal,
        "people": detail.complainants,
        "revealed": False,
        "access_log": access_log,
        "running_clocks": running,
        "category_path": " › ".join(category_path),
        "extras": _extras(case),
        "is_intake": user.has_role(Role.INTAKE),
        **extra,
    }


@login_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    case = get_case_for_user(user, number)
    return render(request, "cases/detail.html", _detail_context(user, case))


@login_required
@require_POST
def reveal(request: HttpRequest, number: str) -> HttpResponse:
    """Show a masked identity: an explicit click that writes an access-log row."""
    user = _user(request)
    case = get_case_for_user(user, number)
    form = f.RevealForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    people = services.case_reveal_identity(actor=user, case=case, reason=reason)
    if _is_htmx(request):
        context = {
            "case": case,
            "people": people,
            "revealed": True,
            "can_reveal": False,
            "d": {"identity": "reveal"},
            "access_log": list(identity_access_log(case)[:20]),
        }
        return render(request, "cases/partials/complainants.html", context)
    return render(request, "cases/detail.html", _detail_context(user, case, people=people, revealed=True, can_reveal=False))


def _action_form(action: str, case: Case, user: User, data: Any = None, files: Any = None) -> f.ActionForm:
    form_class = f.ACTION_FORMS[action]
    kwargs: dict[str, Any] = {"case": case, "user": user}
    if action == "assign":
        kwargs["suggested"] = proposed_unit(case)
    if data is None:
        return form_class(**kwargs)
    return form_class(data, files, **kwargs)


def _action_context(action: str, case: Case, form: f.ActionForm, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "case": case,
        "action": action,
        "label": str(ACTION_LABELS.get(action, action)),
        "form": form,
        "multipart": action == "add_attachment",
        "conflict": "",
        "is_draft": action == "draft_reply",
        **extra,
    }
    if action == "decide_extension":
        context["pending_extension"] = CaseExtension.objects.filter(case=case, decision=CaseExtension.Decision.PENDING).select_related("requested_by").first()
    if action in ("approve_reply", "return_reply", "notify_complainant"):
        context["reply"] = CaseReply.objects.filter(case=case).select_related("drafted_by").first()
    if action == "object":
        context["objection_clock"] = case.clocks.filter(kind=ClockKind.OBJECTION, stopped_at__isnull=True).first()
    return context


def _render_action(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    template = "cases/partials/action_form.html" if _is_htmx(request) else "cases/action.html"
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """GET: the form of one action (inline with htmx). POST: run the action's service."""
    if action not in f.ACTION_FORMS:
        raise Http404(_("No such action."))
    user = _user(request)
    case = get_case_for_user(user, number)
    if request.method == "GET":
        if action not in {a.key for a in services.available_actions(user, case)}:
            raise PermissionDenied(_("You may not do this now."))
        form = _action_form(action, case, user)
        # The buttons carry the version of the page the user is looking at: if the case
        # changed since, say so now (and the form keeps that version, so it cannot overwrite).
        seen = request.GET.get("version", "")
        if seen.isdigit() and int(seen) != case.version:
            form.initial["version"] = int(seen)
            message = _("Case %(number)s was changed by %(who)s at %(when)s; please reload it and try again.") % {
                "number": case.number,
                "who": str(case.updated_by) if case.updated_by else _("the system"),
                "when": timezone.localtime(case.updated_at).strftime("%Y-%m-%d %H:%M"),
            }
            return _render_action(request, _action_context(action, case, form, conflict=message), status=409)
        return _render_action(request, _action_context(action, case, form))
    form = _action_form(action, case, user, request.POST, request.FILES)
    status = 422
    conflict = ""
    if form.is_valid():
        service = getattr(services, f"case_{action}")
        try:
            result = service(actor=user, case=case, expected_version=form.cleaned_data["version"], **form.service_kwargs())
        except services.CaseConflict as exc:
            conflict, status = exc.message, 409
        except ValidationError as exc:
            apply_validation_error(form, exc, default_field=DEFAULT_FIELD.get(action))
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not do this."))
            status = 403
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": str(ACTION_LABELS.get(action, action))})
            target = result.get_absolute_url() if isinstance(result, Case) else case.get_absolute_url()
            if _is_htmx(request):
                return HttpResponse(status=204, headers={"HX-Redirect": target})
            return redirect(target)
    return _render_action(request, _action_context(action, case, form, conflict=conflict), status=status)


@login_required
def attachment(request: HttpRequest, number: str, pk: int) -> FileResponse:
    """Download an attachment, after the permission check (never a public URL)."""
    from cases.selectors import attachment_for_user
    from files.services import file_path

    user = _user(request)
    case = get_case_for_user(user, number)
    item = attachment_for_user(user, case, pk)
    path = file_path(item.file)
    if not path.exists():
        raise Http404(_("The file is missing from storage."))
    response = FileResponse(path.open("rb"), as_attachment=True, filename=item.file.original_name, content_type=item.file.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------
# The case sheet (print and Word)
# ---------------------------------------------------------------------------


@login_required
def sheet(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    case = get_case_for_user(user, number)
    detail = case_detail(user, case)
    return render(request, "cases/sheet.html", {"case": case, "d": detail, "rows": case_sheet_rows(case, detail), "printed_at": timezone.localtime()})


@login_required
def sheet_docx(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    case = get_case_for_user(user, number)
    detail = case_detail(user, case)
    data = case_sheet_docx(case, detail, printed_by=str(user))
    return _download(data, DOCX, f"{case.number}.docx")


# ---------------------------------------------------------------------------
# Documents: the Excel list and the Word case sheet
# ---------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A cell value that a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _local(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def cases_xlsx(rows: list[Case], *, truncated: bool = False) -> bytes:
    """The case list as an .xlsx workbook: one row per case, no personal data."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = _("Cases")[:31]
    headers = [
        _("Number"),
        _("Title"),
        _("Type"),
        _("Channel"),
        _("Level"),
        _("State"),
        _("Category"),
        _("Handling unit"),
        _("Town / street"),
        _("Received at"),
        _("Next deadline"),
        _("Overdue"),
        _("Urgent"),
    ]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    yes, no = _("Yes"), _("No")
    for c in rows:
        ws.append(
            [
                neutralise(v)
                for v in (
                    c.number,
                    c.title,
                    c.get_type_display(),
                    c.get_channel_display(),
                    c.get_level_display(),
                    c.get_state_display(),
                    c.category.display_name if c.category else "",
                    c.current_unit.display_name if c.current_unit else "",
                    c.town.display_name if c.town else "",
                    _local(c.received_at),
                    c.next_due.isoformat() if c.next_due else "",
                    yes if c.is_overdue else no,
                    yes if c.urgent else no,
                )
            ]
        )
    if truncated:
        ws.append([_("Only the first %(n)d cases are exported; narrow the filters.") % {"n": len(rows)}])
    widths = [14, 40, 12, 12, 10, 16, 18, 20, 14, 17, 12, 8, 8]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def case_sheet_rows(case: Case, detail: Any) -> list[tuple[str, str]]:
    """The header fields of the case sheet as (label, value), shared by the print page and Word."""
    category = []
    node = case.category
    while node is not None:
        category.insert(0, node.display_name)
        node = node.parent
    units = "、".join(
        a.unit.display_name + (f"（{_('lead')}）" if a.is_lead and len(detail.assignments) > 1 else "") for a in detail.assignments if a.is_active
    )
    place = " ".join(x for x in ((case.town.display_name if case.town else ""), case.address) if x)
    if case.latitude is not None and case.longitude is not None:
        place += f" ({case.latitude}, {case.longitude})"
    rows = [
        (_("Number"), case.number),
        (_("Title"), case.title),
        (_("Received at"), _local(case.received_at)),
        (_("Channel"), case.get_channel_display()),
        (_("Type"), case.get_type_display() + (f" · {_('Urgent')}" if case.urgent else "")),
        (_("Level"), case.get_level_display()),
        (_("Category"), " › ".join(category) or "—"),
        (_("Location"), place or "—"),
        (_("State"), case.get_state_display()),
        (_("Handling unit"), units or "—"),
    ]
    if case.confidential:
        rows.append((_("Confidential"), _("Yes: the complainant's identity and materials are protected.")))
    if case.parent_case_id:
        rows.append((_("Reviewed case"), case.parent_case.number if case.parent_case else ""))
    return rows


def complainants_text(case: Case, people: list[dict[str, Any]]) -> str:
    if case.anonymous:
        return _("Anonymous")
    lines = []
    for p in people:
        bits = [str(p["name"])]
        for key in ("phone", "id_number", "address"):
            if p.get(key):
                bits.append(str(p[key]))
        if p.get("is_representative"):
            bits.append(_("representative"))
        lines.append("，".join(bits))
    if case.joint:
        lines.append(_("Joint complaint of %(n)d people.") % {"n": case.head_count})
    return "\n".join(lines) or "—"


def case_sheet_docx(case: Case, detail: Any, *, printed_by: str) -> bytes:
    """The case sheet (信访事项处理单) as a Word document, A4."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2)
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")

    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(_("Case sheet"))
    run.bold = True
    run.font.size = Pt(18)
    sub = doc.add_paragraph(case.number)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def table(rows: list[tuple[str, str]]) -> None:
        t = doc.add_table(rows=0, cols=2)
        t.style = "Table Grid"
        for label, value in rows:
            cells = t.add_row().cells
            cells[0].width, cells[1].width = Cm(3.5), Cm(13)
            cells[0].paragraphs[0].add_run(label).bold = True
            cells[1].paragraphs[0].add_run(value)

    table([*case_sheet_rows(case, detail), (_("Complainants"), complainants_text(case, detail.complainants))])

    doc.add_heading(_("Content"), level=2)
    for para in case.content.splitlines() or [""]:
        doc.add_paragraph(para)

    if detail.clocks:
        doc.add_heading(_("Deadlines"), level=2)
        t = doc.add_table(rows=1, cols=4)
        t.style = "Table Grid"
        for cell, text in zip(t.rows[0].cells, (_("Deadline"), _("Started"), _("Due"), _("State")), strict=True):
            cell.paragraphs[0].add_run(text).bold = True
        for c in detail.clocks:
            cells = t.add_row().cells
            cells[0].text = c.label
            cells[1].text = _local(c.started_at)
            cells[2].text = c.due_date.isoformat()
            cells[3].text = c.state_label

    reply = detail.reply
    if reply is not None:
        doc.add_heading(_("Written reply"), level=2)
        table(
            [
                (_("Outcome"), reply.get_outcome_display()),
                (_("Status"), reply_status_label(reply.status)),
                (_("Drafted by"), f"{reply.drafted_by or ''} {_local(reply.drafted_at)}".strip()),
                (_("Approved by"), f"{reply.approved_by or ''} {_local(reply.approved_at)}".strip() or "—"),
                (_("Issued on"), _local(reply.issued_at) or "—"),
            ]
            + ([(_("Assistance referral"), f"{reply.assistance_what}（{reply.assistance_by}）")] if reply.assistance_needed else [])
        )
        for para in reply.text.splitlines():
            doc.add_paragraph(para)

    if detail.followups:
        doc.add_heading(_("Follow-up"), level=2)
        for fu in detail.followups:
            text = f"{_local(fu.at)} {_('Resolved') if fu.resolved else _('Not resolved')}"
            if fu.satisfaction:
                text += f" · {fu.get_satisfaction_display()}"
            if fu.comment:
                text += f" · {fu.comment}"
            doc.add_paragraph(text)

    doc.add_heading(_("Timeline"), level=2)
    t = doc.add_table(rows=1, cols=3)
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, (_("Time"), _("Step"), _("Details")), strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    for e in detail.timeline:
        cells = t.add_row().cells
        cells[0].text = _local(e.at)
        cells[1].text = f"{e.get_kind_display()}\n{e.actor_name}{(' · ' + e.unit.display_name) if e.unit else ''}"
        cells[2].text = e.text

    foot = doc.add_paragraph(_("Printed by %(who)s at %(when)s") % {"who": printed_by, "when": _local(timezone.now())})
    foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
