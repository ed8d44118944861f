"""Retention of personal data: N years after a case is finished (closed, not accepted,
redirected, withdrawn), its complainants' names, phones, ID numbers and addresses and
the contact data given on the portal / through Open311 are anonymised. The case itself,
its events and its figures stay.

Idempotent by content: a case is picked only while some personal data is still there.
One transaction per batch, with one audit row naming the cases of the batch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from audit.services import audit_record
from cases.models import FINISHED_STATES, Case, Complainant

ANONYMISED = "已匿名"
BATCH = 200


@dataclass
class RetentionResult:
    years: int
    cutoff: dt.datetime | None
    cases: list[str] = field(default_factory=list)
    dry_run: bool = False


def retention_years() -> int:
    return int(getattr(settings, "RETENTION_PERSONAL_DATA_YEARS", 0) or 0)


def retention_cutoff(*, now: dt.datetime | None = None, years: int | None = None) -> dt.datetime | None:
    years = retention_years() if years is None else years
    if years <= 0:
        return None
    now = now or timezone.now()
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def _personal_q() -> Q:
    complainants = Complainant.objects.filter(case=OuterRef("pk")).filter(
        ~Q(name=ANONYMISED) | ~Q(phone="") | ~Q(id_number="") | ~Q(address="")
    )
    q = Q(Exists(complainants))
    from outbox.models import CaseContact, Delivery

    q |= Q(Exists(CaseContact.objects.filter(case=OuterRef("pk")).filter(~Q(phone="") | ~Q(email=""))))
    q |= Q(Exists(Delivery.objects.filter(case=OuterRef("pk")).exclude(recipient="")))
    return q


def retention_due(*, cutoff: dt.datetime) -> QuerySet[Case]:
    """Finished cases closed before the cutoff that still hold personal data."""
    return Case.objects.filter(state__in=FINISHED_STATES, closed_at__lt=cutoff).filter(_personal_q()).order_by("id")


@transaction.atomic
def retention_anonymise_batch(*, case_ids: list[int], years: int, cutoff: dt.datetime) -> list[str]:
    """Anonymise the personal data of these cases (re-checked under a lock), with one audit row."""
    from outbox.models import CaseContact, Delivery

    cases = list(retention_due(cutoff=cutoff).filter(id__in=case_ids).select_for_update().only("id", "number"))
    if not cases:
        return []
    ids = [c.id for c in cases]
    people = Complainant.objects.filter(case_id__in=ids).update(name=ANONYMISED, phone="", id_number="", address="")
    contacts = CaseContact.objects.filter(case_id__in=ids).update(phone="", email="")
    deliveries = Delivery.objects.filter(case_id__in=ids).exclude(recipient="").update(recipient="", body=ANONYMISED, subject="", secret="")
    numbers = [c.number for c in cases]
    audit_record(
        actor=None,
        action="retention.anonymise",
        object_type="cases.case",
        object_label=f"{len(numbers)} case(s)",
        after={"cases": numbers, "complainants": people, "contacts": contacts, "deliveries": deliveries, "years": years, "closed_before": cutoff.isoformat()},
    )
    return numbers


def retention_apply(*, now: dt.datetime | None = None, years: int | None = None, dry_run: bool = False, batch: int = BATCH) -> RetentionResult:
    """Anonymise every due case in batches; with dry_run only list them."""
    years = retention_years() if years is None else years
    cutoff = retention_cutoff(now=now, years=years)
    result = RetentionResult(years=years, cutoff=cutoff, dry_run=dry_run)
    if cutoff is None:
        return result
    if dry_run:
        result.cases = list(retention_due(cutoff=cutoff).values_list("number", flat=True))
        return result
    last_id = 0
    while True:
        ids = list(retention_due(cutoff=cutoff).filter(id__gt=last_id).values_list("id", flat=True)[:batch])
        if not ids:
            return result
        result.cases += retention_anonymise_batch(case_ids=ids, years=years, cutoff=cutoff)
        last_id = ids[-1]
