from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from notifications.models import Notification
from notifications.services import notification_mark_read


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    rows = Notification.objects.filter(user=request.user)[:100]
    return render(request, "notifications/inbox.html", {"rows": rows})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    notification_mark_read(user=request.user)  # type: ignore[arg-type]
    return redirect("notifications:inbox")
