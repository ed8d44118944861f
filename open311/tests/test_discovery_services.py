"""GeoReport v2 discovery, service list and service definitions, from the specification."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from cases.models import Category
from open311.models import Datatype, ServiceAttribute

pytestmark = pytest.mark.django_db

SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE_FIELDS = ["variable", "code", "datatype", "required", "datatype_description", "order", "description"]


def xml(response) -> ET.Element:  # noqa: ANN001
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


def test_it_describes_the_endpoint_in_discovery_xml_and_json(district) -> None:  # noqa: ANN001
    c = Client()
    root = xml(c.get("/open311/v2/discovery.xml"))
    assert root.tag == "discovery"
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url").endswith("/open311/v2/")
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    assert "+08:00" in root.findtext("changeset")
    data = c.get("/open311/v2/discovery.json").json()
    assert data["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert data["endpoints"][0]["type"] == "production"


def test_it_lists_the_leaf_categories_as_services_with_group_and_metadata(district) -> None:  # noqa: ANN001
    c = Client()
    root = xml(c.get("/open311/v2/services.xml"))
    assert root.tag == "services"
    services = root.findall("service")
    leaves = Category.objects.filter(is_active=True, level=3).count()
    assert len(services) == leaves
    for s in services:
        assert [child.tag for child in s] == SERVICE_FIELDS
        assert s.findtext("metadata") in ("true", "false")
        assert s.findtext("type") == "realtime"
    lift = next(s for s in services if s.findtext("service_code") == "housing-elevator")
    assert lift.findtext("metadata") == "true"
    assert lift.findtext("group") == "房屋安全与质量"
    assert lift.findtext("service_name") == "电梯运行"
    fee = next(s for s in services if s.findtext("service_code") == "property-fee")
    assert fee.findtext("metadata") == "false"

    data = c.get("/open311/v2/services.json").json()
    assert isinstance(data, list) and len(data) == leaves
    lift_json = next(s for s in data if s["service_code"] == "housing-elevator")
    assert lift_json["metadata"] is True and isinstance(lift_json["service_code"], str)


def test_it_hides_inactive_categories_and_shows_parents_that_lose_their_children(district) -> None:  # noqa: ANN001
    Category.objects.filter(code="housing-elevator").update(is_active=False)
    codes = [s["service_code"] for s in Client().get("/open311/v2/services.json").json()]
    assert "housing-elevator" not in codes
    assert Client().get("/open311/v2/services/housing-elevator.json").status_code == 404


def test_it_defines_the_attributes_of_a_service(district) -> None:  # noqa: ANN001
    c = Client()
    root = xml(c.get("/open311/v2/services/housing-elevator.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "housing-elevator"
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == ["building", "trapped", "floor"]
    for a in attributes:
        assert [child.tag for child in a][:7] == ATTRIBUTE_FIELDS
        assert a.findtext("datatype") in {d.value for d in Datatype}
        assert a.findtext("required") in ("true", "false")
    trapped = attributes[1]
    assert [(v.findtext("key"), v.findtext("name")) for v in trapped.findall("values/value")] == [("yes", "有人被困"), ("no", "无人被困")]
    data = c.get("/open311/v2/services/site-night.json").json()
    assert data["service_code"] == "site-night"
    kinds = {a["code"]: a["datatype"] for a in data["attributes"]}
    assert kinds == {"observed_at": "datetime", "noise": "multivaluelist"}
    assert data["attributes"][0]["required"] is True and data["attributes"][0]["order"] == 1


def test_it_answers_every_datatype_an_administrator_may_define(district) -> None:  # noqa: ANN001
    cat = Category.objects.get(code="property-fee")
    for i, dtype in enumerate(Datatype):
        ServiceAttribute.objects.create(category=cat, code=f"a{i}", datatype=dtype, description=f"问题{i}", order=i)
    data = Client().get("/open311/v2/services/property-fee.json").json()
    assert [a["datatype"] for a in data["attributes"]] == [d.value for d in Datatype]


def test_it_returns_404_in_the_standard_format_for_an_unknown_service(district) -> None:  # noqa: ANN001
    c = Client()
    r = c.get("/open311/v2/services/no-such-thing.xml")
    assert r.status_code == 404
    root = xml(r)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"
    assert "no-such-thing" in root.findtext("error/description")
    r = c.get("/open311/v2/services/no-such-thing.json")
    assert r.status_code == 404
    body = r.json()
    assert body[0]["code"] == 404 and body[0]["description"]


def test_it_refuses_a_wrong_jurisdiction_and_accepts_the_configured_one(district, settings) -> None:  # noqa: ANN001
    settings.OPEN311_JURISDICTION_ID = "qingshan.example.gov.cn"
    c = Client()
    assert c.get("/open311/v2/services.xml", {"jurisdiction_id": "qingshan.example.gov.cn"}).status_code == 200
    r = c.get("/open311/v2/services.json", {"jurisdiction_id": "elsewhere"})
    assert r.status_code == 404
    assert r.json()[0]["code"] == 404
    assert c.get("/open311/v2/services.xml").status_code == 200  # optional for a single jurisdiction


def test_it_answers_unknown_formats_and_paths_with_a_404_error_document(district) -> None:  # noqa: ANN001
    c = Client()
    r = c.get("/open311/v2/services.html")
    assert r.status_code == 404 and xml(r).tag == "errors"
    r = c.get("/open311/v2/nothing/here.json")
    assert r.status_code == 404 and json.loads(r.content)[0]["code"] == 404
    assert c.get("/open311/v2/tokens/abc.xml").status_code == 404


def test_it_can_name_services_in_english(district) -> None:  # noqa: ANN001
    data = Client().get("/open311/v2/services.json", {"locale": "en"}).json()
    lift = next(s for s in data if s["service_code"] == "housing-elevator")
    assert lift["service_name"] == "Lifts"
