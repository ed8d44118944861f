"""Following a matter with number + query code, the public timeline, and the
complainant's own actions: rate, ask for review, withdraw."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from cases import services as s
from cases.models import Case, CaseFollowUp, CaseType, Channel, ContactChannel, Level, Satisfaction, State
from portal.services import Submission, portal_submit
from portal.testing import en_client, walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(district):  # noqa: ANN001, ANN201
    receipt = portal_submit(data=Submission(type=CaseType.COMPLAINT, description="工地夜间施工噪音扰民，晚上11点后仍在打桩。", name="李小红", phone="13912345678", address="青山路18号"))
    return receipt.case, receipt.code


def signed_in(case: Case, code: str) -> Client:
    c = en_client()
    r = c.post("/portal/track/", {"number": case.number, "code": code})
    assert r.status_code == 302 and r["Location"] == f"/portal/case/{case.number}/"
    return c


def test_it_opens_the_status_page_with_the_right_code_only(filed) -> None:  # noqa: ANN001
    case, code = filed
    assert en_client().get(f"/portal/case/{case.number}/").status_code == 404
    c = en_client()
    r = c.post("/portal/track/", {"number": case.number, "code": "ABCD-EFGH"})
    assert r.status_code == 200 and "do not match" in r.content.decode()
    assert c.get(f"/portal/case/{case.number}/").status_code == 404
    c = signed_in(case, code.lower())
    page = c.get(f"/portal/case/{case.number}/")
    assert page.status_code == 200 and "Your matter was received and registered." in page.content.decode()
    c.post("/portal/leave/")
    assert c.get(f"/portal/case/{case.number}/").status_code == 404


def test_it_pauses_a_number_after_five_wrong_codes(filed, settings) -> None:  # noqa: ANN001
    case, code = filed
    c = en_client()
    with time_machine.travel(dt.datetime(2026, 5, 1, 2, tzinfo=dt.UTC), tick=False) as traveller:
        for _i in range(4):
            assert "do not match" in c.post("/portal/track/", {"number": case.number, "code": "WRONGWRO"}).content.decode()
        r = c.post("/portal/track/", {"number": case.number, "code": "WRONGWRO"})
        assert "wait 15 minutes" in r.content.decode()
        r = en_client(REMOTE_ADDR="10.9.9.9").post("/portal/track/", {"number": case.number, "code": code})
        assert r.status_code == 200 and "Too many wrong codes" in r.content.decode()
        traveller.shift(dt.timedelta(minutes=16))
        assert en_client().post("/portal/track/", {"number": case.number, "code": code}).status_code == 302


def test_it_limits_look_ups_per_network(filed, settings) -> None:  # noqa: ANN001
    settings.PORTAL_LOOKUPS_PER_IP_HOUR = 3
    case, code = filed
    c = en_client(REMOTE_ADDR="10.2.2.2")
    for i in range(3):
        c.post("/portal/track/", {"number": f"2026-00000{i + 5}", "code": "AAAA-AAAA"})
    r = c.post("/portal/track/", {"number": case.number, "code": code})
    assert r.status_code == 200 and "Too many look-ups" in r.content.decode()


def test_it_shows_the_public_timeline_in_plain_words_and_never_internal_notes(filed, district) -> None:  # noqa: ANN001
    case, code = filed
    case = walk_to(district, case, State.HANDLING)
    s.case_add_note(actor=district.officer, case=case, expected_version=case.version, text="内部：施工方老板电话13700000000，态度强硬")
    other = portal_submit(data=Submission(type=CaseType.COMPLAINT, description="别人的事", name="赵六", phone="13500000000")).case
    c = signed_in(case, code)
    text = c.get(f"/portal/case/{case.number}/").content.decode()
    for plain in ("Your matter was accepted.", "Your matter was passed to the unit responsible.", "Being handled by the unit responsible."):
        assert plain in text
    assert "Qingshan Street" in text  # the unit that handles it
    for secret in ("13700000000", "态度强硬", str(district.officer), str(district.intake), "赵六", "13500000000", other.number):
        assert secret not in text
    assert c.get(f"/portal/case/{other.number}/").status_code == 404


def test_it_shows_the_written_answer_and_takes_a_rating_once(filed, district) -> None:  # noqa: ANN001
    case, code = filed
    c = signed_in(case, code)
    r = c.post(f"/portal/case/{case.number}/rate/", {"resolved": "1", "satisfaction": "satisfied"})
    assert r.status_code == 400  # not answered yet
    walk_to(district, case, State.REPLIED)
    page = c.get(f"/portal/case/{case.number}/").content.decode()
    assert 'data-testid="reply"' in page and "已责令施工单位落实扬尘防控措施" in page and 'data-testid="rate-form"' in page
    r = c.post(f"/portal/case/{case.number}/rate/", {"resolved": "0", "satisfaction": "basically", "comment": "晚上仍有噪音"})
    assert r.status_code == 302
    fu = CaseFollowUp.objects.get(case=case)
    assert (fu.resolved, fu.satisfaction, fu.channel, fu.comment, fu.by) == (False, Satisfaction.BASICALLY, ContactChannel.PORTAL, "晚上仍有噪音", None)
    page = c.get(f"/portal/case/{case.number}/").content.decode()
    assert 'data-testid="rated"' in page and 'data-testid="rate-form"' not in page
    r = c.post(f"/portal/case/{case.number}/rate/", {"resolved": "1", "satisfaction": "satisfied"})
    assert r.status_code == 400 and "already rated" in r.content.decode()
    assert CaseFollowUp.objects.filter(case=case).count() == 1


def test_it_asks_for_a_review_inside_the_window(filed, district) -> None:  # noqa: ANN001
    case, code = filed
    walk_to(district, case, State.REPLIED)
    c = signed_in(case, code)
    assert 'data-testid="review-form"' in c.get(f"/portal/case/{case.number}/").content.decode()
    r = c.post(f"/portal/case/{case.number}/review/", {"reason": "夜间仍在施工，问题没有解决。"})
    assert r.status_code == 302
    review = Case.objects.get(parent_case=case)
    assert review.level == Level.REVIEW and review.state == State.HANDLING
    page = c.get(f"/portal/case/{case.number}/").content.decode()
    assert review.number in page and 'data-testid="review-form"' not in page


def test_it_says_clearly_when_the_review_window_has_passed(filed, district) -> None:  # noqa: ANN001
    case, code = filed
    walk_to(district, case, State.REPLIED)
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=45)
    with time_machine.travel(later, tick=False):
        c = signed_in(case, code)
        page = c.get(f"/portal/case/{case.number}/").content.decode()
        assert 'data-testid="review-closed"' in page and 'data-testid="review-form"' not in page
        r = c.post(f"/portal/case/{case.number}/review/", {"reason": "不服"})
        assert r.status_code == 400 and "window to request a review ended" in r.content.decode()
    assert not Case.objects.filter(parent_case=case).exists()


def test_it_lets_the_complainant_withdraw_an_open_matter(filed) -> None:  # noqa: ANN001
    case, code = filed
    c = signed_in(case, code)
    r = c.post(f"/portal/case/{case.number}/withdraw/", {"reason": "已自行协商解决"})
    assert r.status_code == 400  # not confirmed
    assert Case.objects.get(pk=case.pk).state == State.REGISTERED
    r = c.post(f"/portal/case/{case.number}/withdraw/", {"confirm": "on", "reason": "已自行协商解决"})
    assert r.status_code == 302
    assert Case.objects.get(pk=case.pk).state == State.WITHDRAWN
    page = c.get(f"/portal/case/{case.number}/").content.decode()
    assert "You withdrew your matter." in page and 'data-testid="withdraw-form"' not in page


@pytest.mark.parametrize("action", ["rate", "review", "withdraw"])
def test_it_refuses_actions_without_the_code(filed, action: str) -> None:  # noqa: ANN001
    case, _code = filed
    r = en_client().post(f"/portal/case/{case.number}/{action}/", {"confirm": "on", "reason": "x", "resolved": "1", "satisfaction": "satisfied"})
    assert r.status_code == 404
    assert Case.objects.get(pk=case.pk).state == State.REGISTERED


def test_it_does_not_open_cases_from_other_channels(district) -> None:  # noqa: ANN001
    walk_in = s.case_register(actor=district.intake, channel=Channel.VISIT, type=CaseType.COMPLAINT, title="走访", content="来访", complainants=[s.ComplainantIn(name="王五")])
    r = en_client().post("/portal/track/", {"number": walk_in.number, "code": "AAAA-BBBB"})
    assert r.status_code == 200 and "do not match" in r.content.decode()


def test_it_serves_the_portal_pages_to_anyone(district) -> None:  # noqa: ANN001
    for url in ("/portal/", "/portal/submit/", "/portal/track/"):
        assert en_client().get(url).status_code == 200
    assert en_client().get("/portal/receipt/")["Location"] == "/portal/track/"
