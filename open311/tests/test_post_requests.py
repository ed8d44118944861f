"""POST requests.{fmt}: the specification's arguments and errors, and replays of what
FixMyStreet's Open311 client sends (urlencoded with attribute[x] and repeated media_url;
multipart with photos)."""

from __future__ import annotations

from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases.models import Case, CaseAttachment, Channel, State
from files.models import StoredFile
from open311.models import Open311Client, Open311Submission
from open311.services import open311_key_revoke
from open311.tests.conftest import GIF, PNG
from outbox.models import CaseContact

pytestmark = pytest.mark.django_db


def fms_body(api_key: str, **extra: object) -> str:
    """The urlencoded body FixMyStreet's Open311.pm builds for a report (names and order as
    it sends them; several media_url when multi_photos is on)."""
    pairs: list[tuple[str, object]] = [
        ("description", "工地夜间施工噪音\n\n晚上11点后仍在打桩，附近居民无法休息。\n\nhttps://fms.example.org/report/42\n"),
        ("service_code", "site-night"),
        ("first_name", "小红"),
        ("last_name", "李"),
        ("phone", "13912345678"),
        ("email", "lixiaohong@example.com"),
        ("lat", "30.274100"),
        ("long", "120.155100"),
        ("media_url", "https://fms.example.org/photo/42.0.full.jpeg"),
        ("media_url", "https://fms.example.org/photo/42.1.full.jpeg"),
        ("attribute[observed_at]", "2026-03-01T23:30:00+08:00"),
        ("attribute[noise][]", "piling"),
        ("attribute[noise][]", "trucks"),
        ("attribute[fixmystreet_id]", "42"),
        ("jurisdiction_id", "minsheng"),
        ("api_key", api_key),
    ]
    pairs.extend(extra.items())
    return urlencode(pairs)


def post(body: str, fmt: str = "xml") -> object:
    return Client().post(f"/open311/v2/requests.{fmt}", body, content_type="application/x-www-form-urlencoded")


def error_of(response) -> tuple[int, str]:  # noqa: ANN001
    if response["Content-Type"].startswith("application/json"):
        first = response.json()[0]
        return first["code"], first["description"]
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    return int(root.findtext("error/code")), root.findtext("error/description")


def test_it_files_a_fixmystreet_style_urlencoded_report(api_key: str) -> None:
    r = post(fms_body(api_key))
    assert r.status_code == 200, r.content
    root = ET.fromstring(r.content)
    assert root.tag == "service_requests"
    request = root.find("request")
    number = request.findtext("service_request_id")
    assert number and request.findtext("service_notice")
    case = Case.objects.get(number=number)
    assert case.channel == Channel.OPEN311 and case.state == State.REGISTERED
    assert case.category.code == "site-night"
    assert float(case.latitude) == pytest.approx(30.2741) and float(case.longitude) == pytest.approx(120.1551)
    assert [c.name for c in case.complainants.all()] == ["李小红"]
    assert "晚上11点后仍在打桩" in case.content
    assert "打桩、渣土车" in case.content  # the multivaluelist answer, named, for the staff
    submission = Open311Submission.objects.get(case=case)
    assert submission.media_urls == ["https://fms.example.org/photo/42.0.full.jpeg", "https://fms.example.org/photo/42.1.full.jpeg"]
    assert submission.attributes["noise"] == ["piling", "trucks"]
    assert submission.attributes["fixmystreet_id"] == "42"
    contact = CaseContact.objects.get(case=case)
    assert (contact.phone, contact.email) == ("13912345678", "lixiaohong@example.com")


def test_it_answers_in_json_with_the_id_as_a_string(api_key: str) -> None:
    r = post(fms_body(api_key), fmt="json")
    assert r.status_code == 200
    body = r.json()
    assert isinstance(body, list) and isinstance(body[0]["service_request_id"], str)
    assert body[0]["service_notice"]


def test_it_files_a_retried_fixmystreet_report_once(api_key: str) -> None:
    first = ET.fromstring(post(fms_body(api_key)).content).findtext("request/service_request_id")
    second = ET.fromstring(post(fms_body(api_key)).content).findtext("request/service_request_id")
    assert first == second
    assert Case.objects.count() == 1


def test_it_honours_an_idempotency_key_header(api_key: str) -> None:
    c = Client()
    data = {"api_key": api_key, "service_code": "site-dust", "description": "工地扬尘", "address_string": "青山路18号"}
    one = c.post("/open311/v2/requests.json", data, headers={"Idempotency-Key": "abc-1"}).json()
    two = c.post("/open311/v2/requests.json", data, headers={"Idempotency-Key": "abc-1"}).json()
    three = c.post("/open311/v2/requests.json", data, headers={"Idempotency-Key": "abc-2"}).json()
    assert one[0]["service_request_id"] == two[0]["service_request_id"] != three[0]["service_request_id"]


