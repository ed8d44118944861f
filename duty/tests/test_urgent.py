from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.testing import District
from duty import services
from duty.models import UrgentReport
from duty.tests.conftest import DAY, at, full_day
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def file(district: District, **kw: object) -> UrgentReport:
    from django.utils import timezone

    params: dict[str, object] = {
        "actor": district.officer,
        "unit": district.town_a,
        "title": "青山路一商铺发生火情",
        "place": "青山路88号",
        "occurred_at": timezone.now() - dt.timedelta(minutes=20),
        "scale": "过火面积约20平方米，无人员伤亡",
        "measures": "消防已到场扑灭，疏散周边群众",
    }
    params.update(kw)
    return services.urgent_report_file(**params)  # type: ignore[arg-type]


def test_it_notifies_the_duty_office_and_the_leaders_on_duty_at_once(district: District) -> None:
    services.roster_set_days(actor=district.head, unit=district.town_a, days={DAY: full_day(leader=district.head.full_name)})
    with time_machine.travel(at(2026, 12, 1, 22, 0), tick=False):
        report = file(district)
    assert report.number.startswith("KB")
    assert Notification.objects.filter(user=district.duty, level="escalation", url__contains=f"/urgent/{report.pk}/").exists()
    assert Notification.objects.filter(user=district.head, url__contains=f"/urgent/{report.pk}/").exists()  # on duty tonight and unit leader
    assert not Notification.objects.filter(user=district.officer2).exists()


def test_it_chains_follow_up_reports_and_closes(district: District, client_for) -> None:
    report = file(district)
    follow = file(district, parent=report, title="火情续报", scale="已全部扑灭")
    assert follow.parent == report and follow.root == report
    again = file(district, parent=follow, title="二次续报")
    assert again.parent == report  # chained to the first report
    page = client_for("duty").get(f"/duty/urgent/{report.pk}/").content.decode()
    assert page.count('data-testid="chain-item"') == 3
    with pytest.raises(PermissionDenied):
        file(district, parent=report, actor=district.officer2, unit=district.town_b)
    with pytest.raises(PermissionDenied):
        services.urgent_report_close(actor=district.officer, report=report)
    services.urgent_report_close(actor=district.duty, report=report)
    with pytest.raises(ValidationError):
        file(district, parent=report)


def test_it_refuses_future_times_and_other_units(district: District) -> None:
    from django.utils import timezone

    with pytest.raises(ValidationError):
        file(district, occurred_at=timezone.now() + dt.timedelta(hours=2))
    with pytest.raises(PermissionDenied):
        file(district, actor=district.officer2)
    assert UrgentReport.objects.count() == 0


def test_it_files_through_the_pages(district: District, client_for) -> None:
    officer = client_for("officer")
    assert officer.get("/duty/urgent/new/").status_code == 200
    assert client_for("supervisor").get("/duty/urgent/new/").status_code == 403
    from django.utils import timezone

    response = officer.post(
        "/duty/urgent/new/",
        {"title": "河道发现漂浮油污", "place": "青山河桥下", "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "scale": "约200米"},
    )
    assert response.status_code == 302
    report = UrgentReport.objects.get()
    assert client_for("officer2").get(f"/duty/urgent/{report.pk}/").status_code == 404
    assert client_for("officer2").post(f"/duty/urgent/{report.pk}/follow-up/", {}).status_code == 404
    assert client_for("leader").post(f"/duty/urgent/{report.pk}/follow-up/", {}).status_code == 403
    assert client_for("officer").post(f"/duty/urgent/{report.pk}/close/").status_code == 403
    assert "河道发现漂浮油污" in client_for("leader").get("/duty/urgent/").content.decode()
    response = officer.post(
        f"/duty/urgent/{report.pk}/follow-up/",
        {"title": "油污续报", "place": "青山河桥下", "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "measures": "已布设围油栏"},
    )
    assert response.status_code == 302 and report.follow_ups.count() == 1


def test_it_sends_an_sms_after_commit_through_the_sms_backend(district: District, settings, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    from outbox import backends

    settings.SMS_BACKEND = "outbox.backends.LocmemSmsBackend"
    district.duty.phone = "13900001111"
    district.duty.save(update_fields=["phone"])
    backends.sent.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        file(district)
    assert backends.sent == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert [m.to for m in backends.sent] == ["13900001111"]
    assert "青山路一商铺发生火情" in backends.sent[0].text
