from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.testing import District
from duty import services
from duty.models import AccountabilityRecord, SupervisionNotice
from duty.tests.conftest import DAY, at
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def issue(district: District, **kw: object) -> SupervisionNotice:
    params: dict[str, object] = {
        "actor": district.supervisor,
        "unit": district.town_a,
        "title": "关于某小区积水问题久拖未决的督办单",
        "requirement": "请于期限内查明原因、落实整改并书面报告。",
        "due_date": DAY + dt.timedelta(days=5),
    }
    params.update(kw)
    return services.notice_issue(**params)  # type: ignore[arg-type]


def test_it_issues_answers_returns_and_accepts(district: District) -> None:
    with time_machine.travel(at(2026, 12, 1, 9), tick=False):
        notice = issue(district)
        assert notice.number.startswith("DB") and notice.status == SupervisionNotice.Status.ISSUED
        assert Notification.objects.filter(user=district.officer, url__contains=f"/notices/{notice.pk}/").exists()
        services.notice_answer(actor=district.officer, notice=notice, text="已组织排水，正在制定改造方案。")
        notice.refresh_from_db()
        assert notice.status == SupervisionNotice.Status.ANSWERED
        with pytest.raises(ValidationError, match="退回理由"):
            services.notice_review(actor=district.supervisor, notice=notice, accept=False)
        services.notice_review(actor=district.supervisor, notice=notice, accept=False, note="未说明改造时限", new_due_date=DAY + dt.timedelta(days=8))
        notice.refresh_from_db()
        assert notice.status == SupervisionNotice.Status.RETURNED and notice.due_date == DAY + dt.timedelta(days=8)
        services.notice_answer(actor=district.head, notice=notice, text="改造工程12月20日前完工。")
        services.notice_review(actor=district.leader, notice=notice, accept=True)
        notice.refresh_from_db()
        assert notice.status == SupervisionNotice.Status.ACCEPTED and notice.closed_at
        assert [a.verdict for a in notice.answers.all()] == ["returned", "accepted"]
        with pytest.raises(ValidationError):
            services.notice_answer(actor=district.officer, notice=notice, text="再补充")


def test_it_refuses_an_answer_to_someone_elses_notice(district: District, client_for) -> None:
    notice = issue(district)
    with pytest.raises(PermissionDenied):
        services.notice_answer(actor=district.officer2, notice=notice, text="不是我们的")
    assert client_for("officer2").post(f"/duty/notices/{notice.pk}/answer/", {"text": "x"}).status_code == 404
    assert client_for("officer2").get(f"/duty/notices/{notice.pk}/").status_code == 404
    assert client_for("supervisor").post(f"/duty/notices/{notice.pk}/answer/", {"text": "x"}).status_code == 403
    assert notice.answers.count() == 0


def test_it_lets_only_supervisors_issue_and_review(district: District, client_for) -> None:
    with pytest.raises(PermissionDenied):
        issue(district, actor=district.duty)
    with pytest.raises(PermissionDenied):
        issue(district, actor=district.head)
    assert client_for("officer").get("/duty/notices/new/").status_code == 403
    notice = issue(district)
    services.notice_answer(actor=district.officer, notice=notice, text="已办")
    assert client_for("officer").post(f"/duty/notices/{notice.pk}/review/", {"decision": "accept"}).status_code == 403
    with pytest.raises(ValidationError):
        issue(district, due_date=dt.date(2000, 1, 1))


def test_it_issues_a_notice_on_an_instruction_through_the_form(district: District, client_for, send) -> None:  # noqa: ANN001
    instruction = send(units=[district.town_a])
    supervisor = client_for("supervisor")
    assert supervisor.get(f"/duty/notices/new/?instruction={instruction.pk}").status_code == 200
    response = supervisor.post(
        "/duty/notices/new/",
        {"unit": district.town_b.pk, "subject": "instruction", "instruction": instruction.pk, "title": "督办", "requirement": "请报结果", "due_date": "2099-01-01"},
    )
    assert response.status_code == 200 and SupervisionNotice.objects.count() == 0  # not sent to town B
    response = supervisor.post(
        "/duty/notices/new/",
        {"unit": district.town_a.pk, "subject": "instruction", "instruction": instruction.pk, "title": "督办", "requirement": "请报结果", "due_date": "2099-01-01"},
    )
    assert response.status_code == 302
    assert SupervisionNotice.objects.get().instruction == instruction


def test_it_reminds_and_escalates_notices(district: District) -> None:
    with time_machine.travel(at(2026, 12, 1, 9), tick=False):
        notice = issue(district, due_date=DAY + dt.timedelta(days=2))
    with time_machine.travel(at(2026, 12, 2, 8, 5), tick=False):
        assert services.notices_sweep() > 0
        assert Notification.objects.filter(user=district.officer, level="reminder", dedupe_key__contains=f"notice:{notice.pk}").exists()
        assert services.notices_sweep() == 0
    with time_machine.travel(at(2026, 12, 4, 8, 5), tick=False):
        services.notices_sweep()
        assert Notification.objects.filter(user=district.supervisor, level="escalation", dedupe_key__contains=f"notice:{notice.pk}").exists()
        assert notice.is_overdue()


def test_it_records_accountability_and_lists_it_on_the_unit_page(district: District, client_for) -> None:
    notice = issue(district)
    other = issue(district, unit=district.town_b)
    with pytest.raises(ValidationError):
        services.accountability_create(
            actor=district.supervisor, unit=district.town_a, reason="x", measure="interview", decided_by="区政府", decided_on=DAY, notices=[other]
        )
    with pytest.raises(PermissionDenied):
        services.accountability_create(actor=district.duty, unit=district.town_a, reason="x", measure="interview", decided_by="区政府", decided_on=DAY)
    response = client_for("supervisor").post(
        "/duty/accountability/new/",
        {
            "unit": district.town_a.pk,
            "reason": "督办单逾期未答复，积水问题反复发生",
            "measure": "interview",
            "measure_detail": "由分管副区长约谈街道主要负责同志",
            "decided_by": "区人民政府",
            "decided_on": "2026-11-28",
            "notices": [notice.pk],
        },
    )
    assert response.status_code == 302
    record = AccountabilityRecord.objects.get()
    assert list(record.notices.all()) == [notice]
    page = client_for("head").get("/duty/units/qingshan/").content.decode()
    assert "督办单逾期未答复" in page
    assert "督办单逾期未答复" not in client_for("officer2").get("/duty/accountability/").content.decode()
    assert client_for("officer2").get("/duty/units/qingshan/").status_code == 404
    assert client_for("officer").get("/duty/accountability/new/").status_code == 403
