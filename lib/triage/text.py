"""Normalising citizen text for the classifier and the indexes.

Raw messages (title + detail, with punctuation, spaces, line breaks, full-width forms,
URLs, phone numbers) and already-segmented, stop-worded text must land in the same
representation, so the routing model is robust to both: NFKC (full-width to ASCII),
lower case, everything that is not a CJK character, a Latin letter or a digit dropped,
digit runs folded to one ``0``, and no spaces at all. Character n-grams of that string
are the same whichever way the text was prepared, apart from the function words, which
carry little weight.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable

#: A text needs at least this many CJK characters to be routed.
MIN_CJK_CHARS = 4
#: ... and at least this share of its letters must be CJK (else it is "another language").
MIN_CJK_SHARE = 0.3

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{CJK}]")
_LATIN_RE = re.compile(r"[a-zA-Z]")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")
_MASK_RE = re.compile(r"\[USER\]", re.IGNORECASE)
_DROP_RE = re.compile(f"[^{CJK}a-z0-9]+")
_DIGITS_RE = re.compile(r"[0-9]+")

_jieba_lock = threading.Lock()
_jieba_ready = False


def normalise(*parts: str | None, fold_digits: bool = True, limit: int | None = None) -> str:
    """One string of CJK characters, Latin letters and digits, in order, without spaces
    (at most ``limit`` characters: the text is cut before the work, not after)."""
    text = "\n".join(p for p in parts if p)
    if limit is not None:
        text = text[: 2 * limit]
    text = unicodedata.normalize("NFKC", text)
    text = _URL_RE.sub(" ", text)
    text = _EMAIL_RE.sub(" ", text)
    text = _MASK_RE.sub(" ", text)
    text = _DROP_RE.sub("", text.lower())
    if fold_digits:
        text = _DIGITS_RE.sub("0", text)
    return text[:limit] if limit is not None else text


def cjk_count(text: str) -> int:
    return len(_CJK_RE.findall(text or ""))


def is_meaningful(*parts: str | None) -> tuple[bool, str]:
    """Whether a text is worth routing, and if not why: ``"empty"``, ``"too_short"`` or
    ``"foreign"`` (mostly letters of another script). Returns (True, "") when it is."""
    text = unicodedata.normalize("NFKC", "\n".join(p for p in parts if p)).strip()
    if not text:
        return False, "empty"
    cjk = cjk_count(text)
    letters = sum(1 for ch in text if ch.isalpha())
    if cjk < MIN_CJK_CHARS:
        if letters - cjk >= 2 * MIN_CJK_CHARS:
            return False, "foreign"
        return False, "too_short"
    if letters and cjk / letters < MIN_CJK_SHARE:
        return False, "foreign"
    return True, ""


def _ensure_jieba() -> None:
    global _jieba_ready
    if _jieba_ready:
        return
    with _jieba_lock:
        if not _jieba_ready:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba_ready = True


def words(text: str) -> list[str]:
    """jieba words of an already normalised text (no HMM for new words: deterministic and
    faster), single characters dropped."""
    _ensure_jieba()
    import jieba

    return [w for w in jieba.lcut(text, HMM=False) if len(w) > 1]


def words_joined(texts: Iterable[str]) -> list[str]:
    return [" ".join(words(t)) for t in texts]


def char_shingles(text: str, k: int = 3) -> set[str]:
    """The set of character k-grams of a normalised text (the text itself when shorter)."""
    if len(text) <= k:
        return {text} if text else set()
    return {text[i : i + k] for i in range(len(text) - k + 1)}
