"""The routing classifier: which category (and from it which unit) a new case belongs to.

Features: character 1–3-grams of the normalised text (robust to however the text was
prepared: raw, or segmented and stop-worded) plus jieba word 1–2-grams, plus the
character 1–3-grams of the text's first ``head_chars`` characters as a block of their
own (where the title is: what a message is about is said first), each block TF-IDF
weighted with sublinear term frequency and L2-normalised. Classifier: NBSVM (Wang & Manning 2012), i.e.
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
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp

from lib.triage.replies import COMMON_WORDS
from lib.triage.text import normalise, words

MODEL_KIND = "char13+word12+head24-nbsvm-softmax"
#: bumped whenever the pickled structure changes: an older file is refused, not misread
MODEL_FORMAT = 3


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
    #: the first this many normalised characters (the title, and the start of the detail)
    #: get a character n-gram block of their own; 0 turns the block off
    head_chars: int = 24
    #: that block's weight relative to the whole-text blocks
    head_weight: float = 1.0
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

    from sklearn.svm import LinearSVC  # training only: web workers never import scikit-learn

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
    """Raw n-gram counts of a corpus, computed once (columns are the 64-bit hashes of the
    n-grams, ``char_hashes`` / ``word_hashes``); a fold's TF-IDF features are derived from
    them without analysing the text again."""

    def __init__(self, chars: list[str], wordtexts: list[str], p: Params) -> None:
        self.char, self.char_keys = _hashed_counts([char_hashes(t, *p.char_ngrams) for t in chars])
        tokens = [w.split() for w in wordtexts]
        self.word, self.word_keys = _hashed_counts([word_hashes(tk, *p.word_ngrams) for tk in tokens])
        self.head, self.head_keys = (
            _hashed_counts([char_hashes(t[: p.head_chars], *p.char_ngrams) for t in chars]) if p.head_chars else (None, None)
        )
        self.head_weight = p.head_weight
        names: dict[int, str] = {}
        if p.word_ngrams[0] <= 1:
            for word in {t for tk in tokens for t in tk}:
                names[int(word_hashes([word], 1, 1)[0])] = word
        self.unigram_names = names
        self.min_df = p.min_df

    def features(self, train: np.ndarray, rows: list[np.ndarray]) -> tuple[list[sp.csr_matrix], Featurizer]:
        """TF-IDF matrices for each index array in ``rows``, with the vocabulary (document
        frequency ≥ min_df) and idf of the ``train`` rows: what TfidfVectorizer(min_df,
        sublinear_tf=True) fitted on those rows gives, per block (chars, words); and the
        featurizer that computes the same features for new text. The head block is scaled
        by ``head_weight``."""
        sources = [self.char, self.word] + ([self.head] if self.head is not None else [])
        scales = [1.0, 1.0, self.head_weight]
        blocks = []
        for counts in sources:
            sub = counts[train]
            df = np.asarray((sub > 0).sum(axis=0)).ravel()
            keep = np.flatnonzero(df >= self.min_df)
            n = len(train)
            idf = (np.log((1.0 + n) / (1.0 + df[keep])) + 1.0).astype(np.float32)
            blocks.append((keep, idf))
        out = []
        for idx in rows:
            parts = []
            for (keep, idf), counts, scale in zip(blocks, sources, scales[: len(sources)], strict=True):
                m = counts[idx][:, keep].tocsr()
                m.data = (np.log(m.data) + 1.0).astype(np.float32)
                m = _l2(m.multiply(idf).tocsr())
                if scale != 1.0:
                    m.data *= np.float32(scale)
                parts.append(m)
            out.append(sp.hstack(parts).tocsr())
        (c_keep, c_idf), (w_keep, w_idf) = blocks[:2]
        head = None
        if self.head is not None and self.head_keys is not None:
            h_keep, h_idf = blocks[2]
            head = _Block(self.head_keys[h_keep], np.arange(len(h_keep), dtype=np.int32), h_idf)
        w_keys = self.word_keys[w_keep]
        unigrams = {self.unigram_names[int(h)]: float(w_idf[i]) for i, h in enumerate(w_keys.tolist()) if int(h) in self.unigram_names}
        feat = Featurizer(
            _Block(self.char_keys[c_keep], np.arange(len(c_keep), dtype=np.int32), c_idf),
            _Block(w_keys, np.arange(len(w_keep), dtype=np.int32), w_idf),
            unigrams,
            head,
            self.head_weight,
        )
        return out, feat


def _hashed_counts(per_doc: list[np.ndarray]) -> tuple[sp.csr_matrix, np.ndarray]:
    """A documents × distinct-hashes count matrix (columns in hash order) and the hashes."""
    lengths = np.fromiter((len(a) for a in per_doc), dtype=np.int64, count=len(per_doc))
    everything = np.concatenate(per_doc) if len(per_doc) else np.zeros(0, dtype=np.uint64)
    keys, inverse = np.unique(everything, return_inverse=True)
    rows = np.repeat(np.arange(len(per_doc)), lengths)
    m = sp.csr_matrix((np.ones(len(everything), dtype=np.float32), (rows, inverse.ravel())), shape=(len(per_doc), len(keys)))
    m.sum_duplicates()
    return m, keys


def _l2(m: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.diags((1.0 / norms).astype(np.float32)).dot(m).tocsr()


_FNV_PRIME = np.uint64(1099511628211)
_CHAR_SEED = 0x84222325CBF29CE4
_WORD_SEED = 0x9E3779B97F4A7C15
_MASK = (1 << 64) - 1


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def char_hashes(text: str, lo: int, hi: int) -> np.ndarray:
    """64-bit FNV-style hashes of the character n-grams of ``text`` (lo ≤ n ≤ hi), in the
    order n-gram length, then position; vectorised over the text."""
    return _ngram_hashes(_codepoints(text), lo, hi, _CHAR_SEED)


def _ngram_hashes(base: np.ndarray, lo: int, hi: int, seed: int) -> np.ndarray:
    """FNV-style hashes of the n-grams (lo ≤ n ≤ hi) of a sequence of 64-bit values, in the
    order n-gram length, then position; vectorised over the sequence."""
    out = []
    with np.errstate(over="ignore"):
        for n in range(lo, hi + 1):
            m = len(base) - n + 1
            if m <= 0:
                continue
            h = np.full(m, np.uint64((seed + n) & _MASK))
            for k in range(n):
                h = (h ^ base[k : k + m]) * _FNV_PRIME
            out.append(h)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.uint64)


@lru_cache(maxsize=200_000)
def _word_hash(word: str) -> int:
    h = _WORD_SEED
    for ch in word:
        h = ((h ^ ord(ch)) * 1099511628211) & _MASK
    return h


def word_hashes(tokens: list[str], lo: int, hi: int) -> np.ndarray:
    """Hashes of the word n-grams (lo ≤ n ≤ hi) of a token list, in the order n-gram
    length, then position."""
    base = np.fromiter((_word_hash(t) for t in tokens), dtype=np.uint64, count=len(tokens))
    return _ngram_hashes(base, lo, hi, _WORD_SEED)


@dataclass
class _Block:
    keys: np.ndarray  # sorted uint64 hashes of the vocabulary
    index: np.ndarray  # feature index of each key (int32)
    idf: np.ndarray  # float32, by feature index

    def lookup(self, hashes: np.ndarray) -> np.ndarray:
        """Feature index of each hash, -1 when it is not in the vocabulary."""
        if not len(hashes) or not len(self.keys):
            return np.full(len(hashes), -1, dtype=np.int64)
        pos = np.searchsorted(self.keys, hashes)
        pos[pos >= len(self.keys)] = 0
        found = self.keys[pos] == hashes
        return np.where(found, self.index[pos].astype(np.int64), -1)

    def weights(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        feats = self.lookup(hashes)
        feats = feats[feats >= 0]
        if not len(feats):
            return feats, np.zeros(0, dtype=np.float64)
        cols, counts = np.unique(feats, return_counts=True)
        vals = (np.log(counts.astype(np.float64)) + 1.0) * self.idf[cols]
        vals /= np.sqrt((vals * vals).sum()) or 1.0
        return cols, vals


@dataclass
class Featurizer:
    """The inference side of the features: the vocabularies of the training set as sorted
    64-bit hashes (about 12 bytes a feature instead of a Python string and a dict entry),
    their idf, and the idf of single words by name (for keyword vectors and hotspots)."""

    chars: _Block
    words: _Block
    unigram_idf: dict[str, float]
    #: character n-grams of the text's first ``Params.head_chars`` characters (None: off)
    head: _Block | None = None
    head_weight: float = 1.0

    @property
    def n_char(self) -> int:
        return len(self.chars.keys)

    @property
    def n_word(self) -> int:
        return len(self.words.keys)

    @property
    def n_features(self) -> int:
        return self.n_char + self.n_word + (len(self.head.keys) if self.head is not None else 0)

    def transform(self, chars: Sequence[str], wordtexts: Sequence[str], p: Params) -> sp.csr_matrix:
        indptr = [0]
        indices: list[np.ndarray] = []
        data: list[np.ndarray] = []
        total = 0
        for text, wordtext in zip(chars, wordtexts, strict=True):
            c_cols, c_vals = self.chars.weights(char_hashes(text, *p.char_ngrams))
            w_cols, w_vals = self.words.weights(word_hashes(wordtext.split(), *p.word_ngrams))
            indices += [c_cols, w_cols + self.n_char]
            data += [c_vals, w_vals]
            total += len(c_cols) + len(w_cols)
            if self.head is not None:
                h_cols, h_vals = self.head.weights(char_hashes(text[: p.head_chars], *p.char_ngrams))
                indices.append(h_cols + self.n_char + self.n_word)
                data.append(h_vals * self.head_weight)
                total += len(h_cols)
            indptr.append(total)
        return sp.csr_matrix(
            (
                np.concatenate(data).astype(np.float32) if data else np.zeros(0, dtype=np.float32),
                np.concatenate(indices).astype(np.int64) if indices else np.zeros(0, dtype=np.int64),
                np.asarray(indptr, dtype=np.int64),
            ),
            shape=(len(chars), self.n_features),
        )

    def word_idf_map(self) -> dict[str, float]:
        """The idf of single words (for keyword vectors and hotspots)."""
        return self.unigram_idf

    def terms_of(self, text: str, wordtext: str, p: Params, wanted: set[int] | None = None) -> dict[int, str]:
        """Feature index → the text's own n-gram, for the features this text has (or only
        those in ``wanted``): feature names come from the text, the model keeps no strings.
        Word pairs keep their space."""
        out: dict[int, str] = {}
        _name_char_ngrams(out, self.chars, text, p, 0, wanted)
        if self.head is not None:
            _name_char_ngrams(out, self.head, text[: p.head_chars], p, self.n_char + self.n_word, wanted)
        tokens = wordtext.split()
        wl = self.words.lookup(word_hashes(tokens, *p.word_ngrams))
        if wanted is None or any(j >= self.n_char for j in wanted):
            wgrams = _word_ngrams(tokens, *p.word_ngrams)
            for j, g in zip(wl.tolist(), wgrams, strict=True):
                if j >= 0 and (wanted is None or j + self.n_char in wanted):
                    out.setdefault(j + self.n_char, g)
        return out


def _name_char_ngrams(out: dict[int, str], block: _Block, text: str, p: Params, offset: int, wanted: set[int] | None) -> None:
    """Adds feature index (+ ``offset``) → character n-gram of ``text`` for the n-grams of
    ``block`` the text has (or only those in ``wanted``)."""
    lookup = block.lookup(char_hashes(text, *p.char_ngrams))
    starts = []  # (first position in the hash array, n, count) per n-gram length
    pos = 0
    for n in range(p.char_ngrams[0], p.char_ngrams[1] + 1):
        m = max(len(text) - n + 1, 0)
        starts.append((pos, n, m))
        pos += m
    found = lookup >= 0
    if wanted is not None:
        found &= np.isin(lookup + offset, list(wanted))
    for at in np.flatnonzero(found).tolist():
        j = int(lookup[at]) + offset
        if j in out:
            continue
        for first, n, m in starts:
            if first <= at < first + m:
                out[j] = text[at - first : at - first + n]
                break


def _char_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """The character n-grams in the order ``char_hashes`` hashes them."""
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
    format: int = MODEL_FORMAT
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
        from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
        from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

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
        reasons: dict[str, list[tuple[str, float]]] = {}
        if explain:
            row = x.getrow(0)
            wanted = {j for p in preds for _c, j in self._contributions(row, p.label)[: 8 * explain]}
            names = self.featurizer.terms_of(chars[0], wordtexts[0], self.params, wanted)
            readable = set(wordtexts[0].split())
            reasons = {p.label: self._explain_row(row, p.label, explain, names, readable) for p in preds}
        return preds, reasons

    def _contributions(self, row: sp.csr_matrix, label: str) -> list[tuple[float, int]]:
        assert self.weights is not None
        coef = self.weights[:, self.labels.index(label)]
        contrib = row.data.astype(np.float64) * coef[row.indices]
        order = np.argsort(-contrib, kind="stable")
        return [(float(contrib[i]), int(row.indices[i])) for i in order if contrib[i] > 0]

    def explain(self, text: str, label: str, n: int = 5) -> list[tuple[str, float]]:
        """The terms of ``text`` that weighed most for ``label`` (feature value × weight),
        longest first among overlapping ones; single characters are not shown."""
        if label not in self.labels or self.weights is None or self.featurizer is None:
            return []
        chars, wordtexts = self._prepare([text])
        row = self.featurizer.transform(chars, wordtexts, self.params).getrow(0)
        names = self.featurizer.terms_of(chars[0], wordtexts[0], self.params)
        return self._explain_row(row, label, n, names, set(wordtexts[0].split()))

    def _explain_row(
        self, row: sp.csr_matrix, label: str, n: int, names: dict[int, str], readable: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """Terms by contribution. With ``readable`` (the jieba words of the text), a character
        n-gram is shown only when it lies within one of those words, so reasons read as
        words, not fragments across two; words every complaint has are not shown."""
        assert self.weights is not None and self.featurizer is not None
        contrib = self._contributions(row, label)
        shown: list[tuple[str, float]] = []
        for weight, j in contrib[: 8 * n]:
            term = names.get(j, "")
            if len(term) < 2 or term.isdigit() or " " in term:
                continue
            if term in COMMON_WORDS:
                continue
            is_char = j < self.featurizer.n_char or j >= self.featurizer.n_char + self.featurizer.n_word
            if readable is not None and is_char and not any(term in w for w in readable):
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
