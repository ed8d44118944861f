"""The audit hash chain: sealing new rows and verifying the whole chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from audit.models import AuditEntry, AuditSeal

GENESIS = "0" * 64


def canonical(entry: AuditEntry) -> str:
    """The content of a row that the chain protects, as canonical JSON."""
    data: dict[str, Any] = {
        "id": entry.pk,
        "at": entry.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "before": entry.before,
        "after": entry.after,
        "note": entry.note,
        "ip": entry.ip,
    }
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def link_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + "\n" + canonical(entry)).encode()).hexdigest()


def seal_pending(*, batch: int = 5000) -> int:
    """Seal audit rows that have no seal yet, in id order. Idempotent; safe to run
    concurrently (a losing concurrent run stops and leaves the rows to the next run)."""
    sealed = 0
    while True:
        with transaction.atomic():
            last = AuditSeal.objects.order_by("-seq").select_for_update().first()
            prev = last.row_hash if last else GENESIS
            seq = last.seq if last else 0
            after_id = last.entry_id if last else 0
            # Rows are sealed in id order; a row that committed late (lower id) is still
            # found within this look-back window and sealed after the others.
            window_start = max(0, after_id - 100_000)
            rows = list(AuditEntry.objects.filter(id__gt=window_start, seal__isnull=True).order_by("id")[:batch])
            if not rows:
                return sealed
            seals = []
            for entry in rows:
                seq += 1
                h = link_hash(prev, entry)
                seals.append(AuditSeal(seq=seq, entry=entry, prev_hash=prev, row_hash=h))
                prev = h
            try:
                with transaction.atomic():
                    AuditSeal.objects.bulk_create(seals)
            except IntegrityError:
                return sealed
            sealed += len(seals)
        if len(rows) < batch:
            return sealed


@dataclass
class ChainReport:
    checked: int
    unsealed: int
    broken_seq: int | None = None
    broken_entry_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify_chain() -> ChainReport:
    """Walk every seal in order, recompute each hash from the row as it is now, and
    report the first break (a changed, deleted or re-ordered row)."""
    prev = GENESIS
    checked = 0
    expected_seq = 1
    seals = AuditSeal.objects.order_by("seq").values_list("seq", "entry_id", "prev_hash", "row_hash")
    entries = AuditEntry.objects.in_bulk
    chunk: list[tuple[int, int, str, str]] = []

    def check(chunk: list[tuple[int, int, str, str]]) -> ChainReport | None:
        nonlocal prev, checked, expected_seq
        rows = entries([c[1] for c in chunk])
        for seq, entry_id, prev_hash, row_hash in chunk:
            if seq != expected_seq:
                return ChainReport(checked, 0, seq, entry_id, f"seal {expected_seq} is missing")
            entry = rows.get(entry_id)
            if entry is None:
                return ChainReport(checked, 0, seq, entry_id, "the audit row was deleted")
            if prev_hash != prev:
                return ChainReport(checked, 0, seq, entry_id, "the seal does not follow the previous one")
            if link_hash(prev, entry) != row_hash:
                return ChainReport(checked, 0, seq, entry_id, "the audit row was changed")
            prev = row_hash
            checked += 1
            expected_seq += 1
        return None

    for item in seals.iterator(chunk_size=2000):
        chunk.append(item)
        if len(chunk) >= 2000:
            bad = check(chunk)
            if bad:
                bad.unsealed = AuditEntry.objects.filter(seal__isnull=True).count()
                return bad
            chunk = []
    if chunk:
        bad = check(chunk)
        if bad:
            bad.unsealed = AuditEntry.objects.filter(seal__isnull=True).count()
            return bad
    return ChainReport(checked=checked, unsealed=AuditEntry.objects.filter(seal__isnull=True).count())
