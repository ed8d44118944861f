from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.demo import build_demo_district
from accounts.models import User
from cases.demo import load_demo
from cases.models import FINISHED_STATES, OPEN_STATES, Case, CaseClock, CaseEvent, State
from cases.numbers import highest_numbers
from cases.search import tokenize
from cases.selectors import inbox, inbox_counts, search_cases
from cases.services import allocate_number

pytestmark = pytest.mark.django_db


def test_it_generates_cases_in_every_state_with_consistent_histories() -> None:
    build_demo_district()
    out = StringIO()
    load_demo(stdout=out, cases=260, seed=7)
    assert "Demo cases" in out.getvalue()
    states = dict(Case.objects.values_list("state").annotate(n=Count("id")))
    assert set(states) == set(State.values)
    assert Case.objects.filter(is_overdue=True).exists()
    for case in Case.objects.prefetch_related("events", "clocks")[:260]:
        times = [e.at for e in case.events.all()]
        assert times == sorted(times) and times[0] == case.received_at
        running = [c for c in case.clocks.all() if c.stopped_at is None]
        if case.state in FINISHED_STATES | {State.REPLIED}:
            assert all(c.kind in ("review_request", "rereview_request") for c in running), case.number
        if case.state in OPEN_STATES:
            assert running, case.number
        assert case.search_tokens == tokenize(case.number, case.title, case.content, case.reply.text if hasattr(case, "reply") else "")
    assert not CaseEvent.objects.filter(kind="note", public=True).exists()
    assert CaseClock.objects.filter(stopped_at__isnull=True, case__state=State.CLOSED).exclude(kind__in=["review_request", "rereview_request"]).count() == 0
    officer, officer2, head = (User.objects.get(username=n) for n in ("officer", "officer2", "head"))
    for state in (State.ASSIGNED, State.HANDLING, State.REPLY_PENDING, State.REPLY_APPROVED):
        assert inbox(officer, "unit_open").filter(state=state).exists()
        assert inbox(officer2, "unit_open").filter(state=state).exists()
    assert inbox_counts(head)["to_approve"] >= 3
    assert search_cases(User.objects.get(username="intake"), "噪音").items


def test_it_is_reproducible_from_the_seed() -> None:
    build_demo_district()
    load_demo(stdout=StringIO(), cases=40, seed=11)
    first = list(Case.objects.order_by("number").values_list("title", "state"))
    Case.objects.exclude(level="original").delete()
    Case.objects.all().delete()
    from cases.models import CaseNumberCounter

    CaseNumberCounter.objects.all().delete()
    load_demo(stdout=StringIO(), cases=40, seed=11)
    assert list(Case.objects.order_by("number").values_list("title", "state")) == first


def test_the_next_registration_follows_the_highest_demo_number() -> None:
    build_demo_district()
    with transaction.atomic():
        allocate_number()  # a registration before the load: this year is counting already
    load_demo(stdout=StringIO(), cases=40, seed=3)
    highest = highest_numbers()
    assert highest and sum(highest.values()) >= 40
    with transaction.atomic():
        for year, last in highest.items():
            assert allocate_number(timezone.make_aware(dt.datetime(year, 6, 1))) == f"{year}-{last + 1:06d}"
