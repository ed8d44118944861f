"""Sending in-app notifications (and e-mail when configured). Idempotent by dedupe key."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from notifications.models import Notification


def notify(
    *,
    users: Iterable[User],
    title: str,
    body: str = "",
    url: str = "",
    level: str = Notification.Level.INFO,
    dedupe_key: str = "",
) -> list[Notification]:
    """Create one notification per user, skipping users who already have one with the
    same ``dedupe_key``. Runs inside the caller's transaction; e-mail goes out on commit."""
    created: list[Notification] = []
    seen: set[int] = set()
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        if dedupe_key and Notification.objects.filter(user=user, dedupe_key=dedupe_key).exists():
            continue
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    user=user, title=title[:200], body=body, url=url[:300], level=level, dedupe_key=dedupe_key[:120]
                )
        except IntegrityError:  # a concurrent run sent it first
            continue
        created.append(note)
    if created and settings.EMAIL_HOST:
        ids = [n.pk for n in created]
        transaction.on_commit(lambda: _queue_email(ids))
    return created


def _queue_email(ids: list[int]) -> None:
    from notifications.tasks import send_notification_emails

    send_notification_emails(ids)


@transaction.atomic
def notification_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
