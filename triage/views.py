"""Pages and htmx partials of the triage module. Thin: every write calls triage.services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role, Unit, UnitKind, User
from cases.access import get_case_for_user
from cases.models import OPEN_STATES, State
from minsheng.api import ConflictError
from triage import selectors, services
from triage.models import ClassifierVersion


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False)) or request.headers.get("HX-Request") == "true"


def _url_or_none(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# ---------------------------------------------------------------------------
# Suggestions (the registration form's #triage-suggestions hook)
# ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest) -> HttpResponse:
    """POST title, content (and town, type) → the top-3 categories and units with reasons
    and one-click apply buttons (partial ``triage/partials/suggestions.html``)."""
    user = _user(request)
    if not user.has_role(Role.INTAKE, Role.ADMIN):
        raise PermissionDenied(_("Only intake officers may register cases."))
    data = request.POST if request.method == "POST" else request.GET
    town = None
    if (data.get("town") or "").isdigit():
        town = Unit.objects.filter(pk=int(data["town"]), kind=UnitKind.TOWN, is_active=True).first()
    result = services.suggest(
        title=data.get("title", "")[:500], content=data.get("content", "")[:20_000], user=user, town=town, source="form"
    )
    return render(
        request,
        "triage/partials/suggestions.html",
        {
            "result": result,
            "category_field": data.get("category_field") or "id_category",
            "town_field": data.get("town_field") or "id_town",
            "town_given": town is not None,
        },
    )


# ---------------------------------------------------------------------------
# The suggestion kept for a case (the case page's #case-extras hook)
# ---------------------------------------------------------------------------


#: How many times (one second apart) the case page asks again for a suggestion still being made
PENDING_TRIES = 10


def _case_suggestion_context(user: User, case: Any, tries: int = 0) -> dict[str, Any]:
    row = selectors.case_suggestion(case)
    # a new case waits in the queue of the batch job for a second or two before it has one
    pending = row is None and selectors.suggestion_pending(case)
    return {
        "case": case,
        "row": row,
        "pending": pending,
        "poll": pending and tries < PENDING_TRIES,
        "next_try": tries + 1,
        "can_apply": bool(row and row.items) and case.state == State.REGISTERED and user.has_role(Role.INTAKE),
    }


@login_required
@require_GET
def case_suggestion(request: HttpRequest, number: str) -> HttpResponse:
    """The routing suggestion computed when the case was registered (any door), with its
    reasons and a one-click "apply" for the intake officer deciding the case. While the
    case still waits for the batch job the panel says so and asks again every second
    (``?try=N``, at most ``PENDING_TRIES`` times)."""
    user = _user(request)
    case = get_case_for_user(user, number)
    raw = request.GET.get("try", "0")
    tries = min(int(raw), PENDING_TRIES) if raw.isdigit() else 0
    return render(request, "triage/partials/case_suggestion.html", _case_suggestion_context(user, case, tries))


@login_required
@require_POST
def case_suggestion_apply(request: HttpRequest, number: str) -> HttpResponse:
    """POST rank=<1..3> (and version): set the case's category from that suggestion."""
    user = _user(request)
    case = get_case_for_user(user, number)
    if not user.has_role(Role.INTAKE):
        raise PermissionDenied(_("Only intake officers may apply a routing suggestion."))
    raw_rank, raw_version = request.POST.get("rank", ""), request.POST.get("version", "")
    error = ""
    if not raw_rank.isdigit() or (raw_version and not raw_version.isdigit()):
        error = _("There is no such suggestion for this case.")
    else:
        try:
            services.suggestion_apply(actor=user, case=case, rank=int(raw_rank), expected_version=int(raw_version) if raw_version else None)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except ConflictError as exc:
            error = exc.message
    if _is_htmx(request):
        case = get_case_for_user(user, number)
        ctx = _case_suggestion_context(user, case)
        ctx["error"] = error
        response = render(request, "triage/partials/case_suggestion.html", ctx, status=422 if error else 200)
        if not error:
            response["HX-Refresh"] = "true"  # the category shows in the case's header
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The suggested category was applied."))
    return redirect(case.get_absolute_url())


# ---------------------------------------------------------------------------
# Duplicates and similar replies on the case page (#case-extras hooks)
# ---------------------------------------------------------------------------


def _duplicates_context(user: User, case: Any) -> dict[str, Any]:
    items = services.duplicates_for_case(user=user, case=case)
    merged_into = (
        services.DuplicateDecision.objects.filter(case=case, kind=services.DuplicateDecision.Kind.MERGED).select_related("other").first()
    )
    merged_here = list(
        services.DuplicateDecision.objects.filter(other=case, kind=services.DuplicateDecision.Kind.MERGED)
        .select_related("case")
        .order_by("-decided_at")[:20]
    )
    can_decide = user.has_role(Role.INTAKE)
    return {
        "case": case,
        "items": items,
        "merged_into": merged_into,
        "merged_here": merged_here,
        "can_dismiss": can_decide,
        "can_merge": can_decide and case.state == State.REGISTERED and merged_into is None,
    }


