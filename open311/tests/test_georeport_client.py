"""The ``georeport`` package from PyPI, an Open311 client written by others, reads our
endpoint from a live test server: services, a service definition, request lists and single
requests, in JSON and in XML."""

from __future__ import annotations

import pytest
from georeport import GeoReport

from accounts.testing import make_district
from open311.services import RequestIn, open311_key_issue, open311_request_create
from portal.testing import walk_to

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def filed(live_server):  # noqa: ANN001, ANN201
    district = make_district()
    client, _key = open311_key_issue(actor=None, name="georeport")
    first = open311_request_create(
        client=client, data=RequestIn(service_code="site-dust", description="工地扬尘严重", lat="30.27", long="120.15", media_urls=["https://example.org/1.jpg"])
    )
    second = open311_request_create(client=client, data=RequestIn(service_code="housing-leak", description="楼顶漏水", address_string="幸福里3栋"))
    walk_to(district, first, "replied")
    return live_server.url + "/open311/v2", first, second


def test_it_is_read_by_the_georeport_client(filed) -> None:  # noqa: ANN001
    # One live-server test for both formats: a transactional test empties the seeded
    # category tree when it ends.
    for fmt in ("json", "xml"):
        check(filed, fmt)


def check(filed, fmt: str) -> None:  # noqa: ANN001
    root, first, second = filed
    client = GeoReport(root, jurisdiction="minsheng", output_format=fmt)

    services = client.get_service_list()
    codes = [s["service_code"] for s in services]
    assert "site-dust" in codes and "housing-elevator" in codes
    lift = next(s for s in services if s["service_code"] == "housing-elevator")
    assert str(lift["metadata"]).lower() == "true"

    definition = client.get_service_definition("housing-elevator")
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
    assert [a["code"] for a in attributes] == ["building", "trapped", "floor"]

    listed = client.get_service_requests()
    if isinstance(listed, dict):
        listed = [listed]
    assert [r["service_request_id"] for r in listed] == [second.number, first.number]
    assert {r["service_request_id"]: r["status"] for r in listed} == {first.number: "closed", second.number: "open"}

    only_open = client.get_service_requests(status="open")
    if isinstance(only_open, dict):
        only_open = [only_open]
    assert [r["service_request_id"] for r in only_open] == [second.number]

    single = client.get_service_request(first.number)
    assert single["service_request_id"] == first.number
    assert single["agency_responsible"] == "青山街道"
    assert single["media_url"] == "https://example.org/1.jpg"
