"""Fault tests: real processes are killed, a real database restarted, a real disk filled.

Each test runs against its own throwaway PostgreSQL cluster (one per module, on a free
loopback port, so restarting it disturbs nobody), its own database copied from a migrated
template, gunicorn serving Minsheng with production settings (DEBUG off), and load from a
few threads of this process through the REST API. Bounded in requests and time; every
process is stopped by the fixture that started it. Marked ``fault``: the normal suites skip
them (``-m "not fault"``), ./test runs them in their own stage. See docs/security.md.

The intake invariants (cases/services.py ``case_register`` + ``_commit``): a case row never
exists without its *registered* timeline event, its decision clock and its
``case.register`` audit row, because all four are written in one transaction."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from files.tests.helpers import png
from ops.tests import faultkit as fk
from ops.tests.faultkit import Answer

pytestmark = [pytest.mark.fault, pytest.mark.skipif(fk.pg_bin() is None, reason="needs the PostgreSQL server binaries")]

TEMPLATE = "minsheng_template"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[fk.PgCluster, str]]:
    """A throwaway cluster holding a migrated, seeded template database; yields (cluster, token)."""
    base = Path(tmp_path_factory.mktemp("pg"))
    pg = fk.PgCluster()
    try:
        pg.sql(f'CREATE DATABASE "{TEMPLATE}"')
        (base / "var").mkdir()
        env = fk.app_env(pg.url(TEMPLATE), base / "var")
        fk.manage(env, "migrate", "--noinput", "-v0", timeout=600)
        token = fk.seed(env)
        yield pg, token
    finally:
        pg.stop()


@pytest.fixture
def site(cluster: tuple[fk.PgCluster, str], tmp_path: Path) -> Iterator[fk.Site]:
    pg, token = cluster
    with fk.site(pg, TEMPLATE, token, tmp_path) as s:
        yield s


def rows(s: fk.Site, query: str) -> list[tuple]:
    return s.pg.sql(query, db=s.db)


def broken_cases(s: fk.Site) -> list[tuple]:
    """Cases lacking their registered event, their decision clock or their audit row."""
    return rows(
        s,
        """
        SELECT c.number,
               EXISTS (SELECT 1 FROM cases_caseevent e WHERE e.case_id = c.id AND e.kind = 'registered'),
               EXISTS (SELECT 1 FROM cases_caseclock k WHERE k.case_id = c.id AND k.kind = 'decide'),
               EXISTS (SELECT 1 FROM audit_auditentry a WHERE a.action = 'case.register' AND a.object_id = c.id::text)
        FROM cases_case c
        """,
    )


def assert_intake_invariants(s: fk.Site, acknowledged: set[str]) -> int:
    cases = broken_cases(s)
    half = [c for c in cases if not all(c[1:])]
    assert half == [], f"cases without their event/clock/audit row: {half[:5]}"
    numbers = [c[0] for c in cases]
    assert len(numbers) == len(set(numbers)), "a case number was given twice"
    missing = acknowledged - set(numbers)
    assert not missing, f"acknowledged (2xx) cases missing from the database: {sorted(missing)[:5]}"
    audits = rows(s, "SELECT count(*) FROM audit_auditentry WHERE action = 'case.register'")[0][0]
    assert audits == len(numbers), "one registration audit row per case, no more"
    return len(numbers)


class Load:
    """``threads`` threads posting cases until stopped or ``limit`` requests are made."""

    def __init__(self, port: int, token: str, *, threads: int = 3, limit: int = 600, pause: float = 0.0) -> None:
        self.port, self.token, self.limit, self.pause = port, token, limit, pause
        self.answers: list[tuple[float, Answer]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._n = 0
        self._in_flight: dict[int, float] = {}
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def __enter__(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(60)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                if self._n >= self.limit:
                    return
                self._n += 1
                i = self._n
                self._in_flight[i] = time.monotonic()
            answer = fk.post_json(self.port, "/api/v1/cases", self.token, fk.case_payload(i))
            with self._lock:
                del self._in_flight[i]
                self.answers.append((time.monotonic(), answer))
            if self.pause:
                time.sleep(self.pause)

    def stuck(self, seconds: float) -> list[float]:
        """How long each request that has been waiting more than ``seconds`` has waited."""
        now = time.monotonic()
        with self._lock:
            return [round(now - t, 1) for t in self._in_flight.values() if now - t > seconds]

    def count(self, status: int | None = None) -> int:
        with self._lock:
            return sum(1 for _t, a in self.answers if status is None or a.status == status)

    def acknowledged(self) -> set[str]:
        with self._lock:
            return {a.json()["number"] for _t, a in self.answers if 200 <= a.status < 300}


def open_transactions(s: fk.Site) -> int:
    return rows(
        s,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL",
    )[0][0]


MID_TRANSACTION = "unexpected EOF on client connection with an open transaction"


def test_it_keeps_no_half_written_case_when_an_app_worker_is_killed_mid_intake(site: fk.Site) -> None:
    web = fk.Gunicorn(site.env, site.var / "gunicorn.log", workers=1, threads=4)
    try:
        with Load(web.port, site.token, threads=4, limit=1500) as load:
            fk.wait_for(lambda: load.count(201) >= 10, 180, "the first cases to register")
            kills = 0
            # SIGKILL the worker while one of its intake transactions is open; up to 8 times,
            # until PostgreSQL saw the connection vanish in the middle of a transaction.
            while kills < 8 and MID_TRANSACTION not in site.pg.log_text():
                [worker] = fk.wait_for(lambda: len(web.workers()) == 1 and web.workers(), 60, "a worker")
                fk.wait_for(lambda: open_transactions(site) > 0, 30, "an intake transaction in flight", interval=0.002)
                os.kill(worker, signal.SIGKILL)
                kills += 1
                fk.wait_for(lambda w=worker: web.workers() not in ([], [w]), 60, "gunicorn to start a new worker")
                time.sleep(0.3)
            before = load.count(201)
            fk.wait_for(lambda: load.count(201) >= before + 10, 180, "registrations after the last kill")
        assert MID_TRANSACTION in site.pg.log_text(), "no kill landed inside a transaction"
        assert load.count(0) >= 1, "no request lost its answer, so no kill hit a request in flight"
        answered = [a for _t, a in load.answers if a.status]
        assert all(a.status == 201 for a in answered), {a.status for a in answered}
        total = assert_intake_invariants(site, load.acknowledged())
        assert total >= len(load.acknowledged()) >= 20
        # The app still works with its new worker.
        assert fk.post_json(web.port, "/api/v1/cases", site.token, fk.case_payload(9999)).status == 201
    finally:
        web.stop()


def test_it_fails_cleanly_while_postgresql_restarts_and_recovers_without_an_app_restart(site: fk.Site) -> None:
    web = fk.Gunicorn(site.env, site.var / "gunicorn.log", workers=2, threads=2)
    try:
        workers = web.workers()
        with Load(web.port, site.token, threads=4, limit=3000, pause=0.01) as load:
            fk.wait_for(lambda: load.count(201) >= 20, 180, "the first cases to register")
            outage_start = time.monotonic()
            site.pg.restart()
            outage_end = time.monotonic()
            fk.wait_for(
                lambda: sum(1 for t, a in load.answers if t > outage_end and a.status == 201) >= 40, 180, "registrations after the restart"
            )
            # A request that started before the restart must have had its answer by now.
            deadline = outage_end + 60
            while load.stuck(time.monotonic() - outage_end) and time.monotonic() < deadline:
                time.sleep(0.5)
            stuck = load.stuck(time.monotonic() - outage_end)
            if stuck:
                activity = rows(
                    site, "SELECT pid, state, wait_event_type, wait_event, now() - xact_start, left(query, 120) FROM pg_stat_activity"
                )
                pytest.fail(f"requests waiting {stuck} s after the restart\n{activity}\n{web.dump_stacks()[-12000:]}")
        assert web.workers() == workers, "the same gunicorn workers serve after the restart"
        failed = [a for _t, a in load.answers if a.status != 201]
        assert failed, "the restart was not noticed by any request"
        for a in failed:
            # During the outage: 503 "try again" in the API's error shape, never a trace or a lost answer.
            assert a.status == 503, (a.status, a.error, a.body[:300])
            assert a.content_type.startswith("application/json"), a.content_type
            assert set(a.json()) == {"code", "message"} and "Traceback" not in a.body.decode(), a.body[:300]
        assert all(t >= outage_start - 1 for t, a in load.answers if a.status != 201)
        # Once PostgreSQL is back, every request succeeds again (the last 40 at least).
        assert [a.status for _t, a in load.answers[-40:]] == [201] * 40
        assert_intake_invariants(site, load.acknowledged())
    finally:
        web.stop()


def test_it_sends_nothing_twice_when_the_deadline_sweep_is_killed_mid_job_and_rerun(site: fk.Site) -> None:
    # Enough work that the sweep runs for seconds: 60 cases received 40 days ago (their
    # decision deadline long past) and 79 more intake officers, so one escalation per case
    # goes to each of 80 intake officers and the supervisor.
    setup = """
