"""PostgreSQL: a case write adds its figures to the pending tables and a deferred trigger
folds them into the rollups when the case transaction commits (the production setting,
``INSIGHTS_FOLD_AT_COMMIT``). These tests commit for real (``transaction=True``)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections, transaction

from accounts.testing import make_district
from cases import services
from cases.models import Case
from cases.tests.helpers import register, walk
from insights.models import RollupPending, StateCount, StateCountPending, TownRollupPending
from insights.services import rollups_rebuild, root_unit_id
from insights.tests.test_rebuild import snapshot

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the fold triggers exist on PostgreSQL only (SQLite adds directly)"),
]


@pytest.fixture(autouse=True)
def fold_at_commit(settings: Any) -> None:
    settings.INSIGHTS_FOLD_AT_COMMIT = True


def pending() -> int:
    return sum(m.objects.count() for m in (RollupPending, TownRollupPending, StateCountPending))


def state_count(case: Case, state: str) -> int:
    """The district's figure of ``state`` (a case not yet assigned counts for the district)."""
    rows = StateCount.objects.filter(unit_id=case.current_unit_id or root_unit_id(), state=state)
    return sum(rows.values_list("n", flat=True))


def test_committed_writes_leave_the_rollups_equal_to_a_rebuild() -> None:
    d = make_district()
    walk(d, register(d), "replied")
    walk(d, register(d, category="property-fee", town=d.town_b), "assigned", unit=d.town_b)
    register(d, category=None, town=None)
    kept = snapshot()
    assert kept["rollup"] and kept["town"] and kept["states"]
    assert pending() == 0  # every addition was folded at its commit
    rollups_rebuild(actor=None)
    assert snapshot() == kept


def test_a_rolled_back_write_leaves_no_trace() -> None:
    d = make_district()
    case = register(d)
    before = snapshot()

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        services.case_accept(actor=d.intake, case=case, expected_version=case.version)
        assert pending() > 0  # not folded yet: waiting for COMMIT
        assert snapshot()["states"] == before["states"]
        raise Undo
    assert pending() == 0
    assert snapshot() == before


def test_a_second_writer_of_the_same_unit_and_category_does_not_wait_for_the_first() -> None:
    d = make_district()
    first, second = register(d), register(d)  # same unit (the district) and category
    a_written, a_may_commit = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def writer_a() -> None:
        try:
            with transaction.atomic():
                services.case_accept(actor=d.intake, case=Case.objects.get(pk=first.pk), expected_version=first.version)
                a_written.set()
                a_may_commit.wait(30)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            a_written.set()
            connections.close_all()

    def writer_b() -> None:
        try:
            with transaction.atomic():
                services.case_accept(actor=d.intake, case=Case.objects.get(pk=second.pk), expected_version=second.version)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    a = threading.Thread(target=writer_a)
    b = threading.Thread(target=writer_b)
    a.start()
    try:
        assert a_written.wait(30)
        b.start()
        b.join(5)
        b_finished_while_a_open = not b.is_alive()
        accepted_while_a_open = state_count(first, "accepted")
    finally:
        a_may_commit.set()
        a.join(30)
        b.join(30)
    assert errors == []
    assert b_finished_while_a_open, "the second write waited for the first one's transaction"
    assert accepted_while_a_open == 1  # the second write's figures, committed on their own
    assert state_count(first, "accepted") == 2 and state_count(first, "registered") == 0
    assert pending() == 0
    kept = snapshot()
    rollups_rebuild(actor=None)
    assert snapshot() == kept
