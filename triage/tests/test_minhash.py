"""The MinHash signature is deterministic and unchanged since datasketch was replaced: the
fingerprints and band keys already stored for cases keep matching new cases."""

from __future__ import annotations

from lib.triage import dedup
from lib.triage.text import normalise

TEXT = normalise("幸福里小区3栋楼下烧烤店油烟扰民，排烟管道正对着居民窗户")


def test_the_signature_of_a_text_is_the_one_stored_before_datasketch_was_replaced() -> None:
    # values computed with datasketch 2.0.0 (MinHash(num_perm=64, seed=SEED), affine32)
    sig = dedup.signature(TEXT)
    assert len(dedup.signature_bytes(sig)) == 256
    assert sig[:8].tolist() == [134138532, 21864746, 398515259, 16016676, 514731941, 357625680, 583602199, 87922636]
    assert sig[-4:].tolist() == [51302174, 156700788, 12826892, 161556881]
    assert dedup.band_keys(sig)[:2] == [5949392694052093431, 6768022222270054464]


def test_small_edits_keep_most_of_the_signature_and_another_text_shares_little() -> None:
    edited = normalise("幸福里小区3栋楼下烧烤店油烟扰民！排烟管道正对居民窗户")
    other = normalise("河西街道人民路路灯不亮，晚上行人看不清路")
    assert dedup.similarity(dedup.signature(TEXT), dedup.signature(edited)) >= 0.5
    assert dedup.similarity(dedup.signature(TEXT), dedup.signature(other)) < 0.2
    assert set(dedup.band_keys(dedup.signature(TEXT))) & set(dedup.band_keys(dedup.signature(edited)))


def test_a_text_without_shingles_has_the_empty_signature() -> None:
    assert dedup.signature("").tolist() == [0xFFFFFFFF] * dedup.NUM_PERM
