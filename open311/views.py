"""Open311 GeoReport v2 endpoints under /open311/v2/ (see docs/open311.md).

Thin: arguments are parsed and checked here, the request is filed by
``open311.services.open311_request_create`` (which calls ``cases.services.case_register``),
lists are read by ``open311.selectors``. No personal data in any GET answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from cases.models import Category
from open311 import selectors
from open311.render import FORMATS, error, respond, w3c
from open311.services import RequestIn, open311_authenticate, open311_request_create, parse_w3c
from outbox.services import language_of

RANGE_DAYS = 90
DEFAULT_LIMIT = 1000
SPEC_URL = "http://wiki.open311.org/GeoReport_v2"

View = Callable[..., HttpResponse]


def endpoint(view: View) -> View:
    """Checks shared by every endpoint: a known format, the jurisdiction, the language."""

    @wraps(view)
    def wrapped(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
        if fmt not in FORMATS:
            return error("xml", 404, _("Unknown format “%(fmt)s”; use .xml or .json.") % {"fmt": fmt[:10]})
        params = request.POST if request.method == "POST" else request.GET
        jurisdiction = (params.get("jurisdiction_id") or "").strip()
        if jurisdiction and jurisdiction != settings.OPEN311_JURISDICTION_ID:
            return error(fmt, 404, _("Unknown jurisdiction_id “%(id)s”.") % {"id": jurisdiction[:60]})
        language = "en" if (params.get("locale") or "").lower().startswith("en") else translation.get_language() or settings.LANGUAGE_CODE
        with translation.override(language):
            return view(request, fmt, **kwargs)

    return wrapped


def root(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect("discovery.xml")


@require_GET
@endpoint
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri("/open311/v2/")
    data = {
        "changeset": w3c(selectors.changeset()),
        "contact": settings.OPEN311_CONTACT or _("The district complaint bureau (信访局)."),
        "key_service": _("API keys are issued by the administrators of this site (see docs/open311.md)."),
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": base,
                "changeset": w3c(selectors.changeset()),
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    if fmt == "json":
        return respond(fmt, "discovery", None, data)
    return respond(fmt, "discovery", None, data, item_names={"endpoints": "endpoint", "formats": "format"})


@require_GET
@endpoint
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    rows = [selectors.service_node(c, has_attributes) for c, has_attributes in selectors.service_categories()]
    return respond(fmt, "services", "service", rows)


@require_GET
@endpoint
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None or not selectors.is_service(category):
        return error(fmt, 404, _("Unknown service_code “%(code)s”.") % {"code": code[:60]})
    data = {"service_code": category.code, "attributes": selectors.attribute_nodes(category)}
    return respond(fmt, "service_definition", None, data, item_names={"attributes": "attribute", "values": "value"})


@csrf_exempt
@require_http_methods(["GET", "POST"])
@endpoint
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    return _get_requests(request, fmt)


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.POST
    client = open311_authenticate(params.get("api_key"))
    if client is None:
        return error(fmt, 403, _("api_key is missing or not valid.") if params.get("api_key") else _("api_key is required."))
    code = (params.get("service_code") or "").strip()
    if not code:
        return error(fmt, 400, _("service_code is required."))
    attributes: dict[str, list[str]] = {}
    for key in params:
        if key.startswith("attribute[") and key.endswith("]"):
            name = key[len("attribute[") : -1]
            if name.endswith("]["):  # attribute[code][]
                name = name[:-2]
            if name:
                attributes.setdefault(name, []).extend(params.getlist(key))
    media = params.getlist("media_url") + params.getlist("media_url[]")
    files = [(f, f.name or "photo") for key in request.FILES for f in request.FILES.getlist(key)]
    data = RequestIn(
        service_code=code,
        description=params.get("description", ""),
        lat=params.get("lat", ""),
        long=params.get("long", ""),
        address_string=params.get("address_string", ""),
        address_id=params.get("address_id", ""),
        email=params.get("email", ""),
        phone=params.get("phone", ""),
        first_name=params.get("first_name", ""),
        last_name=params.get("last_name", ""),
        device_id=params.get("device_id", ""),
        media_urls=media,
        attributes=attributes,
        files=files,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
        language=language_of(translation.get_language()),
    )
    try:
        case = open311_request_create(client=client, data=data)
    except LookupError:
        return error(fmt, 404, _("Unknown service_code “%(code)s”.") % {"code": code[:60]})
    except ValidationError as exc:
        return error(fmt, 400, " ".join(exc.messages))
    notice = _("Registered as %(number)s. The complaint bureau decides within 15 days whether to accept it; follow it with GET requests/%(number)s.%(fmt)s.") % {
        "number": case.number,
        "fmt": fmt,
    }
    return respond(fmt, "service_requests", "request", [{"service_request_id": case.number, "service_notice": notice, "account_id": None}])


def _int_param(value: str | None, name: str, default: int, maximum: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(str(value))
    except ValueError:
        raise ValidationError(_("%(name)s must be a whole number.") % {"name": name})
    if number < 1 or number > maximum:
        raise ValidationError(_("%(name)s must be between 1 and %(max)d.") % {"name": name, "max": maximum})
    return number


def date_range(params: Any, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """start_date/end_date as GeoReport says: both optional, the most recent 90 days by
    default, a range of at most 90 days; ValidationError for a malformed date."""
    now = now or timezone.now()
    raw_start, raw_end = (params.get("start_date") or "").strip(), (params.get("end_date") or "").strip()
    start = parse_w3c(raw_start) if raw_start else None
    end = parse_w3c(raw_end) if raw_end else None
    if raw_start and start is None:
        raise ValidationError(_("start_date is not a W3C datetime (e.g. 2026-01-01T00:00:00Z)."))
    if raw_end and end is None:
        raise ValidationError(_("end_date is not a W3C datetime (e.g. 2026-01-31T23:59:59Z)."))
    span = dt.timedelta(days=RANGE_DAYS)
    if start is None and end is None:
        end, start = now, now - span
    elif start is None:
        start = end - span  # type: ignore[operator]
    elif end is None:
        end = min(now, start + span)
    if end < start:  # type: ignore[operator]
        raise ValidationError(_("end_date is before start_date."))
    if end - start > span:  # type: ignore[operator]
        raise ValidationError(_("The range from start_date to end_date may not span more than %(days)d days.") % {"days": RANGE_DAYS})
    return start, end  # type: ignore[return-value]


def _get_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    try:
        page = _int_param(params.get("page"), "page", 1, 100_000)
        page_size = _int_param(params.get("page_size"), "page_size", DEFAULT_LIMIT, DEFAULT_LIMIT)
        ids = [i.strip() for i in (params.get("service_request_id") or "").split(",") if i.strip()]
        if ids:
            if len(ids) > DEFAULT_LIMIT:
                raise ValidationError(_("At most %(n)d service_request_id values at once.") % {"n": DEFAULT_LIMIT})
            cases = selectors.requests_by_ids(ids)
        else:
            codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
            statuses = [s.strip().lower() for s in (params.get("status") or "").split(",") if s.strip()]
            bad = [s for s in statuses if s not in ("open", "closed")]
            if bad:
                raise ValidationError(_("status must be open or closed (comma-separated), not “%(value)s”.") % {"value": bad[0][:20]})
            start, end = date_range(params)
            unknown = selectors.unknown_service_codes(codes)
            if unknown:
                return error(fmt, 404, _("Unknown service_code “%(code)s”.") % {"code": unknown[0][:60]})
            cases = selectors.requests_query(codes=codes, statuses=statuses, start=start, end=end, page=page, page_size=page_size)
    except ValidationError as exc:
        return error(fmt, 400, " ".join(exc.messages))
    return respond(fmt, "service_requests", "request", [selectors.request_node(c) for c in cases])


@require_GET
@endpoint
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    cases = selectors.requests_by_ids([request_id])
    if not cases:
        return error(fmt, 404, _("Unknown service_request_id “%(id)s”.") % {"id": request_id[:40]})
    return respond(fmt, "service_requests", "request", [selectors.request_node(cases[0])])


@require_GET
@endpoint
def token(request: HttpRequest, fmt: str, token_id: str) -> HttpResponse:
    # Every request is filed at once (type "realtime"): there are no batch tokens to look up.
    return error(fmt, 404, _("Unknown token: this endpoint files every request at once and issues no tokens."))


@require_GET
@endpoint
def service_request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """mySociety's extension: the public steps of the requests this client filed."""
    client = open311_authenticate(request.GET.get("api_key"))
    if client is None:
        return error(fmt, 403, _("api_key is missing or not valid.") if request.GET.get("api_key") else _("api_key is required."))
    try:
        start, end = date_range(request.GET)
        page = _int_param(request.GET.get("page"), "page", 1, 100_000)
        page_size = _int_param(request.GET.get("page_size"), "page_size", DEFAULT_LIMIT, DEFAULT_LIMIT)
    except ValidationError as exc:
        return error(fmt, 400, " ".join(exc.messages))
    updates = selectors.updates_for_client(client, start=start, end=end, page=page, page_size=page_size)
    return respond(fmt, "service_requests_updates", "request_update", updates)


def not_found(request: HttpRequest, path: str) -> HttpResponse:
    fmt = "json" if path.endswith(".json") else "xml"
    return error(fmt, 404, _("No such Open311 endpoint."))
