from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Role
from audit.models import AuditEntry

PAGE_SIZE = 50


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_role(Role.ADMIN, Role.SUPERVISOR):  # type: ignore[union-attr]
        raise PermissionDenied
    qs = AuditEntry.objects.all()
    q = (request.GET.get("q") or "").strip()[:100]
    if q:
        qs = qs.filter(Q(action__icontains=q) | Q(actor_name__icontains=q) | Q(object_label__icontains=q) | Q(object_id=q))
    action = (request.GET.get("action") or "").strip()[:60]
    if action:
        qs = qs.filter(action__startswith=action)
    for name, lookup in (("from", "at__date__gte"), ("to", "at__date__lte")):
        raw = request.GET.get(name) or ""
        if raw:
            try:
                qs = qs.filter(**{lookup: dt.date.fromisoformat(raw)})
            except ValueError:
                pass
    before = request.GET.get("before") or ""
    if before.isdigit():
        qs = qs.filter(id__lt=int(before))
    rows = list(qs.order_by("-id")[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    params = request.GET.copy()
    params.pop("before", None)
    next_query = ""
    if more:
        params["before"] = str(rows[-1].id)
        next_query = params.urlencode()
    return render(request, "audit/list.html", {"rows": rows, "next_query": next_query, "q": q, "action": action, "from": request.GET.get("from", ""), "to": request.GET.get("to", "")})
