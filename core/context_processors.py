from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# The modules of Minsheng, in menu order. A module whose URLs are not installed yet
# is shown greyed out so that the navigation stays stable as modules land.
MODULES: list[tuple[str, Any, str, str]] = [
    ("cases", _("Cases"), "cases:inbox", "bi-inbox"),
    ("hazards", _("Hazards"), "hazards:list", "bi-exclamation-triangle"),
    ("duty", _("Command & duty"), "duty:home", "bi-broadcast"),
    ("insights", _("Dashboards"), "insights:overview", "bi-bar-chart"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    items = []
    for key, label, url_name, icon in MODULES:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            url = None
        items.append({"key": key, "label": label, "url": url, "icon": icon, "active": bool(url) and request.path.startswith(url)})
    user = getattr(request, "user", None)
    authed = bool(user is not None and user.is_authenticated)
    return {
        "nav_modules": items,
        "site_name": settings.SITE_NAME,
        "demo_mode": settings.DEMO_MODE,
        "can_audit": authed and user.has_role("admin", "supervisor"),  # type: ignore[union-attr]
        "can_admin": authed and user.is_staff and user.has_role("admin"),  # type: ignore[union-attr]
    }
