"""Real files for upload tests."""

from __future__ import annotations

import os
import struct
import zlib


def png(width: int = 2, height: int = 2, *, noise: bool = False) -> bytes:
    """A valid PNG; with ``noise`` its pixels are random, so it does not compress (about 3·w·h bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = (lambda: os.urandom(width * 3)) if noise else (lambda: b"\xff\x00\x00" * width)
    raw = b"".join(b"\x00" + row() for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 0 if noise else 6)) + chunk(b"IEND", b"")
