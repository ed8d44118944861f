"""GET requests.{fmt}, requests/{id}.{fmt} and mySociety's servicerequestupdates.{fmt}."""

from __future__ import annotations

import datetime as dt
import re
from xml.etree import ElementTree as ET

import pytest
import time_machine
from django.test import Client

from cases import services as s
from cases.models import Case, CaseType, Channel
from open311.models import Open311Client
from open311.services import RequestIn, open311_key_issue, open311_request_create
from portal.testing import walk_to

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")


def file_request(client: Open311Client, **kw: object) -> Case:
    data = RequestIn(
        service_code=str(kw.pop("service_code", "site-dust")),
        description=str(kw.pop("description", "工地扬尘严重，渣土车未覆盖")),
        lat="30.27",
        long="120.15",
        first_name="小红",
        last_name="李",
        phone="13912345678",
        email="lixiaohong@example.com",
        media_urls=["https://fms.example.org/photo/1.jpeg"],
    )
    for key, value in kw.items():
        setattr(data, key, value)
    return open311_request_create(client=client, data=data)


@pytest.fixture
def client311(district) -> Open311Client:  # noqa: ANN001
    return open311_key_issue(actor=None, name="12345 平台")[0]


def test_it_lists_requests_with_the_specified_fields_and_no_personal_data(client311: Open311Client) -> None:
    case = file_request(client311)
    r = Client().get("/open311/v2/requests.xml")
    assert r.status_code == 200
    root = ET.fromstring(r.content)
    assert root.tag == "service_requests"
    [node] = root.findall("request")
    assert [child.tag for child in node] == REQUEST_FIELDS
    assert node.findtext("service_request_id") == case.number
    assert node.findtext("status") == "open"
    assert node.findtext("service_code") == "site-dust"
    assert node.findtext("media_url") == "https://fms.example.org/photo/1.jpeg"
    assert W3C.match(node.findtext("requested_datetime")) and W3C.match(node.findtext("updated_datetime"))
    body = r.content.decode()
    for private in ("13912345678", "lixiaohong", "李小红", "小红"):
        assert private not in body
    data = Client().get("/open311/v2/requests.json").json()
    assert list(data[0]) == REQUEST_FIELDS
    assert isinstance(data[0]["service_request_id"], str) and isinstance(data[0]["lat"], float)
    assert "13912345678" not in r.content.decode() and "13912345678" not in str(data)


def test_it_shows_the_handling_unit_the_deadline_and_closed_after_the_reply(client311: Open311Client, district) -> None:  # noqa: ANN001
    case = file_request(client311)
    walk_to(district, case, "handling")
    node = Client().get(f"/open311/v2/requests/{case.number}.json").json()[0]
    assert node["status"] == "open"
    assert node["agency_responsible"] == "青山街道"
    assert W3C.match(node["expected_datetime"])
    for private in (district.officer.username, str(district.officer), str(district.intake)):
        assert private not in str(node)
    walk_to(district, case, "replied")
    node = Client().get(f"/open311/v2/requests/{case.number}.xml")
    assert ET.fromstring(node.content).findtext("request/status") == "closed"


def test_it_only_ever_says_open_or_closed(client311: Open311Client, district) -> None:  # noqa: ANN001
    a = file_request(client311)
    b = file_request(client311, description="另一处工地")
    s.case_not_accept(actor=district.intake, case=b, expected_version=b.version, reason="重复反映")
    c = file_request(client311, description="第三处")
    walk_to(district, c, "assigned")
    statuses = {n["service_request_id"]: n["status"] for n in Client().get("/open311/v2/requests.json").json()}
    assert statuses == {a.number: "open", b.number: "closed", c.number: "open"}
    assert [n["service_request_id"] for n in Client().get("/open311/v2/requests.json", {"status": "closed"}).json()] == [b.number]
    assert {n["service_request_id"] for n in Client().get("/open311/v2/requests.json", {"status": "open,closed"}).json()} == {a.number, b.number, c.number}


def test_it_lets_service_request_id_override_the_other_arguments(client311: Open311Client) -> None:
    a = file_request(client311)
    b = file_request(client311, service_code="housing-leak", attributes={})
    r = Client().get("/open311/v2/requests.json", {"service_request_id": f"{b.number},{a.number},2026-999999", "status": "closed", "service_code": "nothing"})
    assert r.status_code == 200
    assert [n["service_request_id"] for n in r.json()] == [b.number, a.number]


