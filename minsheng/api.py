"""The REST API (django-ninja) under /api/v1/. Apps add their routers in ``build_api``.

Authentication: ``Authorization: Bearer <token>`` (tokens from the profile page or
``manage.py issue_api_token``), or the browser session. Errors are JSON
``{"code": ..., "message": ...}`` with 400/401/403/404/409."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, django_auth

from accounts.services import api_token_authenticate


class ErrorOut(Schema):
    code: str
    message: str


class ConflictError(Exception):
    """Raised by services when the object changed under the caller (optimistic lock)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


def _error(api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message}, status=status)


def _validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" if field != "__all__" else " ".join(msgs) for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="Minsheng API",
        version="1.0",
        description="REST API of Minsheng (民声). Every operation runs the same services as the web pages.",
        auth=[BearerAuth(), django_auth],
        urls_namespace="api",
        docs_url="/docs",
    )

    @api.exception_handler(ValidationError)
    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return _error(api, request, 400, "invalid", _validation_message(exc))

    @api.exception_handler(NinjaValidationError)
    def on_schema(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        parts = []
        for err in exc.errors[:10]:
            loc = ".".join(str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query"))
            parts.append(f"{loc}: {err.get('msg', '')}" if loc else str(err.get("msg", "")))
        return _error(api, request, 400, "invalid", _("Invalid input: %(details)s") % {"details": "; ".join(parts)})

    @api.exception_handler(PermissionDenied)
    def on_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return _error(api, request, 403, "forbidden", str(exc) or _("You may not do this."))

    @api.exception_handler(Http404)
    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _error(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(ConflictError)
    def on_conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
        return _error(api, request, 409, "conflict", exc.message)

    from core.idempotency import IdempotencyError

    @api.exception_handler(IdempotencyError)
    def on_idempotency(request: HttpRequest, exc: IdempotencyError) -> HttpResponse:
        return _error(api, request, exc.status, exc.code, exc.message)

    @api.exception_handler(AuthenticationError)
    def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return _error(api, request, 401, "unauthorized", _("Sign in, or send a valid API token as “Authorization: Bearer <token>”."))

    @api.exception_handler(HttpError)
    def on_http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return _error(api, request, exc.status_code, str(exc.status_code), str(exc))

    @api.get("/me", response={200: dict}, summary="The signed-in user", tags=["accounts"])
    def me(request: HttpRequest) -> dict[str, Any]:
        user = request.user
        return {"username": user.username, "name": str(user), "unit": user.unit.name if user.unit else None, "roles": sorted(user.role_set)}  # type: ignore[union-attr]

    # Apps register their routers here (import inside to avoid import cycles).
    from django.apps import apps

    for config in apps.get_app_configs():
        try:
            module = __import__(f"{config.name}.api", fromlist=["router"])
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.api":
                raise
            continue
        router = getattr(module, "router", None)
        if router is not None:
            api.add_router(getattr(module, "PREFIX", f"/{config.label}"), router)
    return api


api = build_api()
