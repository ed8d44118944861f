"""Fixtures shared by every app's tests: the small test district and its personas."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.testing import District, make_district


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
