"""Background work of the outbox: send queued messages, retry failed ones, and ask
complainants to rate the answer a few days after the reply."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from outbox.models import Delivery

FOLLOWUP_AFTER_DAYS = 3
FOLLOWUP_WITHIN_DAYS = 30


@db_task()
def deliver(ids: list[int]) -> None:
    """Try each delivery once (skips those not due: idempotent)."""
    from outbox.services import delivery_attempt

    for pk in ids:
        delivery_attempt(delivery_id=pk)


@db_periodic_task(crontab(minute="*"))
def outbox_retry() -> None:
    """Every minute: the queued messages that are due (new ones whose first hand-over was
    lost, and failed ones whose next attempt has come). Messages stuck in "sending" for an
    hour (a worker died mid-send) go back to the queue."""
    from outbox.services import delivery_attempt

    now = timezone.now()
    stale = now - dt.timedelta(hours=1)
    Delivery.objects.filter(status=Delivery.Status.SENDING, next_attempt_at__lt=stale).update(status=Delivery.Status.QUEUED)
    for pk in Delivery.objects.filter(status=Delivery.Status.QUEUED, next_attempt_at__lte=now).values_list("pk", flat=True)[:500]:
        delivery_attempt(delivery_id=pk, now=now)


@db_periodic_task(crontab(minute="20", hour="10"))
def followup_requests() -> None:
    run_followup_requests()


def run_followup_requests(now: dt.datetime | None = None) -> int:
    """Ask the complainant of each case replied 3–30 days ago, and not yet followed up, to
    rate the answer. The message's dedupe key makes a second run send nothing."""
    from cases.models import Case, State
    from outbox.models import Event
    from outbox.services import message_queue

    now = now or timezone.now()
    cases = Case.objects.filter(
        state=State.REPLIED,
        replied_at__lte=now - dt.timedelta(days=FOLLOWUP_AFTER_DAYS),
        replied_at__gte=now - dt.timedelta(days=FOLLOWUP_WITHIN_DAYS),
        followups__isnull=True,
    ).select_related("current_unit")
    count = 0
    for case in cases.iterator(chunk_size=200):
        count += len(message_queue(case=case, event=Event.FOLLOWUP_REQUEST, key="auto"))
    return count
