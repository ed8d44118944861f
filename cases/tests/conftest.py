from __future__ import annotations

import pytest

from accounts.testing import District
from workcal.selectors import invalidate_calendar
from workcal.services import calendar_seed


@pytest.fixture
def cal(db: None) -> None:
    """China's 2025/2026 holidays and make-up working days in the calendar table."""
    calendar_seed(actor=None, years=[2025, 2026])
    invalidate_calendar()
    yield
    invalidate_calendar()


@pytest.fixture
def d(district: District, cal: None) -> District:
    return district
