"""Dashboard pages. Thin: parse the request, call selectors and services, render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role, Unit, UnitKind
from accounts.scoping import is_district_wide, scope_root
from cases.models import Category, State
from files.services import file_path
from insights import exports, ledger, selectors, services
from insights.forms import InsightsSettingsForm, RateTargetForm, TownPlaceForm
from insights.metrics import RATES
from insights.models import CODE_TO_METRIC, STEM, DailyBrief, LedgerExport, Metric, TownPlace
from insights.periods import KIND_LABELS, KINDS, Period, parse_period, period_of
from insights.render import ranking_body

BRIEFS_PER_PAGE = 30


def ledger_sync_rows() -> int:
    return int(getattr(settings, "INSIGHTS_LEDGER_SYNC_ROWS", 3000))


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[Period, str]:
    """The requested period, or the current month with the error message."""
    try:
        return parse_period(request.GET), ""
    except ValidationError as exc:
        return period_of("month", timezone.localdate()), " ".join(exc.messages)


def _query(period: Period, scope: selectors.Scope, **extra: Any) -> str:
    params: dict[str, Any] = dict(period.query())
    if scope.base.parent_id is not None and "unit" not in extra:
        params["unit"] = scope.base.pk
    if scope.category is not None and "category" not in extra:
        params["category"] = scope.category.pk
    params.update({k: v for k, v in extra.items() if v not in (None, "")})
    return urlencode(params)


def _scope(request: HttpRequest, unit_id: int | str | None = None) -> selectors.Scope:
    return selectors.get_scope(request.user, unit_id if unit_id is not None else request.GET.get("unit"), request.GET.get("category"))  # type: ignore[arg-type]


def _period_nav(period: Period, scope: selectors.Scope, path: str) -> dict[str, Any]:
    today = timezone.localdate()
    kinds = []
    for kind in KINDS:
        if kind == "custom":
            continue
        p = period_of(kind, period.start if period.kind != "custom" else today)
        kinds.append({"kind": kind, "label": KIND_LABELS[kind], "url": f"{path}?{_query(p, scope)}", "active": kind == period.kind})
    return {
        "kinds": kinds,
        "prev": f"{path}?{_query(period.previous(), scope)}",
        "next": f"{path}?{_query(period.next(), scope)}",
        "today": f"{path}?{_query(period_of(period.kind if period.kind != 'custom' else 'month', today), scope)}",
        "custom_label": KIND_LABELS["custom"],
    }


def _with_queries(rows: list[selectors.RankRow], period: Period, scope: selectors.Scope) -> list[selectors.RankRow]:
    for row in rows:
        if row.unit is not None and not row.is_self:
            row.query = _query(period, scope, unit=row.unit.pk)
    return rows


def _unit_choices(request: HttpRequest, scope: selectors.Scope) -> list[Unit]:
    root = scope_root(request.user)  # type: ignore[arg-type]
    if root is None:
        return []
    if root.pk in scope.units:  # the scope's units already hold the root's children
        children = [u for u in scope.units.values() if u.parent_id == root.pk]
    else:
        children = list(Unit.objects.filter(parent=root))
    units = [root] + sorted(children, key=lambda u: (u.kind, u.sort_order, u.pk))
    if scope.base not in units:
        units.append(scope.base)
    return units


def _chart_labels() -> dict[str, str]:
    return {
        "received": pgettext("insights", "New cases"),
        "replied": pgettext("insights", "Replies issued"),
        "ontime": _("On-time closure (%)"),
        "satisfaction": _("Satisfaction (%)"),
        "cases": pgettext("insights", "cases"),
        "no_data": _("No data in this period"),
        "no_position": _("Position not known yet (no geolocated cases)"),
        "schematic": _(
            "No town has a position yet, so the towns are drawn on a ring; an administrator sets their positions on the settings page."
        ),
        "states": _("Cases by state now"),
    }


def _dashboard_context(request: HttpRequest, unit_id: int | str | None = None) -> dict[str, Any]:
    scope = _scope(request, unit_id)
    period, error = _period(request)
    config = selectors.load_config()
    sums = selectors.totals(scope, period)
    states = selectors.state_counts(scope)
    open_now = sum(n for s, n in states.items() if s in set(selectors.open_states_order()))
    overdue_now = selectors.overdue_count(scope)
    figs = selectors.figures(sums, config)
    granularity, points = selectors.trend(scope, period)
    cats = selectors.categories(scope, period)
    towns = selectors.town_counts(scope, period)
    rank = _with_queries(selectors.ranking(scope, period, config, sort=request.GET.get("sort", "")), period, scope)
    empty = not any(sums.values())
    path = request.path
    q = _query(period, scope)
    drill = reverse("insights:drill", args=["received", "all"])
    state_rows = [{"state": s, "label": str(State(s).label), "n": states.get(s, 0)} for s in State.values if states.get(s)]
    chart = {
        "labels": _chart_labels(),
        "granularity": granularity,
        "trend": {
            "x": [p.label for p in points],
            "received": [p.sums["received"] for p in points],
            "replied": [p.sums["replied"] for p in points],
            "ontime": [
                round(p.sums["ontime_close_n"] * 100 / p.sums["ontime_close_d"], 1) if p.sums["ontime_close_d"] else None for p in points
            ],
            "satisfaction": [
                round(selectors.rate_numerator("satisfaction", p.sums, config) * 100 / p.sums["satisfaction_d"], 1)
                if p.sums["satisfaction_d"]
                else None
                for p in points
            ],
        },
        "categories": [
            {
                "name": c["name"],
                "value": c["received"],
                "url": f"{drill}?{_query(period, scope, category=c['id'] or None)}" if c["id"] else "",
            }
            for c in cats
        ],
        "towns": towns,
        "states": [{"name": r["label"], "value": r["n"]} for r in state_rows],
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    return {
        "scope": scope,
        "period": period,
        "period_error": error,
        "nav": _period_nav(period, scope, path),
        "q": q,
        "pq": urlencode(period.query()),
        "sums": sums,
        "figures": figs,
        "open_now": open_now,
        "overdue_now": overdue_now,
        "states": state_rows,
        "ranking": rank,
        "ranking_preview": sorted([r for r in rank if not r.is_self and (r.behind or r.overdue)], key=lambda r: (-r.behind, -r.overdue))[
            :8
        ],
        "categories_list": cats,
        "empty": empty,
        "chart": chart,
        "unit_choices": _unit_choices(request, scope),
        "category_choices": [c for c in selectors.top_categories(scope) if c.is_active],
        "config": config,
        "shown_codes": config.shown_codes(),
        "can_settings": request.user.has_role(Role.ADMIN),  # type: ignore[union-attr]
    }


# ---------------------------------------------------------------------------
# Dashboards
# ---------------------------------------------------------------------------


def _triage_panels(request: HttpRequest, period: Period, scope: selectors.Scope) -> dict[str, Any]:
    """The smart-triage panels of the district dashboard: the top hotspots and how often
    routing suggestions were taken in the period. District-wide staff, leaders,
    supervisors and administrators, on the whole district only (both figures are
    district-wide); nothing when the triage module is not installed."""
    from django.apps import apps

    if not apps.is_installed("triage") or scope.base.parent_id is not None or scope.category is not None:
        return {}
    import datetime as dt

    from triage import selectors as triage_selectors

    if not triage_selectors.can_see_hotspots(request.user):  # type: ignore[arg-type]
        return {}
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    run = triage_selectors.latest_hotspot_run()
    items = triage_selectors.top_hotspots(limit=5, run=run)
    drill = reverse("triage:acceptance") + "?" + urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()})
    return {
        "triage_panels": True,
        "hotspot_run": run,
        "hotspot_items": items,
        "hotspot_max_heat": max((h.heat for h in items), default=1),
        "acceptance": triage_selectors.suggestion_acceptance(start, end),
        "acceptance_drill": drill,
    }


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """The district (or the user's own subtree) at a glance."""
    ctx = _dashboard_context(request)
    ctx["page"] = "overview"
    ctx.update(_triage_panels(request, ctx["period"], ctx["scope"]))
    ctx["can_brief"] = is_district_wide(request.user)  # type: ignore[arg-type]
    if ctx["can_brief"]:
        ctx["latest_brief"] = DailyBrief.objects.order_by("-generated_at").first()
    return render(request, "insights/overview.html", ctx)


@login_required
@require_GET
def unit_page(request: HttpRequest, unit_id: int) -> HttpResponse:
    """One unit (with its subtree): its figures, trend and sub-units."""
    ctx = _dashboard_context(request, unit_id)
    ctx["page"] = "unit"
    return render(request, "insights/overview.html", ctx)


@login_required
@require_GET
def ranking(request: HttpRequest) -> HttpResponse:
    """Every unit with every rate, coloured against the targets."""
    scope = _scope(request)
    period, error = _period(request)
    config = selectors.load_config()
    sort = request.GET.get("sort", "")
    rows = _with_queries(selectors.ranking(scope, period, config, sort=sort), period, scope)
    figs = selectors.figures(selectors.totals(scope, period), config)
    ctx = {
        "scope": scope,
        "period": period,
        "period_error": error,
        "nav": _period_nav(period, scope, request.path),
        "q": _query(period, scope),
        "rows": rows,
        "figures": figs,
        "sort": sort,
        "rows_html": ranking_body(
            rows,
            drill_prefix=reverse("insights:drill", args=["received", "all"]).replace("received/all/", ""),
            overview_url=reverse("insights:overview"),
            empty_text=_("No units in this scope."),
        ),
        "unit_choices": _unit_choices(request, scope),
        "category_choices": list(Category.objects.filter(level=1, is_active=True).order_by("sort_order", "code")),
        "empty": not any(any(r.sums.values()) for r in rows),
    }
    template = "insights/partials/ranking_table.html" if request.htmx else "insights/ranking.html"  # type: ignore[attr-defined]
    return render(request, template, ctx)


@login_required
@require_GET
def export_dashboard(request: HttpRequest) -> HttpResponse:
    """The figures, the ranking, the trend and the categories as an Excel workbook."""
    scope = _scope(request)
    period, error = _period(request)
    if error:
        return HttpResponseBadRequest(error)
    config = selectors.load_config()
    sums = selectors.totals(scope, period)
    states = selectors.state_counts(scope)
    counts = {
        "received": sums["received"],
        "replied": sums["replied"],
        "open": sum(n for s, n in states.items() if s in set(selectors.open_states_order())),
        "overdue": selectors.overdue_count(scope),
    }
    _gran, points = selectors.trend(scope, period)
    data = exports.dashboard_workbook(
        scope=scope,
        period=period,
        figures=selectors.figures(sums, config),
        counts=counts,
        ranking=selectors.ranking(scope, period, config),
        trend=points,
        categories=selectors.categories(scope, period),
    )
    response = HttpResponse(data, content_type=exports.XLSX_TYPE)
    name = f"dashboard-{period.start.isoformat()}-{period.end.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ---------------------------------------------------------------------------
# Drill-down
# ---------------------------------------------------------------------------


@login_required
@require_GET
def drill(request: HttpRequest, code: str, part: str) -> HttpResponse:
    """The cases behind one figure: a rate's numerator or denominator, or a count."""
    metric = CODE_TO_METRIC.get(code)
    if metric is None or part not in ("num", "den", "all"):
        raise Http404(_("No such figure."))
    if (metric in (Metric.RECEIVED, Metric.REPLIED)) != (part == "all"):
        raise Http404(_("No such figure."))
    scope = _scope(request)
    period, error = _period(request)
    config = selectors.load_config()
    qs = selectors.drill_rows(scope, period, code, "num" if part == "num" else "den", config)
    page = selectors.drill_page(request.user, qs, request.GET.get("after", ""))  # type: ignore[arg-type]
    info = RATES.get(metric)
    figure = None
    if info is not None:
        figure = next(f for f in selectors.figures(selectors.totals(scope, period), config, [code]))
    units = {u.pk: u for u in scope.units.values()}
    if scope.unit_ids is None:
        units = {u.pk: u for u in Unit.objects.all()}
    ctx = {
        "scope": scope,
        "period": period,
        "period_error": error,
        "code": code,
        "part": part,
        "metric": metric,
        "info": info,
        "figure": figure,
        "page": page,
        "units": units,
        "q": _query(period, scope),
        "more_url": f"{request.path}?{_query(period, scope, after=page.next_cursor)}" if page.next_cursor else "",
        "other_part": {"num": "den", "den": "num"}.get(part),
        "back": reverse("insights:overview") + "?" + _query(period, scope),
        "export_params": urlencode(
            {"code": code, "part": part, **period.query(), "unit": request.GET.get("unit", ""), "category": request.GET.get("category", "")}
        ),
    }
    if request.htmx and request.GET.get("after"):  # type: ignore[attr-defined]
        return render(request, "insights/partials/drill_rows.html", ctx)
    return render(request, "insights/drill.html", ctx)


@login_required
@require_GET
def overdue(request: HttpRequest) -> HttpResponse:
    """The open cases that are overdue now, in the dashboard's scope."""
    scope = _scope(request)
    params = ledger.overdue_params(request.GET)
    qs = ledger.case_queryset(request.user, params).select_related("category", "current_unit", "town").defer("content", "search_tokens")  # type: ignore[arg-type]
    total = selectors.overdue_count(scope)
    paginator = Paginator(qs.order_by("due_key", "id"), 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "insights/overdue.html",
        {
            "scope": scope,
            "page": page,
            "total": total,
            "visible": paginator.count,
            "export_params": urlencode({k: v for k, v in params.items() if k != "kind" and v}),
        },
    )


# ---------------------------------------------------------------------------
# Ledgers (台账)
# ---------------------------------------------------------------------------


def _ledger_params(request: HttpRequest) -> dict[str, Any]:
    source = request.POST if request.method == "POST" else request.GET
    kind = source.get("kind", "filter")
    if kind == "drill":
        code, part = source.get("code", ""), source.get("part", "")
        if code not in CODE_TO_METRIC or part not in ("num", "den", "all"):
            raise Http404(_("No such figure."))
        return ledger.drill_params(code, "num" if part == "num" else "den", source)
    if kind == "overdue":
        return ledger.overdue_params(source)
    return ledger.filter_params(source, source.getlist("state"))


@login_required
def ledger_page(request: HttpRequest) -> HttpResponse:
    """A filtered case list as a ledger: the count, a preview and the Excel export."""
    if not selectors.user_may_view(request.user):  # type: ignore[arg-type]
        raise PermissionDenied(_("The dashboards are for staff with a unit and a role."))
    error = ""
    total = 0
    preview: list[list[Any]] = []
    params = _ledger_params(request)
    try:
        total = ledger.count(request.user, params)  # type: ignore[arg-type]
        first = next(ledger.id_chunks(request.user, params, 20), [])  # type: ignore[arg-type]
        preview = exports.ledger_rows(request.user, first)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = " ".join(exc.messages)
    jobs = LedgerExport.objects.filter(requested_by=request.user).order_by("-requested_at")[:10]
    return render(
        request,
        "insights/ledger.html",
        {
            "params": params,
            "hidden": _hidden_fields(params),
            "title": ledger.title(params) if not error else _("Ledger of cases"),
            "total": total,
            "preview": preview,
            "headers": exports.ledger_headers(),
            "error": error,
            "sync_limit": ledger_sync_rows(),
            "jobs": jobs,
            "states": State.choices,
            "categories": Category.objects.filter(level=1, is_active=True).order_by("sort_order", "code"),
        },
    )


def _hidden_fields(params: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in params.items():
        if key == "period" and isinstance(value, dict):
            out += [(k, str(v)) for k, v in value.items()]
        elif isinstance(value, list):
            out += [(key, str(v)) for v in value]
        else:
            out.append((key, str(value)))
    return out


@login_required
@require_POST
def ledger_export(request: HttpRequest) -> HttpResponse:
    """Export a ledger: small lists at once, large ones in the background with a progress bar."""
    if not selectors.user_may_view(request.user):  # type: ignore[arg-type]
        raise PermissionDenied(_("The dashboards are for staff with a unit and a role."))
    params = _ledger_params(request)
    try:
        total = ledger.count(request.user, params)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("insights:ledger") + "?" + urlencode(_hidden_fields(params)))
    title = ledger.title(params)
    if total <= ledger_sync_rows():
        data = services.ledger_export_now(actor=request.user, params=params, title=title)  # type: ignore[arg-type]
        response = HttpResponse(data, content_type=exports.XLSX_TYPE)
        response["Content-Disposition"] = "attachment; filename*=UTF-8''" + _quote(exports.ledger_filename(title))
        return response
    job = services.ledger_export_request(actor=request.user, params=params, title=title, total=total)  # type: ignore[arg-type]
    return redirect("insights:ledger_job", job_id=job.pk)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def _get_job(request: HttpRequest, job_id: int) -> LedgerExport:
    """A ledger export of the signed-in user (404 for anyone else's)."""
    return get_object_or_404(LedgerExport, pk=job_id, requested_by=request.user)


@login_required
@require_GET
def ledger_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _get_job(request, job_id)
    template = "insights/partials/ledger_job.html" if request.htmx else "insights/ledger_job.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": job})


