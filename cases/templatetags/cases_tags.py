"""Template helpers of the case workbench: state and deadline badges, the home-page summary."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from cases.models import Case, CaseReply, ClockState, State

register = template.Library()

STATE_COLOURS: dict[str, str] = {
    State.REGISTERED: "primary",
    State.ACCEPTED: "info",
    State.OBJECTED: "danger",
    State.ASSIGNED: "info",
    State.HANDLING: "warning",
    State.REPLY_PENDING: "warning",
    State.REPLY_APPROVED: "success",
    State.REPLIED: "success",
    State.CLOSED: "secondary",
    State.NOT_ACCEPTED: "secondary",
    State.REDIRECTED: "secondary",
    State.WITHDRAWN: "secondary",
}

CLOCK_CLASSES: dict[str, tuple[str, str]] = {
    ClockState.ON_TIME: ("text-bg-success", "bi-clock"),
    ClockState.DUE_SOON: ("text-bg-warning", "bi-hourglass-split"),
    ClockState.OVERDUE: ("text-bg-danger", "bi-exclamation-octagon"),
    ClockState.MET: ("text-bg-light border", "bi-check2"),
    ClockState.LATE: ("text-bg-light border border-danger text-danger", "bi-check2"),
    ClockState.EXPIRED: ("text-bg-light border", "bi-slash-circle"),
}

DUE_SOON_DAYS = 3


@register.simple_tag
def state_badge(case: Case) -> SafeString:
    colour = STATE_COLOURS.get(case.state, "secondary")
    text_class = " text-dark" if colour in ("warning", "info", "light") else ""
    return format_html('<span class="badge text-bg-{}{}" data-state="{}">{}</span>', colour, text_class, case.state, case.get_state_display())


def _days_text(days: int) -> str:
    if days > 0:
        return ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}
    if days == 0:
        return _("due today")
    return ngettext("%(n)d day overdue", "%(n)d days overdue", -days) % {"n": -days}


@register.simple_tag
def due_badge(case: Case, today: dt.date | None = None) -> SafeString:
    """The next deadline of a list row, from the case's denormalised fields (no query):
    on time / due soon / overdue with the days left."""
    if case.next_due is None:
        return format_html('<span class="text-muted small">{}</span>', "—")
    today = today or timezone.localdate()
    days = (case.next_due - today).days
    if case.is_overdue or days < 0:
        state = ClockState.OVERDUE
    elif days <= DUE_SOON_DAYS:
        state = ClockState.DUE_SOON
    else:
        state = ClockState.ON_TIME
    css, icon = CLOCK_CLASSES[state]
    return format_html(
        '<span class="badge {}" data-clock="{}" title="{}"><i class="bi {}"></i> {}</span> <span class="small text-muted text-nowrap">{}</span>',
        css,
        state,
        ClockState(state).label,
        icon,
        _days_text(days),
        case.next_due.isoformat(),
    )


@register.simple_tag
def clock_badge(clock: Any) -> SafeString:
    """The badge of one clock of the case page (a ``cases.selectors.ClockView``)."""
    css, icon = CLOCK_CLASSES.get(clock.state, ("text-bg-secondary", "bi-clock"))
    extra = ""
    if clock.days_left is not None and clock.state in (ClockState.ON_TIME, ClockState.DUE_SOON, ClockState.OVERDUE):
        extra = _days_text(clock.days_left)
    return format_html(
        '<span class="badge {}" data-clock="{}"><i class="bi {}"></i> {}</span> <span class="small">{}</span>',
        css,
        clock.state,
        icon,
        clock.state_label,
        extra,
    )


def reply_status_label(status: str) -> str:
    """The reply's status; "issued" has a context of its own because other modules use the
    same English word for other things."""
    if status == CaseReply.Status.ISSUED:
        return pgettext("reply status", "Issued")
    return str(CaseReply.Status(status).label)


@register.filter
def reply_status(reply: CaseReply) -> str:
    return reply_status_label(reply.status)


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if mapping else None


@register.inclusion_tag("cases/partials/home_summary.html", takes_context=True)
def cases_home_summary(context: template.Context) -> dict[str, Any]:
    """The signed-in user's inbox counts, for the home page. Empty when they have no inbox."""
    from cases.selectors import inbox_boxes, inbox_counts

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"boxes": []}
    counts = inbox_counts(user)
    boxes = [{"key": key, "label": label, "count": counts.get(key, 0)} for key, label in inbox_boxes(user)]
    return {"boxes": boxes, "can_register": user.has_role("intake")}


@register.simple_tag
def case_rows(items: Any, today: dt.date | None = None) -> SafeString:
    """The rows of a case list (``partials/case_list.html``), rendered in Python: the same
    markup as a template loop, at a fraction of the cost for 50 rows (labels and badges are
    looked up once per page, not once per row)."""
    from django.template.defaultfilters import truncatechars
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    from cases.models import CaseType, Channel, Level

    today = today or timezone.localdate()
    types = {v: escape(str(label)) for v, label in CaseType.choices}
    channels = {v: escape(str(label)) for v, label in Channel.choices}
    levels = {v: escape(str(label)) for v, label in Level.choices}
    urgent = ' · <span class="text-danger"><i class="bi bi-lightning-fill"></i> ' + escape(_("Urgent")) + "</span>"
    confidential = ' · <i class="bi bi-shield-lock" title="' + escape(_("Confidential")) + '"></i>'
    states: dict[str, str] = {}
    dues: dict[tuple[Any, bool], str] = {}
    out: list[str] = []
    for c in items:
        number = escape(c.number)
        href = escape(c.get_absolute_url())
        level = "" if c.level == "original" else f'<br><span class="badge text-bg-info">{levels.get(c.level, escape(c.level))}</span>'
        state = states.get(c.state)
        if state is None:
            state = states[c.state] = state_badge(c)
        due_key = (c.next_due, bool(c.is_overdue))
        due = dues.get(due_key)
        if due is None:
            due = dues[due_key] = due_badge(c, today)
        category = escape(c.category.display_name) if c.category_id and c.category else "—"
        unit = escape(c.current_unit.display_name) if c.current_unit_id and c.current_unit else "—"
        town = f'<div class="text-muted">{escape(c.town.display_name)}</div>' if c.town_id and c.town else ""
        received = escape(timezone.localtime(c.received_at).strftime("%Y-%m-%d %H:%M")) if c.received_at else ""
        out.append(
            f'<tr data-case="{number}">'
            f'<td class="text-nowrap"><a href="{href}" class="fw-semibold">{number}</a>{level}</td>'
            f"<td>"
            f'<a href="{href}" class="link-body-emphasis text-decoration-none">{escape(truncatechars(c.title, 48))}</a>'
            f'<div class="small text-muted">{types.get(c.type, escape(c.type))} · {channels.get(c.channel, escape(c.channel))}'
            f"{urgent if c.urgent else ''}{confidential if c.confidential else ''}</div>"
            f"</td>"
            f"<td>{state}</td>"
            f'<td class="d-none d-xl-table-cell small">{category}</td>'
            f'<td class="small">{unit}{town}</td>'
            f'<td class="d-none d-md-table-cell small text-nowrap">{received}</td>'
            f"<td>{due}</td>"
            f"</tr>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped
