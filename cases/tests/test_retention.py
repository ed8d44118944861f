"""Retention: personal data of cases finished N years ago is anonymised; the figures stay."""

from __future__ import annotations

import io
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from accounts.testing import District
from audit.models import AuditEntry
from cases import services as s
from cases.models import Complainant
from cases.retention import ANONYMISED, retention_apply
from cases.tests.helpers import fresh, register, walk
from insights.services import rollups_rebuild
from insights.tests.test_rebuild import snapshot
from ops.tasks import apply_retention

pytestmark = pytest.mark.django_db

OLD = {"name": "欧阳旧案", "phone": "13700001111", "id_number": "330102196501011234", "address": "旧城区柳巷12号"}
NEW = {"name": "司马新案", "phone": "13900002222", "id_number": "330102198802022345", "address": "新区春晖路8号"}


def _all_text_rows() -> list[str]:
    """Every text-ish value of every row in the database."""
    out: list[str] = []
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields if f.get_internal_type() in ("CharField", "TextField", "JSONField", "EmailField")]
        if not fields:
            continue
        for row in model._base_manager.values_list(*fields):
            out.extend(str(v) for v in row if v)
    return out


def _contains(values: list[str], person: dict[str, str]) -> list[str]:
    return [v for v in values if any(p in v for p in person.values())]


@pytest.fixture
def cases_made(d: District) -> dict[str, Any]:
    from outbox.models import CaseContact

    with time_machine.travel("2019-03-04 10:00 +0800", tick=True):
        old = register(d, complainants=[s.ComplainantIn(**OLD)])
        CaseContact.objects.create(case=old, phone=OLD["phone"], email="oldcase@example.cn")
        old = walk(d, old, "closed")
        old_open = register(d, title="旧的未办结事项", complainants=[s.ComplainantIn(name="公孙未结", phone="13600003333")])
    with time_machine.travel("2026-03-02 10:00 +0800", tick=True):
        new = register(d, complainants=[s.ComplainantIn(**NEW)])
        new = walk(d, new, "closed")
    return {"old": old, "old_open": old_open, "new": new}


def test_it_anonymises_old_finished_cases_and_keeps_the_figures(cases_made: dict[str, Any], settings: Any) -> None:
    settings.RETENTION_PERSONAL_DATA_YEARS = 5
    before = snapshot()
    assert _contains(_all_text_rows(), OLD)
    with time_machine.travel("2026-06-01 10:00 +0800"):
        dry = retention_apply(dry_run=True)
        assert dry.cases == [cases_made["old"].number]
        assert _contains(_all_text_rows(), OLD), "a dry run changes nothing"
        result = retention_apply()
    assert result.cases == [cases_made["old"].number]
    assert _contains(_all_text_rows(), OLD) == []
    old_people = list(Complainant.objects.filter(case=cases_made["old"]).values("name", "phone", "id_number", "address"))
    assert old_people == [{"name": ANONYMISED, "phone": "", "id_number": "", "address": ""}]
    # Recent and still-open cases keep theirs; the case itself stays.
    assert _contains(_all_text_rows(), NEW)
    assert Complainant.objects.get(case=cases_made["old_open"]).phone == "13600003333"
    assert fresh(cases_made["old"]).title == cases_made["old"].title
    assert snapshot() == before
    if connection.vendor == "postgresql":  # the rebuild truncates; fire the test transaction's deferred checks first
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    rollups_rebuild(actor=None)
    assert snapshot() == before, "figures rebuilt from the anonymised cases are the same"
    entry = AuditEntry.objects.filter(action="retention.anonymise").get()
    assert entry.after is not None and entry.after["cases"] == [cases_made["old"].number]


def test_it_runs_as_an_idempotent_job_and_command(cases_made: dict[str, Any], settings: Any) -> None:
    settings.RETENTION_PERSONAL_DATA_YEARS = 5
    with time_machine.travel("2026-06-01 10:00 +0800"):
        out = io.StringIO()
        call_command("apply_retention", dry_run=True, stdout=out)
        assert "Would anonymise the personal data of 1 case(s)" in out.getvalue()
        assert apply_retention.call_local() == 1
        assert apply_retention.call_local() == 0
        out = io.StringIO()
        call_command("apply_retention", stdout=out)
        assert "of 0 case(s)" in out.getvalue()
    assert AuditEntry.objects.filter(action="retention.anonymise").count() == 1


def test_it_does_nothing_when_retention_is_off(cases_made: dict[str, Any], settings: Any) -> None:
    settings.RETENTION_PERSONAL_DATA_YEARS = 0
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "Retention is off" in out.getvalue()
    assert _contains(_all_text_rows(), OLD)
