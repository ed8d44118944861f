"""Typed helpers that read settings from environment variables.

Each helper fails with one clear line (``ConfigError``) that names the variable
and says what to set, instead of a traceback deep inside Django.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse


class ConfigError(SystemExit):
    """A bad setting. Exits the process with one line that says what to set."""

    def __init__(self, message: str) -> None:
        super().__init__(f"Minsheng configuration error: {message}")


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    low = value.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean; set it to 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number; set it to e.g. {default}.") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name}={number} is below the minimum {minimum}.")
    if maximum is not None and number > maximum:
        raise ConfigError(f"{name}={number} is above the maximum {maximum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


@dataclass(frozen=True)
class Database:
    engine: str
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""
    options: dict[str, str] | None = None

    def as_django(self) -> dict[str, object]:
        config: dict[str, object] = {
            "ENGINE": self.engine,
            "NAME": self.name,
            "USER": self.user,
            "PASSWORD": self.password,
            "HOST": self.host,
            "PORT": self.port,
            "ATOMIC_REQUESTS": False,
            "CONN_MAX_AGE": 0,
        }
        if self.engine == "django.db.backends.sqlite3":
            # WAL journal, a busy timeout and IMMEDIATE transactions so that the web
            # server and the worker can write at the same time without "database is locked".
            config["OPTIONS"] = {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
            }
        else:
            config["CONN_MAX_AGE"] = 60
            config["CONN_HEALTH_CHECKS"] = True
            options = dict(self.options or {})
            # No JIT compilation: it costs 10-20 ms on the larger list and count queries (cost
            # above jit_above_cost at 1 M cases) and never pays back on short OLTP queries.
            if "jit" not in options.get("options", ""):
                options["options"] = (options.get("options", "") + " -c jit=off").strip()
            config["OPTIONS"] = options
        return config


def parse_database_url(url: str, *, base_dir: Path, variable: str = "DATABASE_URL") -> Database:
    """Parse ``sqlite:///relative/path``, ``sqlite:////abs/path`` or
    ``postgres://user:password@host:port/name?sslmode=require``."""
    hint = (
        f"set {variable} to sqlite:///var/minsheng.sqlite3 or "
        "postgresql://user:password@host:5432/dbname"
    )
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "sqlite":
        raw = unquote(parsed.path)
        if parsed.netloc:
            raise ConfigError(f"{variable}={url!r} has a host part; {hint}.")
        if raw in ("", "/"):
            raise ConfigError(f"{variable}={url!r} names no file; {hint}.")
        path = Path(raw[1:])  # "/var/x" -> var/x (relative); "//abs/x" -> /abs/x
        if not path.is_absolute():
            path = base_dir / path
        return Database(engine="django.db.backends.sqlite3", name=str(path))
    if scheme in ("postgres", "postgresql", "pgsql"):
        name = unquote(parsed.path.lstrip("/"))
        if not name:
            raise ConfigError(f"{variable}={url!r} names no database; {hint}.")
        try:
            port = parsed.port
        except ValueError:
            raise ConfigError(f"{variable}={url!r} has a bad port; {hint}.") from None
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        host = unquote(parsed.hostname or "")
        if "host" in options:  # postgresql:///db?host=/var/run/postgresql
            host = options.pop("host")
        return Database(
            engine="django.db.backends.postgresql",
            name=name,
            user=unquote(parsed.username or ""),
            password=unquote(parsed.password or ""),
            host=host,
            port=str(port or ""),
            options=options or None,
        )
    raise ConfigError(f"{variable}={url!r} is not a database URL Minsheng understands; {hint}.")
