"""Helpers for the tests of the production profile: a process environment as a production
start sees it, and a throwaway redis-server."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else "python3"

# Variables of the test run that a production process must not inherit.
_DROP = {"MINSHENG_TESTING", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "HUEY_IMMEDIATE"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prod_env(var_dir: Path, **overrides: str) -> dict[str, str]:
    """A good production environment on a SQLite file in ``var_dir``; ``overrides`` spoil it."""
    env = {key: value for key, value in os.environ.items() if key not in _DROP}
    env.update(
        DJANGO_SETTINGS_MODULE="minsheng.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"sqlite:///{var_dir}/minsheng.sqlite3",
        MINSHENG_VAR_DIR=str(var_dir),
        HUEY_IMMEDIATE="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


@contextmanager
def throwaway_redis(directory: Path) -> Iterator[str]:
    """Start ``redis-server --port <free> --save ''`` and yield its URL; stopped afterwards.
    ./test installs Debian's redis-server when it is missing; without it this fails."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (./test installs it: apt-get install redis-server)"
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            assert process.poll() is None, "redis-server stopped at once"
            assert time.monotonic() < deadline, "redis-server did not answer within 20 s"
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def manage(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
