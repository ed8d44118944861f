from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from huey.contrib.djhuey import db_task

from notifications.models import Notification


@db_task()
def send_notification_emails(ids: list[int]) -> None:
    """E-mail notifications that have not been e-mailed yet (idempotent)."""
    for note in Notification.objects.select_related("user").filter(pk__in=ids, emailed_at__isnull=True):
        if note.user.email:
            send_mail(note.title, f"{note.body}\n\n{note.url}".strip(), settings.DEFAULT_FROM_EMAIL, [note.user.email], fail_silently=True)
        Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
