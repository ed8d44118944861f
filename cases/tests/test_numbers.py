from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.testing import make_district
from cases.models import Case, CaseNumberCounter
from cases.numbers import sync_sequences
from cases.services import allocate_number
from cases.tests.helpers import register


def _at(year: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, 6, 1, 10, 0))


def _in_threads(work: Callable[[], None], n: int) -> list[BaseException]:
    """Run ``work`` in ``n`` threads (each with its own database connection); the errors."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _t in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.django_db
def test_it_allocates_numbers_in_sequence_per_year() -> None:
    with transaction.atomic():
        first, second = allocate_number(), allocate_number()
    year, n1 = first.split("-")
    assert second == f"{year}-{int(n1) + 1:06d}" and len(n1) == 6


@pytest.mark.django_db(transaction=True)
def test_it_never_hands_out_a_number_twice_under_concurrency() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the in-memory SQLite test database cannot be shared by threads; SQLite serialises writers anyway")
    d = make_district()

    def work() -> None:
        for _i in range(5):
            register(d)

    assert _in_threads(work, 4) == []
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert len(numbers) == 20 == len(set(numbers))
    assert [int(n.split("-")[1]) for n in numbers] == list(range(1, 21))


@pytest.mark.django_db
def test_it_starts_a_new_year_at_1_and_an_upgraded_year_after_the_highest_number() -> None:
    with transaction.atomic():
        assert allocate_number(_at(2031)) == "2031-000001"
        assert allocate_number(_at(2031)) == "2031-000002"
        # A year counted by the old counter row (before the upgrade) goes on after it...
        CaseNumberCounter.objects.create(year=2032, last=41)
        assert allocate_number(_at(2032)) == "2032-000042"
        if connection.vendor != "postgresql":
            return  # on SQLite the counter row stays the number
        # ...and the new sequence after the highest case number of the year if that is higher.
        d = make_district()
        Case.objects.filter(pk=register(d).pk).update(number="2033-000050")
        CaseNumberCounter.objects.create(year=2033, last=7)
        assert allocate_number(_at(2033)) == "2033-000051"


@pytest.mark.django_db
def test_it_follows_the_highest_number_after_numbers_were_written_directly() -> None:
    d = make_district()
    a, b = register(d), register(d)
    year = int(a.number[:4])
    # What a restore, the demo loader or bench/generate do: write numbers without taking them.
    Case.objects.filter(pk=a.pk).update(number=f"{year}-000700")
    Case.objects.filter(pk=b.pk).update(number=f"{year - 1}-000300")
    assert sync_sequences() == {year: 700, year - 1: 300}
    with transaction.atomic():
        assert allocate_number(_at(year)) == f"{year}-000701"
        assert allocate_number(_at(year - 1)) == f"{year - 1}-000301"
    assert register(d).number == f"{year}-000702"


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_registration_does_not_wait_for_one_that_took_a_number_and_has_not_committed() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: the counter row is the number there")
    d = make_district()
    first = register(d)  # the year's sequence exists (its creation is the one wait of a year)
    year, n = first.number.split("-")
    second: list[Case] = []
    errors: list[BaseException] = []

    def other_desk() -> None:
        try:
            second.append(register(d))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    desk = threading.Thread(target=other_desk)
    with transaction.atomic():
        held = allocate_number()  # this registration has its number and has not committed
        desk.start()
        desk.join(timeout=5)  # bounded: with a counter row the other desk waits for our commit
        finished_while_held = not desk.is_alive()
        transaction.set_rollback(True)  # ...and then fails: its number is not used
    desk.join()
    assert errors == []
    assert finished_while_held, "the second registration waited for the first one's transaction"
    assert held == f"{year}-{int(n) + 1:06d}"
    assert second[0].number == f"{year}-{int(n) + 2:06d}"
    assert Case.objects.filter(number=second[0].number).exists()  # committed
    # The failed registration's number is a gap: it is never handed out again.
    assert register(d).number == f"{year}-{int(n) + 3:06d}"
    assert not Case.objects.filter(number=held).exists()


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_two_first_registrations_of_a_year_create_its_sequence_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the sequence is PostgreSQL's")
    CaseNumberCounter.objects.create(year=2034, last=9)  # counted by the old counter until now
    barrier = threading.Barrier(4)
    got: list[str] = []

    def work() -> None:
        barrier.wait(timeout=10)  # all four find no sequence for 2034 at the same moment
        for _i in range(3):
            with transaction.atomic():
                got.append(allocate_number(_at(2034)))

    assert _in_threads(work, 4) == []
    assert sorted(got) == [f"2034-{n:06d}" for n in range(10, 22)]


@pytest.mark.django_db(transaction=True)
def test_a_retry_that_loses_the_race_for_its_key_gets_the_case_the_other_made(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two requests with one idempotency key: the second passes the "already made?" check
    before the first commits, then its INSERT meets the first's row. It answers with that
    case; one case exists."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a second connection writing while the first is inside its transaction")
    from cases import services

    d = make_district()
    real = services.allocate_number
    raced = []

    def allocate_after_the_other_committed(at: dt.datetime | None = None) -> str:
        if not raced:  # the first call: another request with the same key commits now
            raced.append(True)
            assert _in_threads(lambda: raced.append(register(d, idempotency_key="same-key")), 1) == []
        return real(at)

    monkeypatch.setattr(services, "allocate_number", allocate_after_the_other_committed)
    case = register(d, idempotency_key="same-key")
    other = raced[1]
    assert case.pk == other.pk and case.number == other.number
    assert Case.objects.filter(idempotency_key="same-key").count() == 1