def test_it_files_a_multipart_report_with_photos(api_key: str) -> None:
    r = Client().post(
        "/open311/v2/requests.xml",
        {
            "api_key": api_key,
            "service_code": "housing-elevator",
            "description": "3栋电梯停运两天",
            "address_string": "幸福里小区3栋",
            "attribute[building]": "3栋2单元",
            "attribute[trapped]": "no",
            "attribute[floor]": "-1",
            "media": [SimpleUploadedFile("lift.png", PNG, content_type="image/png"), SimpleUploadedFile("door.gif", GIF, content_type="image/gif")],
        },
    )
    assert r.status_code == 200, r.content
    case = Case.objects.get(number=ET.fromstring(r.content).findtext("request/service_request_id"))
    files = [a.file for a in CaseAttachment.objects.filter(case=case)]
    assert sorted(f.content_type for f in files) == ["image/gif", "image/png"]
    assert case.anonymous and not case.complainants.exists()
    assert "是否有人被困：无人被困" in case.content


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_it_requires_an_api_key(api_key: str, fmt: str) -> None:
    body = fms_body(api_key).replace(f"api_key={api_key}", "api_key=")
    r = post(body, fmt)
    assert r.status_code == 403
    assert error_of(r)[0] == 403
    r = post(fms_body("o311_not-a-real-key"), fmt)
    assert r.status_code == 403
    assert Case.objects.count() == 0


def test_it_refuses_a_revoked_key(api_key: str) -> None:
    open311_key_revoke(actor=None, client=Open311Client.objects.get())
    assert post(fms_body(api_key)).status_code == 403


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_it_requires_a_service_code(api_key: str, fmt: str) -> None:
    r = post(fms_body(api_key).replace("service_code=site-night", "service_code="), fmt)
    assert r.status_code == 400
    code, description = error_of(r)
    assert code == 400 and "service_code" in description


def test_it_answers_404_for_an_unknown_service_code(api_key: str) -> None:
    r = post(fms_body(api_key).replace("service_code=site-night", "service_code=nothing"))
    assert r.status_code == 404 and error_of(r)[0] == 404


def test_it_answers_404_for_a_wrong_jurisdiction(api_key: str) -> None:
    r = post(fms_body(api_key).replace("jurisdiction_id=minsheng", "jurisdiction_id=elsewhere"), "json")
    assert r.status_code == 404 and error_of(r)[0] == 404
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"description": "长" * 4001}, "4000"),
        ({"description": "   "}, "description"),
        ({"lat": "north", "long": "120.1"}, "lat"),
        ({"lat": "95", "long": "120.1"}, "lat"),
        ({"lat": "", "long": "", "address_string": "", "address_id": ""}, "address_string"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"attribute[observed_at]": "yesterday"}, "observed_at"),
        ({"attribute[observed_at]": ""}, "observed_at"),
        ({"attribute[noise][]": "fireworks"}, "noise"),
        ({"media_url": "ftp://example.org/x.jpg"}, "media_url"),
    ],
)
def test_it_refuses_bad_arguments_with_400_and_saves_nothing(api_key: str, change: dict[str, str], words: str) -> None:
    data = {
        "api_key": api_key,
        "service_code": "site-night",
        "description": "夜间施工",
        "lat": "30.1",
        "long": "120.1",
        "phone": "13912345678",
        "first_name": "小红",
        "last_name": "李",
        "email": "li@example.com",
        "attribute[observed_at]": "2026-03-01T23:30:00+08:00",
        "attribute[noise][]": "piling",
    }
    data.update(change)
    r = Client().post("/open311/v2/requests.xml", data)
    assert r.status_code == 400, r.content
    code, description = error_of(r)
    assert code == 400 and words.lower() in description.lower()
    assert Case.objects.count() == 0 and CaseContact.objects.count() == 0


def test_it_refuses_more_than_five_media_urls(api_key: str) -> None:
    extra = "&" + urlencode([("media_url", f"https://example.org/{i}.jpg") for i in range(6)])
    r = post(fms_body(api_key) + extra)
    assert r.status_code == 400


def test_it_refuses_a_file_that_is_not_a_photo_and_keeps_nothing(api_key: str) -> None:
    r = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": api_key,
            "service_code": "site-dust",
            "description": "扬尘",
            "address_string": "青山路",
            "media": [SimpleUploadedFile("ok.png", PNG), SimpleUploadedFile("evil.png", b"MZ\x90\x00 not an image at all")],
        },
    )
    assert r.status_code == 400
    assert "evil.png" in error_of(r)[1]
    assert Case.objects.count() == 0 and StoredFile.objects.count() == 0


def test_it_stores_html_in_the_description_as_plain_text(api_key: str) -> None:
    r = Client().post(
        "/open311/v2/requests.json",
        {"api_key": api_key, "service_code": "site-dust", "description": "<script>alert(1)</script>扬尘<b>很大</b>", "address_string": "青山路"},
    )
    case = Case.objects.get(number=r.json()[0]["service_request_id"])
    assert "<" not in case.content and "扬尘很大" in case.content


def test_it_rejects_get_and_post_only_where_the_spec_allows_them(api_key: str) -> None:
    assert Client().post("/open311/v2/services.xml").status_code == 405
    assert Client().delete("/open311/v2/requests.xml").status_code == 405
