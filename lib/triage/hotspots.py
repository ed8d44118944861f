"""Hotspots: clusters of similar cases by topic, place and time, ranked by size and by
growth against the previous period.

Topic: word TF-IDF vectors (jieba words of the normalised text); two items are neighbours
when their cosine similarity is at least ``threshold``. Clusters are formed by star
clustering (the item with the most unassigned neighbours becomes a centre and takes its
unassigned neighbours; repeat), which is deterministic and does not chain unrelated
items together the way connected components do. Place: with ``split_by_place`` a topic
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
from sklearn.feature_extraction.text import TfidfVectorizer

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
    docs = [" ".join(words(it.text[:600])) for it in pool]
    vec = TfidfVectorizer(analyzer=str.split, sublinear_tf=True, min_df=1, max_df=0.2 if len(pool) > 50 else 1.0, dtype=np.float32)
    try:
        x = vec.fit_transform(docs)
    except ValueError:  # empty vocabulary
        return []
    vocab = np.array(vec.get_feature_names_out())
    sim = (x @ x.T).tocsr()
    sim.data[sim.data < threshold] = 0
    sim.eliminate_zeros()
    neighbours = [set(sim.indices[sim.indptr[i] : sim.indptr[i + 1]].tolist()) - {i} for i in range(len(pool))]
    unassigned = set(range(len(pool)))
    clusters: list[list[int]] = []
    # Star clustering over current-period centres.
    while True:
        best, best_deg = -1, 0
        for i in unassigned:
            if not current[i]:
                continue
            deg = len(neighbours[i] & unassigned)
            if deg > best_deg or (deg == best_deg and deg and i < best):
                best, best_deg = i, deg
        if best < 0 or best_deg + 1 < 2:
            break
        members = sorted({best} | (neighbours[best] & unassigned))
        unassigned -= set(members)
        clusters.append(members)
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
            rep = max(cur, key=lambda i: (float(x[i] @ centroid), -pool[i].id))
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
