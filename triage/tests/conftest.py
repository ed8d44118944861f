from __future__ import annotations

from pathlib import Path

import pytest

from accounts.testing import District
from triage import runtime
from workcal.selectors import invalidate_calendar
from workcal.services import calendar_seed


@pytest.fixture(autouse=True)
def _english_messages() -> None:
    """Service messages in English, so assertions read the msgids (pages keep the language
    of each request: Chinese by default)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _model_dir(settings: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Model files go to a temporary directory; the in-process model cache starts empty."""
    settings.TRIAGE_MODEL_DIR = str(tmp_path / "models")  # type: ignore[attr-defined]
    runtime.forget()
    yield
    runtime.forget()


@pytest.fixture
def cal(db: None) -> None:
    calendar_seed(actor=None, years=[2025, 2026])
    invalidate_calendar()
    yield
    invalidate_calendar()


@pytest.fixture
def d(district: District, cal: None) -> District:
    return district
