"""Real processes for the fault tests (ops/tests/test_faults.py): a throwaway PostgreSQL
cluster on a free loopback port, gunicorn serving Minsheng, a huey consumer, and a small
HTTP client. Everything binds to 127.0.0.1, lives under a temporary directory, has a
timeout, and is stopped by the fixtures that start it."""

from __future__ import annotations

import glob
import http.client
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
IS_ROOT = os.geteuid() == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in Path(p).parent.name.split(".") if x.isdigit()])
    return Path(found[-1]) if found else None


def wait_for(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# --------------------------------------------------------------------------- PostgreSQL


class PgCluster:
    """initdb + pg_ctl under ``base``; as root the server runs as the postgres user."""

    def __init__(self) -> None:
        bindir = pg_bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
        self.bin = bindir
        # Its own directory under /tmp (pytest's are private to root, and the server runs as postgres).
        base = Path(tempfile.mkdtemp(prefix="minsheng-fault-pg-"))
        self.base = base
        self.data = base / "data"
        self.log = base / "postgres.log"
        self.port = free_port()
        base.mkdir(parents=True, exist_ok=True)
        base.chmod(0o755)
        if IS_ROOT:
            shutil.chown(base, "postgres")
        self._run(f"{self.bin}/initdb -D {self.data} -A trust -U postgres -E UTF8 --no-sync >/dev/null", timeout=120)
        self.start()

    def _run(self, command: str, timeout: float = 60) -> None:
        argv = ["su", "postgres", "-c", command] if IS_ROOT else ["bash", "-c", command]
        subprocess.run(argv, check=True, timeout=timeout, stdout=subprocess.DEVNULL)

    def _ctl(self, action: str, *extra: str, timeout: float = 60) -> None:
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off -c log_min_messages=warning"
        cmd = f"{self.bin}/pg_ctl -D {self.data} -l {self.log} -w -t {int(timeout)} {' '.join(extra)} -o {shlex.quote(options)} {action}"
        self._run(cmd, timeout=timeout + 10)

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        try:
            self._run(f"{self.bin}/pg_ctl -D {self.data} -m immediate -w stop >/dev/null 2>&1 || true", timeout=60)
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def url(self, db: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def connect(self, db: str = "postgres") -> Any:
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=db, autocommit=True, connect_timeout=5)

    def sql(self, query: str, db: str = "postgres", params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.connect(db) as conn:
            cur = conn.execute(query, params or None)
            return cur.fetchall() if cur.description else []

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


# --------------------------------------------------------------------------- the app


def app_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """Production-like settings (DEBUG off, not the test settings), all under ``var_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MINSHENG_", "DATABASE_", "HUEY_", "REDIS_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="minsheng.settings",
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_urlsafe(50),
        MINSHENG_VAR_DIR=str(var_dir),
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        HUEY_IMMEDIATE="0",
        HUEY_WORKERS="1",
        API_REQUESTS_PER_MINUTE="0",  # the load threads are one client
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 300) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


SEED = """
from accounts.models import Role
from accounts.services import api_token_issue, user_create
from accounts.testing import make_district
d = make_district()
_token, secret = api_token_issue(actor=None, user=d.intake, name="fault tests")
print("TOKEN=" + secret)
"""


def seed(env: dict[str, str]) -> str:
    """The test district and an API token of its intake officer."""
    out = manage(env, "shell", stdin=SEED)
    return next(line[6:] for line in out.splitlines() if line.startswith("TOKEN="))


class Gunicorn:
    def __init__(self, env: dict[str, str], log: Path, *, workers: int = 1, threads: int = 4, extra: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.log = log
        self._out = log.open("ab")
        self.proc = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "minsheng.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
                "--error-logfile",
                "-",
                "--log-level",
                "warning",
                "--config",
                "python:ops.tests.gunicorn_conf",
                *extra,
            ],
            env=env,
            cwd=ROOT,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: self._healthy(), 60, "gunicorn to answer /healthz", interval=0.2)

    def _healthy(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError("gunicorn exited:\n" + self.log.read_text(errors="replace")[-3000:])
        try:
            return get(self.port, "/healthz").status == 200
        except OSError:
            return False

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return sorted(int(p) for p in children.read_text().split()) if children.exists() else []

    def dump_stacks(self) -> str:
        """Every worker's thread stacks (via faulthandler, see gunicorn_conf.py)."""
        mark = self.log.stat().st_size
        for pid in self.workers():
            os.kill(pid, signal.SIGUSR2)
        time.sleep(2)
        with self.log.open("rb") as f:
            f.seek(mark)
            return f.read().decode(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._out.close()


class HueyConsumer:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "run_huey", "--no-periodic", "--workers", "1"],
            env=env,
            cwd=ROOT,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._out.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if not self._out.closed:
            self._out.close()


@dataclass
class Site:
    """One test's own database (copied from the migrated template), var dir and token."""

    pg: PgCluster
    db: str
    var: Path
    env: dict[str, str]
    token: str


@contextmanager
def site(pg: PgCluster, template: str, token: str, tmp: Path, **extra_env: str) -> Iterator[Site]:
    db = "t_" + uuid.uuid4().hex[:12]
    pg.sql(f'CREATE DATABASE "{db}" TEMPLATE "{template}"')
    var = tmp / "var"
    var.mkdir(parents=True, exist_ok=True)
    try:
        yield Site(pg=pg, db=db, var=var, env=app_env(pg.url(db), var, **extra_env), token=token)
    finally:
        pg.sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


# --------------------------------------------------------------------------- HTTP


@dataclass
class Answer:
    status: int  # 0: no answer (connection refused, reset or closed)
    content_type: str = ""
    body: bytes = b""
    error: str = ""

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    port: int, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 20
) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return Answer(r.status, r.getheader("Content-Type", ""), r.read())
    except (OSError, http.client.HTTPException) as exc:
        return Answer(0, error=f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


def get(port: int, path: str, token: str = "") -> Answer:
    return request(port, "GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})


def post_json(port: int, path: str, token: str, payload: dict[str, Any]) -> Answer:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return request(port, "POST", path, body=json.dumps(payload).encode(), headers=headers)


def post_file(port: int, path: str, token: str, fields: dict[str, str], name: str, data: bytes, content_type: str) -> Answer:
    boundary = "faultkit" + uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"}
    return request(port, "POST", path, body=body, headers=headers)


def case_payload(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "channel": "phone",
        "type": "complaint",
        "title": f"故障测试 第{i}件：路灯不亮",
        "content": "小区门口的路灯已经坏了一周，晚上出行不便。",
        "complainants": [{"name": "王芳", "phone": "13812345678"}],
        **extra,
    }
