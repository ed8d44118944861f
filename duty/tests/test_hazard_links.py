from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.testing import District
from duty import services
from duty.models import SupervisionNotice
from hazards import services as hazard_services
from hazards.models import Grade, Hazard, HazardCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hazard(district: District) -> Hazard:
    return hazard_services.hazard_register(
        actor=district.officer,
        category=HazardCategory.objects.get(code="fire"),
        grade=Grade.GENERAL,
        title="沿街商铺电动车飞线充电",
        description="青山路32号商铺门前私拉电线为电动车充电",
        address="青山街道青山路32号",
        town=district.town_a,
        unit=district.town_a,
        found_on=timezone.localdate() - dt.timedelta(days=1),
    )


def test_it_supervises_a_hazard_through_the_form(district: District, hazard: Hazard, client_for) -> None:  # noqa: ANN001
    supervisor = client_for("supervisor")
    page = supervisor.get(f"/duty/notices/new/?hazard={hazard.number}").content.decode()
    assert hazard.number in page
    response = supervisor.post(
        "/duty/notices/new/",
        {"unit": district.town_a.pk, "subject": "hazard", "hazard_number": hazard.number, "title": "隐患督办", "requirement": "限期整改", "due_date": "2099-01-01"},
    )
    assert response.status_code == 302
    notice = SupervisionNotice.objects.get()
    assert notice.hazard == hazard
    assert hazard.number in client_for("officer").get(f"/duty/notices/{notice.pk}/").content.decode()


def test_it_refuses_a_hazard_notice_without_the_hazard_or_an_unknown_number(district: District, hazard: Hazard, client_for) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError):
        services.notice_issue(actor=district.supervisor, unit=district.town_a, subject="hazard", title="t", requirement="r", due_date=timezone.localdate())
    response = client_for("supervisor").post(
        "/duty/notices/new/",
        {"unit": district.town_a.pk, "subject": "hazard", "hazard_number": "YH0000-99999", "title": "t", "requirement": "r", "due_date": "2099-01-01"},
    )
    assert response.status_code == 200 and SupervisionNotice.objects.count() == 0


def test_it_links_hazards_to_an_instruction_through_the_form(district: District, hazard: Hazard, client_for) -> None:  # noqa: ANN001
    now = timezone.localtime()
    response = client_for("duty").post(
        "/duty/instructions/new/",
        {
            "kind": "instruction",
            "urgency": "normal",
            "title": "关于电动车充电隐患整治的通知",
            "content": "请逐一整改。",
            "units": [district.town_a.pk],
            "hazard_numbers": hazard.number,
            "ack_deadline": (now + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "report_deadline": (now + dt.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    instruction = hazard.instructions.get()
    assert hazard.number in client_for("officer").get(f"/duty/instructions/{instruction.pk}/").content.decode()
