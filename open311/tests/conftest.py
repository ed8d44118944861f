from __future__ import annotations

import base64
import zlib

import pytest

from accounts.testing import District
from open311.services import open311_key_issue


def png_bytes() -> bytes:
    """A real 1x1 PNG, made here (no image library needed)."""
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    raw = b"\x00\xff\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


PNG = png_bytes()
GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///ywAAAAAAQABAAACAUwAOw==")


@pytest.fixture
def api_key(district: District) -> str:
    _client, secret = open311_key_issue(actor=None, name="FixMyStreet 测试")
    return secret


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):  # noqa: ANN001, ANN202
    settings.MEDIA_ROOT = tmp_path / "files"
