"""The Redis-backed worker mode (RedisHuey), for real: a throwaway redis-server, a
migrated database file, a task enqueued by one process, a separate ``manage.py run_huey``
consumer that takes it from Redis, and its effect in the database and on disk.

The consumer is another process, so it cannot see the test run's own (in-memory or
rolled-back) database: everything here lives in a SQLite file under tmp_path."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path

import redis

from core.tests.prod_helpers import PYTHON, ROOT, manage, prod_env, throwaway_redis

ENQUEUE = """
from huey.contrib.djhuey import HUEY
from outbox.models import Delivery
from outbox.tasks import deliver
delivery = Delivery.objects.create(
    event="replied", medium="sms", recipient="13800138000",
    body="您的诉求已办理完毕，请查收书面答复。", dedupe_key="redis-worker-test",
)
deliver([delivery.pk])
print(type(HUEY).__name__, delivery.pk)
"""


def delivery_status(db: Path, pk: int) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("SELECT status FROM outbox_delivery WHERE id = ?", (pk,)).fetchone()[0])


def test_a_task_goes_through_redis_to_a_separate_consumer(tmp_path: Path) -> None:
    with throwaway_redis(tmp_path) as url:
        env = prod_env(tmp_path, REDIS_URL=url, HUEY_WORKERS="1")
        db = tmp_path / "minsheng.sqlite3"

        ready = manage("preflight", "--require-redis", env=env)
        assert ready.returncode == 0, ready.stderr
        migrated = manage("migrate", "--noinput", "-v0", env=env, timeout=900)
        assert migrated.returncode == 0, migrated.stderr[-2000:]

        # Enqueued by one process: the task waits in Redis, nothing has run it yet.
        enqueued = manage("shell", "-c", ENQUEUE, env=env)
        assert enqueued.returncode == 0, enqueued.stderr[-2000:]
        huey_class, pk_text = enqueued.stdout.split()[-2:]
        pk = int(pk_text)
        assert huey_class == "RedisHuey"
        client = redis.Redis.from_url(url)
        queues = [key for key in client.scan_iter("huey.redis.*") if client.type(key) == b"list"]
        assert sum(client.llen(key) for key in queues) == 1
        assert delivery_status(db, pk) == "queued"
        assert not (tmp_path / "sms").exists()

        # A consumer started afterwards takes it from Redis and sends the message.
        consumer = subprocess.Popen(  # noqa: S603 - our own manage.py
            [PYTHON, str(ROOT / "manage.py"), "run_huey", "--workers", "1", "--no-periodic"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 300
            while delivery_status(db, pk) != "sent":
                assert consumer.poll() is None, consumer.communicate()[0][-2000:]
                assert time.monotonic() < deadline, "the consumer did not run the task within 300 s"
                time.sleep(0.5)
        finally:
            consumer.terminate()
            log = consumer.communicate(timeout=60)[0]

        assert "outbox.tasks.deliver" in log
        assert sum(client.llen(key) for key in queues) == 0
        messages = list((tmp_path / "sms").glob("*.txt"))
        assert len(messages) == 1
        assert messages[0].read_text(encoding="utf-8") == "To: 13800138000\n\n您的诉求已办理完毕，请查收书面答复。\n"
        client.close()
