from __future__ import annotations

import pytest
from django.core.cache import cache

from open311.tests.conftest import GIF, PNG  # noqa: F401  (shared test images)
from outbox import backends


@pytest.fixture(autouse=True)
def _clean(tmp_path, settings):  # noqa: ANN001, ANN202
    settings.MEDIA_ROOT = tmp_path / "files"
    cache.clear()
    backends.sent.clear()
    yield
    cache.clear()
