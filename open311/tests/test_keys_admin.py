"""API keys per client application: the command, the admin pages, revocation; category
attributes edited in the admin."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from audit.models import AuditEntry
from open311.models import Open311Client, ServiceAttribute
from open311.services import open311_authenticate

pytestmark = pytest.mark.django_db


def test_it_issues_a_key_from_the_command_line_that_files_requests(district) -> None:  # noqa: ANN001
    out = StringIO()
    call_command("issue_open311_key", "12345 热线平台", "--contact", "区政务服务中心", stdout=out)
    key = out.getvalue().strip()
    assert key.startswith("o311_") and len(key) > 30
    client = Open311Client.objects.get()
    assert client.name == "12345 热线平台" and client.key_hash != key and key not in client.key_hash
    assert open311_authenticate(key) == client
    r = Client().post("/open311/v2/requests.json", {"api_key": key, "service_code": "site-dust", "description": "扬尘", "address_string": "青山路"})
    assert r.status_code == 200
    assert AuditEntry.objects.filter(action="open311.key_issue").exists()


def test_it_refuses_an_empty_client_name(district) -> None:  # noqa: ANN001
    with pytest.raises(CommandError):
        call_command("issue_open311_key", "  ", stdout=StringIO())


def test_it_lets_an_administrator_issue_and_revoke_keys_in_the_admin(client_for) -> None:  # noqa: ANN001
    admin = client_for("admin")
    r = admin.post("/admin/open311/open311client/add/", {"name": "地图应用", "contact": "某公司"}, follow=True)
    assert r.status_code == 200
    text = r.content.decode()
    key = re.search(r"o311_[A-Za-z0-9_\-]+", text).group(0)
    client = Open311Client.objects.get(name="地图应用")
    assert open311_authenticate(key) == client
    r = admin.post("/admin/open311/open311client/", {"action": "revoke", "_selected_action": [client.pk]}, follow=True)
    assert r.status_code == 200
    client.refresh_from_db()
    assert client.revoked_at is not None
    assert open311_authenticate(key) is None


def test_it_keeps_the_admin_pages_from_everyone_else(client_for) -> None:  # noqa: ANN001
    for persona in ("intake", "officer", "leader"):
        r = client_for(persona).get("/admin/open311/open311client/")
        assert r.status_code in (302, 403)
        assert client_for(persona).get("/admin/open311/serviceattribute/").status_code in (302, 403)
    assert Client().get("/admin/open311/open311client/").status_code == 302


def test_it_lets_an_administrator_define_a_list_attribute(client_for, district) -> None:  # noqa: ANN001
    from cases.models import Category

    cat = Category.objects.get(code="property-fee")
    admin = client_for("admin")
    r = admin.post(
        "/admin/open311/serviceattribute/add/",
        {
            "category": cat.pk,
            "code": "fee_kind",
            "variable": "on",
            "datatype": "singlevaluelist",
            "required": "on",
            "datatype_description": "",
            "order": 1,
            "description": "收费项目",
            "values-TOTAL_FORMS": 2,
            "values-INITIAL_FORMS": 0,
            "values-MIN_NUM_FORMS": 0,
            "values-MAX_NUM_FORMS": 1000,
            "values-0-key": "parking",
            "values-0-name": "停车费",
            "values-0-order": 0,
            "values-1-key": "property",
            "values-1-name": "物业费",
            "values-1-order": 1,
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    attr = ServiceAttribute.objects.get(code="fee_kind")
    assert [v.key for v in attr.values.all()] == ["parking", "property"]
    data = Client().get("/open311/v2/services/property-fee.json").json()
    assert data["attributes"][0]["values"] == [{"key": "parking", "name": "停车费"}, {"key": "property", "name": "物业费"}]
    services = Client().get("/open311/v2/services.json").json()
    assert next(s for s in services if s["service_code"] == "property-fee")["metadata"] is True
    assert AuditEntry.objects.filter(action="open311.service_update").exists()
