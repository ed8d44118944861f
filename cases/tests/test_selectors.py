from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.testing import District
from cases import services as s
from cases.models import Case, State
from cases.selectors import CaseFilter, case_detail, inbox, inbox_counts, list_cases, paginate, search_cases
from cases.tests.helpers import fresh, local, register, walk

pytestmark = pytest.mark.django_db


def test_it_finds_chinese_text_in_title_content_and_reply(d: District) -> None:
    noise = register(d, title="广场舞音响声过大", content="每天晚上七点小区广场舞音箱开得很大。")
    wages = register(d, title="公司拖欠工资三个月", content="瑞丰服装厂以资金周转困难为由拖欠工资。", category="wages-arrears", type="appeal")
    replied = walk(d, register(d, title="路灯不亮", content="建设路路灯多处不亮。", category="municipal-light"), State.REPLY_PENDING)
    ids = lambda q: {c.pk for c in search_cases(d.intake, q).items}  # noqa: E731
    assert ids("广场舞") == {noise.pk}
    assert ids("拖欠工资") == {wages.pk}
    assert ids("资金周转") == {wages.pk}
    assert ids("油烟净化设备") == {replied.pk}  # the reply text from the helpers
    assert ids("瑞丰 工资") == {wages.pk}
    assert ids("广场舞 工资") == set()
    assert ids("扰民广场") == set()
    assert ids(noise.number) == {noise.pk}
    assert wages.pk in ids("拖")  # a lone character matches as a prefix
    assert ids("!!!") >= {noise.pk, wages.pk, replied.pk}  # no terms: no filter
    # search respects scope
    assert {c.pk for c in search_cases(d.officer, "路灯").items} == {replied.pk}
    assert {c.pk for c in search_cases(d.officer2, "路灯").items} == set()


def test_it_pages_by_key_without_gaps_or_repeats(d: District) -> None:
    made = []
    for day in range(1, 8):
        with time_machine.travel(local(2026, 3, day), tick=False):
            made += [register(d, title=f"第{day}天第{i}件") for i in range(3)]
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = list_cases(d.intake, cursor=cursor, limit=4)
        seen += [c.pk for c in page.items]
        pages += 1
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(c.pk for c in made) and len(seen) == len(set(seen)) and pages == 6
    dues = [Case.objects.get(pk=pk).due_key for pk in seen]
    assert dues == sorted(dues)
    newest = list_cases(d.intake, order="newest", limit=5)
    second = list_cases(d.intake, order="newest", limit=5, cursor=newest.next_cursor)
    assert [c.received_at for c in newest.items + second.items] == sorted((c.received_at for c in newest.items + second.items), reverse=True)
    with pytest.raises(ValidationError):
        paginate(Case.objects.all(), cursor="not-a-cursor")


def test_it_filters_by_state_type_unit_channel_and_overdue(d: District) -> None:
    a = walk(d, register(d), State.HANDLING)
    b = register(d, type="suggestion", channel="letter")
    assert [c.pk for c in list_cases(d.intake, CaseFilter(states=[State.HANDLING])).items] == [a.pk]
    assert [c.pk for c in list_cases(d.intake, CaseFilter(type="suggestion")).items] == [b.pk]
    assert [c.pk for c in list_cases(d.intake, CaseFilter(channel="letter")).items] == [b.pk]
    assert [c.pk for c in list_cases(d.intake, CaseFilter(unit=d.town_a.pk)).items] == [a.pk]
    from cases.models import Category

    environment = Category.objects.get(code="environment")
    assert {c.pk for c in list_cases(d.intake, CaseFilter(category=environment.pk)).items} == {a.pk, b.pk}
    assert list_cases(d.intake, CaseFilter(category=Category.objects.get(code="wages").pk)).items == []
    assert list_cases(d.intake, CaseFilter(overdue=True)).items == []
    with pytest.raises(ValidationError):
        list_cases(d.intake, CaseFilter(states=["limbo"]))


def test_it_fills_each_personas_inbox(d: District) -> None:
    to_decide = register(d)
    handling = walk(d, register(d), State.HANDLING)
    pending = walk(d, register(d), State.REPLY_PENDING)
    replied = walk(d, register(d), State.REPLIED)
    assert list(inbox(d.intake, "to_decide")) == [to_decide]
    assert set(inbox(d.officer, "unit_open")) == {handling, pending}
    assert list(inbox(d.head, "to_approve")) == [pending]
    assert list(inbox(d.officer2, "unit_open")) == []
    assert list(inbox(d.followup, "to_follow_up")) == [replied]
    assert list(inbox(d.officer, "to_decide")) == []  # not their box
    s.case_request_extension(actor=d.officer, case=handling, expected_version=handling.version, days=10, reason="调查")
    assert set(inbox(d.head, "to_approve")) == {pending, handling}
    assert inbox_counts(d.head) == {"unit_open": 2, "to_approve": 2, "overdue": 0}
    assert inbox_counts(d.intake)["to_decide"] == 1


def test_it_reads_an_inbox_page_in_one_query(d: District, django_assert_num_queries) -> None:  # noqa: ANN001
    """One query for a page of any length (after the user's roles and unit chain are loaded)."""
    for _i in range(6):
        walk(d, register(d), State.HANDLING)
    for user, box in ((d.officer, "unit_open"), (d.intake, "overdue"), (d.head, "to_approve"), (d.supervisor, "overdue"), (d.intake, "to_decide")):
        user = type(user).objects.select_related("unit").get(pk=user.pk)
        _warm = user.role_set, list(inbox(user, box)[:1])
        for limit in (2, 5):
            with django_assert_num_queries(1):
                page = paginate(inbox(user, box), limit=limit)
                [(c.category, c.current_unit, c.town) for c in page.items]
    user = type(d.intake).objects.select_related("unit").get(pk=d.intake.pk)
    _warm = user.role_set, inbox_counts(user)
    with django_assert_num_queries(1):
        inbox_counts(user)


def test_it_reads_the_case_page_in_a_fixed_number_of_queries(d: District, django_assert_max_num_queries) -> None:  # noqa: ANN001
    case = walk(d, register(d), State.CLOSED)
    user = type(d.officer).objects.select_related("unit").get(pk=d.officer.pk)
    _warm = user.role_set
    with django_assert_max_num_queries(20):
        detail = case_detail(user, fresh(case))
    assert detail.identity == "plain" and len(detail.timeline) >= 8 and detail.reply is not None


def test_it_pages_a_search_newest_first_across_its_time_windows(d: District) -> None:
    """A search is read a window of receipt time at a time (3, 30, 240, 1,920 days, then all):
    the pages are the same as sorting every match, old cases included."""
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    made = []
    for days in (0, 1, 20, 45, 100, 300, 700, 2500, 2600):
        with time_machine.travel(now - dt.timedelta(days=days)):
            made.append(register(d, title=f"翠湖苑停水（{days}天前）", content="翠湖苑突然停水。"))
    register(d, title="路灯不亮", content="建设路路灯多处不亮。")
    expected = [c.number for c in sorted(made, key=lambda c: (c.received_at, c.pk), reverse=True)]
    got, cursor = [], None
    while True:
        page = list_cases(d.intake, CaseFilter(q="停水"), cursor=cursor, limit=2, order="deadline")
        got += [c.number for c in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert got == expected
    assert [c.number for c in search_cases(d.intake, "停水", limit=50).items] == expected
