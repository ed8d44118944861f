"""Clocks at the holiday edges of the seeded 2025/2026 calendar."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.testing import District
from cases import clocks
from cases import services as s
from cases.models import CaseClock, CaseType, ClockKind, ClockState, DeadlineRule, State
from cases.selectors import clock_views
from cases.tests.helpers import fresh, local, register, walk

pytestmark = pytest.mark.django_db


def _decide_due(d: District, received: dt.datetime) -> dt.date:
    with time_machine.travel(received, tick=False):
        case = register(d)
    return CaseClock.objects.get(case=case, kind=ClockKind.DECIDE).due_date


def test_it_moves_a_deadline_out_of_the_spring_festival(d: District) -> None:
    # 2026-02-01 + 15 days = Mon 16 Feb (New Year's Eve); days off run to Mon 23 Feb.
    assert _decide_due(d, local(2026, 2, 1)) == dt.date(2026, 2, 24)


def test_it_moves_a_deadline_out_of_national_day(d: District) -> None:
    # 2025-09-16 + 15 days = Wed 1 Oct; the holiday runs to Wed 8 Oct.
    assert _decide_due(d, local(2025, 9, 16)) == dt.date(2025, 10, 9)


def test_it_keeps_a_deadline_on_a_make_up_working_day(d: District) -> None:
    # 2025-09-13 + 15 days = Sun 28 Sep 2025, a make-up working day.
    assert _decide_due(d, local(2025, 9, 13)) == dt.date(2025, 9, 28)
    # 2026-02-13 + 15 days = Sat 28 Feb 2026, a make-up working day.
    assert _decide_due(d, local(2026, 2, 13)) == dt.date(2026, 2, 28)


def test_it_counts_working_days_across_national_day_and_a_make_up_saturday(d: District) -> None:
    with time_machine.travel(local(2025, 9, 30), tick=False):
        case = walk(d, register(d), State.ASSIGNED)
    # Oct 1-8 off; 9 (1), 10 (2), Sat 11 make-up (3), 13 (4), 14 (5)
    assert CaseClock.objects.get(case=case, kind=ClockKind.OBJECTION).due_date == dt.date(2025, 10, 14)


def test_it_does_not_count_the_first_day(d: District) -> None:
    # received Mon 2026-03-02: +15 = Tue 17 Mar (a working day)
    assert _decide_due(d, local(2026, 3, 2, 23)) == dt.date(2026, 3, 17)


def test_it_reads_limits_from_the_editable_rules(d: District) -> None:
    DeadlineRule.objects.filter(step="decide").update(days=10)
    assert _decide_due(d, local(2026, 3, 2)) == dt.date(2026, 3, 12)
    DeadlineRule.objects.filter(step="decide").delete()
    assert clocks.rule("decide").days == 15  # DOMAIN.md's default when a rule row is missing


def test_it_shows_on_time_due_soon_overdue_and_done(d: District) -> None:
    with time_machine.travel(local(2026, 3, 2), tick=False):
        case = register(d)
    clock = CaseClock.objects.get(case=case, kind=ClockKind.DECIDE)  # due 2026-03-17
    assert clocks.clock_state(clock, dt.date(2026, 3, 10)) == ClockState.ON_TIME
    assert clocks.clock_state(clock, dt.date(2026, 3, 14)) == ClockState.DUE_SOON
    assert clocks.clock_state(clock, dt.date(2026, 3, 17)) == ClockState.DUE_SOON
    assert clocks.clock_state(clock, dt.date(2026, 3, 18)) == ClockState.OVERDUE
    views = clock_views([clock], dt.date(2026, 3, 14))
    assert views[0].days_left == 3 and views[0].state == ClockState.DUE_SOON
    with time_machine.travel(local(2026, 3, 20), tick=False):
        s.case_accept(actor=d.intake, case=case, expected_version=case.version)
    assert clocks.clock_state(CaseClock.objects.get(pk=clock.pk)) == ClockState.LATE


def test_it_moves_the_handling_deadline_by_an_approved_extension(d: District) -> None:
    with time_machine.travel(local(2026, 1, 5), tick=False):
        case = walk(d, register(d, type=CaseType.APPEAL, category="wages-arrears"), State.HANDLING)
        handle = CaseClock.objects.get(case=case, kind=ClockKind.HANDLE)
        assert handle.due_date == dt.date(2026, 3, 6)  # 5 Jan + 60 days
        s.case_request_extension(actor=d.officer, case=case, expected_version=case.version, days=30, reason="需要补充调查")
        s.case_decide_extension(actor=d.head, case=fresh(case), expected_version=fresh(case).version, approve=True)
    assert CaseClock.objects.get(pk=handle.pk).due_date == dt.date(2026, 4, 7)  # 5 Jan + 90 = Sun 5 Apr -> Qingming Mon 6 -> Tue 7


def test_it_flags_an_overdue_case_on_the_next_transition(d: District) -> None:
    with time_machine.travel(local(2026, 3, 2), tick=False):
        case = register(d)
    with time_machine.travel(local(2026, 3, 25), tick=False):
        s.case_add_note(actor=d.intake, case=case, expected_version=case.version, text="催办")
    assert fresh(case).is_overdue
