"""Full-text search of Chinese case text on SQLite and PostgreSQL.

Chinese has no spaces, so the text is turned into a ``search_tokens`` column of
overlapping CJK character bigrams (噪音扰民 -> 噪音 音扰 扰民), single characters of
one-character runs, and lower-cased Latin/digit words. The column is indexed by SQLite
FTS5 (an external-content table kept in step by triggers) or by a PostgreSQL GIN index
over ``to_tsvector('simple', search_tokens)``. A query is tokenised the same way and all
its tokens must match, which behaves like a substring search. See
docs/decisions/0001-chinese-search.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MAX_QUERY_TOKENS = 32

FTS_TABLE = "cases_case_fts"

SQLITE_SETUP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS cases_case_fts USING fts5(search_tokens, content='cases_case', content_rowid='id')",
    """CREATE TRIGGER IF NOT EXISTS cases_case_fts_ai AFTER INSERT ON cases_case BEGIN
        INSERT INTO cases_case_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END""",
    """CREATE TRIGGER IF NOT EXISTS cases_case_fts_ad AFTER DELETE ON cases_case BEGIN
        INSERT INTO cases_case_fts(cases_case_fts, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens); END""",
    """CREATE TRIGGER IF NOT EXISTS cases_case_fts_au AFTER UPDATE OF search_tokens ON cases_case BEGIN
        INSERT INTO cases_case_fts(cases_case_fts, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens);
        INSERT INTO cases_case_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END""",
]
SQLITE_TEARDOWN = [
    "DROP TRIGGER IF EXISTS cases_case_fts_ai",
    "DROP TRIGGER IF EXISTS cases_case_fts_ad",
    "DROP TRIGGER IF EXISTS cases_case_fts_au",
    "DROP TABLE IF EXISTS cases_case_fts",
]
PG_SETUP = ["CREATE INDEX IF NOT EXISTS cases_case_search_gin ON cases_case USING gin (to_tsvector('simple'::regconfig, search_tokens))"]
PG_TEARDOWN = ["DROP INDEX IF EXISTS cases_case_search_gin"]


def _runs(text: str) -> Iterable[str]:
    return _RUN.findall(unicodedata.normalize("NFKC", text or "").lower())


def tokenize(*texts: str) -> str:
    """The ``search_tokens`` value for some texts: unique tokens separated by spaces."""
    seen: dict[str, None] = {}
    for text in texts:
        for run in _runs(text):
            if _CJK.match(run):
                if len(run) == 1:
                    seen.setdefault(run)
                for i in range(len(run) - 1):
                    seen.setdefault(run[i : i + 2])
            else:
                seen.setdefault(run[:40])
    return " ".join(seen)


def query_terms(query: str) -> list[tuple[str, bool]]:
    """The terms of a search query as (token, is_prefix). A lone CJK character is searched
    as a prefix (it matches the bigrams that start with it)."""
    terms: dict[tuple[str, bool], None] = {}
    for run in _runs(query):
        if _CJK.match(run):
            if len(run) == 1:
                terms.setdefault((run, True))
            for i in range(len(run) - 1):
                terms.setdefault((run[i : i + 2], False))
        else:
            terms.setdefault((run[:40], False))
    return list(terms)[:MAX_QUERY_TOKENS]


def filter_search(qs: QuerySet, query: str) -> QuerySet:
    """Limit a Case queryset to cases whose title, content or reply contain ``query``."""
    terms = query_terms(query)
    if not terms:
        return qs
    vendor = connections[qs.db].vendor
    if vendor == "postgresql":
        tsquery = " & ".join(f"{tok}:*" if prefix else tok for tok, prefix in terms)
        return qs.alias(
            _fts=RawSQL("to_tsvector('simple'::regconfig, cases_case.search_tokens) @@ to_tsquery('simple'::regconfig, %s)", [tsquery])  # noqa: S611
        ).filter(_fts=True)
    if vendor == "sqlite":
        match = " ".join(f'"{tok}"*' if prefix else f'"{tok}"' for tok, prefix in terms)
        return qs.filter(id__in=RawSQL("SELECT rowid FROM cases_case_fts WHERE cases_case_fts MATCH %s", [match]))  # noqa: S611
    for tok, _prefix in terms:  # other databases: a plain scan
        qs = qs.filter(search_tokens__contains=tok)
    return qs


def ensure_search_index(using: str = "default") -> None:
    """Create the search index if it is missing (e.g. after SQLite rebuilt the table in a
    later migration, which drops its triggers) and rebuild the SQLite FTS table then."""
    conn = connections[using]
    with conn.cursor() as cur:
        if conn.vendor == "sqlite":
            cur.execute("SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name LIKE 'cases_case_fts_%'")
            present = cur.fetchone()[0]
            if present == 3:
                return
            for sql in SQLITE_SETUP:
                cur.execute(sql)
            cur.execute("INSERT INTO cases_case_fts(cases_case_fts) VALUES ('rebuild')")
        elif conn.vendor == "postgresql":
            for sql in PG_SETUP:
                cur.execute(sql)
