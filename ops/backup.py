"""Backup and restore: one .tar with the database dump, the uploaded files and a
manifest (app version, engine, SHA-256 of every member).

SQLite is copied with sqlite3's online backup API (consistent while the app runs);
PostgreSQL with ``pg_dump --format=custom`` and restored with ``pg_restore``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connection

from minsheng.env import parse_database_url

FORMAT = 1
MANIFEST = "manifest.json"
DB_SQLITE = "database.sqlite3"
DB_PG = "database.pgdump"
FILES_DIR = "files"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


@dataclass(frozen=True)
class Target:
    """Where a restore writes: a database (Django settings dict shape) and a media folder."""

    db: dict[str, Any]
    media_root: Path
    is_default: bool

    @property
    def engine(self) -> str:
        return "postgresql" if "postgresql" in self.db["ENGINE"] else "sqlite"


def app_version() -> str:
    try:
        from importlib.metadata import version

        return version("minsheng")
    except Exception:  # noqa: BLE001 - not installed as a package: read pyproject.toml
        import tomllib

        data = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())
        return str(data.get("project", {}).get("version", "unknown"))


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def pg_binary(name: str) -> str:
    """pg_dump / pg_restore from PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if candidates:
        return str(candidates[-1])
    raise BackupError(f"{name} was not found on PATH or under /usr/lib/postgresql/*/bin; install the PostgreSQL client tools.")


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed binaries, no shell
    if result.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed ({result.returncode}): {result.stderr.strip()[:2000]}")


def _media_files(root: Path) -> Iterator[tuple[Path, str]]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, path.relative_to(root).as_posix()


# --- backup -------------------------------------------------------------------------


