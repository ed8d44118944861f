from __future__ import annotations

import pytest

from core import local_memo


def test_a_value_is_kept_for_its_seconds_then_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(local_memo.time, "monotonic", lambda: clock[0])
    reads = []

    def load() -> int:
        reads.append(1)
        return len(reads)

    assert local_memo.remembered("test:k", 1.0, load) == 1
    clock[0] += 0.5
    assert local_memo.remembered("test:k", 1.0, load) == 1  # kept: no second read
    clock[0] += 0.6
    assert local_memo.remembered("test:k", 1.0, load) == 2  # a second later: read again
    local_memo.forget("test:k")
    assert local_memo.remembered("test:k", 1.0, load) == 3  # forgotten: read at once


@pytest.mark.django_db
def test_this_process_sees_its_own_calendar_edit_at_once(district) -> None:  # noqa: ANN001
    import datetime as dt

    from workcal.selectors import get_calendar
    from workcal.services import calendar_day_set

    day = dt.date(2031, 3, 5)  # a Wednesday
    assert get_calendar().is_workday(day)
    calendar_day_set(actor=district.admin, date=day, is_workday=False, note="测试")
    assert not get_calendar().is_workday(day)
