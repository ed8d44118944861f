"""Submitting a matter on the portal: the receipt with the query code, the SMS, the bad
input, the limits."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Case, CaseAttachment, Channel, State
from files.models import StoredFile
from outbox import backends
from outbox.models import CaseContact, Delivery
from portal.models import QueryCode
from portal.services import query_code_check
from portal.testing import en_client
from portal.tests.conftest import PNG

pytestmark = pytest.mark.django_db


def form(**extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "type": "complaint",
        "category": "housing-elevator",
        "description": "幸福里小区3栋电梯停运两天，老人上下楼困难。",
        "address": "幸福里小区3栋",
        "latitude": "30.274100",
        "longitude": "120.155100",
        "name": "王小明",
        "phone": "138 1234 5678",
        "email": "",
        "consent": "on",
        "token": "t1",
    }
    data.update(extra)
    return data


def test_it_shows_the_form_with_the_consent_notice(district) -> None:  # noqa: ANN001
    r = en_client().get("/portal/submit/")
    assert r.status_code == 200
    text = r.content.decode()
    assert 'id="consent-notice"' in text and 'name="consent"' in text
    assert "/static/vendor/leaflet/leaflet.js" in text and 'data-tiles=""' in text
    assert "Lifts" in text  # the category list (English names in English)


def test_it_registers_the_matter_and_shows_the_code_once(district, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    c = en_client()
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/portal/submit/", form(photos=[SimpleUploadedFile("lift.png", PNG)]))
    assert r.status_code == 302 and r["Location"] == "/portal/receipt/"
    page = c.get("/portal/receipt/")
    text = page.content.decode()
    number = re.search(r'data-testid="case-number">([^<]+)<', text).group(1)
    code = re.search(r'data-testid="query-code"[^>]*>([^<]+)<', text).group(1)
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", code)
    assert page["Cache-Control"].startswith("max-age=0")
    case = Case.objects.get(number=number)
    assert case.channel == Channel.WEB and case.state == State.REGISTERED and case.category.code == "housing-elevator"
    assert [(p.name, p.phone) for p in case.complainants.all()] == [("王小明", "13812345678")]
    assert CaseAttachment.objects.filter(case=case).count() == 1
    assert CaseContact.objects.get(case=case).phone == "13812345678"
    stored = QueryCode.objects.get(case=case).code_hash
    assert code.replace("-", "") not in stored
    assert query_code_check(number, code) == case and query_code_check(number, code.lower().replace("-", "")) == case
    assert query_code_check(number, "AAAA-AAAA") is None
    # The code went out by SMS, and the delivery log keeps it only until sent.
    [sms] = backends.sent
    assert sms.to == "13812345678" and number in sms.text and code in sms.text
    delivery = Delivery.objects.get(case=case)
    assert delivery.status == Delivery.Status.SENT and delivery.secret == "" and code not in delivery.body
    # Shown once: a reload goes to the look-up page.
    assert c.get("/portal/receipt/")["Location"] == "/portal/track/"


def test_it_accepts_an_anonymous_matter_without_name_or_phone(district) -> None:  # noqa: ANN001
    r = en_client().post("/portal/submit/", form(anonymous="on", name="", phone="", category="", latitude="", longitude=""))
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.anonymous and not case.complainants.exists() and case.category is None
    assert not CaseContact.objects.exists()


def test_it_files_a_double_submit_once(district) -> None:  # noqa: ANN001
    c = en_client()
    assert c.post("/portal/submit/", form())["Location"] == "/portal/receipt/"
    again = c.post("/portal/submit/", form())
    assert again.status_code == 302 and again["Location"].startswith("/portal/case/")
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"description": "  "}, "description", ""),
        ({"description": "长" * 4001}, "description", "4000"),
        ({"phone": "12345"}, "phone", "11"),
        ({"name": ""}, "name", ""),
        ({"phone": ""}, "phone", ""),
        ({"consent": ""}, "consent", ""),
        ({"latitude": "95"}, "latitude", ""),
        ({"latitude": "30.1", "longitude": ""}, "latitude", ""),
        ({"email": "not-mail"}, "email", ""),
        ({"photos": [SimpleUploadedFile("virus.jpg", b"MZ\x90\x00 this is not a picture")]}, "photos", "virus.jpg"),
        ({"photos": [SimpleUploadedFile(f"p{i}.png", PNG) for i in range(6)]}, "photos", "5"),
        ({"photos": [SimpleUploadedFile("big.png", PNG + b"\0" * (10 * 1024 * 1024))]}, "photos", "10"),
    ],
)
def test_it_explains_bad_input_and_saves_nothing(district, change: dict[str, object], field: str, words: str) -> None:  # noqa: ANN001
    r = en_client().post("/portal/submit/", form(**change))
    assert r.status_code == 200
    text = r.content.decode()
    errors = re.findall(rf'data-field-error="{field}">([^<]+)<', text)
    assert errors, text[:3000]
    assert words in " ".join(errors)
    assert Case.objects.count() == 0 and StoredFile.objects.count() == 0 and QueryCode.objects.count() == 0


def test_it_limits_submissions_per_network(district, settings) -> None:  # noqa: ANN001
    settings.PORTAL_SUBMITS_PER_IP_HOUR = 2
    c = en_client(REMOTE_ADDR="10.1.1.1")
    for i in range(2):
        assert c.post("/portal/submit/", form(token=f"a{i}", phone=f"1381234567{i}")).status_code == 302
    r = c.post("/portal/submit/", form(token="a9", phone="13812345679"))
    assert r.status_code == 200 and "Too many submissions from this network" in r.content.decode()
    assert Case.objects.count() == 2
    assert en_client(REMOTE_ADDR="10.1.1.2").post("/portal/submit/", form(token="b1", phone="13812345679")).status_code == 302


def test_it_limits_submissions_per_phone_number(district, settings) -> None:  # noqa: ANN001
    settings.PORTAL_SUBMITS_PER_PHONE_DAY = 1
    assert en_client(REMOTE_ADDR="10.0.0.1").post("/portal/submit/", form(token="x1")).status_code == 302
    r = en_client(REMOTE_ADDR="10.0.0.2").post("/portal/submit/", form(token="x2", phone="+86 13812345678"))
    assert r.status_code == 200
    assert "Too many submissions with this phone number" in r.content.decode()
    assert Case.objects.count() == 1
