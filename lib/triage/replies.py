"""Similar-reply retrieval: the past cases most similar to a new one, by cosine similarity
of character 2–3-gram and word TF-IDF vectors of their (normalised) texts.

:class:`SimilarIndex` is fitted on a corpus of past cases (id, normalised text); a query
returns the ids of the most similar ones with a score in [0, 1]. The app builds it per
category on the closed cases that have a written reply, so each query is a sparse
matrix-vector product over a bounded number of rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from lib.triage.text import words


@dataclass(frozen=True)
class Similar:
    id: int
    score: float


class SimilarIndex:
    def __init__(self, ids: Sequence[int], texts: Sequence[str], *, min_df: int = 1) -> None:
        self.ids = np.asarray(list(ids), dtype=np.int64)
        self.chars = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, min_df=min_df, dtype=np.float32)
        self.words = TfidfVectorizer(analyzer=str.split, sublinear_tf=True, min_df=min_df, dtype=np.float32)
        if len(self.ids):
            self.char_matrix = self.chars.fit_transform(texts)
            self.word_matrix = self.words.fit_transform([" ".join(words(t)) for t in texts])
        else:
            self.char_matrix = self.word_matrix = None

    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, text: str) -> np.ndarray:
        if self.char_matrix is None or not text:
            return np.zeros(len(self.ids), dtype=np.float32)
        qc = self.chars.transform([text])
        qw = self.words.transform([" ".join(words(text))])
        sim = 0.5 * (self.char_matrix @ qc.T).toarray().ravel() + 0.5 * (self.word_matrix @ qw.T).toarray().ravel()
        return sim

    def query(self, text: str, *, k: int = 5, exclude: set[int] | None = None, min_score: float = 0.05) -> list[Similar]:
        sim = self.scores(text)
        if not len(sim):
            return []
        order = np.argsort(-sim, kind="stable")
        out: list[Similar] = []
        for i in order[: k + len(exclude or ())]:
            item_id = int(self.ids[i])
            if exclude and item_id in exclude:
                continue
            if sim[i] < min_score:
                break
            out.append(Similar(item_id, round(float(sim[i]), 3)))
            if len(out) == k:
                break
        return out
