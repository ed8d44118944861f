"""Hooks on the case lifecycle (cases.signals.case_changed). Everything runs after the case's
transaction commits and never raises into it: the triage index must not make a case
transition fail. The one exception is a registration's row in the new-case queue
(``NewCase``: one INSERT in the registration's transaction, like its audit row)."""

from __future__ import annotations

import time
from typing import Any

from cases.models import State


def on_case_changed(sender: Any, *, case: Any, action: str, from_state: str, to_state: str, **kwargs: Any) -> None:
    from triage import services

    if action == "register":
        # the case joins the queue of new cases in its own transaction (one INSERT); after
        # the commit one batch job is woken (debounced) for the huey consumer: the
        # duplicate index and the suggestion (the registering user's suggestions on the
        # staff form, or a suggestion kept for the case: portal, Open311, REST, import)
        services.new_case_queue(case=case)
        services.safe_after_commit(_wake_drain)
        return
    if action == "accept":
        services.safe_after_commit(services.suggestion_decide, case=case)
    if to_state == State.REPLIED and from_state != State.REPLIED:
        services.safe_after_commit(services.follow_main_reply, main=case)
    services.safe_after_commit(services.fingerprint_refresh, case_id=case.pk, category_id=case.category_id, town_id=case.town_id)


def _wake_drain() -> None:
    """Wake the batch job that indexes and suggests the queued new cases: at once when huey
    runs tasks immediately (tests), else queued in a second unless a drain is queued
    already (``cache.add`` is an atomic SET NX on Redis; elsewhere a duplicate job is
    harmless). If the worker is down the periodic drain catches up within a minute."""
    from django.core.cache import cache
    from huey.contrib.djhuey import HUEY

    from triage import services
    from triage.tasks import drain_new_cases

    global _scheduled_until
    if HUEY.immediate:
        drain_new_cases.call_local()
        return
    now = time.monotonic()
    if now < _scheduled_until:
        return  # this process queued a drain that cannot have started yet: it will see this case
    if cache.add(services.DRAIN_QUEUED_KEY, 1, timeout=services.DRAIN_QUEUED_TIMEOUT):
        drain_new_cases.schedule(delay=1)
        # the drain runs one second later at the earliest; half a second leaves room for
        # another consumer machine's clock
        _scheduled_until = now + 0.5


#: until when (time.monotonic) the drain this process queued surely has not started
_scheduled_until = 0.0
