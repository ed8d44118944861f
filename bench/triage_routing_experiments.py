#!/usr/bin/env python
"""Routing experiments of issue 8, third round (docs/decisions/0002-routing-model.md).

Grouped 5-fold CV on dev_labelled.csv with the folds of ``bench/triage_eval --only routing``
(StratifiedGroupKFold, shuffle, seed 0, groups from dev_near_dup_groups.csv); every
vocabulary, idf and weight is fitted on the training folds only. The text is analysed once
with the product's code (``RoutingModel._prepare``, ``Counts``); the classifier is the
product's NBSVM with the options the product does not have (class weights, loss, sample
weights). Evaluation only: nothing here is used by the product.

    .venv/bin/python bench/triage_routing_experiments.py variants base cw_balanced C0.5 ...
    .venv/bin/python bench/triage_routing_experiments.py knn char      # needs 'variants base' first
    .venv/bin/python bench/triage_routing_experiments.py selftrain 0.9 0.5 1.0
    .venv/bin/python bench/triage_routing_experiments.py ensemble      # over saved variant scores

Scores of each variant are saved under $TRIAGE_EXP (default /tmp/triage_exp) for the
kNN blend and the ensembles; each result line is appended to results.txt there.
"""

from __future__ import annotations

import csv
import itertools
import os
import pickle
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.model_selection import StratifiedGroupKFold  # noqa: E402

from lib.triage.model import (  # noqa: E402
    Counts,
    Params,
    RoutingModel,
    _codepoints,
    _hashed_counts,
    _l2,
    _ngram_hashes,
    _softmax,
    char_hashes,
    fit_temperature,
)

csv.field_size_limit(10_000_000)
DATA = Path(os.environ.get("TRIAGE_DATA", str(ROOT.parent / "shared" / "data" / "complaints")))
OUT = Path(os.environ.get("TRIAGE_EXP", "/tmp/triage_exp"))
OUT.mkdir(parents=True, exist_ok=True)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


DEV = read_csv(DATA / "dev_labelled.csv")
_GROUPS = {r["id"]: r["group"] for r in read_csv(DATA / "dev_near_dup_groups.csv")}
Y = np.array([r["label"] for r in DEV], dtype=object)
LABELS = sorted(set(Y))
Y_IDX = np.array([LABELS.index(v) for v in Y])
FOLDS = list(StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0).split(np.zeros(len(Y)), Y, np.array([_GROUPS[r["id"]] for r in DEV])))
OFFSETS = np.cumsum([0] + [len(te) for _, te in FOLDS])
P = Params()


def prepared(texts: list[str], name: str, max_chars: int = 1500) -> tuple[list[str], list[str]]:
    cache = OUT / f"prep_{name}_{max_chars}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    res = RoutingModel(params=Params(max_chars=max_chars))._prepare(texts)
    cache.write_bytes(pickle.dumps(res))
    return res


def nbsvm_fit(x: sp.csr_matrix, y: np.ndarray, p: Params, class_weight=None, loss="squared_hinge", beta=None, sample_weight=None):
    """The product's NBSVM (lib.triage.model._linear_fit) with more options."""
    from sklearn.svm import LinearSVC

    weights = np.zeros((x.shape[1], len(LABELS)), dtype=np.float32)
    bias = np.zeros(len(LABELS))
    binary = (x > 0).astype(np.float32).tocsr()
    total = np.asarray(binary.sum(axis=0), dtype=np.float64).ravel()
    for k in range(len(LABELS)):
        target = (y == k).astype(int)
        pos = np.asarray(binary[target == 1].sum(axis=0), dtype=np.float64).ravel()
        neg = total - pos + p.nb_alpha
        pos += p.nb_alpha
        r = np.log((pos / pos.sum()) / (neg / neg.sum()))
        clf = LinearSVC(C=p.c, random_state=p.seed, dual=True, max_iter=5000, tol=p.tol, class_weight=class_weight, loss=loss)
        clf.fit(x.multiply(r.astype(np.float32)).tocsr(), target, sample_weight=sample_weight)
        w = clf.coef_[0]
        if beta is not None:  # Wang & Manning's interpolation
            w = (1 - beta) * np.abs(w).mean() + beta * w
        weights[:, k] = (w * r).astype(np.float32)
        bias[k] = clf.intercept_[0]
    return weights, bias


def tfidf(counts: sp.csr_matrix, train: np.ndarray, rows: list[np.ndarray], min_df=2, sublinear=True, weight=1.0):
    df = np.asarray((counts[train] > 0).sum(axis=0)).ravel()
    keep = np.flatnonzero(df >= min_df)
    idf = (np.log((1.0 + len(train)) / (1.0 + df[keep])) + 1.0).astype(np.float32)
    out = []
    for idx in rows:
        m = counts[idx][:, keep].tocsr()
        if sublinear:
            m.data = (np.log(m.data) + 1.0).astype(np.float32)
        m = _l2(m.multiply(idf).tocsr())
        m.data *= np.float32(weight)
        out.append(m)
    return out


