from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()

STATE_CLASSES = {
    "unseen": "text-bg-secondary",
    "seen": "text-bg-info",
    "acknowledged": "text-bg-primary",
    "reported": "text-bg-success",
    "on_time": "text-bg-success",
    "late": "text-bg-warning",
    "missing": "text-bg-danger",
    "pending": "text-bg-light border",
    "optional": "text-bg-light border text-muted",
    "issued": "text-bg-primary",
    "answered": "text-bg-info",
    "returned": "text-bg-warning",
    "accepted": "text-bg-success",
    "open": "text-bg-danger",
    "closed": "text-bg-secondary",
}


@register.filter
def state_class(state: str) -> str:
    return STATE_CLASSES.get(str(state), "text-bg-secondary")


@register.simple_tag
def daily_state_label(state: str) -> str:
    return {
        "on_time": pgettext("duty", "On time"),
        "late": _("Late"),
        "missing": _("Missing"),
        "pending": _("Not yet due"),
        "optional": _("Not required"),
    }.get(state, state)


@register.simple_tag
def deadline(moment: dt.datetime | None, done_at: dt.datetime | None = None, now: dt.datetime | None = None) -> SafeString:
    """A deadline with its state: done on time, done late, overdue, or time left."""
    if moment is None:
        return format_html("—")
    now = now or timezone.now()
    text = timezone.localtime(moment).strftime("%m-%d %H:%M")
    if done_at:
        if done_at > moment:
            return format_html('<span class="clock-overdue">{}</span> <span class="badge text-bg-warning">{}</span>', text, _("late"))
        return format_html('<span class="clock-ok">{}</span>', text)
    if now > moment:
        return format_html('<span class="clock-overdue" title="{}"><i class="bi bi-alarm"></i> {}</span> <span class="badge text-bg-danger">{}</span>', _("Overdue"), text, _("overdue"))
    left = moment - now
    css = "clock-soon" if left < dt.timedelta(hours=2) else "clock-ok"
    return format_html('<span class="{}">{}</span> <small class="text-muted">({})</small>', css, text, _left(left))


def _left(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return _("%(n)d min left") % {"n": minutes}
    hours = minutes // 60
    if hours < 48:
        return _("%(h)d h %(m)d min left") % {"h": hours, "m": minutes % 60}
    return _("%(d)d days left") % {"d": hours // 24}


@register.filter
def localhm(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


@register.filter
def percent(part: Any, whole: Any) -> int:
    try:
        return round(100 * int(part) / int(whole)) if int(whole) else 0
    except (TypeError, ValueError):
        return 0


@register.inclusion_tag("duty/partials/subnav.html", takes_context=True)
def duty_nav(context: template.Context) -> dict[str, Any]:
    from django.urls import reverse

    from accounts.scoping import is_district_wide
    from duty import access

    request = context["request"]
    user = request.user
    unit = access.home_unit(user)
    staff = unit is not None and access.acts_for(user, unit)
    district = is_district_wide(user)
    reports = staff and access.reporting_units().filter(pk=unit.pk).exists()  # type: ignore[union-attr]
    items = [
        ("home", _("Overview"), reverse("duty:home"), "bi-speedometer2", True),
        ("instructions", pgettext("duty", "Instructions"), reverse("duty:instruction_list"), "bi-send", True),
        ("notices", _("Supervision"), reverse("duty:notice_list"), "bi-clipboard-check", True),
        ("accountability", _("Accountability"), reverse("duty:accountability_list"), "bi-journal-text", True),
        ("roster", _("Duty roster"), reverse("duty:roster_board"), "bi-calendar-week", district or staff),
        ("daily", _("Daily report"), reverse("duty:daily_today"), "bi-pencil-square", reports),
        ("summary", _("Daily summary"), reverse("duty:daily_summary"), "bi-table", district),
        ("urgent", _("Urgent reports"), reverse("duty:urgent_list"), "bi-lightning-charge", True),
        ("leader", _("Leader ownership"), reverse("duty:leader_cases"), "bi-person-check", True),
        ("batches", _("Central assignment"), reverse("duty:batch_list"), "bi-collection", True),
        ("periods", _("Special periods"), reverse("duty:period_list"), "bi-shield-exclamation", True),
        ("settings", _("Settings"), reverse("duty:settings"), "bi-gear", access.is_duty_office(user)),
    ]
    path = request.path
    home = reverse("duty:home")
    shown = []
    for key, label, url, icon, visible in items:
        if not visible:
            continue
        active = path == home if key == "home" else path.startswith(url) and not (key == "daily" and path.startswith(reverse("duty:daily_summary")))
        shown.append({"key": key, "label": label, "url": url, "icon": icon, "active": active})
    return {"items": shown}


@register.filter
def absval(value: Any) -> Any:
    try:
        return abs(value)
    except TypeError:
        return value
