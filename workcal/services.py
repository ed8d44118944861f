from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from audit.services import audit_record
from workcal.models import CalendarDay
from workcal.seed import china_exceptions
from workcal.selectors import invalidate_calendar


@transaction.atomic
def calendar_day_set(*, actor: User, date: dt.date, is_workday: bool, note: str = "") -> CalendarDay | None:
    """Make ``date`` a working day or a day off. A day that then follows the weekday rule
    keeps no row. Administrators only."""
    if not actor.has_role(Role.ADMIN):
        raise PermissionError(_("Only administrators may edit the calendar."))
    if len(note) > 100:
        raise ValidationError({"note": _("The note may be at most 100 characters.")})
    existing = CalendarDay.objects.filter(date=date).first()
    before = {"is_workday": existing.is_workday if existing else date.weekday() < 5, "note": existing.note if existing else ""}
    default = date.weekday() < 5
    row: CalendarDay | None
    if is_workday == default and not note:
        if existing:
            existing.delete()
        row = None
    else:
        row, _created = CalendarDay.objects.update_or_create(
            date=date, defaults={"is_workday": is_workday, "note": note, "source": CalendarDay.Source.ADMIN}
        )
    audit_record(
        actor=actor,
        action="calendar.set_day",
        object_type="workcal.calendarday",
        object_id=date.isoformat(),
        object_label=date.isoformat(),
        before=before,
        after={"is_workday": is_workday, "note": note},
    )
    invalidate_calendar()
    transaction.on_commit(invalidate_calendar)
    return row


@transaction.atomic
def calendar_seed(*, actor: User | None, years: list[int]) -> int:
    """Seed the given years from the holidays package. Rows an administrator set are kept."""
    count = 0
    for day, (is_workday, note) in china_exceptions(years).items():
        existing = CalendarDay.objects.filter(date=day).first()
        if existing and existing.source == CalendarDay.Source.ADMIN:
            continue
        CalendarDay.objects.update_or_create(date=day, defaults={"is_workday": is_workday, "note": note, "source": CalendarDay.Source.SEED})
        count += 1
    audit_record(actor=actor, action="calendar.seed", object_type="workcal.calendarday", after={"years": years, "days": count})
    invalidate_calendar()
    transaction.on_commit(invalidate_calendar)
    return count
