"""New cases are queued in the registration's transaction (``NewCase``) and indexed and given
their kept suggestion in batches by one debounced job (``drain_new_cases``), with a number
of queries that does not grow with the batch."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from huey.contrib.djhuey import HUEY

from accounts.testing import District
from cases import services as cs
from cases.models import Case, CaseType, Channel
from lib.triage import dedup
from triage import services, signals, tasks
from triage.models import CaseBandKey, CaseFingerprint, NewCase, SuggestionLog
from triage.tests.helpers import invented, new_case

pytestmark = pytest.mark.django_db

LIFT = ("小区电梯又坏了", "幸福里小区3栋电梯经常停运，上周还困人，请督促维保单位尽快修好。")


@pytest.fixture(autouse=True)
def _cache() -> None:
    cache.clear()
    yield
    cache.clear()


def register_many(d: District, n: int, seed: int = 0) -> list[Case]:
    """``n`` cases registered without running their after-commit hooks: they stay queued."""
    import random

    rng = random.Random(seed)
    cats = ["air-fumes", "water-outage", "wages-arrears", "noise-business"]
    out = []
    for i in range(n):
        title, content = invented(cats[i % len(cats)], rng)
        out.append(new_case(d, title, content, channel=Channel.WEB, actor=None))
    return out


def assert_done(cases: list[Case]) -> None:
    ids = [c.pk for c in cases]
    assert not NewCase.objects.filter(case_id__in=ids).exists()
    assert CaseFingerprint.objects.filter(case_id__in=ids).count() == len(ids)
    assert CaseBandKey.objects.filter(case_id__in=ids).count() == len(ids) * dedup.BANDS
    assert SuggestionLog.objects.filter(case_id__in=ids).count() == len(ids)


def test_a_registration_queues_its_case_in_its_own_transaction(d: District, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = new_case(d, *LIFT)
    assert NewCase.objects.filter(case=case).exists()
    assert not CaseFingerprint.objects.filter(case=case).exists() and not SuggestionLog.objects.filter(case=case).exists()
    assert len(callbacks) >= 1  # the wake-up, after the commit
    # a registration that rolls back leaves no queue row behind
    before = NewCase.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        new_case(d, *LIFT)
        assert NewCase.objects.count() == before + 1
        raise RuntimeError("rolled back")
    assert NewCase.objects.count() == before
    # the wake-up (huey immediate in tests) drains the queue
    for callback in callbacks:
        callback()
    assert_done([case])


def test_the_drain_does_a_batch_with_a_number_of_queries_that_does_not_grow(d: District) -> None:
    register_many(d, 1, seed=0)
    services.index_and_suggest_new()  # warms the per-process copy of rules and categories
    counts = []
    for n, seed in ((3, 1), (12, 2)):
        cases = register_many(d, n, seed=seed)
        with CaptureQueriesContext(connection) as ctx:
            assert services.index_and_suggest_new() == n
        assert_done(cases)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 10, counts  # take (2 on SQLite), cases, index (3), suggestions (2)
    kept = SuggestionLog.objects.filter(case_id=cases[0].pk).get()
    assert kept.source == services.REGISTRATION_SOURCE and kept.user is None and kept.status
    # the same outcome as the per-case service: PENDING with suggestions, NONE without
    assert kept.outcome == (SuggestionLog.Outcome.PENDING if kept.suggestions else SuggestionLog.Outcome.NONE)


def test_a_batch_larger_than_the_batch_size_is_done_in_several(d: District) -> None:
    cases = register_many(d, 5)
    assert services.index_and_suggest_new(batch=2) == 5
    assert_done(cases)


def test_the_registering_users_suggestions_are_settled_with_their_case(d: District) -> None:
    services.suggest(title=LIFT[0], content=LIFT[1], user=d.intake)
    assert SuggestionLog.objects.filter(user=d.intake, case__isnull=True).count() == 1
    staff = new_case(d, *LIFT, category="housing-elevator")
    # a second case of the same officer in the same batch (no suggestions looked at for it)
    second = new_case(d, "夜宵摊噪音扰民", "幸福里小区门口夜宵摊每晚吵到凌晨，音响声音很大，居民无法休息。")
    portal = register_many(d, 2)
    assert services.index_and_suggest_new() == 4
    row = SuggestionLog.objects.get(case=staff)
    assert row.user == d.intake and row.source == "form"
    assert row.outcome == SuggestionLog.Outcome.ACCEPTED and row.chosen_rank == 1 and row.decided_at is not None
    other = SuggestionLog.objects.get(case=second)
    assert other.user is None and other.source == services.REGISTRATION_SOURCE
    assert_done([staff, second, *portal])


def test_suggestions_looked_at_after_a_case_was_registered_are_not_settled_with_it(d: District) -> None:
    """The drain runs late: the officer's pending row is already about the next case."""
    earlier = new_case(d, *LIFT, category="housing-elevator")
    services.suggest(title="瑞丰服装厂拖欠工资", content="瑞丰服装厂已经拖欠我们四个月工资了，请劳动部门帮忙。", user=d.intake)
    services.index_and_suggest_new()
    assert SuggestionLog.objects.get(case=earlier).source == services.REGISTRATION_SOURCE
    assert SuggestionLog.objects.filter(user=d.intake, case__isnull=True, outcome=SuggestionLog.Outcome.PENDING).count() == 1