def test_it_filters_by_service_code_and_date(client311: Open311Client) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        old = file_request(client311)
    with time_machine.travel(dt.datetime(2026, 6, 20, 9, tzinfo=dt.UTC), tick=False):
        new = file_request(client311, service_code="housing-leak")
        c = Client()
        assert [n["service_request_id"] for n in c.get("/open311/v2/requests.json").json()] == [new.number]  # the last 90 days
        assert [n["service_request_id"] for n in c.get("/open311/v2/requests.json", {"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-03-31T00:00:00Z"}).json()] == [old.number]
        assert [n["service_request_id"] for n in c.get("/open311/v2/requests.json", {"service_code": "housing-leak"}).json()] == [new.number]
        assert c.get("/open311/v2/requests.json", {"service_code": "site-dust,housing-leak", "start_date": "2026-04-01"}).json()[0]["service_request_id"] == new.number


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}, 400),
        ({"start_date": "the first of may"}, 400),
        ({"end_date": "2026-13-45"}, 400),
        ({"start_date": "2026-05-01", "end_date": "2026-04-01"}, 400),
        ({"status": "pending"}, 400),
        ({"page_size": "0"}, 400),
        ({"page": "x"}, 400),
        ({"service_code": "nothing"}, 404),
    ],
)
@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_it_refuses_bad_list_arguments(client311: Open311Client, params: dict[str, str], status: int, fmt: str) -> None:
    r = Client().get(f"/open311/v2/requests.{fmt}", params)
    assert r.status_code == status
    if fmt == "json":
        assert r.json()[0]["code"] == status
    else:
        assert ET.fromstring(r.content).findtext("error/code") == str(status)


def test_it_pages_with_page_and_page_size(client311: Open311Client) -> None:
    cases = [file_request(client311, description=f"第{i}处工地") for i in range(5)]
    c = Client()
    first = [n["service_request_id"] for n in c.get("/open311/v2/requests.json", {"page_size": 2}).json()]
    second = [n["service_request_id"] for n in c.get("/open311/v2/requests.json", {"page_size": 2, "page": 2}).json()]
    third = [n["service_request_id"] for n in c.get("/open311/v2/requests.json", {"page_size": 2, "page": 3}).json()]
    assert first + second + third == [x.number for x in reversed(cases)]


def test_it_never_shows_cases_of_other_channels_or_confidential_ones(client311: Open311Client, district) -> None:  # noqa: ANN001
    walk_in = s.case_register(
        actor=district.intake, channel=Channel.VISIT, type=CaseType.COMPLAINT, title="走访", content="来访反映", complainants=[s.ComplainantIn(name="王五")]
    )
    accusation = s.case_register(actor=None, channel=Channel.OPEN311, type=CaseType.ACCUSATION, title="检举", content="检举某单位", anonymous=True)
    c = Client()
    assert c.get("/open311/v2/requests.json").json() == []
    for case in (walk_in, accusation):
        r = c.get(f"/open311/v2/requests/{case.number}.xml")
        assert r.status_code == 404
        assert ET.fromstring(r.content).findtext("error/code") == "404"


def test_it_answers_404_for_an_unknown_request(district) -> None:  # noqa: ANN001
    r = Client().get("/open311/v2/requests/2026-123456.json")
    assert r.status_code == 404 and r.json()[0]["code"] == 404


def test_it_lists_public_updates_for_the_client_that_filed_them(client311: Open311Client, district) -> None:  # noqa: ANN001
    case = file_request(client311)
    case = walk_to(district, case, "handling")
    s.case_add_note(actor=district.officer, case=case, expected_version=case.version, text="内部：施工方负责人电话13700000000")
    walk_to(district, case, "replied")
    _other, other_key = open311_key_issue(actor=None, name="另一个客户端")
    key = open311_key_issue(actor=None, name="同一平台第二把钥匙")[1]
    c = Client()
    assert c.get("/open311/v2/servicerequestupdates.xml").status_code == 403
    assert c.get("/open311/v2/servicerequestupdates.json", {"api_key": "o311_wrong"}).status_code == 403
    assert c.get("/open311/v2/servicerequestupdates.json", {"api_key": other_key}).json() == []
    assert c.get("/open311/v2/servicerequestupdates.json", {"api_key": key}).json() == []
    # The filing client's own key (only its hash is stored, so set a known one).
    from open311.services import _hash

    Open311Client.objects.filter(pk=client311.pk).update(key_hash=_hash("o311_filingclientkey"))
    r = c.get("/open311/v2/servicerequestupdates.xml", {"api_key": "o311_filingclientkey"})
    assert r.status_code == 200
    root = ET.fromstring(r.content)
    assert root.tag == "service_requests_updates"
    updates = root.findall("request_update")
    assert [u.findtext("service_request_id") for u in updates] == [case.number] * len(updates)
    assert [child.tag for child in updates[0]] == ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"]
    assert {u.findtext("status") for u in updates} <= {"open", "closed"}
    assert updates[-1].findtext("status") == "closed"
    assert all(W3C.match(u.findtext("updated_datetime")) for u in updates)
    text = r.content.decode()
    assert str(district.officer) not in text and "13912345678" not in text and "13700000000" not in text
    bad = c.get("/open311/v2/servicerequestupdates.json", {"api_key": "o311_filingclientkey", "start_date": "2025-01-01", "end_date": "2026-01-01"})
    assert bad.status_code == 400


def test_it_lists_a_page_in_a_fixed_number_of_queries(client311: Open311Client, district, django_assert_max_num_queries) -> None:  # noqa: ANN001
    for i in range(6):
        case = file_request(client311, description=f"第{i}处")
        if i % 2:
            walk_to(district, case, "handling")
    with django_assert_max_num_queries(4):
        r = Client().get("/open311/v2/requests.xml")
    assert len(ET.fromstring(r.content).findall("request")) == 6
