"""Hotspots: clusters of similar cases by topic, place and time, ranked by size and by
growth against the previous period.

Topic: word TF-IDF vectors (jieba words of the normalised text); two items are neighbours
when their cosine similarity is at least ``threshold``. Clusters are formed by star
clustering (items in order of their number of neighbours become centres and take their
still unassigned neighbours), which is deterministic, linear in the number of links, and
does not chain unrelated items together the way connected components do. Place: with ``split_by_place`` a topic
cluster is split by the items' place (the town of a case); the cluster's place is its
most common one. Time: only items of the current period make a cluster; items of the
previous period that join it count as its previous size, from which the growth is
computed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from lib.triage.replies import COMMON_WEIGHT, COMMON_WORDS
from lib.triage.text import words


@dataclass(frozen=True)
class Item:
    id: int
    text: str  # normalised
    title: str
    at: dt.datetime
    place: str = ""
    category: str = ""


@dataclass
class Hotspot:
    key: str
    size: int
    previous: int
    growth: float
    heat: float
    place: str
    category: str
    title: str
    representative: int
    keywords: list[str]
    item_ids: list[int] = field(default_factory=list)


def _heat(size: int, previous: int) -> float:
    """Size, boosted by growth: a cluster that doubled ranks above a steady one."""
    return round(size * (1.0 + math.log2(1.0 + max(size - previous, 0) / max(previous, 1))), 3)


SMALL_POOL = 200


def _vectors(docs: list[list[str]], idf: dict[str, float] | None) -> tuple[sp.csr_matrix, np.ndarray]:
    """L2-normalised (1 + log tf) × idf vectors, common complaint words down-weighted. The idf
    is the caller's (the routing model's, from the district's history), else the pool's own
    when the pool is big enough to estimate it, else none (in a small pool a cluster's own
    words would look common and weigh nothing)."""
    vocab: dict[str, int] = {}
    df: Counter[str] = Counter()
    for doc in docs:
        for w in set(doc):
            if w not in vocab:
                vocab[w] = len(vocab)
            df[w] += 1
    n = len(docs)
    if idf is None and n >= SMALL_POOL:
        idf = {w: math.log((1 + n) / (1 + c)) + 1.0 for w, c in df.items()}
        # words in more than a fifth of the pool say nothing about a topic
        too_common = {w for w, c in df.items() if c > 0.2 * n}
    else:
        too_common = set()
    default = max(idf.values()) if idf else 1.0
    rows, cols, vals = [], [], []
    for i, doc in enumerate(docs):
        tf = Counter(doc)
        weights = {}
        for w, c in tf.items():
            if w in too_common:
                continue
            weight = (1.0 + math.log(c)) * (idf.get(w, default) if idf else 1.0)
            if w in COMMON_WORDS:
                weight *= COMMON_WEIGHT
            weights[w] = weight
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        for w, v in weights.items():
            rows.append(i)
            cols.append(vocab[w])
            vals.append(v / norm)
    x = sp.csr_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(n, len(vocab)))
    names = np.empty(len(vocab), dtype=object)
    for w, j in vocab.items():
        names[j] = w
    return x, names


def _merge_close(clusters: list[list[int]], x: sp.csr_matrix, threshold: float) -> list[list[int]]:
    """Merge clusters whose centroids are at least ``threshold`` similar (star clustering
    can split one topic between two centres); biggest first, deterministic."""
    if len(clusters) < 2:
        return clusters
    clusters = sorted(clusters, key=lambda m: (-len(m), m[0]))
    centroids = np.vstack([np.asarray(x[m].mean(axis=0)).ravel() for m in clusters])
    norms = np.linalg.norm(centroids, axis=1)
    norms[norms == 0] = 1.0
    centroids = centroids / norms[:, None]
    sim = centroids @ centroids.T
    target = list(range(len(clusters)))
    for i in range(len(clusters)):
        if target[i] != i:
            continue
        for j in range(i + 1, len(clusters)):
            if target[j] == j and sim[i, j] >= threshold:
                target[j] = i
    merged: dict[int, list[int]] = {}
    for i, members in enumerate(clusters):
        merged.setdefault(target[i], []).extend(members)
    return [sorted(m) for m in merged.values()]


def find_hotspots(
    items: Sequence[Item],
    *,
    start: dt.datetime,
    end: dt.datetime,
    previous_start: dt.datetime | None = None,
    threshold: float = 0.3,
    min_size: int = 3,
    split_by_place: bool = True,
    top: int = 20,
    merge_threshold: float = 0.4,
    idf: dict[str, float] | None = None,
) -> list[Hotspot]:
    """Hotspots among ``items`` received in [start, end), compared with [previous_start, start)."""
    if previous_start is None:
        previous_start = start - (end - start)
    pool = [it for it in items if previous_start <= it.at < end and it.text]
    pool.sort(key=lambda it: (it.at, it.id))
    if not pool:
        return []
    current = np.array([it.at >= start for it in pool])
    if current.sum() < min_size:
        return []
    x, vocab = _vectors([words(it.text[:600]) for it in pool], idf)
    if x.shape[1] == 0:
        return []
    sim = (x @ x.T).tocsr()
    sim.data[sim.data < threshold] = 0
    sim.eliminate_zeros()
    neighbours = [set(sim.indices[sim.indptr[i] : sim.indptr[i + 1]].tolist()) - {i} for i in range(len(pool))]
    # Star clustering: centres in order of their number of neighbours (ties by position),
    # each taking its still unassigned neighbours. Linear in the number of links.
    order = sorted((i for i in range(len(pool)) if current[i]), key=lambda i: (-len(neighbours[i]), i))
    assigned = np.zeros(len(pool), dtype=bool)
    clusters: list[list[int]] = []
    for centre in order:
        if assigned[centre]:
            continue
        members = [centre] + sorted(j for j in neighbours[centre] if not assigned[j])
        if len(members) < 2:
            continue
        assigned[members] = True
        clusters.append(members)
    clusters = _merge_close(clusters, x, merge_threshold)
    out: list[Hotspot] = []
    for members in clusters:
        groups: dict[str, list[int]] = {}
        if split_by_place:
            for i in members:
                groups.setdefault(pool[i].place, []).append(i)
            # items without a place join the cluster's main place
            if "" in groups and len(groups) > 1:
                loose = groups.pop("")
                main = max(groups, key=lambda p: (len(groups[p]), p))
                groups[main].extend(loose)
        else:
            groups[""] = members
        for group in groups.values():
            cur = [i for i in group if current[i]]
            prev = [i for i in group if not current[i]]
            if len(cur) < min_size:
                continue
            centroid = np.asarray(x[cur].mean(axis=0)).ravel()
            rep = max(cur, key=lambda i: (float((x[i] @ centroid)[0]), -pool[i].id))
            top_terms = [str(vocab[j]) for j in np.argsort(-centroid, kind="stable")[:5] if centroid[j] > 0]
            places = Counter(pool[i].place for i in cur if pool[i].place)
            cats = Counter(pool[i].category for i in cur if pool[i].category)
            ids = sorted(pool[i].id for i in cur)
            place = places.most_common(1)[0][0] if places else ""
            key_src = f"{place}|{'/'.join(sorted(top_terms[:3]))}"
            out.append(
                Hotspot(
                    key=hashlib.sha1(key_src.encode()).hexdigest()[:16],  # noqa: S324 - a label, not security
                    size=len(cur),
                    previous=len(prev),
                    growth=round((len(cur) - len(prev)) / max(len(prev), 1), 3),
                    heat=_heat(len(cur), len(prev)),
                    place=place,
                    category=cats.most_common(1)[0][0] if cats else "",
                    title=pool[rep].title,
                    representative=pool[rep].id,
                    keywords=top_terms,
                    item_ids=ids,
                )
            )
    out.sort(key=lambda h: (-h.heat, -h.size, h.representative))
    return out[:top]
