from __future__ import annotations

import pytest

from accounts.testing import District
from audit.models import AuditEntry
from cases import services as s
from cases.models import State
from cases.tests.helpers import fresh, register
from minsheng.api import ConflictError

pytestmark = pytest.mark.django_db


def test_it_refuses_a_write_on_a_stale_version(d: District) -> None:
    case = register(d)
    seen = case.version
    s.case_accept(actor=d.intake, case=case, expected_version=seen)
    audits = AuditEntry.objects.count()
    with pytest.raises(ConflictError) as exc:
        s.case_not_accept(actor=d.intake, case=case, expected_version=seen, reason="重复")
    assert str(d.intake) in exc.value.message and case.number in exc.value.message
    assert fresh(case).state == State.ACCEPTED and AuditEntry.objects.count() == audits


def test_it_detects_a_write_between_read_and_update(d: District) -> None:
    """Without row locks (SQLite) the version is compared again by the UPDATE itself."""
    from cases.models import Case

    case = register(d)
    stale = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=case.pk).update(version=stale.version + 1)
    with pytest.raises(ConflictError):
        s._commit(stale, actor=d.intake, action="accept", to_state=State.ACCEPTED)
