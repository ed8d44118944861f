"""A production start refuses DEBUG on, a default or short SECRET_KEY, a database or a
Redis that does not answer: each with one clear line and a non-zero exit, no traceback.
Real processes (manage.py preflight, gunicorn with deploy/gunicorn.conf.py, check --deploy)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from core.tests.prod_helpers import ROOT, free_port, manage, prod_env

PREFIX = "Minsheng refuses to start: "


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def refused(result: subprocess.CompletedProcess[str]) -> str:
    """The one line of a refusal (asserts exit status 2, nothing else on stderr, no traceback)."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    found = lines(result.stderr)
    assert len(found) == 1, found
    assert found[0].startswith(PREFIX)
    return found[0]


def test_a_good_configuration_passes(tmp_path: Path) -> None:
    result = manage("preflight", "-v2", env=prod_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "ready for production" in result.stdout


def test_debug_on_is_refused(tmp_path: Path) -> None:
    line = refused(manage("preflight", env=prod_env(tmp_path, DEBUG="1")))
    assert "DEBUG is on" in line and "DEBUG=0" in line


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("insecure-development-key-do-not-use-in-production", "development default"),
        ("change-me", "development default or a placeholder"),
        ("short-key-1234", "too short"),
        ("a" * 60, "too simple"),
    ],
)
def test_a_default_or_short_secret_key_is_refused(tmp_path: Path, key: str, says: str) -> None:
    line = refused(manage("preflight", env=prod_env(tmp_path, SECRET_KEY=key)))
    assert "SECRET_KEY" in line and says in line


def test_an_unreachable_database_is_refused(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    line = refused(manage("preflight", env=prod_env(tmp_path, DATABASE_URL=f"postgresql://minsheng:pw@127.0.0.1:{port}/minsheng")))
    assert f"the database postgresql://minsheng@127.0.0.1:{port}/minsheng does not answer" in line
    assert "set DATABASE_URL" in line and ":pw@" not in line


def test_an_unreachable_reports_replica_is_refused(tmp_path: Path) -> None:
    port = free_port()
    env = prod_env(tmp_path, REPORTS_DATABASE_URL=f"postgresql://minsheng_ro:pw@127.0.0.1:{port}/minsheng")
    line = refused(manage("preflight", env=env))
    assert f"the database postgresql://minsheng_ro@127.0.0.1:{port}/minsheng does not answer" in line
    assert "REPORTS_DATABASE_URL" in line and ":pw@" not in line


def test_an_unreachable_redis_is_refused(tmp_path: Path) -> None:
    port = free_port()
    line = refused(manage("preflight", env=prod_env(tmp_path, REDIS_URL=f"redis://:secretpw@127.0.0.1:{port}/0")))
    assert f"Redis at redis://:***@127.0.0.1:{port}/0 does not answer" in line
    assert "secretpw" not in line


def test_the_production_profile_needs_redis(tmp_path: Path) -> None:
    line = refused(manage("preflight", "--require-redis", env=prod_env(tmp_path)))
    assert "REDIS_URL is not set" in line


def test_gunicorn_with_the_deploy_config_refuses_to_start(tmp_path: Path) -> None:
    port = free_port()
    env = prod_env(tmp_path, DEBUG="1", GUNICORN_BIND=f"127.0.0.1:{port}", WEB_WORKERS="1", MINSHENG_REQUIRE_REDIS="0")
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    line = refused(result)
    assert "DEBUG is on" in line


def test_check_deploy_reports_the_same_refusals(tmp_path: Path) -> None:
    result = manage("check", "--deploy", env=prod_env(tmp_path, DEBUG="1"))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert [line for line in lines(result.stderr) if "minsheng.E" in line] == [
        "?: (minsheng.E001) DEBUG is on; a production start needs DEBUG=0 (DEBUG shows settings and stack traces to anyone)."
    ]
