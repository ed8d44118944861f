"""The public portal: no account, phone-friendly, Chinese by default. Thin views over
``portal.services`` (which call the case services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cases.models import OPEN_STATES, CaseClock, CaseEvent, CaseFollowUp, ClockKind, ContactChannel, Level, RedirectChannel, State
from cases.models import Case as Case
from core.forms import apply_validation_error
from minsheng.api import ConflictError
from portal import limits
from portal.forms import RateForm, ReviewForm, SubmitForm, TrackForm, WithdrawForm
from portal.plain import plain_event, plain_state
from portal.services import Submission, chain, portal_rate, portal_request_review, portal_submit, portal_withdraw, query_code_check

SESSION_KEY = "portal_cases"
RECEIPT_KEY = "portal_receipt"
SHOW_EVENT_TEXT = frozenset({CaseEvent.Kind.EXTENSION_APPROVED, CaseEvent.Kind.NOT_ACCEPTED, CaseEvent.Kind.REDIRECTED})


def get_case_for_visitor(request: HttpRequest, number: str) -> Case:
    """The case this visitor proved they may follow (number + query code, this session),
    else 404."""
    if number not in request.session.get(SESSION_KEY, []):
        raise Http404(_("No such case."))
    case = Case.objects.select_related("category", "current_unit").filter(number=number).first()
    if case is None:
        raise Http404(_("No such case."))
    return case


def _remember(request: HttpRequest, number: str) -> None:
    numbers = [n for n in request.session.get(SESSION_KEY, []) if n != number][-9:]
    request.session[SESSION_KEY] = numbers + [number]


def map_context() -> dict[str, Any]:
    try:
        lat, lon = (float(v) for v in settings.MAP_CENTER[:2])
    except (TypeError, ValueError):
        lat, lon = 30.2741, 120.1551
    return {"map_tile_url": settings.MAP_TILE_URL, "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION, "map_center": [lat, lon]}


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {})


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    ip = limits.client_ip(request)
    if request.method == "POST":
        form = SubmitForm(request.POST, request.FILES)
        if not limits.submit_allowed(ip):
            form.is_valid()
            form.add_error(None, _("Too many submissions from this network in the last hour. Please try again later, or call the complaint office."))
        elif form.is_valid():
            data = form.cleaned_data
            if not limits.submit_allowed(ip, data["phone"]):
                form.add_error("phone", _("Too many submissions with this phone number today. Please try again tomorrow, or call the complaint office."))
            else:
                try:
                    receipt = portal_submit(
                        data=Submission(
                            type=data["type"],
                            description=data["description"],
                            title=data["title"],
                            category=data["category"],
                            address=data["address"],
                            latitude=data["latitude"],
                            longitude=data["longitude"],
                            anonymous=data["anonymous"],
                            name="" if data["anonymous"] else data["name"],
                            phone=data["phone"],
                            email=data["email"],
                            language=translation.get_language() or "zh-hans",
                            token=data["token"],
                            photos=[(f, f.name) for f in data["photos"]],
                        )
                    )
                except ValidationError as exc:
                    apply_validation_error(form, exc, default_field="photos" if _about_files(exc) else None)
                else:
                    _remember(request, receipt.case.number)
                    if not receipt.code:
                        messages.info(request, _("This form was already submitted as case %(number)s; its query code was shown then.") % {"number": receipt.case.number})
                        return redirect("portal:status", number=receipt.case.number)
                    limits.submit_record(ip, data["phone"])
                    request.session[RECEIPT_KEY] = {"number": receipt.case.number, "code": receipt.code}
                    return redirect("portal:receipt")
    else:
        form = SubmitForm()
    return render(request, "portal/submit.html", {"form": form, **map_context()})


def _about_files(exc: ValidationError) -> bool:
    return not hasattr(exc, "error_dict") and any("“" in m for m in exc.messages)


@never_cache
def receipt(request: HttpRequest) -> HttpResponse:
    """Shows the number and the query code once (the code is then gone from the session)."""
    data = request.session.pop(RECEIPT_KEY, None)
    if not data:
        return redirect("portal:track")
    return render(request, "portal/receipt.html", {"number": data["number"], "code": data["code"]})


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    ip = limits.client_ip(request)
    if request.method == "POST":
        form = TrackForm(request.POST)
        if form.is_valid():
            number = form.cleaned_data["number"].strip()
            wait = limits.wrong_code_wait_minutes(number)
            if not limits.lookup_allowed(ip):
                form.add_error(None, _("Too many look-ups from this network in the last hour. Please try again later."))
            elif wait:
                form.add_error(
                    "code",
                    _("Too many wrong codes were entered for this number. For your safety, please wait %(minutes)d minutes and try again.") % {"minutes": wait},
                )
            else:
                limits.lookup_record(ip)
                case = query_code_check(number, form.cleaned_data["code"])
                if case is None:
                    count = limits.wrong_code_record(number)
                    left = settings.PORTAL_WRONG_CODES - count
                    if left > 0:
                        form.add_error("code", _("The number and the query code do not match. %(left)d tries left before a pause.") % {"left": left})
                    else:
                        form.add_error(
                            "code",
                            _("Too many wrong codes were entered for this number. For your safety, please wait %(minutes)d minutes and try again.")
                            % {"minutes": settings.PORTAL_WRONG_CODE_DELAY_MINUTES},
                        )
                else:
                    limits.wrong_code_reset(number)
                    _remember(request, case.number)
                    return redirect("portal:status", number=case.number)
    else:
        form = TrackForm(initial={"number": request.GET.get("number", "")[:20]})
    return render(request, "portal/track.html", {"form": form})


def _window(case: Case) -> tuple[dt.date | None, bool]:
    """The end of the complainant's window to ask for a review of ``case`` and whether it
    is still open."""
    kind = ClockKind.REVIEW_REQUEST if case.level == Level.ORIGINAL else ClockKind.REREVIEW_REQUEST
    clock = CaseClock.objects.filter(case=case, kind=kind).order_by("-started_at").first()
    if clock is None:
        return None, False
    return clock.due_date, clock.stopped_at is None and timezone.localdate() <= clock.due_date


def _stage(case: Case) -> dict[str, Any]:
    events = []
    for e in CaseEvent.objects.filter(case=case, public=True).order_by("at", "id"):
        events.append({"at": e.at, "kind": e.kind, "plain": plain_event(e.kind) or CaseEvent.Kind(e.kind).label, "detail": e.text if e.kind in SHOW_EVENT_TEXT else ""})
    reply = getattr(case, "reply", None) if hasattr(case, "reply") else None
    if reply is not None and reply.status != "issued":
        reply = None
    return {
        "case": case,
        "events": events,
        "reply": reply,
        "plain_state": plain_state(case),
        "redirect_channel": RedirectChannel(case.redirect_channel).label if case.redirect_channel else "",
    }


@never_cache
def status(request: HttpRequest, number: str) -> HttpResponse:
    case = get_case_for_visitor(request, number)
    return render(request, "portal/status.html", _status_context(case))


def _status_context(case: Case, action_error: str = "", **forms: Any) -> dict[str, Any]:
    stages = [_stage(c) for c in chain(case)]
    latest = stages[-1]["case"]
    rated = CaseFollowUp.objects.filter(case=latest, channel=ContactChannel.PORTAL, by__isnull=True).exists()
    window_end, window_open = _window(latest) if latest.state in (State.REPLIED, State.CLOSED) else (None, False)
    can_review = latest.level != Level.REREVIEW and latest.state in (State.REPLIED, State.CLOSED) and not latest.review_cases.exists()
    return {
        "case": case,
        "action_error": action_error,
        "stages": stages,
        "latest": latest,
        "can_rate": latest.state == State.REPLIED and not rated,
        "rated": rated,
        "can_review": can_review and window_open,
        "review_closed": can_review and not window_open and window_end is not None,
        "window_end": window_end,
        "review_word": _("re-review") if latest.level == Level.REVIEW else _("review"),
        "can_withdraw": latest.state in OPEN_STATES,
        "rate_form": forms.get("rate_form") or RateForm(),
        "review_form": forms.get("review_form") or ReviewForm(),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(),
    }


def _act(request: HttpRequest, number: str, form_class: type, form_key: str, action: Any, done: str) -> HttpResponse:
    case = get_case_for_visitor(request, number)
    form = form_class(request.POST)
    error = ""
    if form.is_valid():
        try:
            action(case, form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                apply_validation_error(form, exc)
            else:
                error = " ".join(exc.messages)
        except (PermissionDenied, ConflictError) as exc:
            error = str(exc)
        else:
            messages.success(request, done)
            return redirect("portal:status", number=case.number)
    return render(request, "portal/status.html", _status_context(case, action_error=error, **{form_key: form}), status=400)


@require_POST
def rate(request: HttpRequest, number: str) -> HttpResponse:
    return _act(
        request,
        number,
        RateForm,
        "rate_form",
        lambda case, d: portal_rate(case=case, resolved=d["resolved"], satisfaction=d["satisfaction"], comment=d["comment"]),
        _("Thank you. Your rating was recorded."),
    )


@require_POST
def review(request: HttpRequest, number: str) -> HttpResponse:
    return _act(
        request,
        number,
        ReviewForm,
        "review_form",
        lambda case, d: portal_request_review(case=case, reason=d["reason"]),
        _("Your request was registered. The office at the next level will give its opinion within 30 days."),
    )


@require_POST
def withdraw(request: HttpRequest, number: str) -> HttpResponse:
    return _act(request, number, WithdrawForm, "withdraw_form", lambda case, d: portal_withdraw(case=case, reason=d["reason"]), _("Your matter was withdrawn."))


@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    return redirect(reverse("portal:home"))
