"""Tell the complainant when their case reaches a step they must hear about.

Connected to ``cases.signals.case_changed`` (sent inside every case service's
transaction); the message is queued only once that transaction commits."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from cases.models import Case, State
from cases.signals import case_changed
from outbox.models import Event

#: Actions (of cases.services) that are a request to the complainant to rate the answer.
FOLLOWUP_REQUEST_ACTIONS = frozenset({"followup_request", "request_followup"})
EXTENSION_ACTIONS = frozenset({"extension_approve", "approve_extension", "extension_decide", "decide_extension"})


def event_for(case: Case, action: str, from_state: str | None, to_state: str | None) -> tuple[str, str] | None:
    """(event, dedupe key) of the message a transition calls for, or None."""
    from outbox.services import event_for_reply

    if to_state != from_state:
        if to_state == State.ACCEPTED and from_state == State.REGISTERED:
            return Event.ACCEPTED, ""
        if to_state == State.NOT_ACCEPTED:
            return Event.NOT_ACCEPTED, ""
        if to_state == State.REDIRECTED:
            return Event.REDIRECTED, ""
        if to_state == State.REPLIED:
            return event_for_reply(case), ""
    if action in FOLLOWUP_REQUEST_ACTIONS:
        return Event.FOLLOWUP_REQUEST, "staff"
    if action in EXTENSION_ACTIONS:
        extension = case.extensions.filter(decision="approved").order_by("-id").first()
        if extension is not None:
            return Event.EXTENDED, str(extension.pk)
    return None


@receiver(case_changed, dispatch_uid="outbox.case_changed")
def on_case_changed(sender: Any, case: Case, action: str = "", from_state: str | None = None, to_state: str | None = None, **kwargs: Any) -> None:
    found = event_for(case, action, from_state, to_state)
    if found is None:
        return
    event, key = found
    case_id = case.pk
    transaction.on_commit(lambda: _queue(case_id, event, key))


def _queue(case_id: int, event: str, key: str) -> None:
    from outbox.services import message_queue

    case = Case.objects.select_related("current_unit").filter(pk=case_id).first()
    if case is not None:
        extra: dict[str, Any] = {}
        if event == Event.EXTENDED:
            extension = case.extensions.filter(pk=int(key)).first() if key.isdigit() else None
            if extension is not None:
                extra = {"days": extension.days, "due": extension.new_due.isoformat() if extension.new_due else "", "reason": extension.reason}
        message_queue(case=case, event=event, key=key, extra=extra)