def test_a_row_left_from_a_form_never_sent_does_not_land_on_another_case(d: District) -> None:
    """The officer looked at suggestions for one text and never registered it (or the last
    request came after the POST); their next case, another matter, gets its own suggestion."""
    services.suggest(title="瑞丰服装厂拖欠工资", content="瑞丰服装厂已经拖欠我们四个月工资了，请劳动部门帮忙。", user=d.intake)
    case = new_case(d, *LIFT, category="housing-elevator")
    services.index_and_suggest_new()
    kept = SuggestionLog.objects.get(case=case)
    assert kept.source == services.REGISTRATION_SOURCE and kept.user_id is None
    assert SuggestionLog.objects.filter(user=d.intake, case__isnull=True, outcome=SuggestionLog.Outcome.PENDING).count() == 1


def test_a_review_request_gets_no_suggestion(d: District) -> None:
    case = register_many(d, 1)[0]
    Case.objects.filter(pk=case.pk).update(level="review")
    services.index_and_suggest_new()
    assert CaseFingerprint.objects.filter(case=case).exists() and not SuggestionLog.objects.filter(case=case).exists()


def test_a_case_indexed_meanwhile_is_not_indexed_twice_and_the_drain_is_idempotent(d: District) -> None:
    cases = register_many(d, 3)
    services.case_index(case=cases[1])  # a backfill run got there first
    services.suggestion_for_case(case=cases[2])  # a job of an earlier release too
    assert services.index_and_suggest_new() == 3
    assert_done(cases)
    assert services.index_and_suggest_new() == 0
    # queued again (it cannot happen, but nothing is duplicated)
    NewCase.objects.bulk_create([NewCase(case_id=c.pk) for c in cases])
    assert services.index_and_suggest_new() == 3
    assert_done(cases)
    assert CaseFingerprint.objects.count() == CaseFingerprint.objects.values("case").distinct().count()


def test_a_poisoned_case_does_not_block_the_queue(d: District, monkeypatch: pytest.MonkeyPatch, caplog: Any) -> None:
    cases = register_many(d, 4)
    poisoned = cases[1]
    real = services.fingerprint_of

    def fingerprint_of(title: str, *args: Any, **kwargs: Any) -> Any:
        if title == poisoned.title:
            raise RuntimeError("poisoned")
        return real(title, *args, **kwargs)

    monkeypatch.setattr(services, "fingerprint_of", fingerprint_of)
    with caplog.at_level(logging.ERROR):
        assert services.index_and_suggest_new() == 4
    assert any("one by one" in r.getMessage() for r in caplog.records)
    assert any("case_index_new failed" in r.getMessage() for r in caplog.records)
    others = [c for c in cases if c.pk != poisoned.pk and c.title != poisoned.title]
    assert_done(others)
    # the poisoned case left the queue with its suggestion; index_backfill will retry its index
    assert not NewCase.objects.exists()
    assert SuggestionLog.objects.filter(case=poisoned).exists() and not CaseFingerprint.objects.filter(case=poisoned).exists()


def test_the_task_never_raises(d: District, monkeypatch: pytest.MonkeyPatch, caplog: Any) -> None:
    register_many(d, 1)

    def broken(batch: int) -> list[int]:
        raise RuntimeError("database is down")

    monkeypatch.setattr(services, "_new_cases_take", broken)
    with caplog.at_level(logging.ERROR):
        assert tasks.drain_new_cases.call_local() == 0
    assert NewCase.objects.count() == 1  # still queued for the next run
    monkeypatch.undo()
    assert tasks.drain_new_cases_periodic.call_local() == 1
    assert not NewCase.objects.exists()


@pytest.fixture
def queued_jobs(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Huey as in production (not immediate); the jobs queued are recorded, not run."""
    jobs: list[Any] = []
    monkeypatch.setattr(tasks.drain_new_cases, "schedule", lambda *a, **kw: jobs.append(kw))
    monkeypatch.setattr(signals, "_scheduled_until", 0.0)  # no drain queued by this process
    was = HUEY.immediate
    HUEY.immediate = False
    yield jobs
    HUEY.immediate = was


def test_the_wake_up_is_debounced(
    d: District, queued_jobs: list[Any], django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def register() -> Case:
        with django_capture_on_commit_callbacks(execute=True):
            return cs.case_register(
                actor=None, channel=Channel.WEB, type=CaseType.COMPLAINT, title=LIFT[0], content=LIFT[1], anonymous=True
            )

    first, second = register(), register()
    assert queued_jobs == [{"delay": 1}]  # one job for both
    assert NewCase.objects.filter(case__in=[first, second]).count() == 2
    # the job starts (a second later at the earliest): from then on a registration wakes another one
    later = time.monotonic() + 1.0
    monkeypatch.setattr(signals.time, "monotonic", lambda: later)
    assert services.index_and_suggest_new() == 2
    assert_done([first, second])
    third = register()
    assert len(queued_jobs) == 2 and NewCase.objects.filter(case=third).exists()