@login_required
@require_GET
def ledger_download(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _get_job(request, job_id)
    if job.status != LedgerExport.Status.DONE or not job.file_path:
        raise Http404(_("The file is not ready."))
    from pathlib import Path

    path = (Path(settings.MEDIA_ROOT) / job.file_path).resolve()
    if not str(path).startswith(str(Path(settings.MEDIA_ROOT).resolve())) or not path.exists():
        raise Http404(_("The file is not ready."))
    return FileResponse(
        open(path, "rb"), as_attachment=True, filename=exports.ledger_filename(job.title, job.requested_at), content_type=exports.XLSX_TYPE
    )  # noqa: SIM115


# ---------------------------------------------------------------------------
# Daily briefs
# ---------------------------------------------------------------------------


def _require_brief_reader(request: HttpRequest) -> None:
    user = request.user
    if not (selectors.user_may_view(user) and is_district_wide(user)):  # type: ignore[arg-type]
        raise PermissionDenied(_("The daily briefs are for leaders and district-wide staff."))


@login_required
@require_GET
def briefs(request: HttpRequest) -> HttpResponse:
    """The archive of daily briefs, newest first."""
    _require_brief_reader(request)
    paginator = Paginator(DailyBrief.objects.select_related("generated_by").order_by("-generated_at", "-id"), BRIEFS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "insights/briefs.html", {"page": page, "can_generate": services.may_generate_brief(request.user)})  # type: ignore[arg-type]


@login_required
@require_GET
def brief_detail(request: HttpRequest, brief_id: int) -> HttpResponse:
    _require_brief_reader(request)
    brief = get_object_or_404(DailyBrief, pk=brief_id)
    from insights.brief import section_titles

    data = brief.data
    newer = DailyBrief.objects.filter(generated_at__gt=brief.generated_at).order_by("generated_at").first()
    older = DailyBrief.objects.filter(generated_at__lt=brief.generated_at).order_by("-generated_at").first()
    return render(request, "insights/brief.html", {"brief": brief, "d": data, "titles": section_titles(), "newer": newer, "older": older})


@login_required
@require_GET
def brief_docx(request: HttpRequest, brief_id: int) -> HttpResponse:
    _require_brief_reader(request)
    brief = get_object_or_404(DailyBrief, pk=brief_id)
    from insights.brief import docx_name, render_docx

    if brief.docx is not None:
        path = file_path(brief.docx)
        if path.exists():
            return FileResponse(open(path, "rb"), as_attachment=True, filename=docx_name(brief), content_type=exports_docx_type())  # noqa: SIM115
    response = HttpResponse(render_docx(brief), content_type=exports_docx_type())
    response["Content-Disposition"] = "attachment; filename*=UTF-8''" + _quote(docx_name(brief))
    return response


def exports_docx_type() -> str:
    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
@require_POST
def brief_generate(request: HttpRequest) -> HttpResponse:
    _require_brief_reader(request)
    brief = services.brief_generate(actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("The daily brief was generated."))
    return redirect("insights:brief", brief_id=brief.pk)


# ---------------------------------------------------------------------------
# Settings (administrators)
# ---------------------------------------------------------------------------


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.has_role(Role.ADMIN):  # type: ignore[union-attr]
        raise PermissionDenied(_("Only administrators may change how the figures are computed."))
    current = services.get_settings()
    config = selectors.load_config()
    if request.method == "POST" and request.POST.get("form") == "settings":
        form = InsightsSettingsForm(request.POST, instance=current)
        if form.is_valid():
            try:
                services.insights_settings_update(actor=user, **{k: form.cleaned_data[k] for k in form.fields})  # type: ignore[arg-type]
            except ValidationError as exc:
                from core.forms import apply_validation_error

                apply_validation_error(form, exc)
            else:
                messages.success(request, pgettext("insights", "Settings saved."))
                return redirect("insights:settings")
    else:
        form = InsightsSettingsForm(instance=current)
    rate_forms = []
    for code in [STEM[m] for m in selectors.RATE_METRICS]:
        definition = config.definitions.get(code)
        if definition is None:
            continue
        prefix = f"rate-{code}"
        bound = request.method == "POST" and request.POST.get("form") == code
        rf = RateTargetForm(
            request.POST if bound else None,
            prefix=prefix,
            initial={"target": definition.target, "shown": definition.shown, "note": definition.note},
        )
        if bound and rf.is_valid():
            try:
                services.rate_definition_update(actor=user, code=code, **rf.cleaned_data)  # type: ignore[arg-type]
            except ValidationError as exc:
                from core.forms import apply_validation_error

                apply_validation_error(rf, exc)
            else:
                messages.success(request, _("Saved: %(rate)s.") % {"rate": RATES[CODE_TO_METRIC[code]].short})
                return redirect("insights:settings")
        rate_forms.append({"code": code, "label": RATES[CODE_TO_METRIC[code]].short, "form": rf})
    towns = []
    places = {p.town_id: p for p in TownPlace.objects.all()}
    for town in Unit.objects.filter(kind=UnitKind.TOWN).order_by("sort_order", "id"):
        prefix = f"town-{town.pk}"
        bound = request.method == "POST" and request.POST.get("form") == prefix
        place = places.get(town.pk)
        tf = TownPlaceForm(
            request.POST if bound else None,
            prefix=prefix,
            initial={"latitude": place.latitude if place else None, "longitude": place.longitude if place else None},
        )
        if bound and tf.is_valid():
            try:
                services.town_place_set(actor=user, town=town, **tf.cleaned_data)  # type: ignore[arg-type]
            except ValidationError as exc:
                from core.forms import apply_validation_error

                apply_validation_error(tf, exc)
            else:
                messages.success(request, _("Saved: %(rate)s.") % {"rate": town.display_name})
                return redirect(reverse("insights:settings") + "#towns")
        towns.append({"town": town, "form": tf, "prefix": prefix})
    return render(request, "insights/settings.html", {"form": form, "rate_forms": rate_forms, "towns": towns})