def build(blocks, train, rows):
    """blocks: (counts, weight, min_df, sublinear) each; one matrix per index array in rows."""
    per = [tfidf(c, train, rows, md, sl, w) for c, w, md, sl in blocks]
    return [sp.hstack([b[i] for b in per]).tocsr() for i in range(len(rows))]


def report(name: str, scores: np.ndarray) -> None:
    """scores: the test folds' scores, concatenated in fold order."""
    pred = np.zeros(len(Y), dtype=int)
    fold_acc = []
    for i, (_tr, te) in enumerate(FOLDS):
        pred[te] = scores[OFFSETS[i] : OFFSETS[i + 1]].argmax(1)
        fold_acc.append(accuracy_score(Y_IDX[te], pred[te]))
    line = f"{name:<50} acc {accuracy_score(Y_IDX, pred):.4f} mF1 {f1_score(Y_IDX, pred, average='macro'):.4f} folds " + " ".join(
        f"{a:.4f}" for a in fold_acc
    )
    print(line, flush=True)
    with open(OUT / "results.txt", "a") as fh:
        fh.write(line + "\n")


def dev_counts(max_chars: int = 1500, p: Params = P) -> tuple[Counts, list[str]]:
    chars, wordtexts = prepared([r["text"] for r in DEV], "dev", max_chars)
    return Counts(chars, wordtexts, p), chars


def variants(names: list[str]) -> None:
    counts, chars = dev_counts()

    def head(n: int, lo: int, hi: int) -> sp.csr_matrix:
        return _hashed_counts([char_hashes(t[:n], lo, hi) for t in chars])[0]

    def skip_bigrams(gaps: tuple[int, ...]) -> sp.csr_matrix:
        """Character pairs with ``gap`` characters between them (robust to a dropped function word)."""

        def one(text: str, gap: int) -> np.ndarray:
            b = _codepoints(text)
            if len(b) <= gap + 1:
                return np.zeros(0, dtype=np.uint64)
            return _ngram_hashes(np.stack([b[: len(b) - gap - 1], b[gap + 1 :]], 1).ravel(), 2, 2, 77 + gap)[::2]

        return _hashed_counts([np.concatenate([one(t, g) for g in gaps]) for t in chars])[0]

    def base(md=2, sl=True):
        return [(counts.char, 1.0, md, sl), (counts.word, 1.0, md, sl), (counts.head, 1.0, md, sl)]

    table = {
        "base": (base, {}, P),
        "cw_balanced": (base, {"class_weight": "balanced"}, P),
        "C0.5": (base, {}, replace(P, c=0.5)),
        "C2": (base, {}, replace(P, c=2.0)),
        "mindf1": (lambda: base(md=1), {}, P),
        "nosublinear": (lambda: base(sl=False), {}, P),
        "hinge": (base, {"loss": "hinge"}, P),
        "interp0.25": (base, {"beta": 0.25}, P),
        "head24_c24": (lambda: base()[:2] + [(head(24, 2, 4), 1.0, 2, True)], {}, P),
        "head24_c14": (lambda: base()[:2] + [(head(24, 1, 4), 1.0, 2, True)], {}, P),
        "head24+title12": (lambda: base() + [(head(12, 1, 3), 0.5, 2, True)], {}, P),
        "head24+title12w1": (lambda: base() + [(head(12, 1, 3), 1.0, 2, True)], {}, P),
        "head24+head48w0.5": (lambda: base() + [(head(48, 1, 3), 0.5, 2, True)], {}, P),
        "word13": (lambda: [base()[0], (Counts(chars, prepared([r["text"] for r in DEV], "dev")[1], replace(P, word_ngrams=(1, 3), head_chars=0)).word, 1.0, 2, True), base()[2]], {}, P),
        "skip1": (lambda: base() + [(skip_bigrams((1,)), 1.0, 2, True)], {}, P),
        "skip1w0.5": (lambda: base() + [(skip_bigrams((1,)), 0.5, 2, True)], {}, P),
        "skip12w0.5": (lambda: base() + [(skip_bigrams((1, 2)), 0.5, 2, True)], {}, P),
        "maxc800": (None, {}, P),
    }
    for name in names:
        make, options, p = table[name]
        if make is None:
            c800, _ = dev_counts(800)
            blocks = [(c800.char, 1.0, 2, True), (c800.word, 1.0, 2, True), (c800.head, 1.0, 2, True)]
        else:
            blocks = make()
        scores = []
        for tr, te in FOLDS:
            x_tr, x_te = build(blocks, tr, [tr, te])
            w, b = nbsvm_fit(x_tr, Y_IDX[tr], p, **options)
            scores.append(RoutingModel._scores(x_te, w, b))
        np.save(OUT / f"scores_{name}.npy", np.concatenate(scores))
        report(name, np.concatenate(scores))


