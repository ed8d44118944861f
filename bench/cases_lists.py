"""Measure the cases module's read budgets on the current database (DESIGN.md "Budgets").

Usage (a database of your own, filled by the demo generator):

    DEBUG=1 DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python manage.py migrate
    DEBUG=1 DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python manage.py load_demo --cases 20000
    DEBUG=1 DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python bench/cases_lists.py [--runs 30]

Prints p50/p95 in milliseconds and the number of queries of: an inbox page of 50 for a
unit officer and for intake, the staff list filtered by unit and state sorted by deadline,
Chinese full-text searches, and the case page's data.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Unit, User  # noqa: E402
from cases.models import Case, State  # noqa: E402
from cases.selectors import CaseFilter, case_detail, inbox, list_cases, paginate, search_cases  # noqa: E402


def measure(name: str, fn: Callable[[], object], runs: int) -> None:
    fn()  # warm caches
    times = []
    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = len(ctx.captured_queries)
    for _i in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"{name:<48} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   queries {queries}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    total = Case.objects.count()
    print(f"{connection.vendor}, {total} cases")
    officer = User.objects.select_related("unit").get(username="officer")
    intake = User.objects.select_related("unit").get(username="intake")
    town = Unit.objects.get(code="qingshan")
    some = Case.objects.filter(current_unit=town, state=State.CLOSED).order_by("-id").first()
    measure("officer inbox, page of 50", lambda: list(paginate(inbox(officer, "unit_open"), limit=50).items), args.runs)
    measure("intake overdue inbox, page of 50", lambda: list(paginate(inbox(intake, "overdue"), limit=50).items), args.runs)
    measure(
        "list by unit+state, by deadline, page of 50",
        lambda: list_cases(intake, CaseFilter(unit=town.pk, states=[State.HANDLING, State.REPLY_PENDING]), limit=50).items,
        args.runs,
    )
    for q in ("油烟", "拖欠工资", "物业费 上调", "电梯"):
        measure(f"search “{q}”", lambda q=q: search_cases(intake, q, limit=50).items, args.runs)
    if some is not None:
        measure("case page data", lambda: case_detail(officer, Case.objects.get(pk=some.pk)), args.runs)


if __name__ == "__main__":
    main()
