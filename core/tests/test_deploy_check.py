"""`manage.py check --deploy` with production settings (behind nginx with TLS) reports
nothing but the warnings we accept on purpose (see docs/operations.md):

- security.W005 SECURE_HSTS_INCLUDE_SUBDOMAINS: a government domain's other subdomains are
  not ours to force onto HTTPS; the operator turns it on when they are.
- security.W021 SECURE_HSTS_PRELOAD: an intranet site is not submitted to browsers' preload list.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ACCEPTED = {"security.W005", "security.W021"}
PRODUCTION = {
    "DEBUG": "0",
    "SECURE_COOKIES": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_PROXY_SSL_HEADER": "1",
    "ALLOWED_HOSTS": "minsheng.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://minsheng.example.gov.cn",
}


def _check_deploy(tmp_path: Path, extra: dict[str, str]) -> tuple[int, set[str], str]:
    # A SQLite file in tmp_path: the checks include "the database answers" (core.preflight).
    env = {k: v for k, v in os.environ.items() if k not in {"MINSHENG_TESTING", "HUEY_IMMEDIATE", "DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="minsheng.settings", SECRET_KEY=secrets.token_urlsafe(64), MINSHENG_VAR_DIR=str(tmp_path), **extra)
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "check", "--deploy", "--fail-level", "CRITICAL"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    output = result.stdout + result.stderr
    return result.returncode, set(re.findall(r"\(([a-z_]+\.[A-Z]\d{3})\)", output)), output


def test_it_passes_check_deploy_in_production_settings(tmp_path: Path) -> None:
    code, ids, output = _check_deploy(tmp_path, PRODUCTION)
    assert code == 0, output
    assert ids <= ACCEPTED, output


def test_it_is_fully_clean_with_hsts_subdomains_and_preload(tmp_path: Path) -> None:
    code, ids, output = _check_deploy(tmp_path, {**PRODUCTION, "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1", "SECURE_HSTS_PRELOAD": "1"})
    assert code == 0 and ids == set(), output


def test_it_warns_when_tls_settings_are_off(tmp_path: Path) -> None:
    """The loopback demo speaks plain HTTP: the check says so (this test fails if the check goes blind)."""
    _code, ids, output = _check_deploy(tmp_path, {"DEBUG": "0"})
    assert {"security.W004", "security.W008", "security.W016"} <= ids, output
    # the insecure session cookie: W012 names Django's SessionMiddleware, W010 the sessions app
    # (our SlidingSessionMiddleware stands in for the former)
    assert ids & {"security.W010", "security.W012"}, output
