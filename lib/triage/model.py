"""The routing classifier: which category (and from it which unit) a new case belongs to.

Features: character 1–3-grams of the normalised text (robust to however the text was
prepared: raw, or segmented and stop-worded) plus jieba word 1–2-grams, each TF-IDF
weighted with sublinear term frequency. Classifier: a linear SVM (one-vs-rest). Its
scores become probabilities by a softmax whose temperature is fitted on out-of-fold
scores of a cross-validation run during training, so "confidence 0.8" means right about
80% of the time. See docs/decisions/0002-routing-model.md for the measurements behind
these choices.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.svm import LinearSVC

from lib.triage.text import normalise, words

MODEL_KIND = "char13+word12-linsvc-softmax"


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float


@dataclass
class Evaluation:
    """Cross-validated figures of a training run."""

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
    c: float = 1.0
    char_ngrams: tuple[int, int] = (1, 3)
    word_ngrams: tuple[int, int] = (1, 2)
    min_df: int = 2
    max_chars: int = 3000
    seed: int = 0


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / max(temperature, 1e-6)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, y_idx: np.ndarray) -> float:
    """The softmax temperature minimising the negative log-likelihood of out-of-fold scores."""
    best_t, best_nll = 1.0, float("inf")
    for t in np.exp(np.linspace(np.log(0.02), np.log(5.0), 80)):
        p = _softmax(scores, float(t))
        nll = -float(np.mean(np.log(p[np.arange(len(y_idx)), y_idx] + 1e-12)))
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return round(best_t, 4)


@dataclass
class RoutingModel:
    params: Params = field(default_factory=Params)
    labels: list[str] = field(default_factory=list)
    temperature: float = 1.0
    kind: str = MODEL_KIND
    char_vec: TfidfVectorizer | None = None
    word_vec: TfidfVectorizer | None = None
    clf: LinearSVC | None = None
    n_train: int = 0
    evaluation: Evaluation | None = None

    # ---- features -------------------------------------------------------------
    def _prepare(self, texts: Sequence[str]) -> tuple[list[str], list[str]]:
        norm = [normalise(t)[: self.params.max_chars] for t in texts]
        return norm, [" ".join(words(t)) for t in norm]

    def _new_vectorizers(self) -> tuple[TfidfVectorizer, TfidfVectorizer]:
        p = self.params
        cv = TfidfVectorizer(analyzer="char", ngram_range=p.char_ngrams, sublinear_tf=True, min_df=p.min_df, dtype=np.float32)
        wv = TfidfVectorizer(
            analyzer="word", token_pattern=r"\S+", ngram_range=p.word_ngrams, sublinear_tf=True, min_df=p.min_df, dtype=np.float32
        )
        return cv, wv

    @staticmethod
    def _fit_one(
        cv: TfidfVectorizer, wv: TfidfVectorizer, chars: list[str], wordtexts: list[str], y: np.ndarray, c: float, seed: int
    ) -> tuple[LinearSVC, sp.csr_matrix]:
        x = sp.hstack([cv.fit_transform(chars), wv.fit_transform(wordtexts)]).tocsr()
        clf = LinearSVC(C=c, random_state=seed, dual=True, max_iter=5000)
        clf.fit(x, y)
        return clf, x

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
        the confidence temperature; then train on everything."""
        started = time.perf_counter()
        chars, wordtexts = self._prepare(texts)
        y = np.asarray(list(labels), dtype=object)
        self.labels = sorted({str(v) for v in y})
        if len(self.labels) < 2:
            raise ValueError("at least two categories are needed to train")
        y_idx = np.array([self.labels.index(str(v)) for v in y])
        p = self.params
        counts = np.bincount(y_idx, minlength=len(self.labels))
        k = int(min(folds, counts.min())) if evaluate else 0
        if k >= 2:
            if groups is not None:
                splitter: Any = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=p.seed)
                splits = splitter.split(chars, y_idx, np.asarray(list(groups)))
            else:
                splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=p.seed)
                splits = splitter.split(chars, y_idx)
            oof = np.zeros((len(y), len(self.labels)), dtype=np.float64)
            for tr, te in splits:
                cv, wv = self._new_vectorizers()
                clf, _ = self._fit_one(cv, wv, [chars[i] for i in tr], [wordtexts[i] for i in tr], y_idx[tr], p.c, p.seed)
                xt = sp.hstack([cv.transform([chars[i] for i in te]), wv.transform([wordtexts[i] for i in te])]).tocsr()
                oof[te] = self._full_scores(clf, xt, len(self.labels))
            self.temperature = fit_temperature(oof, y_idx)
            pred = oof.argmax(axis=1)
            prec, rec, f1, sup = precision_recall_fscore_support(y_idx, pred, labels=range(len(self.labels)), zero_division=0)
            self.evaluation = Evaluation(
                folds=k,
                n=len(y),
                accuracy=round(float(accuracy_score(y_idx, pred)), 4),
                macro_f1=round(float(f1_score(y_idx, pred, average="macro")), 4),
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
                confusion=confusion_matrix(y_idx, pred, labels=range(len(self.labels))).tolist(),
                temperature=self.temperature,
                seconds=0.0,
                grouped=groups is not None,
            )
        self.char_vec, self.word_vec = self._new_vectorizers()
        self.clf, _ = self._fit_one(self.char_vec, self.word_vec, chars, wordtexts, y_idx, p.c, p.seed)
        self.n_train = len(y)
        if self.evaluation is not None:
            self.evaluation.seconds = round(time.perf_counter() - started, 2)
        return self

    @staticmethod
    def _full_scores(clf: LinearSVC, x: sp.csr_matrix, n_labels: int) -> np.ndarray:
        s = clf.decision_function(x)
        if s.ndim == 1:  # binary: one column for the positive class
            s = np.column_stack([-s, s])
        out = np.full((x.shape[0], n_labels), -10.0)
        out[:, clf.classes_] = s
        return out

    # ---- prediction -----------------------------------------------------------
    def _features(self, texts: Sequence[str]) -> sp.csr_matrix:
        if self.clf is None or self.char_vec is None or self.word_vec is None:
            raise RuntimeError("model is not trained")
        chars, wordtexts = self._prepare(texts)
        return sp.hstack([self.char_vec.transform(chars), self.word_vec.transform(wordtexts)]).tocsr()

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        x = self._features(texts)
        assert self.clf is not None
        return _softmax(self._full_scores(self.clf, x, len(self.labels)), self.temperature)

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.labels[i] for i in self.predict_proba(texts).argmax(axis=1)]

    def top(self, text: str, k: int = 3) -> list[Prediction]:
        proba = self.predict_proba([text])[0]
        order = np.argsort(-proba, kind="stable")[:k]
        return [Prediction(self.labels[i], round(float(proba[i]), 4)) for i in order]

    def explain(self, text: str, label: str, n: int = 5) -> list[tuple[str, float]]:
        """The terms of ``text`` that weighed most for ``label`` (feature value × weight),
        words first; character n-grams inside a shown word are skipped."""
        if label not in self.labels or self.clf is None or self.char_vec is None or self.word_vec is None:
            return []
        x = self._features([text])
        cls = list(self.clf.classes_).index(self.labels.index(label)) if self.clf.coef_.shape[0] > 1 else 0
        coef = self.clf.coef_[cls]
        names_c = self.char_vec.get_feature_names_out()
        names_w = self.word_vec.get_feature_names_out()
        n_char = len(names_c)
        row = x.getrow(0)
        contrib = [(float(v * coef[j]), j) for j, v in zip(row.indices, row.data, strict=True)]
        contrib = [c for c in contrib if c[0] > 0]
        contrib.sort(reverse=True)
        shown: list[tuple[str, float]] = []
        for weight, j in contrib:
            term = str(names_w[j - n_char]).replace(" ", "") if j >= n_char else str(names_c[j])
            if len(term) < 2 or any(term in s for s, _ in shown):
                continue
            shown = [(s, w) for s, w in shown if s not in term] + [(term, round(weight, 4))]
            if len(shown) >= n:
                break
        return shown

    def size_hint(self) -> int:
        vc = len(self.char_vec.vocabulary_) if self.char_vec else 0
        vw = len(self.word_vec.vocabulary_) if self.word_vec else 0
        return vc + vw


def evaluate_grouped(
    texts: Sequence[str], labels: Sequence[str], groups: Sequence[Any], *, folds: int = 5, params: Params | None = None
) -> tuple[Evaluation, np.ndarray]:
    """A grouped k-fold evaluation (the benchmark's headline figure); returns the evaluation
    and the out-of-fold predictions (label indices into ``evaluation.labels``)."""
    model = RoutingModel(params=params or Params())
    started = time.perf_counter()
    model.fit(texts, labels, groups=groups, folds=folds, evaluate=True)
    assert model.evaluation is not None
    model.evaluation.seconds = round(time.perf_counter() - started, 2)
    return model.evaluation, np.array([])


def normalise_for_training(text: str) -> str:
    return normalise(text)
