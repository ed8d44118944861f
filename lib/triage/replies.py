"""Similarity of two cases for similar-reply retrieval and duplicate scoring, from compact
per-case data the app stores once (no text processing at query time):

- ``word_counts``: the case's most telling words (jieba words of the normalised text, at
  most ``KEYWORDS_STORED``, by count × length) with their counts;
- ``keyword_vector``: the top ``KEYWORDS_COMPARED`` of them weighted by (1 + log count) × idf
  (the idf of the routing model's word vocabulary when there is one), L2-normalised;
- ``keyword_similarity``: the cosine of two such vectors.

Retrieval scores each candidate with max(keyword cosine, MinHash Jaccard estimate), so a
re-posted text scores high even when its words are rare, and a paraphrase of the same
matter scores high through the shared rare words (place, company, issue)."""

from __future__ import annotations

import math
from collections import Counter

from lib.triage.text import words

KEYWORDS_STORED = 40
KEYWORDS_COMPARED = 20


#: Words of almost every complaint (who, where in general, how bad, what is asked): they
#: weigh a quarter in a keyword vector, so two different matters in the same building do
#: not look alike through them. Invented for Minsheng.
_COMMON = """居民 住户 业主 群众 市民 村民 楼下 楼上 附近 周边 小区 社区 街道 每天 每晚 晚上 白天 凌晨 早上 中午 半夜
    希望 请求 恳请 要求 反映 投诉 举报 咨询 建议 问题 情况 事情 严重 影响 生活 休息 正常 无法 不能 没有 一直 已经 多次
    有关 相关 部门 领导 政府 单位 尽快 处理 解决 查处 督促 协调 落实 帮助 谢谢 您好 你好 尊敬 我们 他们 你们 自己 现在
    目前 今年 去年 时间 时候 地方 这个 那个 这些 一些 非常 特别 还是 但是 因为 所以 如果 为什么 怎么 什么 可以 应该"""
COMMON_WORDS = frozenset(_COMMON.split())
COMMON_WEIGHT = 0.25


def word_counts(normalised: str, limit: int = KEYWORDS_STORED, exclude: frozenset[str] | set[str] = frozenset()) -> dict[str, int]:
    """The case's most telling words with their counts; ``exclude`` drops words (e.g. those
    of the case's own address and town, which the candidate search already matches)."""
    counts = Counter(w for w in words(normalised[:3000]) if not w.isdigit() and w not in exclude)
    top = sorted(counts.items(), key=lambda kv: (-kv[1] * len(kv[0]), kv[0]))[:limit]
    return dict(top)


def keyword_vector(counts: dict[str, int], idf: dict[str, float], k: int = KEYWORDS_COMPARED) -> dict[str, float]:
    default = max(idf.values()) if idf else 1.0
    weights = {
        w: (1.0 + math.log(n)) * idf.get(w, default) * (1.0 if idf else math.sqrt(len(w))) * (COMMON_WEIGHT if w in COMMON_WORDS else 1.0)
        for w, n in counts.items()
    }
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    norm = math.sqrt(sum(v * v for _w, v in top)) or 1.0
    return {w: v / norm for w, v in top}


def keyword_similarity(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b[w] for w, v in a.items() if w in b)


#: how many of a case's rarest words identify the matter's particulars (names of shops,
#: companies, estates, roads)
PARTICULARS = 5


def particulars(counts: dict[str, int], idf: dict[str, float], k: int = PARTICULARS) -> set[str]:
    """The ``k`` rarest words of a case (highest idf, boilerplate excluded)."""
    if not idf:
        return set()
    default = max(idf.values())
    ranked = sorted((w for w in counts if w not in COMMON_WORDS and len(w) >= 2), key=lambda w: (-idf.get(w, default), w))
    return set(ranked[:k])


#: from this MinHash Jaccard on, two texts share most of their wording
TEMPLATE_JACCARD = 0.4


def duplicate_score(jaccard: float, a: dict[str, int], b: dict[str, int], idf: dict[str, float]) -> float:
    """How likely two cases are the same matter: max(MinHash Jaccard, keyword cosine), halved
    when the two texts share most of their wording but none of their particulars: the same
    template filled in for another shop, estate or company is another matter."""
    score = max(jaccard, keyword_similarity(keyword_vector(a, idf), keyword_vector(b, idf)))
    if jaccard >= TEMPLATE_JACCARD:
        pa, pb = particulars(a, idf), particulars(b, idf)
        if len(pa) >= 3 and len(pb) >= 3 and not (pa & pb):
            score *= 0.5
    return score
