"""The routing classifier: which category (and from it which unit) a new case belongs to.

Features: character 1–3-grams of the normalised text (robust to however the text was
prepared: raw, or segmented and stop-worded) plus jieba word 1–2-grams, each TF-IDF
weighted with sublinear term frequency. Classifier: NBSVM (Wang & Manning 2012), i.e.
one linear SVM per category on features scaled by their naive-Bayes log-count ratio for
that category; or a plain one-vs-rest linear SVM. Either way the trained model is one
weight matrix (features × categories, float32) and a bias, so a prediction is a sparse
matrix product. Scores become probabilities by a softmax whose temperature is fitted on
the out-of-fold scores of the cross-validation run during training, so "confidence 0.8"
means right about 80% of the time. See docs/decisions/0002-routing-model.md.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.svm import LinearSVC

from lib.triage.replies import COMMON_WORDS
from lib.triage.text import normalise, words

MODEL_KIND = "char13+word12-nbsvm-softmax"


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float


@dataclass
class Evaluation:
    """Figures of a training run: cross-validated (``folds`` ≥ 2) or on a 20% holdout
    (``folds`` = 1); ``n`` cases were scored."""

    folds: int
    n: int
    accuracy: float
    macro_f1: float
    per_class: dict[str, dict[str, float]]
    labels: list[str]
    confusion: list[list[int]]
    temperature: float
    seconds: float
    grouped: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "folds": self.folds,
            "n": self.n,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_class": self.per_class,
            "labels": self.labels,
            "confusion": self.confusion,
            "temperature": self.temperature,
            "seconds": self.seconds,
            "grouped": self.grouped,
        }


@dataclass
class Params:
    #: "nbsvm" (NB-scaled features, one linear SVM per category) or "svm" (plain one-vs-rest)
    classifier: str = "nbsvm"
    c: float = 1.0
    nb_alpha: float = 1.0
    char_ngrams: tuple[int, int] = (1, 3)
    word_ngrams: tuple[int, int] = (1, 2)
    min_df: int = 2
    max_chars: int = 1500
    seed: int = 0
    tol: float = 1e-3
    threads: int = 1
    #: from this many cases on, training is evaluated on one stratified 20% holdout instead
    #: of k folds (as reliable at that size, and it keeps retraining on 10,000 cases fast)
    holdout_from: int = 5000


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / max(temperature, 1e-6)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, y_idx: np.ndarray) -> float:
    """The softmax temperature minimising the negative log-likelihood of out-of-fold scores."""
    best_t, best_nll = 1.0, float("inf")
    for t in np.exp(np.linspace(np.log(0.05), np.log(5.0), 80)):
        p = _softmax(scores, float(t))
        nll = -float(np.mean(np.log(p[np.arange(len(y_idx)), y_idx] + 1e-12)))
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return round(best_t, 4)


def _linear_fit(x: sp.csr_matrix, y_idx: np.ndarray, n_labels: int, p: Params) -> tuple[np.ndarray, np.ndarray]:
    """Weights (n_features × n_labels, float32, C order: a prediction reads one row per
    feature present) and biases of the one-vs-rest classifier. The per-category problems
    are independent and liblinear releases the GIL, so they run on ``p.threads`` threads."""
    n_features = x.shape[1]
    weights = np.zeros((n_features, n_labels), dtype=np.float32)
    bias = np.full(n_labels, -10.0, dtype=np.float64)
    binary = (x > 0).astype(np.float32).tocsr() if p.classifier == "nbsvm" else None
    total = binary.sum(axis=0) if binary is not None else None

    def one(k: int) -> None:
        target = (y_idx == k).astype(int)
        if target.sum() == 0:
            return
        if binary is not None and total is not None:
            pos = np.asarray(binary[target == 1].sum(axis=0), dtype=np.float64).ravel()
            neg = np.asarray(total, dtype=np.float64).ravel() - pos
            pos += p.nb_alpha
            neg += p.nb_alpha
            r = np.log((pos / pos.sum()) / (neg / neg.sum()))
            xk = x.multiply(r.astype(np.float32)).tocsr()
        else:
            r = None
            xk = x
        clf = LinearSVC(C=p.c, random_state=p.seed, dual=True, max_iter=5000, tol=p.tol)
        clf.fit(xk, target)
        w = clf.coef_[0]
        weights[:, k] = (w * r if r is not None else w).astype(np.float32)
        bias[k] = float(clf.intercept_[0])

    if p.threads > 1:
        with ThreadPoolExecutor(max_workers=p.threads) as pool:
            list(pool.map(one, range(n_labels)))
    else:
        for k in range(n_labels):
            one(k)
    return weights, bias


class Counts:
    """Raw n-gram counts of a corpus, computed once; a fold's TF-IDF features are derived
    from them without analysing the text again."""

    def __init__(self, chars: list[str], wordtexts: list[str], p: Params) -> None:
        self.char_cv = CountVectorizer(analyzer="char", ngram_range=p.char_ngrams, dtype=np.float32)
        self.word_cv = CountVectorizer(analyzer="word", token_pattern=r"\S+", ngram_range=p.word_ngrams, dtype=np.float32)
        self.char = self.char_cv.fit_transform(chars).tocsr()
        self.word = self.word_cv.fit_transform(wordtexts).tocsr()
        self.min_df = p.min_df

    def features(self, train: np.ndarray, rows: list[np.ndarray]) -> tuple[list[sp.csr_matrix], Featurizer]:
        """TF-IDF matrices for each index array in ``rows``, with the vocabulary (document
        frequency ≥ min_df) and idf of the ``train`` rows: what TfidfVectorizer(min_df,
        sublinear_tf=True) fitted on those rows gives, per block (chars, words)."""
        blocks = []
        vocabs = []
        idfs = []
        for counts, cv in ((self.char, self.char_cv), (self.word, self.word_cv)):
            sub = counts[train]
            df = np.asarray((sub > 0).sum(axis=0)).ravel()
            keep = np.flatnonzero(df >= self.min_df)
            n = len(train)
            idf = (np.log((1.0 + n) / (1.0 + df[keep])) + 1.0).astype(np.float32)
            blocks.append((keep, idf))
            names = cv.get_feature_names_out()
            vocabs.append({str(names[j]): i for i, j in enumerate(keep)})
            idfs.append(idf)
        out = []
        for idx in rows:
            parts = []
            for (keep, idf), counts in zip(blocks, (self.char, self.word), strict=True):
                m = counts[idx][:, keep].tocsr()
                m.data = (np.log(m.data) + 1.0).astype(np.float32)
                m = m.multiply(idf).tocsr()
                parts.append(_l2(m))
            out.append(sp.hstack(parts).tocsr())
        feat = Featurizer(vocabs[0], vocabs[1], idfs[0], idfs[1])
        return out, feat


def _l2(m: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.diags((1.0 / norms).astype(np.float32)).dot(m).tocsr()


@dataclass
class Featurizer:
    """The inference side of the features: vocabularies and idf of the training set."""

    char_vocab: dict[str, int]
    word_vocab: dict[str, int]
    char_idf: np.ndarray
    word_idf: np.ndarray

    @property
    def n_char(self) -> int:
        return len(self.char_vocab)

    def transform(self, chars: Sequence[str], wordtexts: Sequence[str], p: Params) -> sp.csr_matrix:
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        lo_c, hi_c = p.char_ngrams
        lo_w, hi_w = p.word_ngrams
        for text, wordtext in zip(chars, wordtexts, strict=True):
            for grams, vocab, idf, offset in (
                (_char_ngrams(text, lo_c, hi_c), self.char_vocab, self.char_idf, 0),
                (_word_ngrams(wordtext.split(), lo_w, hi_w), self.word_vocab, self.word_idf, self.n_char),
            ):
                counts: dict[int, int] = {}
                for g in grams:
                    j = vocab.get(g)
                    if j is not None:
                        counts[j] = counts.get(j, 0) + 1
                if not counts:
                    continue
                cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
                vals = (np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts))) + 1.0) * idf[cols]
                vals /= np.sqrt((vals * vals).sum()) or 1.0
                indices.extend((cols + offset).tolist())
                data.extend(vals.tolist())
            indptr.append(len(indices))
        return sp.csr_matrix(
            (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
            shape=(len(chars), self.n_char + len(self.word_vocab)),
        )

    def word_idf_map(self) -> dict[str, float]:
        """The idf of single words (for keyword vectors and hotspots)."""
        return {w: float(self.word_idf[i]) for w, i in self.word_vocab.items() if " " not in w}

    def names(self) -> list[str]:
        """Feature names; word pairs (bigrams) keep their space so reasons can skip them."""
        out = [""] * (self.n_char + len(self.word_vocab))
        for term, i in self.char_vocab.items():
            out[i] = term
        for term, i in self.word_vocab.items():
            out[self.n_char + i] = term
        return out


def _char_ngrams(text: str, lo: int, hi: int) -> list[str]:
    out = []
    n = len(text)
    for k in range(lo, hi + 1):
        out.extend(text[i : i + k] for i in range(n - k + 1))
    return out


def _word_ngrams(tokens: list[str], lo: int, hi: int) -> list[str]:
    out = []
    n = len(tokens)
    for k in range(lo, hi + 1):
        out.extend(" ".join(tokens[i : i + k]) for i in range(n - k + 1))
    return out


@dataclass
class RoutingModel:
    params: Params = field(default_factory=Params)
    labels: list[str] = field(default_factory=list)
    temperature: float = 1.0
    kind: str = MODEL_KIND
    featurizer: Featurizer | None = None
    weights: np.ndarray | None = None
    bias: np.ndarray | None = None
    n_train: int = 0
    evaluation: Evaluation | None = None

    # ---- features -------------------------------------------------------------
    def _prepare(self, texts: Sequence[str]) -> tuple[list[str], list[str]]:
        norm = [normalise(t, limit=self.params.max_chars) for t in texts]
        return norm, [" ".join(words(t)) for t in norm]

    @staticmethod
    def _scores(x: sp.csr_matrix, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
        out = np.empty((x.shape[0], weights.shape[1]), dtype=np.float64)
        for i in range(x.shape[0]):
            start, end = x.indptr[i], x.indptr[i + 1]
            out[i] = x.data[start:end].astype(np.float64) @ weights[x.indices[start:end]]
        return out + bias

    # ---- training -------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        groups: Sequence[Any] | None = None,
        folds: int = 3,
        evaluate: bool = True,
    ) -> RoutingModel:
        """Train on raw (or segmented) texts. With ``evaluate``, first run a ``folds``-fold
        cross-validation (grouped when ``groups`` is given) to measure the model and fit
        the confidence temperature; then train on everything. The text is analysed once."""
        started = time.perf_counter()
        chars, wordtexts = self._prepare(texts)
        y = [str(v) for v in labels]
        self.labels = sorted(set(y))
        if len(self.labels) < 2:
            raise ValueError("at least two categories are needed to train")
        index = {lab: i for i, lab in enumerate(self.labels)}
        y_idx = np.array([index[v] for v in y])
        p = self.params
        counts = Counts(chars, wordtexts, p)
        n_counts = np.bincount(y_idx, minlength=len(self.labels))
        k = int(min(folds, n_counts.min())) if evaluate else 0
        self.evaluation = None
        if k >= 2:
            holdout = len(y) >= p.holdout_from
            if holdout:
                # one stratified 80/20 split: the first fold of a 5-fold split
                splitter: Any = (
                    StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=p.seed)
                    if groups is not None
                    else StratifiedKFold(n_splits=5, shuffle=True, random_state=p.seed)
                )
                splits = [next(iter(splitter.split(chars, y_idx, *([np.asarray(list(groups))] if groups is not None else []))))]
            elif groups is not None:
                splits = list(
                    StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=p.seed).split(chars, y_idx, np.asarray(list(groups)))
                )
            else:
                splits = list(StratifiedKFold(n_splits=k, shuffle=True, random_state=p.seed).split(chars, y_idx))
            scored = np.zeros(len(y), dtype=bool)
            oof = np.zeros((len(y), len(self.labels)), dtype=np.float64)
            for tr, te in splits:
                (x_tr, x_te), _feat = counts.features(tr, [tr, te])
                weights, bias = _linear_fit(x_tr, y_idx[tr], len(self.labels), p)
                oof[te] = self._scores(x_te, weights, bias)
                scored[te] = True
            oof, y_eval = oof[scored], y_idx[scored]
            self.temperature = fit_temperature(oof, y_eval)
            pred = oof.argmax(axis=1)
            prec, rec, f1, sup = precision_recall_fscore_support(y_eval, pred, labels=range(len(self.labels)), zero_division=0)
            self.evaluation = Evaluation(
                folds=1 if holdout else k,
                n=int(scored.sum()),
                accuracy=round(float(accuracy_score(y_eval, pred)), 4),
                macro_f1=round(float(f1_score(y_eval, pred, average="macro")), 4),
                per_class={
                    lab: {
                        "precision": round(float(prec[i]), 4),
                        "recall": round(float(rec[i]), 4),
                        "f1": round(float(f1[i]), 4),
                        "support": int(sup[i]),
                    }
                    for i, lab in enumerate(self.labels)
                },
                labels=list(self.labels),
                confusion=confusion_matrix(y_eval, pred, labels=range(len(self.labels))).tolist(),
                temperature=self.temperature,
                seconds=0.0,
                grouped=groups is not None,
            )
        everything = np.arange(len(y))
        (x_all,), self.featurizer = counts.features(everything, [everything])
        self.weights, self.bias = _linear_fit(x_all, y_idx, len(self.labels), p)
        self.n_train = len(y)
        if self.evaluation is not None:
            self.evaluation.seconds = round(time.perf_counter() - started, 2)
        return self

    # ---- prediction -----------------------------------------------------------
    def _features(self, texts: Sequence[str]) -> sp.csr_matrix:
        if self.weights is None or self.featurizer is None:
            raise RuntimeError("model is not trained")
        chars, wordtexts = self._prepare(texts)
        return self.featurizer.transform(chars, wordtexts, self.params)

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        assert self.weights is not None and self.bias is not None
        return self._scores(self._features(texts), self.weights, self.bias)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return _softmax(self.decision(texts), self.temperature)

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.labels[i] for i in self.decision(texts).argmax(axis=1)]

    def top(self, text: str, k: int = 3) -> list[Prediction]:
        return self.suggest(text, k=k, explain=0)[0]

    def suggest(self, text: str, k: int = 3, explain: int = 4) -> tuple[list[Prediction], dict[str, list[tuple[str, float]]]]:
        """The top ``k`` predictions and, for each, the ``explain`` terms that weighed most;
        the text is analysed once."""
        assert self.weights is not None and self.bias is not None
        chars, wordtexts = self._prepare([text])
        assert self.featurizer is not None
        x = self.featurizer.transform(chars, wordtexts, self.params)
        proba = _softmax(self._scores(x, self.weights, self.bias), self.temperature)[0]
        order = np.argsort(-proba, kind="stable")[:k]
        preds = [Prediction(self.labels[i], round(float(proba[i]), 4)) for i in order]
        readable = set(wordtexts[0].split())
        reasons = {p.label: self._explain_row(x.getrow(0), p.label, explain, readable) for p in preds} if explain else {}
        return preds, reasons

    def explain(self, text: str, label: str, n: int = 5) -> list[tuple[str, float]]:
        """The terms of ``text`` that weighed most for ``label`` (feature value × weight),
        longest first among overlapping ones; single characters are not shown."""
        if label not in self.labels or self.weights is None or self.featurizer is None:
            return []
        chars, wordtexts = self._prepare([text])
        return self._explain_row(self.featurizer.transform(chars, wordtexts, self.params).getrow(0), label, n, set(wordtexts[0].split()))

    def _explain_row(self, row: sp.csr_matrix, label: str, n: int, readable: set[str] | None = None) -> list[tuple[str, float]]:
        """Terms by contribution. With ``readable`` (the jieba words of the text), a character
        n-gram is shown only when it lies within one of those words, so reasons read as
        words, not fragments across two; words every complaint has are not shown."""
        assert self.weights is not None and self.featurizer is not None
        coef = self.weights[:, self.labels.index(label)]
        names = _names(self.featurizer)
        contrib = sorted(
            ((float(v * coef[j]), int(j)) for j, v in zip(row.indices, row.data, strict=True) if v * coef[j] > 0), reverse=True
        )
        shown: list[tuple[str, float]] = []
        for weight, j in contrib[: 8 * n]:
            term = names[j]
            if len(term) < 2 or term.isdigit() or " " in term:
                continue
            if term in COMMON_WORDS:
                continue
            if readable is not None and j < self.featurizer.n_char and not any(term in w for w in readable):
                continue
            if any(term in s for s, _w in shown):
                continue
            shown = [(s, w) for s, w in shown if s not in term]
            shown.append((term, round(weight, 4)))
            if len(shown) >= n:
                break
        return shown

    def n_features(self) -> int:
        return int(self.weights.shape[0]) if self.weights is not None else 0


def _names(feat: Featurizer) -> list[str]:
    cached = getattr(feat, "_names", None)
    if cached is None:
        cached = feat.names()
        feat._names = cached  # type: ignore[attr-defined]
    return cached