import datetime as dt
from django.utils import timezone
from accounts.models import Role, User
from accounts.services import user_create
from cases import services as svc
intake = User.objects.get(username="intake")
for i in range(79):
    user_create(actor=None, username=f"intake{i}", password=None, full_name=f"受理员{i}", unit=intake.unit, roles=[Role.INTAKE], validate=False)
received = timezone.now() - dt.timedelta(days=40)
for i in range(60):
    svc.case_register(actor=intake, channel="phone", type="complaint", title=f"逾期件{i}", content="路灯不亮。",
                      complainants=[{"name": "王芳", "phone": "13812345678"}], received_at=received)
"""
    fk.manage(site.env, "shell", stdin=setup)
    expected = 60 * 81
    enqueue = "from cases.tasks import case_deadline_sweep\ncase_deadline_sweep()\n"

    def notifications() -> tuple[int, int]:
        total, distinct = rows(site, "SELECT count(*), count(DISTINCT (user_id, dedupe_key)) FROM notifications_notification")[0]
        return total, distinct

    def sweep_query_running() -> bool:
        return bool(
            rows(
                site,
                "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND xact_start IS NOT NULL AND query LIKE '%notifications_notification%'",
            )
        )

    worker = fk.HueyConsumer(site.env, site.var / "huey-1.log")
    try:
        fk.manage(site.env, "shell", stdin=enqueue)
        fk.wait_for(sweep_query_running, 180, "the sweep to be sending notifications", interval=0.005)
        worker.kill()
    finally:
        worker.stop()
    fk.wait_for(lambda: open_transactions(site) == 0, 30, "PostgreSQL to roll the killed job back")
    assert MID_TRANSACTION in site.pg.log_text()
    assert notifications() == (0, 0), "the killed run left part of its work behind"

    for run in (2, 3):  # rerun it, then run it once more: the second changes nothing
        worker = fk.HueyConsumer(site.env, site.var / f"huey-{run}.log")
        try:
            fk.manage(site.env, "shell", stdin=enqueue)
            fk.wait_for(
                lambda log=worker.log: "executed in" in log.read_text(errors="replace"), 240, f"sweep run {run} to finish", interval=0.2
            )
        finally:
            worker.stop()
        assert notifications() == (expected, expected), run
    flags = rows(site, "SELECT count(*) FROM cases_case WHERE is_overdue")[0][0]
    assert flags == 60


def small_tmpfs(where: Path, size: str) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    if not fk.IS_ROOT:
        return False
    return (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)], capture_output=True, timeout=30
        ).returncode
        == 0
    )


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB filesystem (tmpfs) for MEDIA_ROOT: writing more gives ENOSPC."""
    mount = tmp_path / "media"
    if not small_tmpfs(mount, "64k"):
        pytest.skip("mounting a tmpfs needs root (CAP_SYS_ADMIN); this machine does not allow it")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False, timeout=30)


