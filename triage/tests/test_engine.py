"""The Django-free engine (lib.triage): text, model files, near-duplicate index, routing model, hotspots."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import numpy as np
import pytest

from lib.triage import dedup, store
from lib.triage.hotspots import Item, find_hotspots
from lib.triage.model import Params, RoutingModel
from lib.triage.text import is_meaningful, normalise
from triage.tests.helpers import TEMPLATES, invented


def test_it_normalises_raw_and_segmented_text_alike() -> None:
    raw = "A3区 幸福里小区：楼下烧烤店，油烟扰民！！\n请尽快处理。"
    segmented = "A3区幸福里小区楼下烧烤店油烟扰民请尽快处理"
    assert normalise(raw) == normalise(segmented) == "a0区幸福里小区楼下烧烤店油烟扰民请尽快处理"
    assert normalise("ＡＢＣ１２３，ｈｔｔｐｓ://x.cn/a 看") == "abc0看"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("   \n ", "empty"),
        ("路", "too_short"),
        ("停水", "too_short"),
        ("The road outside my house is broken", "foreign"),
        ("Здравствуйте, у нас нет воды", "foreign"),
    ],
)
def test_it_refuses_to_route_empty_short_or_foreign_text(text: str, why: str) -> None:
    assert is_meaningful(text) == (False, why)


def test_it_routes_chinese_text_with_some_latin() -> None:
    assert is_meaningful("KTV噪音扰民，每晚到凌晨") == (True, "")


def test_it_round_trips_a_signed_model_file(tmp_path: Path) -> None:
    path = tmp_path / "m.mstriage"
    sha = store.save(path, {"weights": [1, 2, 3]}, meta={"v": 1}, key=b"k")
    obj, meta = store.load(path, key=b"k")
    assert obj == {"weights": [1, 2, 3]} and meta["v"] == 1 and meta["payload_sha256"] == sha


def test_it_detects_a_corrupt_truncated_or_foreign_model_file(tmp_path: Path) -> None:
    path = tmp_path / "m.mstriage"
    store.save(path, list(range(1000)), key=b"k")
    blob = path.read_bytes()
    corrupt = bytearray(blob)
    corrupt[-10] ^= 0xFF
    path.write_bytes(bytes(corrupt))
    with pytest.raises(store.ModelFileError, match="checksum"):
        store.load(path, key=b"k")
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(store.ModelFileError, match="truncated"):
        store.load(path, key=b"k")
    path.write_bytes(b"not a model at all")
    with pytest.raises(store.ModelFileError, match="not a triage model"):
        store.load(path, key=b"k")
    path.write_bytes(blob)
    with pytest.raises(store.ModelFileError, match="signature"):
        store.load(path, key=b"another key")
    with pytest.raises(store.ModelFileError, match="missing"):
        store.load(tmp_path / "nothing.mstriage", key=b"k")


ORIGINAL = (
    "青山街道幸福里小区3栋楼下的老王烧烤每天晚上营业到凌晨两点，排烟管道正对着居民窗户，油烟熏得家里不能开窗，"
    "老人孩子咳嗽不止，和店主沟通多次没有效果，希望环保部门上门检查，督促安装油烟净化设备。"
)
REPOST = (
    "幸福里小区3栋楼下老王烧烤每晚营业到凌晨两点，排烟管道正对居民窗户，油烟熏得家里不能开窗，"
    "老人和孩子咳嗽不止，跟店主沟通了多次没有效果，希望环保部门上门检查并督促安装油烟净化设备！"
)
OTHER_MATTER_SAME_PLACE = (
    "青山街道幸福里小区3栋从昨天早上开始停水，物业和供水公司都没有提前通知，居民做饭洗漱都成了问题，"
    "老人孩子用水很不方便，希望供水部门尽快恢复供水并说明原因。"
)


def test_it_finds_a_reposted_message_with_small_edits_and_not_another_matter_at_the_same_place() -> None:
    a, b, c = (dedup.signature(normalise(t)) for t in (ORIGINAL, REPOST, OTHER_MATTER_SAME_PLACE))
    assert dedup.similarity(a, b) > 0.5
    assert dedup.similarity(a, c) < 0.2
    index = dedup.DuplicateIndex()
    index.add_many([1, 2], [a, c])
    matches = index.query(b)
    assert [m.id for m in matches] == [1]


def test_it_estimates_jaccard_close_to_the_exact_value() -> None:
    a, b = normalise(ORIGINAL), normalise(REPOST)
    est = dedup.similarity(dedup.signature(a), dedup.signature(b))
    assert abs(est - dedup.exact_jaccard(a, b)) < 0.2


def _corpus(seed: int = 1, per: int = 12) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for cat in TEMPLATES:
        for _i in range(per):
            title, body = invented(cat, rng)
            texts.append(f"{title}\n{body}")
            labels.append(cat)
    return texts, labels


def test_it_trains_deterministically_for_a_seed() -> None:
    texts, labels = _corpus()
    probe = ["翠湖苑楼下饭店油烟很大", "公司三个月没发工资了", "小区停水两天了"]
    m1 = RoutingModel(params=Params(seed=3)).fit(texts, labels, folds=3)
    m2 = RoutingModel(params=Params(seed=3)).fit(texts, labels, folds=3)
    assert np.array_equal(m1.predict_proba(probe), m2.predict_proba(probe))
    assert m1.evaluation is not None and m2.evaluation is not None
    assert m1.evaluation.as_dict() | {"seconds": 0} == m2.evaluation.as_dict() | {"seconds": 0}
    assert m1.predict(probe) == ["air-fumes", "wages-arrears", "water-outage"]


def test_it_explains_a_prediction_with_the_words_that_weighed_most() -> None:
    texts, labels = _corpus()
    model = RoutingModel().fit(texts, labels, folds=3)
    top = model.top("我们公司拖欠工资半年了，老板不见人", k=3)
    assert top[0].label == "wages-arrears" and top[0].confidence > top[1].confidence
    assert abs(sum(p.confidence for p in model.top("我们公司拖欠工资半年了", k=4)) - 1) < 1e-3
    terms = [t for t, _w in model.explain("我们公司拖欠工资半年了，老板不见人", "wages-arrears")]
    assert any("工资" in t or "拖欠" in t for t in terms)


def test_it_survives_a_round_trip_through_the_model_file(tmp_path: Path) -> None:
    texts, labels = _corpus()
    model = RoutingModel().fit(texts, labels, folds=0, evaluate=False)
    store.save(tmp_path / "m", model, key=b"k")
    again, _meta = store.load(tmp_path / "m", key=b"k")
    probe = ["小区楼下酒吧音响太吵"]
    assert np.array_equal(model.predict_proba(probe), again.predict_proba(probe))


def test_it_ranks_a_growing_cluster_as_a_hotspot_deterministically() -> None:
    start = dt.datetime(2026, 3, 9)
    items = []
    n = 0
    for day in range(7):
        for k in range(2 if day < 5 else 0):
            n += 1
            items.append(
                Item(
                    n,
                    normalise(f"金桥大道地铁工地夜间施工噪音扰民第{k}次投诉，打桩机凌晨还在响"),
                    "金桥大道地铁工地夜间施工扰民",
                    start + dt.timedelta(days=day, hours=k),
                    "7",
                )
            )
    n += 1
    items.append(
        Item(n, normalise("金桥大道地铁工地夜间施工噪音扰民，打桩机凌晨还在响"), "金桥大道工地夜间施工", start - dt.timedelta(days=3), "7")
    )
    for k in range(6):
        n += 1
        items.append(
            Item(
                n,
                normalise(f"第{k}个不相干的诉求：{['路灯不亮', '垃圾没人清运', '公交车太少', '学校收费', '医保报销', '养老金'][k]}"),
                "其他",
                start + dt.timedelta(days=k),
                str(k),
            )
        )
    first = find_hotspots(items, start=start, end=start + dt.timedelta(days=7))
    again = find_hotspots(list(reversed(items)), start=start, end=start + dt.timedelta(days=7))
    assert [h.item_ids for h in first] == [h.item_ids for h in again]
    assert len(first) == 1
    hot = first[0]
    assert hot.size == 10 and hot.previous == 1 and hot.place == "7" and hot.growth == 9.0


def test_it_computes_the_same_features_at_inference_as_in_training() -> None:
    from lib.triage.model import Counts

    texts, labels = _corpus()
    model = RoutingModel().fit(texts, labels, evaluate=False)
    assert model.featurizer is not None
    chars, wordtexts = model._prepare(texts)
    everything = np.arange(len(texts))
    (trained,), _vocab = Counts(chars, wordtexts, model.params).features(everything, [everything])
    again = model.featurizer.transform(chars, wordtexts, model.params)
    assert trained.shape == again.shape
    assert np.allclose(trained.toarray(), again.toarray(), atol=1e-6)


def test_it_weighs_features_as_scikit_learns_tfidf_would() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from lib.triage.model import Counts

    texts, _labels = _corpus()
    model = RoutingModel()
    chars, wordtexts = model._prepare(texts)
    everything = np.arange(len(texts))
    (mine,), feat = Counts(chars, wordtexts, model.params).features(everything, [everything])
    theirs = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2).fit_transform(chars)
    assert feat.n_char == theirs.shape[1]
    block = mine[:, : feat.n_char].tocsr()
    for i in range(len(texts)):
        a = np.sort(block.getrow(i).data)
        b = np.sort(theirs.getrow(i).data)
        assert np.allclose(a, b, atol=1e-6)
    # the head block (the first characters, where the title is) is the same, scaled
    p = model.params
    heads = [c[: p.head_chars] for c in chars]
    theirs = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2).fit_transform(heads)
    start = feat.n_char + feat.n_word
    assert feat.n_features - start == theirs.shape[1]
    block = mine[:, start:].tocsr()
    for i in range(len(texts)):
        a = np.sort(block.getrow(i).data)
        b = np.sort(theirs.getrow(i).data) * p.head_weight
        assert np.allclose(a, b, atol=1e-6)
