"""Profile the staff intake form's POST (register a case) in-process.

    DEBUG=1 DATABASE_URL=postgresql://postgres@127.0.0.1:5432/minsheng_intake \\
        .venv/bin/python bench/intake_profile.py [--requests 30] [--user intake] [--queries]

POSTs ``/cases/new/`` as a browser does (one complainant, a new title and text each time,
302 expected) through ``django.test.Client`` signed in as an intake officer, on the
database of ``DATABASE_URL`` (migrated, filled by ``manage.py load_demo``). Prints
p50/p95 ms per request and queries per request; with ``--queries`` the queries of one
request grouped by table and statement kind, and each query's SQL (shortened).
Cases it creates stay in the database.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from cases.models import Category  # noqa: E402

TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?([a-z_0-9]+)"?', re.I)


def form_data(i: int, category: int | None) -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    return {
        "channel": "visit",
        "type": "complaint",
        "title": f"小区门口道路积水严重 {tag}",
        "content": f"第{i}次反映：青山街道幸福小区门口道路每逢下雨积水严重，居民出行困难，请尽快处理。编号{tag}",
        "category": str(category or ""),
        "address": "青山街道幸福小区",
        "idempotency_key": uuid.uuid4().hex,
        "c-TOTAL_FORMS": "1",
        "c-INITIAL_FORMS": "0",
        "c-MIN_NUM_FORMS": "1",
        "c-MAX_NUM_FORMS": "50",
        "c-0-name": "张三",
        "c-0-phone": "13800138000",
        "c-0-id_number": "",
        "c-0-address": "",
    }


def kind(sql: str) -> str:
    head = sql.lstrip().split(None, 1)[0].upper()
    m = TABLE.search(sql)
    return f"{head:<9} {m.group(1) if m else ''}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--user", default="intake")
    ap.add_argument("--queries", action="store_true", help="print the queries of one request")
    args = ap.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    user = User.objects.get(username=args.user)
    leaf = Category.objects.filter(is_active=True, children__isnull=True).order_by("pk").first()
    client = Client()
    client.force_login(user)
    client.get("/cases/new/")
    # warm up (imports, caches, the first queries)
    for i in range(3):
        r = client.post("/cases/new/", form_data(i, leaf.pk if leaf else None))
        assert r.status_code == 302, (r.status_code, r.content[:2000])
    times: list[float] = []
    counts: list[int] = []
    last = None
    for i in range(args.requests):
        data = form_data(i, leaf.pk if leaf else None)
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            r = client.post("/cases/new/", data)
            times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 302, r.status_code
        counts.append(len(ctx.captured_queries))
        last = ctx.captured_queries
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(
        f"intake POST /cases/new/  {args.requests} requests  p50 {statistics.median(times):.1f} ms  p95 {p95:.1f} ms  queries/request {statistics.mean(counts):.1f}"
    )
    if args.queries and last:
        print("\nBy statement and table (last request):")
        for k, n in Counter(kind(q["sql"]) for q in last).most_common():
            print(f"  {n:3d}  {k}")
        print("\nQueries (last request):")
        for n, q in enumerate(last, 1):
            print(f"  {n:3d} {float(q['time']) * 1000:6.1f} ms  {q['sql'][:160]}")


if __name__ == "__main__":
    main()
