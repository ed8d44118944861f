from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from workcal.selectors import month_grid
from workcal.services import calendar_day_set


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


@login_required
def calendar_view(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    months = [{"month": m, "weeks": month_grid(year, m)} for m in range(1, 13)]
    return render(
        request,
        "workcal/calendar.html",
        {"year": year, "months": months, "can_edit": request.user.has_role(Role.ADMIN)},  # type: ignore[union-attr]
    )


@login_required
@require_POST
def day_toggle(request: HttpRequest) -> HttpResponse:
    if not request.user.has_role(Role.ADMIN):  # type: ignore[union-attr]
        return render(request, "403.html", status=403)
    try:
        day = dt.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        messages.error(request, _("That is not a valid date."))
        return redirect("workcal:calendar")
    make_workday = request.POST.get("is_workday") == "1"
    note = (request.POST.get("note") or "").strip()[:100]
    calendar_day_set(actor=request.user, date=day, is_workday=make_workday, note=note)  # type: ignore[arg-type]
    messages.success(
        request,
        (_("%(date)s is now a working day.") if make_workday else _("%(date)s is now a day off.")) % {"date": day.isoformat()},
    )
    return redirect(f"{request.build_absolute_uri('/calendar/')}?year={day.year}#m{day.month}")