def knn(which: str) -> None:
    """NBSVM scores + lam × the similarity-weighted label vote of the k most cosine-similar
    training messages (TF-IDF of the chosen blocks), over a small grid."""
    counts, _chars = dev_counts()
    blocks = {"all": [counts.char, counts.word, counts.head], "char": [counts.char], "word": [counts.word]}[which]
    base = np.load(OUT / "scores_base.npy")
    neighbours = []
    for tr, te in FOLDS:
        x_tr, x_te = build([(c, 1.0, 2, True) for c in blocks], tr, [tr, te])
        sims = (x_te @ x_tr.T).toarray() / len(blocks)
        top = np.argsort(-sims, axis=1)[:, :50]
        neighbours.append((np.take_along_axis(sims, top, 1), Y_IDX[tr][top]))
    for k, lam, power in itertools.product([5, 10, 20], [0.25, 0.5, 1.0, 2.0], [1, 2]):
        votes = []
        for sims, labs in neighbours:
            w = sims[:, :k] ** power
            v = np.stack([(w * (labs[:, :k] == c)).sum(1) for c in range(len(LABELS))], 1)
            votes.append(v / np.maximum(w.sum(1, keepdims=True), 1e-9))
        report(f"nbsvm + {lam}*knn[{which}] k={k} sim^{power}", base + lam * np.concatenate(votes))


def selftrain(threshold: float, near: float, pseudo_weight: float) -> None:
    """Pseudo-labels: per fold, train, label the unlabelled messages (messages_raw.csv and
    messages_with_replies.csv, raw text) whose confidence (softmax, temperature 0.25) is at
    least ``threshold``, retrain with them, score the test fold. Unlabelled messages that
    are a test-fold message (bench/labels/triage_raw_dev_matches.csv) or near one (mean
    block cosine ≥ ``near``; raw copies of a dev row score 0.70 or more, median 0.88) are
    left out."""
    unl = [(f, r["id"], f"{r['title']}\n{r['detail']}") for f in ("messages_raw", "messages_with_replies") for r in read_csv(DATA / f"{f}.csv")]
    uc, uw = prepared([t for *_, t in unl], "unlabelled")
    chars, wordtexts = prepared([r["text"] for r in DEV], "dev")
    n, u = len(chars), len(uc)
    counts = Counts(list(chars) + list(uc), list(wordtexts) + list(uw), P)
    pos = {r["id"]: i for i, r in enumerate(DEV)}
    match: dict[tuple[str, str], set[int]] = {}
    for m in read_csv(ROOT / "bench" / "labels" / "triage_raw_dev_matches.csv"):
        match.setdefault((m["file"], m["raw_id"]), set()).add(pos[m["dev_id"]])
    scores = []
    for tr, te in FOLDS:
        te_set = set(te.tolist())
        (x_tr, x_te, x_u), _f = counts.features(tr, [tr, te, n + np.arange(u)])
        w, b = nbsvm_fit(x_tr, Y_IDX[tr], P)
        closest = np.asarray(x_u.dot(x_te.T).max(axis=1).toarray()).ravel() / 3
        bad = np.array([bool(match.get((f, i), set()) & te_set) for f, i, _t in unl]) | (closest >= near)
        proba = _softmax(RoutingModel._scores(x_u, w, b), 0.25)
        sel = np.flatnonzero((proba.max(1) >= threshold) & ~bad)
        tr2 = np.concatenate([tr, n + sel])
        (x_tr2, x_te2), _f = counts.features(tr2, [tr2, te])
        w2, b2 = nbsvm_fit(x_tr2, np.concatenate([Y_IDX[tr], proba.argmax(1)[sel]]), P, sample_weight=np.r_[np.ones(len(tr)), np.full(len(sel), pseudo_weight)])
        scores.append(RoutingModel._scores(x_te2, w2, b2))
        print(f"  fold: {int(bad.sum())} unlabelled left out, {len(sel)} pseudo-labelled", flush=True)
    report(f"selftrain thr={threshold} near={near} pseudo weight={pseudo_weight}", np.concatenate(scores))


def ensemble() -> None:
    """Mean of calibrated probabilities (temperature per fold fitted on the other folds)."""
    y_te = Y_IDX[np.concatenate([te for _, te in FOLDS])]
    proba = {}
    for f in sorted(OUT.glob("scores_*.npy")):
        s = np.load(f)
        out = np.zeros_like(s)
        for i in range(5):
            others = np.r_[0 : OFFSETS[i], OFFSETS[i + 1] : len(s)]
            out[OFFSETS[i] : OFFSETS[i + 1]] = _softmax(s[OFFSETS[i] : OFFSETS[i + 1]], fit_temperature(s[others], y_te[others]))
        proba[f.stem[len("scores_") :]] = out
    report(f"ens: all {len(proba)} variants, mean prob", sum(proba.values()))
    for combo in [("base", "head24_c14", "mindf1", "nosublinear"), ("base", "mindf1"), ("base", "nosublinear"), ("base", "head24_c24")]:
        if all(c in proba for c in combo):
            report("ens: " + "+".join(combo), sum(proba[c] for c in combo))


if __name__ == "__main__":
    what, args = sys.argv[1], sys.argv[2:]
    if what == "variants":
        variants(args)
    elif what == "knn":
        knn(args[0] if args else "all")
    elif what == "selftrain":
        selftrain(*(float(a) for a in (args + ["0.9", "0.5", "1.0"][len(args) :])))
    elif what == "ensemble":
        ensemble()
    else:
        raise SystemExit(__doc__)
