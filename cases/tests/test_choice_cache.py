"""The registration form's category and unit lists are cached (cases.choice_cache): a change
of the categories or units shows on the next form at once, in every language."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import UnitKind
from accounts.services import unit_create
from accounts.testing import District
from cases.models import Case, Category
from cases.tests.test_views_register import form_data

pytestmark = pytest.mark.django_db


def _new_leaf(code: str, name: str, name_en: str = "") -> Category:
    parent = Category.objects.get(code="air-fumes").parent
    return Category.objects.create(parent=parent, level=3, code=code, name=name, name_en=name_en)


def test_a_new_renamed_or_retired_category_shows_on_the_next_form(d: District, client_for: Any) -> None:
    client = client_for("intake")
    assert "夜市摊点噪音" not in client.get("/cases/new/").content.decode()  # the lists are cached now
    leaf = _new_leaf("night-market-noise", "夜市摊点噪音", "Night market noise")
    assert "夜市摊点噪音" in client.get("/cases/new/").content.decode()
    assert client.post("/cases/new/", form_data(d, category=str(leaf.pk))).status_code == 302
    leaf.name = "夜市摊点噪声扰民"
    leaf.save()
    html = client.get("/cases/new/").content.decode()
    assert "夜市摊点噪声扰民" in html and "夜市摊点噪音<" not in html
    client.cookies["django_language"] = "en"
    assert "Night market noise" in client.get("/cases/new/").content.decode()
    del client.cookies["django_language"]
    leaf.is_active = False
    leaf.save()
    assert "夜市摊点噪声扰民" not in client.get("/cases/new/").content.decode()
    before = Case.objects.count()
    refused = client.post("/cases/new/", form_data(d, category=str(leaf.pk)))
    assert refused.status_code == 422 and Case.objects.count() == before


def test_a_new_or_retired_town_shows_on_the_next_form(d: District, client_for: Any) -> None:
    client = client_for("intake")
    client.get("/cases/new/")
    town = unit_create(actor=None, name="东湖街道", code="donghu-" + uuid.uuid4().hex[:6], kind=UnitKind.TOWN, parent=d.root)
    assert "东湖街道" in client.get("/cases/new/").content.decode()
    assert client.post("/cases/new/", form_data(d, town=str(town.pk))).status_code == 302
    town.is_active = False
    town.save()
    assert "东湖街道" not in client.get("/cases/new/").content.decode()
    assert client.post("/cases/new/", form_data(d, town=str(town.pk))).status_code == 422


def test_a_registration_reads_no_category_or_unit_list(d: District, client_for: Any) -> None:
    client = client_for("intake")
    client.get("/cases/new/")
    # the first registration of a process (and of a version of the tree) reads the active
    # categories once; the next ones read none
    assert client.post("/cases/new/", form_data(d)).status_code == 302
    data = form_data(d)
    with CaptureQueriesContext(connection) as ctx:
        assert client.post("/cases/new/", data).status_code == 302
    assert not [q for q in ctx.captured_queries if 'FROM "cases_category"' in q["sql"]], "a registration read a category"
    lists = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith("SELECT")
        and ('FROM "cases_category"' in q["sql"] or 'FROM "accounts_unit"' in q["sql"])
        and "WHERE" in q["sql"]
        and '"is_active"' in q["sql"]
        and "ORDER BY" in q["sql"]
        and "LIMIT" not in q["sql"]  # the service's check of the chosen ids reads one row each
    ]
    assert lists == [], lists
