from __future__ import annotations

from pathlib import Path

import pytest

from minsheng.env import ConfigError, env_bool, parse_database_url


def test_it_parses_sqlite_urls_relative_and_absolute() -> None:
    base = Path("/srv/minsheng")
    assert parse_database_url("sqlite:///var/db.sqlite3", base_dir=base).name == "/srv/minsheng/var/db.sqlite3"
    assert parse_database_url("sqlite:////tmp/x.sqlite3", base_dir=base).name == "/tmp/x.sqlite3"


def test_it_parses_postgres_urls() -> None:
    db = parse_database_url("postgresql://u:p%40ss@db.local:6543/minsheng?sslmode=require", base_dir=Path("/"))
    assert (db.engine, db.name, db.user, db.password, db.host, db.port) == ("django.db.backends.postgresql", "minsheng", "u", "p@ss", "db.local", "6543")
    assert db.options == {"sslmode": "require"}
    sock = parse_database_url("postgresql:///minsheng?host=/var/run/postgresql", base_dir=Path("/"))
    assert sock.host == "/var/run/postgresql" and sock.options is None


@pytest.mark.parametrize("url", ["mysql://x/y", "postgresql://host/", "sqlite://", "postgres://h:notaport/db"])
def test_it_refuses_bad_database_urls(url: str) -> None:
    with pytest.raises(ConfigError):
        parse_database_url(url, base_dir=Path("/"))


def test_it_reads_booleans_strictly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "perhaps")
    with pytest.raises(ConfigError):
        env_bool("X_FLAG", False)


def test_postgres_connections_run_without_jit_unless_told_otherwise() -> None:
    config = parse_database_url("postgresql://u@db.local/minsheng?sslmode=require", base_dir=Path("/")).as_django()
    assert config["OPTIONS"] == {"sslmode": "require", "options": "-c jit=off"}
    config = parse_database_url("postgresql://u@db.local/minsheng?options=-c%20jit%3Don", base_dir=Path("/")).as_django()
    assert config["OPTIONS"]["options"] == "-c jit=on"


@pytest.mark.django_db
def test_the_test_database_connection_has_jit_off() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
