"""Load N django-helpdesk tickets in 20 queues with COPY (run inside the peer virtualenv).

    python load_tickets.py --tickets 100000 [--years 3] [--seed 7]

Idempotent: when the database already holds N tickets or more, nothing is written. Also
creates the staff account the benchmark signs in with (superuser ``staff``) and 12 other
staff users tickets are assigned to. Each ticket gets 3 follow-ups (opened, a comment, the
resolution or a reply), as a ticket of a real help desk has a few.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersite.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from helpdesk.models import Queue  # noqa: E402

QUEUES = [
    "Noise",
    "Roads",
    "Water supply",
    "Heating",
    "Property management",
    "Wages",
    "Food safety",
    "Environment",
    "Transport",
    "Schools",
    "Health",
    "Housing",
    "Urban management",
    "Markets",
    "Social security",
    "Parks",
    "Lighting",
    "Waste",
    "Planning",
    "Other",
]
WORDS = sorted(
    set(
        [
            "residents",
            "report",
            "noise",
            "from",
            "the",
            "construction",
            "site",
            "at",
            "night",
            "after",
            "ten",
            "the",
            "street",
            "lights",
            "on",
            "the",
            "east",
            "road",
            "have",
            "been",
            "broken",
            "for",
            "two",
            "weeks",
            "water",
            "pressure",
            "is",
            "low",
            "on",
            "the",
            "upper",
            "floors",
            "heating",
            "in",
            "the",
            "building",
            "is",
            "not",
            "working",
            "the",
            "property",
            "company",
            "raised",
            "the",
            "fee",
            "without",
            "a",
            "meeting",
            "wages",
            "for",
            "three",
            "months",
            "are",
            "unpaid",
            "the",
            "restaurant",
            "discharges",
            "oily",
            "smoke",
            "into",
            "the",
            "courtyard",
            "the",
            "bus",
            "stop",
            "was",
            "moved",
            "without",
            "notice",
            "garbage",
            "is",
            "not",
            "collected",
            "on",
            "time",
            "the",
            "park",
            "gate",
            "is",
            "locked",
            "early",
        ]
    )
)
PASSWORD = "peer-helpdesk-bench"


def text(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize() + "."


def copy_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    buf = io.StringIO()
    for row in rows:
        out = []
        for value in row:
            if value is None:
                out.append("\\N")
            elif isinstance(value, bool):
                out.append("t" if value else "f")
            else:
                out.append(str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", "\\n"))
        buf.write("\t".join(out) + "\n")
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(buf.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, required=True)
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=20000)
    args = parser.parse_args()

    user_model = get_user_model()
    staff, created = user_model.objects.get_or_create(
        username="staff", defaults={"email": "staff@example.invalid", "is_staff": True, "is_superuser": True}
    )
    if created:
        staff.set_password(PASSWORD)
        staff.save()
    agents = []
    agents.append(staff.pk)  # the signed-in staff member has tickets of their own, as an agent does
    for i in range(1, 12):
        agent, made = user_model.objects.get_or_create(
            username=f"agent{i}", defaults={"email": f"agent{i}@example.invalid", "is_staff": True}
        )
        agents.append(agent.pk)
    queues = []
    for i, title in enumerate(QUEUES):
        queue, _ = Queue.objects.get_or_create(slug=f"q{i:02d}", defaults={"title": title, "allow_public_submission": True})
        queues.append(queue.pk)

    have = ticket_count()
    if have >= args.tickets:
        print(f"peer: {have} tickets already loaded, nothing to do")
        return
    rng = random.Random(args.seed + have)
    now = timezone.now()
    span = dt.timedelta(days=365 * args.years)
    start = time.monotonic()
    todo = args.tickets - have
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM helpdesk_ticket")
        next_id = cursor.fetchone()[0] + 1
    # texts drawn from a pool (building 4 texts a ticket word by word would cost more than the COPY)
    pool = {size: [text(rng, *size) for _ in range(4000)] for size in ((4, 10), (40, 160), (10, 40), (10, 60))}

    def words(low: int, high: int) -> str:
        return rng.choice(pool[(low, high)])

    ticket_cols = [
        "id",
        "title",
        "created",
        "modified",
        "submitter_email",
        "status",
        "on_hold",
        "description",
        "resolution",
        "priority",
        "due_date",
        "assigned_to_id",
        "queue_id",
        "secret_key",
    ]
    followup_cols = ["date", "title", "comment", "public", "new_status", "ticket_id", "user_id"]
    # status mix of a 3-year history: most resolved or closed, recent ones open
    while todo > 0:
        n = min(args.batch, todo)
        tickets, followups = [], []
        for _ in range(n):
            tid = next_id
            next_id += 1
            created_at = now - span * (1 - (tid / max(args.tickets, 1))) - dt.timedelta(minutes=rng.randint(0, 600))
            age_days = (now - created_at).days
            recent = age_days < 30
            status = rng.choices([1, 2, 3, 4], [60, 5, 20, 15])[0] if recent else rng.choices([1, 2, 3, 4, 5], [3, 1, 16, 78, 2])[0]
            modified = min(now, created_at + dt.timedelta(hours=rng.randint(1, 24 * 20)))
            assigned = rng.choice(agents) if rng.random() < 0.85 else None
            tickets.append(
                (
                    tid,
                    words(4, 10)[:200],
                    created_at.isoformat(),
                    modified.isoformat(),
                    f"citizen{rng.randint(1, 50000)}@example.invalid",
                    status,
                    False,
                    words(40, 160),
                    words(10, 40) if status in (3, 4) else None,
                    rng.choices([1, 2, 3, 4, 5], [2, 10, 60, 20, 8])[0],
                    (created_at + dt.timedelta(days=15)).isoformat(),
                    assigned,
                    rng.choice(queues),
                    str(uuid.UUID(int=rng.getrandbits(128))),
                )
            )
            followups.append((created_at.isoformat(), "Ticket Opened", words(40, 160), True, None, tid, None))
            mid = created_at + (modified - created_at) / 2
            followups.append((mid.isoformat(), "Comment", words(10, 60), True, None, tid, assigned))
            followups.append(
                (modified.isoformat(), "Resolved" if status in (3, 4) else "Reply", words(10, 40), True, status, tid, assigned)
            )
        with transaction.atomic():
            copy_rows("helpdesk_ticket", ticket_cols, tickets)
            copy_rows("helpdesk_followup", followup_cols, followups)
        todo -= n
        print(f"peer: {args.tickets - todo} tickets ({time.monotonic() - start:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('helpdesk_ticket', 'id'), (SELECT max(id) FROM helpdesk_ticket))")
        cursor.execute("ANALYZE helpdesk_ticket")
        cursor.execute("ANALYZE helpdesk_followup")
    print(f"peer: loaded {args.tickets - have} tickets in {time.monotonic() - start:.0f} s")


def ticket_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM helpdesk_ticket")
        return cursor.fetchone()[0]


if __name__ == "__main__":
    main()
