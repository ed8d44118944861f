from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from accounts.testing import make_district
from cases.models import Case
from cases.services import allocate_number
from cases.tests.helpers import register


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
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _i in range(5):
                register(d)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert len(numbers) == 20 == len(set(numbers))
    assert [int(n.split("-")[1]) for n in numbers] == list(range(1, 21))
