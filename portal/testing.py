"""Test helper shared by the portal, Open311 and outbox tests: take a case forward through
the real case services with the test personas (town A handles it)."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from accounts.testing import District
from cases import services as s
from cases.models import Case, Outcome, State

REPLY_TEXT = "经现场核查，已责令施工单位落实扬尘防控措施，裸土已全部覆盖，渣土车出场前冲洗。"


def walk_to(d: District, case: Case, target: str) -> Case:
    def fresh(c: Case) -> Case:
        return Case.objects.get(pk=c.pk)

    steps = [
        (State.REGISTERED, lambda c: s.case_accept(actor=d.intake, case=c, expected_version=c.version)),
        (State.ACCEPTED, lambda c: s.case_assign(actor=d.intake, case=c, expected_version=c.version, units=[d.town_a])),
        (State.ASSIGNED, lambda c: s.case_receive(actor=d.officer, case=c, expected_version=c.version)),
        (State.HANDLING, lambda c: s.case_draft_reply(actor=d.officer, case=c, expected_version=c.version, outcome=Outcome.SUPPORT, text=REPLY_TEXT)),
        (State.REPLY_PENDING, lambda c: s.case_approve_reply(actor=d.head, case=c, expected_version=c.version)),
        (State.REPLY_APPROVED, lambda c: s.case_notify_complainant(actor=d.officer, case=c, expected_version=c.version)),
    ]
    case = fresh(case)
    for from_state, step in steps:
        if case.state == target:
            break
        if case.state != from_state:
            continue
        step(case)
        case = fresh(case)
    assert case.state == target, (case.state, target)
    return case


def en_client(**defaults: object) -> Client:
    """A test client that reads the pages in English (tests assert on the English msgids;
    ``test_chinese.py`` checks that Chinese is the default)."""
    client = Client(**defaults)  # type: ignore[arg-type]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
