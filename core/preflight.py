"""Checks before a production start (``manage.py preflight``, gunicorn's
``deploy/gunicorn.conf.py``, ``manage.py check --deploy``).

Each problem is one line that says what is wrong and what to set; a production start
with any of them is refused. The checks: DEBUG off, a real SECRET_KEY, the database
answers, Redis answers (when REDIS_URL is set, or always with ``require_redis``).
"""

from __future__ import annotations

import os
from urllib.parse import urlparse, urlunparse

from django.conf import settings

DEVELOPMENT_KEY = "insecure-development-key-do-not-use-in-production"
# Placeholders people copy from examples; never accepted in production.
PLACEHOLDER_KEYS = {"", DEVELOPMENT_KEY, "change-me", "changeme", "secret", "minsheng", "please-change-me"}
MIN_KEY_LENGTH = 50
CONNECT_TIMEOUT_SECONDS = 5


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:300] or error.__class__.__name__


def without_password(url: str) -> str:
    """The URL for messages: the password, if any, replaced by ***."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    netloc = parsed.netloc.rsplit("@", 1)[1]
    user = parsed.username or ""
    return urlunparse(parsed._replace(netloc=f"{user}:***@{netloc}"))


def check_debug() -> str | None:
    if settings.DEBUG:
        return "DEBUG is on; a production start needs DEBUG=0 (DEBUG shows settings and stack traces to anyone)."
    return None


def check_secret_key() -> str | None:
    key = settings.SECRET_KEY or ""
    hint = "set SECRET_KEY to a long random string, e.g. the output of: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
    if key.strip().lower() in PLACEHOLDER_KEYS or key.startswith("django-insecure-"):
        return f"SECRET_KEY is the development default or a placeholder; {hint}."
    if len(key) < MIN_KEY_LENGTH or len(set(key)) < 5:
        return f"SECRET_KEY is too short or too simple ({len(key)} characters, at least {MIN_KEY_LENGTH} needed); {hint}."
    return None


def _database_label(alias: str = "default") -> str:
    db = settings.DATABASES[alias]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    host = db.get("HOST") or "local socket"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    user = f"{db['USER']}@" if db.get("USER") else ""
    return f"postgresql://{user}{host}{port}/{db['NAME']}"


def check_database(alias: str = "default", variable: str = "DATABASE_URL") -> str | None:
    from django.db import connections

    # libpq waits for ever on a host that drops packets; a refusal should come quickly.
    os.environ.setdefault("PGCONNECT_TIMEOUT", str(CONNECT_TIMEOUT_SECONDS))
    connection = connections[alias]
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any driver error means: it does not answer
        return f"the database {_database_label(alias)} does not answer ({_one_line(error)}); start it or set {variable}."
    finally:
        connection.close()
    return None


def check_reports_database() -> str | None:
    """The reports replica (REPORTS_DATABASE_URL), when one is configured."""
    alias = getattr(settings, "REPORTS_DATABASE", None)
    if not alias or alias not in settings.DATABASES:
        return None
    return check_database(alias, "REPORTS_DATABASE_URL (or unset it to read reports from the primary)")


def check_redis(*, required: bool = False) -> str | None:
    url = getattr(settings, "REDIS_URL", "") or ""
    if not url:
        if required:
            return "REDIS_URL is not set; the production profile runs its background worker on Redis: set REDIS_URL=redis://host:6379/0."
        return None
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS, socket_timeout=CONNECT_TIMEOUT_SECONDS)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:  # connection refused, bad password, bad URL ...
        return f"Redis at {without_password(url)} does not answer ({_one_line(error)}); start redis-server or set REDIS_URL."
    return None


def problems(*, require_redis: bool = False) -> list[str]:
    """Every reason to refuse a production start, one line each (empty: good to go)."""
    return [line for _code, line in coded_problems(require_redis=require_redis)]


def coded_problems(*, require_redis: bool = False) -> list[tuple[str, str]]:
    found = [
        ("minsheng.E001", check_debug()),
        ("minsheng.E002", check_secret_key()),
        ("minsheng.E003", check_database()),
        ("minsheng.E004", check_redis(required=require_redis)),
        ("minsheng.E005", check_reports_database()),
    ]
    return [(code, line) for code, line in found if line]


def deploy_checks(app_configs: object = None, **kwargs: object) -> list[object]:
    """The same checks for ``manage.py check --deploy`` (registered in core.apps), as errors."""
    from django.core.checks import Error

    return [Error(line, id=code) for code, line in coded_problems()]