@login_required
@require_GET
def case_duplicates(request: HttpRequest, number: str) -> HttpResponse:
    """Likely duplicates of a case with scores, merge and dismiss buttons."""
    user = _user(request)
    case = get_case_for_user(user, number)
    return render(request, "triage/partials/duplicates.html", _duplicates_context(user, case))


class DecisionForm(forms.Form):
    other = forms.CharField(max_length=20)
    version = forms.IntegerField(required=False)
    note = forms.CharField(max_length=500, required=False)


@login_required
@require_POST
def duplicate_decide(request: HttpRequest, number: str, decision: str) -> HttpResponse:
    """POST other=<number> (and version, note) to merge this case into it or dismiss it."""
    user = _user(request)
    case = get_case_for_user(user, number)
    if not user.has_role(Role.INTAKE):
        raise PermissionDenied(_("Only intake officers may merge or dismiss duplicates."))
    form = DecisionForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            other = get_case_for_user(user, form.cleaned_data["other"])
        except Http404:
            error = _("No such case.")
        else:
            try:
                if decision == "merge":
                    services.case_merge_duplicate(
                        actor=user,
                        case=case,
                        into=other,
                        expected_version=form.cleaned_data.get("version"),
                        note=form.cleaned_data.get("note") or "",
                    )
                    messages.success(request, _("Case %(a)s was merged into %(b)s.") % {"a": case.number, "b": other.number})
                elif decision == "dismiss":
                    services.duplicate_dismiss(actor=user, case=case, other=other)
                else:
                    raise Http404
            except ValidationError as exc:
                error = " ".join(exc.messages)
            except ConflictError as exc:
                error = exc.message
    else:
        error = _("Choose a case.")
    if _is_htmx(request):
        case = get_case_for_user(user, number)
        ctx = _duplicates_context(user, case)
        ctx["error"] = error
        response = render(request, "triage/partials/duplicates.html", ctx, status=422 if error else 200)
        if not error and decision == "merge":
            response["HX-Refresh"] = "true"
        return response
    if error:
        messages.error(request, error)
    return redirect(case.get_absolute_url())


@login_required
@require_GET
def case_similar_replies(request: HttpRequest, number: str) -> HttpResponse:
    """The most similar past cases with their written replies, with a copy button."""
    user = _user(request)
    case = get_case_for_user(user, number)
    items = selectors.similar_replies(user=user, case=case)
    return render(request, "triage/partials/similar_replies.html", {"case": case, "items": items})


# ---------------------------------------------------------------------------
# Hotspots
# ---------------------------------------------------------------------------


def _require_hotspots(user: User) -> None:
    if not selectors.can_see_hotspots(user):
        raise PermissionDenied(_("Hotspots are shown to district-wide staff, leaders and supervisors."))


@login_required
@require_GET
def hotspots(request: HttpRequest) -> HttpResponse:
    """The latest hotspots: a page, or the dashboard partial for an htmx request."""
    user = _user(request)
    _require_hotspots(user)
    limit = min(int(request.GET.get("limit", "10") or 10), 20) if (request.GET.get("limit") or "10").isdigit() else 10
    run = selectors.latest_hotspot_run()
    items = selectors.top_hotspots(limit=limit, run=run)
    ctx = {"run": run, "items": items, "max_heat": max((h.heat for h in items), default=1)}
    if _is_htmx(request) or request.GET.get("partial"):
        return render(request, "triage/partials/hotspots.html", ctx)
    return render(request, "triage/hotspots.html", ctx)


