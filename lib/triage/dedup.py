"""Near-duplicate detection: MinHash signatures of character shingles and LSH banding.

A text's signature is ``NUM_PERM`` MinHash values over its character 3-grams
(:func:`signature`; bit for bit the values of datasketch 2's default "affine32" scheme,
which this module replaced, so fingerprints stored before keep matching). The signature
is cut into ``BANDS`` bands of ``ROWS`` values; each band hashes to one 63-bit key. Two texts whose shingle sets have Jaccard similarity J share at
least one key with probability 1 - (1 - J**ROWS)**BANDS: about 0.12 at J = 0.3, 0.64
at 0.5, 0.99 at 0.7. Keys go into an index (a database table with a B-tree in the app,
:class:`DuplicateIndex` here), so a query costs BANDS index lookups whatever the size
of the history, and the few candidates are then scored from their signatures.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from lib.triage.text import char_shingles

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
SHINGLE = 3
SEED = 20240501
#: Below this estimated Jaccard a candidate is not shown as a likely duplicate.
DEFAULT_THRESHOLD = 0.35


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``num_perm`` affine maps h -> a * h + b (mod 2**32, ``a`` odd so each is a bijection),
    drawn from numpy's legacy ``RandomState(seed)``, whose stream numpy keeps fixed."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


_A, _B = _permutations(NUM_PERM, SEED)
_EMPTY = np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser (a fixed bijection that spreads the input hashes)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def signature(normalised_text: str) -> np.ndarray:
    """The MinHash signature (uint32 array of NUM_PERM values) of a normalised text.

    Each shingle is hashed to 32 bits (the first 4 bytes of its SHA-1, little-endian), mixed
    with :func:`_fmix32`, and put through the NUM_PERM affine maps; the signature is the
    minimum per map (all 0xFFFFFFFF for a text without shingles). Deterministic for a seed.
    """
    shingles = char_shingles(normalised_text, SHINGLE)
    if not shingles:
        return _EMPTY.copy()
    hashes = np.fromiter(
        (int.from_bytes(hashlib.sha1(s.encode("utf-8")).digest()[:4], "little") for s in shingles),  # noqa: S324  (not for security)
        dtype=np.uint32,
        count=len(shingles),
    )
    mixed = _fmix32(hashes).reshape(-1, 1)
    return (mixed * _A + _B).min(axis=0).astype(np.uint32)


def signature_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def signature_from_bytes(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype="<u4").astype(np.uint32)


def band_keys(sig: np.ndarray) -> list[int]:
    """BANDS signed 63-bit keys (fit a bigint column), one per band, band number included."""
    keys = []
    raw = sig.astype("<u4")
    for b in range(BANDS):
        digest = hashlib.blake2b(struct.pack("<B", b) + raw[b * ROWS : (b + 1) * ROWS].tobytes(), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little") >> 1)
    return keys


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / float(len(a))


def exact_jaccard(a: str, b: str) -> float:
    sa, sb = char_shingles(a, SHINGLE), char_shingles(b, SHINGLE)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


@dataclass(frozen=True)
class Match:
    id: int
    score: float


class DuplicateIndex:
    """An in-memory LSH index for benchmarks and offline use (the app keeps the keys in a
    database table instead). Bulk-load with :meth:`add_many` then :meth:`freeze`; keys are
    kept in one sorted numpy array, about 12 bytes per key."""

    def __init__(self) -> None:
        self._keys: list[np.ndarray] = []
        self._ids: list[np.ndarray] = []
        self._sigs: dict[int, np.ndarray] = {}
        self.keys = np.zeros(0, dtype=np.int64)
        self.ids = np.zeros(0, dtype=np.int64)
        self.keep_signatures = True

    def __len__(self) -> int:
        return len(self._sigs) if self.keep_signatures else int(len(self.ids) // BANDS)

    def add(self, item_id: int, sig: np.ndarray) -> None:
        self.add_many([item_id], [sig])

    def add_many(self, ids: Sequence[int], sigs: Iterable[np.ndarray]) -> None:
        keys = []
        for item_id, sig in zip(ids, sigs, strict=True):
            keys.extend(band_keys(sig))
            if self.keep_signatures:
                self._sigs[int(item_id)] = sig
        self._keys.append(np.asarray(keys, dtype=np.int64))
        self._ids.append(np.repeat(np.asarray(ids, dtype=np.int64), BANDS))

    def add_keys(self, ids: np.ndarray, keys: np.ndarray) -> None:
        """Bulk-add precomputed keys (``keys`` shaped (n, BANDS)); for benchmarks at scale."""
        self._keys.append(keys.reshape(-1).astype(np.int64))
        self._ids.append(np.repeat(ids.astype(np.int64), BANDS))

    def freeze(self) -> None:
        keys = np.concatenate([self.keys, *self._keys])
        ids = np.concatenate([self.ids, *self._ids])
        order = np.argsort(keys, kind="stable")
        self.keys, self.ids = keys[order], ids[order]
        self._keys, self._ids = [], []

    def candidates(self, sig: np.ndarray) -> dict[int, int]:
        """Ids sharing at least one band key with ``sig``, with the number of shared bands."""
        if self._keys:
            self.freeze()
        found: dict[int, int] = {}
        for key in band_keys(sig):
            lo = int(np.searchsorted(self.keys, key, side="left"))
            hi = int(np.searchsorted(self.keys, key, side="right"))
            for item_id in self.ids[lo:hi].tolist():
                found[item_id] = found.get(item_id, 0) + 1
        return found

    def query(self, sig: np.ndarray, *, threshold: float = DEFAULT_THRESHOLD, exclude: int | None = None, limit: int = 10) -> list[Match]:
        matches = []
        for item_id, shared in self.candidates(sig).items():
            if item_id == exclude:
                continue
            other = self._sigs.get(item_id)
            score = similarity(sig, other) if other is not None else shared / BANDS
            if score >= threshold:
                matches.append(Match(item_id, round(score, 3)))
        matches.sort(key=lambda m: (-m.score, m.id))
        return matches[:limit]
