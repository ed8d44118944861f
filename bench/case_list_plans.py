"""EXPLAIN ANALYZE of the staff case list's queries, as written now and as they were before
the scope, key-page and search changes of issue 9 (docs/performance.md, "Why the budgets
are missed", points 2 and 4).

Usage (PostgreSQL, a database of your own filled by bench/generate):

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/NAME SECRET_KEY=x DEBUG=0 \\
        .venv/bin/python bench/case_list_plans.py [--runs 5] [--plans DIR]

For the town officer (``officer``) and intake (``intake``): the inbox tab counts, the first
page of their first inbox, the first page of "all cases" by deadline, a key page 80 % down
"all cases", and a search for 油烟. Prints the median execution time of ``--runs`` EXPLAIN
ANALYZE runs, the shared buffers read and whether a table was scanned whole; ``--plans``
writes every plan to a file.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Q, QuerySet  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.scoping import is_district_wide, scope_root  # noqa: E402
from cases import selectors  # noqa: E402
from cases.access import accused_exclusion_q, cases_for_user  # noqa: E402
from cases.models import Case, CaseAssignment  # noqa: E402
from cases.selectors import CaseFilter, _encode, filter_cases, inbox, inbox_boxes, inbox_counts, list_queryset, paginate, paginate_search  # noqa: E402


def path_scope(user: User) -> QuerySet[Case]:
    """The scope as it was before: the subtree as a path pattern, the assignments as IN."""
    root = scope_root(user)
    q = Q()
    if not is_district_wide(user):
        assigned = CaseAssignment.objects.filter(is_active=True, unit__path__startswith=root.path).values("case_id")
        q = Q(current_unit__path__startswith=root.path) | Q(pk__in=assigned)
    return Case.objects.filter(q & ~accused_exclusion_q(user))


def case_sql(run: Callable[[], object]) -> list[str]:
    """The queries on the cases that ``run()`` makes (a search page may make up to four)."""
    with CaptureQueriesContext(connection) as ctx:
        run()
    return [q["sql"] for q in ctx.captured_queries if "cases_case" in q["sql"]]


def analyze(sqls: list[str], runs: int) -> tuple[float, int, list[str], str]:
    """Median over ``runs`` of the summed execution time of ``sqls``, their buffers, the
    tables read whole and the plans."""
    times, plans = [], []
    for _i in range(runs):
        plans, total = [], 0.0
        for sql in sqls:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
            total += float(re.search(r"Execution Time: ([\d.]+) ms", plans[-1]).group(1))
        times.append(total)
    buffers = 0
    for plan in plans:
        top = re.search(r"Buffers: shared hit=(\d+)(?: read=(\d+))?", plan)
        buffers += int(top.group(1)) + int(top.group(2) or 0) if top else 0
    seq = sorted({t for plan in plans for t in re.findall(r"Seq Scan on (cases_case\w*)", plan)})
    return statistics.median(times), buffers, seq, "\n\n".join(plans)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--plans", default="")
    args = parser.parse_args()
    print(f"{connection.vendor}, {Case.objects.count()} cases, {CaseAssignment.objects.count()} assignments")
    out = Path(args.plans) if args.plans else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
    for username in ("officer", "intake"):
        compare(username, args.runs, out)


def compare(username: str, runs: int, out: Path | None) -> None:
    """Print (and with ``out`` write) the before/after plans of one user's queries."""
    user = User.objects.select_related("unit").get(username=username)
    box = inbox_boxes(user)[0][0]
    keys = list(cases_for_user(user).order_by("due_key", "id").values_list("due_key", "id"))
    due, pk = keys[len(keys) * 4 // 5]
    cursor = _encode(["d", due.isoformat(), str(pk)])
    flt = CaseFilter(q="油烟")

    def before(fn: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            selectors.cases_for_user = path_scope
            try:
                return fn()
            finally:
                selectors.cases_for_user = cases_for_user

        return run

    def old_deep_page() -> object:
        qs = list_queryset(path_scope(user)).order_by("due_key", "id")
        return list(qs.filter(Q(due_key__gt=due) | Q(due_key=due, id__gt=pk))[:51])

    cases = {
        "inbox counts": (before(lambda: inbox_counts(user)), lambda: inbox_counts(user)),
        f"first page of {box}": (before(lambda: paginate(inbox(user, box), limit=50)), lambda: paginate(inbox(user, box), limit=50)),
        "first page of all": (
            lambda: paginate(list_queryset(path_scope(user)), limit=50),
            lambda: paginate(list_queryset(cases_for_user(user)), limit=50),
        ),
        "key page 80 % down all": (old_deep_page, lambda: paginate(list_queryset(cases_for_user(user)), cursor=cursor, limit=50)),
        "search 油烟, first page": (
            lambda: paginate(filter_cases(list_queryset(path_scope(user)), flt), limit=50, order="deadline"),
            lambda: paginate_search(filter_cases(list_queryset(cases_for_user(user)), flt), limit=50),
        ),
    }
    for name, (old, new) in cases.items():
        row = []
        for label, fn in (("before", old), ("after", new)):
            ms, buffers, seq, plan = analyze(case_sql(fn), runs)
            row.append(f"{label} {ms:8.2f} ms {buffers:6d} buf {len(plan.split(chr(10) + chr(10)))} q {'seq ' + ','.join(seq) if seq else ''}")
            if out:
                (out / f"{username}-{name.replace(' ', '_').replace('%', 'pc')}-{label}.txt").write_text(plan)
        print(f"{username:<8} {name:<26} " + " | ".join(row))


if __name__ == "__main__":
    main()