def backup_create(*, output_dir: Path) -> Path:
    """Write a backup archive of the configured database and MEDIA_ROOT into output_dir."""
    output_dir.mkdir(parents=True, exist_ok=True)
    db = connection.settings_dict
    engine = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = output_dir / f"minsheng-backup-{stamp}.tar"
    partial = final.with_suffix(".tar.partial")
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="minsheng-backup-") as tmp:
        if engine == "sqlite":
            dump = Path(tmp) / DB_SQLITE
            connection.ensure_connection()
            dest = sqlite3.connect(dump)
            try:
                connection.connection.backup(dest)
            finally:
                dest.close()
        else:
            dump = Path(tmp) / DB_PG
            _run(
                [pg_binary("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}", f"--dbname={db['NAME']}"],
                _pg_env(db),
            )
        checksums: dict[str, str] = {dump.name: _sha256_file(dump)}
        with tarfile.open(partial, "w") as tar:
            tar.add(dump, arcname=dump.name)
            for path, rel in _media_files(media_root):
                name = f"{FILES_DIR}/{rel}"
                checksums[name] = _sha256_file(path)
                tar.add(path, arcname=name, recursive=False)
            manifest = {
                "format": FORMAT,
                "app": "minsheng",
                "app_version": app_version(),
                "created_at": dt.datetime.now(dt.UTC).isoformat(),
                "engine": engine,
                "database": dump.name,
                "files": len(checksums) - 1,
                "sha256": checksums,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
    partial.replace(final)
    return final


# --- restore ------------------------------------------------------------------------


def target_for(*, database_url: str | None = None, media_root: str | None = None) -> Target:
    if database_url:
        db = parse_database_url(database_url, base_dir=Path(settings.BASE_DIR)).as_django()
        is_default = False
    else:
        db = dict(connection.settings_dict)
        is_default = True
    return Target(db=db, media_root=Path(media_root) if media_root else Path(settings.MEDIA_ROOT), is_default=is_default)


def read_archive(archive: Path, into: Path) -> dict[str, Any]:
    """Extract the archive into a folder after checking its members; verify every checksum."""
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist.")
    try:
        tar = tarfile.open(archive, "r")  # noqa: SIM115 - closed by the with below
    except tarfile.TarError as exc:
        raise BackupError(f"{archive} is not a backup archive: {exc}") from None
    with tar:
        members = tar.getmembers()
        names = {m.name for m in members}
        if MANIFEST not in names:
            raise BackupError(f"{archive} has no {MANIFEST}; it is not a Minsheng backup.")
        for member in members:
            pure = PurePosixPath(member.name)
            if not member.isfile() or pure.is_absolute() or ".." in pure.parts:
                raise BackupError(f"{archive} holds an unexpected member {member.name!r}; refusing it.")
        tar.extractall(into, filter="data")
    manifest = json.loads((into / MANIFEST).read_text())
    if manifest.get("format") != FORMAT or manifest.get("app") != "minsheng":
        raise BackupError(f"{archive} has an unknown manifest format.")
    expected: dict[str, str] = manifest["sha256"]
    extra = names - set(expected) - {MANIFEST}
    missing = set(expected) - names
    if extra or missing:
        raise BackupError(f"The archive does not match its manifest (missing: {sorted(missing)[:5]}, not listed: {sorted(extra)[:5]}).")
    for name, digest in expected.items():
        if _sha256_file(into / name) != digest:
            raise BackupError(f"Checksum mismatch for {name}: the archive is damaged.")
    return manifest


def target_is_empty(target: Target) -> bool:
    """Empty = no tables in the database and no files in the media folder."""
    if any(True for _ in _media_files(target.media_root)):
        return False
    if target.engine == "sqlite":
        if target.is_default:
            with connection.cursor() as cursor:
                return not connection.introspection.table_names(cursor)
        path = Path(str(target.db["NAME"]))
        if not path.exists():
            return True
        conn = sqlite3.connect(path)
        try:
            return conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0] == 0
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(**_pg_kwargs(target.db)) as conn:
        row = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        return bool(row and row[0] == 0)


def _pg_kwargs(db: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"dbname": db["NAME"]}
    for key, arg in (("USER", "user"), ("PASSWORD", "password"), ("HOST", "host"), ("PORT", "port")):
        if db.get(key):
            kwargs[arg] = db[key]
    kwargs.update(db.get("OPTIONS") or {})
    return kwargs


def restore_archive(*, archive: Path, target: Target, force: bool = False) -> dict[str, Any]:
    """Restore an archive into the target. Refuses a non-empty target unless force; with
    force the target's tables are replaced and its old files are moved aside."""
    with tempfile.TemporaryDirectory(prefix="minsheng-restore-") as tmp:
        work = Path(tmp)
        manifest = read_archive(archive, work)
        if manifest["engine"] != target.engine:
            raise BackupError(f"The archive holds a {manifest['engine']} database; the target is {target.engine}.")
        if not force and not target_is_empty(target):
            raise BackupError("The target database or media folder is not empty; use --force to replace it.")
        dump = work / manifest["database"]
        if target.engine == "sqlite":
            _restore_sqlite(dump, target)
        else:
            _run(
                [pg_binary("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={target.db['NAME']}", str(dump)],
                _pg_env(target.db),
            )
        moved = _restore_media(work / FILES_DIR, target.media_root)
        manifest["moved_aside"] = str(moved) if moved else ""
        return manifest


def _restore_sqlite(dump: Path, target: Target) -> None:
    src = sqlite3.connect(dump)
    try:
        if target.is_default:
            connection.ensure_connection()
            src.backup(connection.connection)
        else:
            path = Path(str(target.db["NAME"]))
            path.parent.mkdir(parents=True, exist_ok=True)
            dest = sqlite3.connect(path)
            try:
                src.backup(dest)
            finally:
                dest.close()
    finally:
        src.close()


def _restore_media(source: Path, media_root: Path) -> Path | None:
    moved: Path | None = None
    if media_root.exists() and any(media_root.iterdir()):
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        moved = media_root.with_name(f"{media_root.name}.before-restore-{stamp}")
        media_root.rename(moved)
    media_root.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.is_file():
                dest = media_root / path.relative_to(source)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, dest)
    return moved
