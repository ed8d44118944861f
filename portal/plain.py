"""The case's progress in plain words, for the complainant (portal, messages) and for
Open311 clients. Only what the complainant may see: public timeline lines, never notes,
never staff names."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cases.models import FINISHED_STATES, Case, CaseEvent, State

PLAIN_EVENTS = {
    CaseEvent.Kind.REGISTERED: _("Your matter was received and registered."),
    CaseEvent.Kind.ACCEPTED: _("Your matter was accepted."),
    CaseEvent.Kind.NOT_ACCEPTED: _("Your matter was not accepted."),
    CaseEvent.Kind.REDIRECTED: _("Your matter must be pursued through another channel."),
    CaseEvent.Kind.ASSIGNED: _("Your matter was passed to the unit responsible."),
    CaseEvent.Kind.RECEIVED: _("The unit responsible started handling your matter."),
    CaseEvent.Kind.CONTACT: _("The unit responsible contacted you."),
    CaseEvent.Kind.MEETING: _("The unit responsible met you."),
    CaseEvent.Kind.EXTENSION_APPROVED: _("The time to handle your matter was extended."),
    CaseEvent.Kind.REPLIED: _("The written answer was issued."),
    CaseEvent.Kind.FOLLOWUP: _("Your rating of the answer was recorded."),
    CaseEvent.Kind.CLOSED: _("Your matter was closed."),
    CaseEvent.Kind.REVIEW_REQUESTED: _("You asked for a review."),
    CaseEvent.Kind.REREVIEW_REQUESTED: _("You asked for a re-review."),
    CaseEvent.Kind.WITHDRAWN: _("You withdrew your matter."),
}

#: Timeline kinds that end the matter as far as an Open311 client is concerned.
CLOSING_EVENTS = frozenset(
    {CaseEvent.Kind.NOT_ACCEPTED, CaseEvent.Kind.REDIRECTED, CaseEvent.Kind.REPLIED, CaseEvent.Kind.CLOSED, CaseEvent.Kind.WITHDRAWN}
)

PLAIN_STATES = {
    State.REGISTERED: _("Received; the complaint bureau is deciding whether to accept it."),
    State.ACCEPTED: _("Accepted; being passed to the unit responsible."),
    State.OBJECTED: _("Accepted; being passed to the unit responsible."),
    State.ASSIGNED: _("Passed to the unit responsible."),
    State.HANDLING: _("Being handled by the unit responsible."),
    State.REPLY_PENDING: _("Being handled; the written answer is being prepared."),
    State.REPLY_APPROVED: _("Being handled; the written answer is being prepared."),
    State.REPLIED: _("Answered in writing."),
    State.CLOSED: _("Closed."),
    State.NOT_ACCEPTED: _("Not accepted."),
    State.REDIRECTED: _("To be pursued through another channel."),
    State.WITHDRAWN: _("Withdrawn."),
}


def is_open(case: Case) -> bool:
    """Open311's two statuses: a matter is closed once answered, refused, redirected or withdrawn."""
    return case.state not in FINISHED_STATES and case.state != State.REPLIED


def plain_state(case: Case) -> str:
    return str(PLAIN_STATES.get(State(case.state), ""))


def plain_event(kind: str) -> str:
    return str(PLAIN_EVENTS.get(kind, "")) if kind in PLAIN_EVENTS else ""