def files_on(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_it_refuses_an_attachment_clearly_when_the_disk_is_full_through_the_api(
    cluster: tuple[fk.PgCluster, str], tmp_path: Path, full_disk: Path
) -> None:
    pg, token = cluster
    with fk.site(pg, TEMPLATE, token, tmp_path, MEDIA_ROOT=str(full_disk)) as s:
        web = fk.Gunicorn(s.env, s.var / "gunicorn.log", workers=1, threads=2)
        try:
            made = fk.post_json(web.port, "/api/v1/cases", s.token, fk.case_payload(1))
            assert made.status == 201, made.body[:300]
            number, version = made.json()["number"], made.json()["version"]
            big = png(160, 160, noise=True)  # about 77 KB: more than the whole disk
            assert len(big) > 64 * 1024
            r = fk.post_file(
                web.port, f"/api/v1/cases/{number}/attachments", s.token, {"version": str(version)}, "现场照片.png", big, "image/png"
            )
            assert r.status == 400, (r.status, r.body[:300])
            assert "磁盘空间不足" in r.json()["message"] and "现场照片.png" in r.json()["message"]
            assert files_on(full_disk) == [], "a partial file was left on the full disk"
            assert rows(s, "SELECT count(*) FROM files_storedfile")[0][0] == 0
            assert rows(s, "SELECT count(*) FROM cases_caseattachment")[0][0] == 0
            assert rows(s, f"SELECT version FROM cases_case WHERE number = '{number}'")[0][0] == version
            # A file that fits is stored as usual: the refusal left nothing in the way.
            small = png(4, 4)
            ok = fk.post_file(
                web.port, f"/api/v1/cases/{number}/attachments", s.token, {"version": str(version)}, "小图.png", small, "image/png"
            )
            assert ok.status == 200, (ok.status, ok.body[:300])
            [stored] = files_on(full_disk)
            assert stored.read_bytes() == small
            path = rows(s, "SELECT storage_path FROM files_storedfile")[0][0]
            assert stored == full_disk / path
        finally:
            web.stop()


@pytest.mark.django_db
def test_it_refuses_an_attachment_clearly_in_chinese_on_the_case_page_when_the_disk_is_full(
    client_for, district, settings, full_disk: Path
) -> None:  # noqa: ANN001
    from cases import services as svc
    from cases.models import CaseAttachment, CaseType, Channel
    from files.models import StoredFile

    settings.MEDIA_ROOT = full_disk
    case = svc.case_register(
        actor=district.intake,
        channel=Channel.VISIT,
        type=CaseType.COMPLAINT,
        title="小区门口积水",
        content="下雨后门口积水一周。",
        complainants=[{"name": "王芳", "phone": "13812345678"}],
    )
    c = client_for("intake")
    upload = io.BytesIO(png(160, 160, noise=True))
    upload.name = "现场照片.png"
    r = c.post(f"/cases/{case.number}/act/add_attachment/", {"version": case.version, "upload": upload, "description": ""})
    page = r.content.decode()
    assert r.status_code == 422, r.status_code
    assert "服务器磁盘空间不足，“现场照片.png”未能保存" in page
    assert not CaseAttachment.objects.exists() and not StoredFile.objects.exists()
    assert files_on(full_disk) == []
