"""Hooks on the case lifecycle (cases.signals.case_changed). Everything runs after the case's
transaction commits and never raises into it: the triage index must not make a case
transition fail."""

from __future__ import annotations

from typing import Any

from cases.models import State


def on_case_changed(sender: Any, *, case: Any, action: str, from_state: str, to_state: str, **kwargs: Any) -> None:
    from triage import services

    if action == "register":
        # one job queued after commit for the huey consumer: the duplicate index (two
        # INSERTs) and the suggestion (the registering user's suggestions on the staff form,
        # or a suggestion kept for the case: portal, Open311, REST, import); never failing
        # the registration
        services.safe_after_commit(_after_register, case)
        return
    if action == "accept":
        services.safe_after_commit(services.suggestion_decide, case=case)
    if to_state == State.REPLIED and from_state != State.REPLIED:
        services.safe_after_commit(services.follow_main_reply, main=case)
    services.safe_after_commit(services.fingerprint_refresh, case_id=case.pk, category_id=case.category_id, town_id=case.town_id)


def _after_register(case: Any) -> None:
    """Queue the new case's duplicate-index entry and its kept suggestion for the background
    worker: the registering request does neither (together tens of milliseconds of CPU).
    If the worker is down, ``index_backfill`` indexes the case within ten minutes."""
    from triage.tasks import index_and_suggest

    index_and_suggest(case.pk)
