"""Versioned, checksummed serialisation of triage models.

File layout::

    b"MSTRIAGE"                 8 bytes magic
    format version              2 bytes, big endian
    header length               4 bytes, big endian
    header                      UTF-8 JSON: meta, payload length, SHA-256 and (when a
                                key is given) HMAC-SHA256 of the payload
    payload                     zlib-compressed pickle of the model object

A truncated, corrupt or tampered file raises :class:`ModelFileError` before anything is
unpickled: the payload is only unpickled after its digest (and, with a key, its HMAC)
matched, so a file that was not written by this code with this key is never executed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import struct
import tempfile
import zlib
from pathlib import Path
from typing import Any

MAGIC = b"MSTRIAGE"
FORMAT_VERSION = 1
MAX_BYTES = 50 * 1024 * 1024


class ModelFileError(Exception):
    """The model file is missing, truncated, corrupt, tampered with or of another format."""


def dumps(obj: Any, *, meta: dict[str, Any] | None = None, key: bytes | None = None) -> bytes:
    payload = zlib.compress(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL), 6)
    header: dict[str, Any] = {
        "meta": meta or {},
        "length": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
    }
    if key:
        header["hmac"] = hmac.new(key, payload, hashlib.sha256).hexdigest()
    head = json.dumps(header, ensure_ascii=False, sort_keys=True).encode()
    blob = MAGIC + struct.pack(">HI", FORMAT_VERSION, len(head)) + head + payload
    if len(blob) > MAX_BYTES:
        raise ModelFileError(f"model is {len(blob)} bytes, more than the {MAX_BYTES} allowed")
    return blob


def read_header(blob: bytes) -> tuple[dict[str, Any], bytes]:
    if len(blob) < len(MAGIC) + 6 or not blob.startswith(MAGIC):
        raise ModelFileError("not a triage model file")
    version, head_len = struct.unpack(">HI", blob[len(MAGIC) : len(MAGIC) + 6])
    if version != FORMAT_VERSION:
        raise ModelFileError(f"model file format {version} is not supported (expected {FORMAT_VERSION})")
    start = len(MAGIC) + 6
    try:
        header = json.loads(blob[start : start + head_len].decode())
    except (UnicodeDecodeError, ValueError) as exc:
        raise ModelFileError("model file header is corrupt") from exc
    payload = blob[start + head_len :]
    if not isinstance(header, dict) or len(payload) != header.get("length"):
        raise ModelFileError("model file is truncated or corrupt")
    return header, payload


def loads(blob: bytes, *, key: bytes | None = None) -> tuple[Any, dict[str, Any]]:
    """The model object and its meta (plus ``payload_sha256``). Raises ModelFileError on any mismatch."""
    header, payload = read_header(blob)
    if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
        raise ModelFileError("model file checksum does not match (corrupt file)")
    if key:
        expected = hmac.new(key, payload, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, str(header.get("hmac", ""))):
            raise ModelFileError("model file signature does not match")
    try:
        obj = pickle.loads(zlib.decompress(payload))  # noqa: S301 - integrity checked above
    except Exception as exc:  # a digest collision is not a real risk; a version skew is
        raise ModelFileError(f"model file cannot be loaded: {exc}") from exc
    return obj, {**header.get("meta", {}), "payload_sha256": header["sha256"]}


def save(path: str | os.PathLike[str], obj: Any, *, meta: dict[str, Any] | None = None, key: bytes | None = None) -> str:
    """Write atomically (temporary file + rename); returns the payload's SHA-256."""
    blob = dumps(obj, meta=meta, key=key)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return read_header(blob)[0]["sha256"]


def load(path: str | os.PathLike[str], *, key: bytes | None = None) -> tuple[Any, dict[str, Any]]:
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise ModelFileError(f"model file is missing: {path}") from exc
    if size > MAX_BYTES + 1_000_000:
        raise ModelFileError("model file is too large")
    with open(path, "rb") as fh:
        return loads(fh.read(), key=key)