class BatchForm(forms.Form):
    deadline = forms.DateField(label=gettext_lazy("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _can_batch(user: User) -> bool:
    try:
        from duty.services import can_assign_ownership
    except ImportError:  # pragma: no cover - the duty module is optional
        return False
    return can_assign_ownership(user)


@login_required
@require_http_methods(["GET", "POST"])
def hotspot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A hotspot as a list of its cases; turn it into a central-assignment batch or open
    its representative case as a hazard."""
    user = _user(request)
    hotspot = selectors.get_hotspot_for_user(user, pk)
    cases = list(selectors.hotspot_case_list(user, hotspot)[:200])
    # a central assignment takes open cases that already have a handling unit
    open_cases = [c for c in cases if c.state in OPEN_STATES and c.current_unit_id]
    form = BatchForm(request.POST or None, initial={"deadline": timezone.localdate() + dt.timedelta(days=15)})
    can_batch = _can_batch(user) and bool(open_cases)
    if request.method == "POST":
        if not can_batch:
            raise PermissionDenied(_("Only leaders, supervisors and the district offices may assign cases centrally."))
        if form.is_valid():
            from duty.services import batch_create

            try:
                batch = batch_create(
                    actor=user,
                    title=_("Hotspot: %(title)s") % {"title": hotspot.title[:80]},
                    deadline=form.cleaned_data["deadline"],
                    cases=open_cases,
                    note=form.cleaned_data.get("note") or "",
                )
            except ValidationError as exc:
                from core.forms import apply_validation_error

                apply_validation_error(form, exc)
            else:
                messages.success(
                    request, _("Central assignment %(number)s created with %(n)d case(s).") % {"number": batch.number, "n": len(open_cases)}
                )
                return redirect("duty:batch_detail", pk=batch.pk)
    hazard_url = _url_or_none("hazards:from_case", hotspot.representative.number) if hotspot.representative else None
    return render(
        request,
        "triage/hotspot_detail.html",
        {"hotspot": hotspot, "cases": cases, "open_cases": open_cases, "form": form, "can_batch": can_batch, "hazard_url": hazard_url},
    )


# ---------------------------------------------------------------------------
# Suggestion acceptance: the dashboard's drill-down
# ---------------------------------------------------------------------------


def _date_param(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@require_GET
def acceptance(request: HttpRequest) -> HttpResponse:
    """The registrations decided with a routing suggestion in a period (``from``/``to``,
    dates, inclusive; default the last 30 days), filtered by ``outcome``: what was
    suggested, what was chosen."""
    user = _user(request)
    _require_hotspots(user)
    today = timezone.localdate()
    raw_from, raw_to = request.GET.get("from"), request.GET.get("to")
    first, last = _date_param(raw_from), _date_param(raw_to)
    error = ""
    if (raw_from and first is None) or (raw_to and last is None):
        error = _("Give dates as YYYY-MM-DD.")
    last = last or today
    first = first or last - dt.timedelta(days=29)
    if first > last:
        error = _("The start date is after the end date.")
        first = last
    outcome = request.GET.get("outcome") or ""
    if outcome not in ("", "accepted", "overridden", "none"):
        outcome = ""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    rate = selectors.suggestion_acceptance(start, end)
    rows = selectors.decided_suggestions(user, start, end, outcome=outcome)
    return render(
        request,
        "triage/acceptance.html",
        {
            "rate": rate,
            "rows": rows,
            "first": first,
            "last": last,
            "outcome": outcome,
            "error": error,
            "limit": selectors.DECIDED_LIMIT,
            "outcomes": [("", _("All")), *[(v, str(label)) for v, label in services.SuggestionLog.Outcome.choices if v != "pending"]],
        },
        status=400 if error else 200,
    )


# ---------------------------------------------------------------------------
# Routing models (administrators)
# ---------------------------------------------------------------------------


def _require_admin(user: User) -> None:
    if not user.has_role(Role.ADMIN):
        raise PermissionDenied(_("Only administrators may manage routing models."))


@login_required
@require_GET
def models_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_admin(user)
    versions = selectors.classifier_versions()
    active = next((v for v in versions if v.is_active), None)
    cat_ids = sorted({int(label) for v in versions[:10] for label in (v.evaluation or {}).get("labels", []) if str(label).isdigit()})
    names = selectors.category_names(cat_ids)
    days = 30
    start, end = selectors.recent_window(days)
    return render(
        request,
        "triage/models.html",
        {
            "versions": versions,
            "active": active,
            "names": names,
            "rate": selectors.suggestion_acceptance(start, end),
            "days": days,
            "can_rollback": active is not None
            and any(v.number < active.number and v.status == ClassifierVersion.Status.READY for v in versions),
            "rules_url": _url_or_none("admin:triage_triagerule_changelist"),
        },
    )


@login_required
@require_POST
def model_action(request: HttpRequest, action: str) -> HttpResponse:
    user = _user(request)
    _require_admin(user)
    try:
        if action == "train":
            # queued: training takes up to a minute (run at once when huey is immediate)
            from triage.tasks import train_now

            before = ClassifierVersion.objects.count()
            train_now(user.pk, int(request.POST.get("seed") or 0))
            latest = ClassifierVersion.objects.first()
            if latest is not None and ClassifierVersion.objects.count() > before:
                messages.success(request, _("Version v%(n)s trained (accuracy %(acc)s).") % {"n": latest.number, "acc": latest.accuracy})
            else:
                messages.info(request, _("Training has started; the new version appears here in a minute or two."))
        elif action == "rollback":
            version = services.classifier_rollback(actor=user)
            messages.success(request, _("Version v%(n)s is in use again.") % {"n": version.number})
        elif action == "activate":
            version = ClassifierVersion.objects.filter(number=int(request.POST.get("number") or 0)).first()
            if version is None:
                raise Http404
            services.classifier_activate(actor=user, version=version)
            messages.success(request, _("Version v%(n)s is now in use.") % {"n": version.number})
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("triage:models")
