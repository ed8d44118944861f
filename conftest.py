"""Fixtures shared by every app's tests: the small test district and its personas."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

# Property tests measure behaviour, not speed: no per-example deadline (CI machines are shared).
hypothesis_settings.register_profile("minsheng", deadline=None)
hypothesis_settings.load_profile("minsheng")

from accounts.testing import District, make_district  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Transactional tests end with a flush that empties every table, including the data
    the migrations seeded (categories, deadline rules, calendar...). Make each of them
    restore that data first (serialized rollback), so test order never matters."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        fixtures = getattr(item, "fixturenames", ())
        if (marker and marker.kwargs.get("transaction")) or "live_server" in fixtures or "transactional_db" in fixtures:
            kwargs = dict(marker.kwargs) if marker else {}
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)  # read first by pytest-django


@pytest.fixture(autouse=True)
def _audit_guard_for_transactional_tests(request: pytest.FixtureRequest):  # noqa: ANN202
    """Transactional tests (live server, browser) end with a flush that empties every table;
    lift the audit log's append-only triggers just for that flush."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames or bool(
        marker and marker.kwargs.get("transaction")
    )
    if not transactional:
        yield
        return
    from django.db import connection

    from audit.guard import guard_off, guard_on

    request.getfixturevalue("transactional_db")
    guard_on(connection)
    yield
    guard_off(connection)
    _drop_case_number_sequences(connection)


def _drop_case_number_sequences(connection) -> None:  # noqa: ANN001
    """The flush after a transactional test empties the tables, not the case number
    sequences of PostgreSQL (cases/numbers.py): drop them too, so that the next test counts
    from 1 like on a new database. (Other tests' sequences go with their rolled-back transaction.)"""
    from cases.numbers import sequence_name, sequence_years

    with connection.cursor() as cursor:
        for year in sequence_years():
            cursor.execute(f"DROP SEQUENCE IF EXISTS {connection.ops.quote_name(sequence_name(year))}")


@pytest.fixture
def district(db: None) -> District:
    return make_district()


@pytest.fixture
def client_for(district: District):  # noqa: ANN201
    """client_for("intake") -> a Client signed in as that persona."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(getattr(district, username))
        return client

    return make
