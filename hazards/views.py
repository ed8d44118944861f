"""Pages of the hazard ledgers and screening campaigns. Thin: each view fetches through an
access function, calls one service and renders or redirects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.scoping import scope_root
from core.forms import apply_validation_error
from files.services import file_path
from hazards import access, forms, selectors, services
from hazards.excel import SheetError, hazard_template_xlsx, hazards_for_export, ledger_xlsx, parse_target_sheet, target_template_xlsx
from hazards.models import (
    Campaign,
    ChecklistItem,
    HazardEvent,
    HazardExtension,
    HazardPhoto,
    HazardPlan,
    Inspection,
    InspectionPhoto,
    State,
)
from hazards.reports import campaign_report_data, campaign_report_docx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _download(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    from django.utils.encoding import escape_uri_path

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response


def _form_page(
    request: HttpRequest, form: Any, *, title: str, submit: str, back: str, intro: str = "", multipart: bool = False, section: str = "ledger", extra: dict[str, Any] | None = None
) -> HttpResponse:
    context = {"form": form, "title": title, "submit": submit, "back": back, "intro": intro, "multipart": multipart, "section": section, **(extra or {})}
    return render(request, "hazards/form.html", context, status=400 if form.is_bound and form.errors else 200)


def _run(form: Any, call: Callable[[], Any]) -> Any:
    """Call a service; on refusal put its message on the form and return None."""
    try:
        return call()
    except ValidationError as exc:
        apply_validation_error(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("You may not do this."))
    return None


# ---------------------------------------------------------------- ledger


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    flt = selectors.LedgerFilter.from_query(request.GET)
    qs = selectors.ledger_queryset(user, flt)
    rows, next_cursor = selectors.paginate(qs, flt.sort, flt.after)
    context = {
        "flt": flt,
        "rows": rows,
        "total": qs.count(),
        "next_url": "?" + urlencode({**flt.params(), "after": next_cursor}) if next_cursor else "",
        "first_url": "?" + urlencode(flt.params()) if flt.after else "",
        "export_url": reverse("hazards:export") + "?" + urlencode(flt.params()),
        "category_counts": selectors.category_counts(user, flt),
        "choices": selectors.filter_choices(user),
        "can_work": access.can_work(user),
        "today": timezone.localdate(),
        "base_params": flt.params(category=""),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "hazards/partials/ledger_table.html", context)
    return render(request, "hazards/list.html", context)


@login_required
def export(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    flt = selectors.LedgerFilter.from_query(request.GET)
    qs = selectors.ledger_queryset(user, flt).order_by("-id")
    data = ledger_xlsx(hazards_for_export(qs))
    return _download(data, XLSX, _("hazard-ledger-%(date)s.xlsx") % {"date": f"{timezone.localdate():%Y%m%d}"})


@login_required
def register(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not access.can_work(user):
        raise PermissionDenied
    inspection = None
    initial: dict[str, Any] = {"found_on": timezone.localdate()}
    inspection_id = request.GET.get("inspection") or request.POST.get("inspection") or ""
    if inspection_id.isdigit():
        inspection = Inspection.objects.select_related("target__town", "target__category", "campaign").filter(pk=int(inspection_id)).first()
        if inspection is None or not access.user_covers_unit(user, inspection.target.town) and not access.user_covers_unit(user, inspection.target.target_unit):
            raise Http404
        t = inspection.target
        initial.update(
            category=t.category_id, town=t.town_id, address=t.address or t.name, latitude=t.latitude, longitude=t.longitude, source="inspection",
            source_note=f"{inspection.campaign.name} · {t.name}", found_on=inspection.inspected_on, unit=t.target_unit_id or t.town_id,
        )
    form = forms.HazardForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        hazard = _run(
            form,
            lambda: services.hazard_register(
                actor=user,
                category=d["category"],
                grade=d["grade"],
                title=d["title"],
                description=d["description"],
                address=d["address"],
                town=d["town"],
                unit=d["unit"],
                found_on=d["found_on"],
                deadline=d["deadline"],
                latitude=d["latitude"],
                longitude=d["longitude"],
                responsible_person=d["responsible_person"],
                responsible_phone=d["responsible_phone"],
                source=d["source"],
                source_note=d["source_note"],
                inspection=inspection,
                plan=form.plan(),
                photos=d["photos"],
            ),
        )
        if hazard is not None:
            messages.success(request, _("Hazard %(number)s registered.") % {"number": hazard.number})
            return redirect("hazards:detail", number=hazard.number)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "hazards/register.html", {"form": form, "inspection": inspection}, status=status)


@login_required
def from_case(request: HttpRequest, case_number: str) -> HttpResponse:
    """Register a hazard from a complaint case: GET shows the form prefilled from the case,
    POST creates the linked hazard."""
    from cases.access import get_case_for_user
    from cases.models import CaseType

    user = _user(request)
    case = get_case_for_user(user, case_number)
    if not access.can_work(user):
        raise PermissionDenied
    accusation = case.type == CaseType.ACCUSATION
    initial: dict[str, Any] = {
        "title": case.title[:120],
        "description": "" if accusation else case.content,
        "address": case.address,
        "latitude": case.latitude,
        "longitude": case.longitude,
        "town": case.town_id,
        "unit": case.current_unit_id or case.town_id,
        "found_on": timezone.localdate(),
        "source": "case",
        "source_note": _("Complaint case %(number)s") % {"number": case.number},
    }
    form = forms.HazardForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    form.fields["source"].disabled = True
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        hazard = _run(
            form,
            lambda: services.hazard_register_from_case(
                actor=user,
                case=case,
                category=d["category"],
                grade=d["grade"],
                title=d["title"],
                description=d["description"],
                address=d["address"],
                town=d["town"],
                unit=d["unit"],
                found_on=d["found_on"],
                deadline=d["deadline"],
                latitude=d["latitude"],
                longitude=d["longitude"],
                responsible_person=d["responsible_person"],
                responsible_phone=d["responsible_phone"],
                source_note=d["source_note"],
                plan=form.plan(),
                photos=d["photos"],
            ),
        )
        if hazard is not None:
            messages.success(request, _("Hazard %(number)s registered from case %(case)s.") % {"number": hazard.number, "case": case.number})
            return redirect("hazards:detail", number=hazard.number)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "hazards/register.html", {"form": form, "case": case, "accusation": accusation}, status=status)


@login_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    hazard = access.get_hazard_for_user(user, number)
    plan = HazardPlan.objects.filter(hazard=hazard).first()
    events = list(HazardEvent.objects.filter(hazard=hazard).order_by("at", "id"))
    photos = list(HazardPhoto.objects.filter(hazard=hazard).select_related("file"))
    extensions = list(HazardExtension.objects.filter(hazard=hazard).select_related("requested_by", "decided_by"))
    can_edit = access.can_edit_hazard(user, hazard)
    can_verify = access.can_verify_hazard(user, hazard)
    context = {
        "hazard": hazard,
        "plan": plan,
        "events": events,
        "photos_before": [p for p in photos if p.phase == HazardPhoto.Phase.BEFORE],
        "photos_after": [p for p in photos if p.phase == HazardPhoto.Phase.AFTER],
        "extensions": extensions,
        "pending_extension": next((e for e in extensions if e.status == HazardExtension.Status.PENDING), None),
        "can_edit": can_edit and hazard.state != State.CLOSED,
        "can_verify": can_verify,
        "can_supervise": access.can_supervise_hazards(user),
        "is_rectifier": hazard.rectified_by_id == user.pk,
        "today": timezone.localdate(),
        "State": State,
        "state_index": State.values.index(hazard.state),
        "decide_form": forms.DecideForm(),
    }
    return render(request, "hazards/detail.html", context)


@login_required
def edit(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    hazard = access.get_hazard_for_user(user, number, write=True)
    initial = {f: getattr(hazard, f) for f in services.EDITABLE_FIELDS}
    form = forms.HazardEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _run(form, lambda: services.hazard_update(actor=user, hazard=hazard, **form.cleaned_data)) is not None:
        messages.success(request, _("Details saved."))
        return redirect("hazards:detail", number=number)
    return _form_page(request, form, title=_("Correct the details of %(number)s") % {"number": number}, submit=_("Save"), back=reverse("hazards:detail", args=[number]))


@login_required
def plan(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    hazard = access.get_hazard_for_user(user, number, write=True)
    existing = HazardPlan.objects.filter(hazard=hazard).first()
    initial: dict[str, Any] = {"deadline": hazard.deadline}
    if existing is not None:
        initial = {f: getattr(existing, f) for f in ("responsible_person", "measures", "funds_amount", "funds_source", "deadline", "contingency")}
    form = forms.PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _run(form, lambda: services.hazard_plan_save(actor=user, hazard=hazard, **form.cleaned_data)) is not None:
        messages.success(request, _("Rectification plan saved."))
        return redirect("hazards:detail", number=number)
    return _form_page(
        request,
        form,
        title=_("Five-point rectification plan of %(number)s") % {"number": number},
        intro=_("A major hazard enters rectification only with all five items settled: responsibility, measures, funds, deadline and contingency plan."),
        submit=_("Save the plan"),
        back=reverse("hazards:detail", args=[number]),
    )


def _action(request: HttpRequest, number: str, call: Callable[[Any], Any], success: str, allowed: Callable[[User, Any], bool] | None = None) -> HttpResponse:
    hazard = access.get_hazard_for_user(_user(request), number)
    if allowed is not None and not allowed(_user(request), hazard):
        raise PermissionDenied
    try:
        call(hazard)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else (str(exc) or _("You may not do this.")))
    else:
        messages.success(request, success)
    return redirect("hazards:detail", number=number)


@login_required
@require_POST
def start(request: HttpRequest, number: str) -> HttpResponse:
    return _action(request, number, lambda h: services.hazard_start_rectification(actor=_user(request), hazard=h), _("Rectification started."), access.can_edit_hazard)


@login_required
@require_POST
def close(request: HttpRequest, number: str) -> HttpResponse:
    return _action(request, number, lambda h: services.hazard_close(actor=_user(request), hazard=h, note=request.POST.get("note", "")), _("Hazard closed off."), access.can_verify_hazard)


@login_required
def rectified(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    hazard = access.get_hazard_for_user(user, number, write=True)
    form = forms.RectifiedForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if _run(form, lambda: services.hazard_report_rectified(actor=user, hazard=hazard, note=d["note"], photos=d["photos"])) is not None:
            messages.success(request, _("Rectification reported; it now awaits verification on site."))
            return redirect("hazards:detail", number=number)
    return _form_page(request, form, title=_("Report %(number)s rectified") % {"number": number}, submit=_("Report rectified"), back=reverse("hazards:detail", args=[number]), multipart=True)


@login_required
def verify(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    hazard = access.get_hazard_for_user(user, number)
    if not access.can_verify_hazard(user, hazard):
        raise PermissionDenied
    form = forms.VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        passed = d["result"] == "pass"
        if _run(form, lambda: services.hazard_verify(actor=user, hazard=hazard, passed=passed, note=d["note"])) is not None:
            messages.success(request, _("Verification passed.") if passed else _("Verification failed; the hazard is back in rectification."))
            return redirect("hazards:detail", number=number)
    return _form_page(
        request,
        form,
        title=_("Verify %(number)s on site") % {"number": number},
        intro=hazard.rectification_note,
        submit=_("Record the verification"),
        back=reverse("hazards:detail", args=[number]),
    )


@login_required
def listing(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    hazard = access.get_hazard_for_user(user, number)
    if not access.can_supervise_hazards(user):
        raise PermissionDenied
    form = forms.ListingForm(request.POST or None, initial={"listed_on": timezone.localdate(), "level": hazard.listed_level or "district"})
    if request.method == "POST" and form.is_valid() and _run(form, lambda: services.hazard_list_supervision(actor=user, hazard=hazard, **form.cleaned_data)) is not None:
        messages.success(request, _("Hazard listed for supervision."))
        return redirect("hazards:detail", number=number)
    return _form_page(request, form, title=_("Listed supervision of %(number)s") % {"number": number}, submit=_("List for supervision"), back=reverse("hazards:detail", args=[number]))


@login_required
def extension(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    hazard = access.get_hazard_for_user(user, number, write=True)
    form = forms.ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _run(form, lambda: services.hazard_extension_request(actor=user, hazard=hazard, **form.cleaned_data)) is not None:
        messages.success(request, _("Extension requested."))
        return redirect("hazards:detail", number=number)
    return _form_page(
        request,
        form,
        title=_("Request a later deadline for %(number)s") % {"number": number},
        intro=_("Current deadline: %(date)s.") % {"date": hazard.deadline},
        submit=_("Request the extension"),
        back=reverse("hazards:detail", args=[number]),
    )


@login_required
@require_POST
def extension_decide(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    user = _user(request)
    hazard = access.get_hazard_for_user(user, number)
    if not access.can_supervise_hazards(user):
        raise PermissionDenied
    ext = HazardExtension.objects.filter(hazard=hazard, pk=pk).first()
    if ext is None:
        raise Http404
    form = forms.DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("hazards:detail", number=number)
    d = form.cleaned_data
    return _action(
        request, number, lambda h: services.hazard_extension_decide(actor=user, extension=ext, approve=d["approve"], note=d["note"]), _("Decision recorded.")
    )


@login_required
def photo_add(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    hazard = access.get_hazard_for_user(user, number, write=True)
    form = forms.PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if _run(form, lambda: services.hazard_photo_add(actor=user, hazard=hazard, upload=d["photo"], phase=d["phase"])) is not None:
            messages.success(request, _("Photo added."))
            return redirect("hazards:detail", number=number)
    return _form_page(request, form, title=_("Add a photo to %(number)s") % {"number": number}, submit=_("Upload"), back=reverse("hazards:detail", args=[number]), multipart=True)


@login_required
def photo(request: HttpRequest, pk: str) -> HttpResponse:
    """Serve a hazard or inspection photo after checking that the user may see its owner."""
    user = _user(request)
    hp = HazardPhoto.objects.select_related("file", "hazard__unit", "hazard__town").filter(file_id=pk).first()
    stored = None
    if hp is not None and access.can_see_hazard(user, hp.hazard):
        stored = hp.file
    if stored is None:
        ip = InspectionPhoto.objects.select_related("file", "inspection__target__town", "inspection__target__target_unit").filter(file_id=pk).first()
        if ip is not None and (access.user_covers_unit(user, ip.inspection.target.town) or access.user_covers_unit(user, ip.inspection.target.target_unit)):
            stored = ip.file
    if stored is None:
        raise Http404
    path = file_path(stored)
    if not path.exists():
        raise Http404
    response = FileResponse(open(path, "rb"), content_type=stored.content_type)  # noqa: SIM115
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------- map and dashboard


def _map_settings() -> dict[str, str]:
    return {"tileUrl": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION}


@login_required
def hazard_map(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    flt = selectors.LedgerFilter.from_query(request.GET)
    points = selectors.map_points(user, flt)
    return render(
        request,
        "hazards/map.html",
        {"flt": flt, "points": points, "map_settings": _map_settings(), "choices": selectors.filter_choices(user), "ledger_url": reverse("hazards:list") + "?" + urlencode(flt.params(status=flt.status or "open"))},
    )


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    flt = selectors.LedgerFilter.from_query(request.GET)
    flt.status = flt.state = flt.q = ""
    flt.after = ""
    figures = selectors.dashboard_figures(user, flt)
    base = flt.params()
    list_url = reverse("hazards:list")

    def link(**extra: str) -> str:
        return list_url + "?" + urlencode({**base, **extra})

    totals = figures["totals"]
    cards = [
        {"key": "open", "label": _("Open hazards"), "value": totals["open"], "url": link(status="open"), "formula": _("not yet closed off")},
        {"key": "overdue", "label": pgettext("hazard", "Overdue"), "value": totals["overdue"], "url": link(status="overdue"), "formula": _("not rectified and past the deadline"), "danger": True},
        {
            "key": "rectification_rate",
            "label": _("Rectification rate"),
            "value": totals["rectification_rate"],
            "pct": True,
            "url": link(status="rectified"),
            "url2": link(),
            "num": totals["rectified"],
            "den": totals["total"],
            "formula": _("rectified (incl. verified and closed) ÷ all hazards"),
        },
        {
            "key": "ontime_rate",
            "label": _("On-time rectification rate"),
            "value": totals["ontime_rate"],
            "pct": True,
            "url": link(status="ontime"),
            "url2": link(status="due"),
            "num": totals["ontime"],
            "den": totals["due"],
            "formula": _("rectified by the deadline ÷ hazards due (deadline passed) or rectified"),
        },
        {"key": "major_open", "label": _("Major hazards open"), "value": totals["major_open"], "url": link(status="open", grade="major"), "formula": _("major grade, not closed off")},
        {"key": "listed", "label": _("Under listed supervision"), "value": totals["listed"], "url": link(status="listed"), "formula": _("listed and not yet delisted")},
    ]
    cat_rows = figures["by_category"]
    for row in cat_rows:
        p = {k: v for k, v in base.items() if k != "category"}
        row["url"] = list_url + "?" + urlencode({**p, "category": row["category__code"]})
        row["url_open"] = list_url + "?" + urlencode({**p, "category": row["category__code"], "status": "open"})
        row["url_overdue"] = list_url + "?" + urlencode({**p, "category": row["category__code"], "status": "overdue"})
        row["url_major"] = list_url + "?" + urlencode({**p, "category": row["category__code"], "status": "open", "grade": "major"})
    for row in figures["by_unit"]:
        p = {k: v for k, v in base.items() if k != "unit"}
        row["url"] = list_url + "?" + urlencode({**p, "unit": row["unit__code"]})
        row["url_open"] = list_url + "?" + urlencode({**p, "unit": row["unit__code"], "status": "open"})
        row["url_overdue"] = list_url + "?" + urlencode({**p, "unit": row["unit__code"], "status": "overdue"})
    chart = {
        "categories": [r["category__name"] for r in cat_rows],
        "open": [r["open"] for r in cat_rows],
        "overdue": [r["overdue"] for r in cat_rows],
        "urls_open": [r["url_open"] for r in cat_rows],
        "urls_overdue": [r["url_overdue"] for r in cat_rows],
        "states": [{"name": str(State(s).label), "value": figures["by_state"].get(s, 0), "url": link(state=s)} for s in State.values],
        "labels": {"open": _("Open"), "overdue": pgettext("hazard", "Overdue")},
    }
    return render(
        request,
        "hazards/dashboard.html",
        {"flt": flt, "cards": cards, "figures": figures, "chart": chart, "choices": selectors.filter_choices(user)},
    )


# ---------------------------------------------------------------- import


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    if not access.can_import(_user(request)):
        raise PermissionDenied
    return _download(hazard_template_xlsx(_user(request)), XLSX, _("hazard-import-template.xlsx"))


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not access.can_import(user):
        raise PermissionDenied
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = _run(form, lambda: services.hazard_import_start(actor=user, upload=upload, name=upload.name, skip_duplicates=form.cleaned_data["skip_duplicates"]))
        if job is not None:
            if not services.import_runs_in_background(job):
                services.hazard_import_run(job_id=str(job.pk))
            return redirect("hazards:import_status", pk=job.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "hazards/import.html", {"form": form, "sync_rows": services.import_sync_rows()}, status=status)


@login_required
def import_status(request: HttpRequest, pk: str) -> HttpResponse:
    job = access.get_import_job_for_user(_user(request), pk)
    template = "hazards/partials/import_progress.html" if request.htmx else "hazards/import_status.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": job})


# ---------------------------------------------------------------- campaigns


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if scope_root(user) is None and not access.sees_all_hazards(user):
        raise PermissionDenied
    campaigns = list(Campaign.objects.prefetch_related("categories").order_by("-starts_on", "-id")[:100])
    for c in campaigns:
        c.coverage = selectors.campaign_coverage(user, c)["totals"]  # type: ignore[attr-defined]
    return render(request, "hazards/campaign_list.html", {"campaigns": campaigns, "can_manage": access.can_manage_campaigns(user)})


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not access.can_manage_campaigns(user):
        raise PermissionDenied
    today = timezone.localdate()
    form = forms.CampaignForm(request.POST or None, initial={"starts_on": today, "ends_on": today + dt.timedelta(days=30), "lead_unit": user.unit_id})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        campaign = _run(
            form,
            lambda: services.campaign_create(
                actor=user, name=d["name"], description=d["description"], categories=list(d["categories"]), starts_on=d["starts_on"], ends_on=d["ends_on"], lead_unit=d["lead_unit"]
            ),
        )
        if campaign is not None:
            messages.success(request, _("Campaign created. Now add its targets."))
            return redirect("hazards:campaign_targets", pk=campaign.pk)
    return _form_page(request, form, title=_("New screening campaign"), submit=_("Create the campaign"), section="campaigns", back=reverse("hazards:campaigns"))


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = access.get_campaign_for_user(user, pk)
    coverage = selectors.campaign_coverage(user, campaign)
    missing = list(selectors.campaign_targets(user, campaign).filter(inspected_on__isnull=True).select_related("town", "category").order_by("town__sort_order", "category__sort_order", "name")[:50])
    return render(
        request,
        "hazards/campaign_detail.html",
        {
            "campaign": campaign,
            "categories": list(campaign.categories.all()),
            "coverage": coverage,
            "missing": missing,
            "points": selectors.target_points(user, campaign),
            "map_settings": _map_settings(),
            "hazards": selectors.campaign_hazard_figures(user, campaign)["totals"],
            "hazards_url": reverse("hazards:list") + "?" + urlencode({"campaign": campaign.pk}),
            "can_manage": access.can_manage_campaigns(user) and campaign.status == Campaign.Status.ACTIVE,
            "can_work": access.can_work(user) and campaign.status == Campaign.Status.ACTIVE,
        },
    )


@login_required
def campaign_targets(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = access.get_campaign_for_user(user, pk)
    show = request.GET.get("show", "")
    qs = selectors.campaign_targets(user, campaign).select_related("town", "category", "target_unit")
    if show == "missing":
        qs = qs.filter(inspected_on__isnull=True)
    elif show == "done":
        qs = qs.filter(inspected_on__isnull=False)
    town = request.GET.get("town", "")
    if town.isdigit():
        qs = qs.filter(town_id=int(town))
    category = request.GET.get("category", "")
    if category.isdigit():
        qs = qs.filter(category_id=int(category))
    can_manage = access.can_manage_campaigns(user) and campaign.status == Campaign.Status.ACTIVE
    return render(
        request,
        "hazards/campaign_targets.html",
        {
            "campaign": campaign,
            "targets": list(qs.order_by("town__sort_order", "category__sort_order", "name")[:1000]),
            "show": show,
            "can_manage": can_manage,
            "can_work": access.can_work(user) and campaign.status == Campaign.Status.ACTIVE,
            "target_form": forms.TargetForm(campaign=campaign) if can_manage else None,
            "import_form": forms.TargetImportForm() if can_manage else None,
        },
    )


@login_required
def target_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = access.get_campaign_for_user(user, pk)
    if not access.can_manage_campaigns(user):
        raise PermissionDenied
    form = forms.TargetForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid() and _run(form, lambda: services.campaign_target_add(actor=user, campaign=campaign, **form.cleaned_data)) is not None:
        messages.success(request, _("Target added."))
        return redirect("hazards:campaign_targets", pk=pk)
    return _form_page(request, form, title=_("Add a target to %(name)s") % {"name": campaign.name}, submit=_("Add"), section="campaigns", back=reverse("hazards:campaign_targets", args=[pk]))


@login_required
def target_template(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = access.get_campaign_for_user(user, pk)
    if not access.can_manage_campaigns(user):
        raise PermissionDenied
    return _download(target_template_xlsx(campaign), XLSX, _("campaign-targets-%(id)s.xlsx") % {"id": campaign.pk})


@login_required
def targets_import(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = access.get_campaign_for_user(user, pk)
    if not access.can_manage_campaigns(user):
        raise PermissionDenied
    form = forms.TargetImportForm(request.POST or None, request.FILES or None)
    errors: list[Any] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = parse_target_sheet(upload, user=user, campaign=campaign)
        except SheetError as exc:
            form.add_error("file", str(exc))
        else:
            if result.errors:
                errors = result.errors
                form.add_error(None, _("Nothing was imported: %(n)d errors found.") % {"n": len(errors)})
            elif not result.rows:
                form.add_error("file", _("The file holds no targets."))
            elif _run(form, lambda: services.campaign_targets_import(actor=user, campaign=campaign, rows=result.rows)) is not None:
                messages.success(request, _("%(n)d targets imported.") % {"n": len(result.rows)})
                return redirect("hazards:campaign_targets", pk=pk)
    return _form_page(
        request,
        form,
        title=_("Import targets into %(name)s") % {"name": campaign.name},
        submit=_("Import"),
        section="campaigns", back=reverse("hazards:campaign_targets", args=[pk]),
        multipart=True,
        extra={"row_errors": errors, "template_url": reverse("hazards:target_template", args=[pk])},
    )


@login_required
def checklist(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = access.get_campaign_for_user(user, pk)
    can_manage = access.can_manage_campaigns(user) and campaign.status == Campaign.Status.ACTIVE
    form = forms.ChecklistItemForm(request.POST or None, campaign=campaign)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid() and _run(form, lambda: services.campaign_checklist_item_add(actor=user, campaign=campaign, **form.cleaned_data)) is not None:
            messages.success(request, _("Item added."))
            return redirect("hazards:checklist", pk=pk)
    items = ChecklistItem.objects.filter(campaign=campaign, is_active=True).select_related("category")
    groups: dict[Any, list[ChecklistItem]] = {}
    for item in items:
        groups.setdefault(item.category, []).append(item)
    return render(request, "hazards/checklist.html", {"campaign": campaign, "groups": groups, "form": form if can_manage else None, "can_manage": can_manage})


@login_required
@require_POST
def checklist_remove(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    user = _user(request)
    campaign = access.get_campaign_for_user(user, pk)
    if not access.can_manage_campaigns(user):
        raise PermissionDenied
    obj = ChecklistItem.objects.filter(campaign=campaign, pk=item).select_related("campaign").first()
    if obj is None:
        raise Http404
    try:
        services.campaign_checklist_item_remove(actor=user, item=obj)
        messages.success(request, _("Item removed."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("hazards:checklist", pk=pk)


@login_required
def inspect(request: HttpRequest, pk: int, target: int) -> HttpResponse:
    user = _user(request)
    campaign = access.get_campaign_for_user(user, pk)
    tgt = access.get_target_for_user(user, campaign, target)
    if not access.can_work(user):
        raise PermissionDenied
    items = services.checklist_for(tgt)
    form = forms.InspectionForm(request.POST or None, request.FILES or None, items=items, initial={"inspected_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        inspection = _run(
            form,
            lambda: services.inspection_record(
                actor=user,
                target=tgt,
                inspected_on=d["inspected_on"],
                answers=form.answers(),
                found_hazards=d["found_hazards"],
                note=d["note"],
                other_inspectors=d["other_inspectors"],
                photos=d["photos"],
            ),
        )
        if inspection is not None:
            if inspection.found_hazards:
                messages.success(request, _("Inspection recorded. Register the hazards found."))
                return redirect(reverse("hazards:register") + f"?inspection={inspection.pk}")
            messages.success(request, _("Inspection recorded: no hazards found."))
            return redirect("hazards:campaign", pk=pk)
    status = 400 if form.is_bound and form.errors else 200
    previous = list(Inspection.objects.filter(target=tgt).select_related("inspector").prefetch_related("hazards"))
    return render(request, "hazards/inspect.html", {"campaign": campaign, "target": tgt, "form": form, "previous": previous}, status=status)


@login_required
def inspection_detail(request: HttpRequest, pk: int, inspection: int) -> HttpResponse:
    user = _user(request)
    campaign = access.get_campaign_for_user(user, pk)
    obj = (
        Inspection.objects.select_related("target__town", "target__category", "target__target_unit", "inspector")
        .prefetch_related(Prefetch("photos", queryset=InspectionPhoto.objects.select_related("file")), "hazards")
        .filter(campaign=campaign, pk=inspection)
        .first()
    )
    if obj is None or not (access.user_covers_unit(user, obj.target.town) or access.user_covers_unit(user, obj.target.target_unit)):
        raise Http404
    return render(request, "hazards/inspection_detail.html", {"campaign": campaign, "inspection": obj, "can_work": access.can_work(user)})


@login_required
def campaign_report(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = access.get_campaign_for_user(user, pk)
    return render(request, "hazards/campaign_report.html", campaign_report_data(user, campaign))


@login_required
def campaign_report_word(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = access.get_campaign_for_user(user, pk)
    data = campaign_report_docx(campaign_report_data(user, campaign))
    return _download(data, DOCX, _("%(name)s-report.docx") % {"name": campaign.name})


@login_required
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = access.get_campaign_for_user(user, pk)
    if not access.can_manage_campaigns(user):
        raise PermissionDenied
    try:
        services.campaign_close(actor=user, campaign=campaign)
        messages.success(request, _("Campaign finished. The report is ready."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("hazards:campaign", pk=pk)
