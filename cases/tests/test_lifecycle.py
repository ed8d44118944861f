from __future__ import annotations

import pytest

from accounts.testing import District
from audit.models import AuditEntry
from cases.models import CaseClock, CaseEvent, ClockKind, State
from cases.tests.helpers import fresh, register, walk

pytestmark = pytest.mark.django_db


def test_it_walks_a_case_from_registration_to_closure(d: District) -> None:
    case = register(d)
    assert case.number.count("-") == 1 and case.state == State.REGISTERED and case.version == 1
    case = walk(d, case, State.CLOSED)
    assert case.closed_at is not None and case.replied_at is not None
    actions = list(AuditEntry.objects.filter(object_id=str(case.pk), object_type="cases.case").values_list("action", flat=True))
    for action in ["case.register", "case.accept", "case.assign", "case.receive", "case.draft_reply", "case.approve_reply", "case.notify_complainant", "case.record_followup", "case.close"]:
        assert action in actions
    kinds = set(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert {"registered", "accepted", "assigned", "received", "reply_submitted", "reply_approved", "replied", "followup", "closed"} <= kinds
    running = set(CaseClock.objects.filter(case=case, stopped_at__isnull=True).values_list("kind", flat=True))
    assert running == {ClockKind.REVIEW_REQUEST}
    assert fresh(case).next_due is None and not fresh(case).is_overdue
