"""Every page: anonymous users are sent to sign in, the main pages render for their users,
the remaining refusals, attachments and constant query counts on list pages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, reverse
from django.utils import timezone

from accounts.testing import District
from cases.models import State
from cases.tests.helpers import register, walk
from duty import services, urls
from duty.tests.conftest import full_day

pytestmark = pytest.mark.django_db

ARGS = {"pk": 1, "code": "qingshan", "year": 2026, "month": 12, "fmt": "xlsx", "item_id": 1, "file_id": "00000000-0000-0000-0000-000000000000"}


def test_it_sends_anonymous_visitors_to_sign_in_on_every_page(district: District, client) -> None:  # noqa: ANN001
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        names = list(pattern.pattern.converters)
        url = reverse(f"duty:{pattern.name}", kwargs={n: ARGS[n] for n in names})
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize(
    ("user", "url"),
    [
        ("duty", "/duty/"),
        ("officer", "/duty/"),
        ("leader", "/duty/"),
        ("supervisor", "/duty/notices/"),
        ("officer", "/duty/accountability/"),
        ("supervisor", "/duty/accountability/new/"),
        ("duty", "/duty/roster/"),
        ("officer", "/duty/roster/"),
        ("officer", "/duty/urgent/"),
        ("officer", "/duty/periods/"),
        ("leader", "/duty/leader/"),
        ("officer", "/duty/leader/"),
        ("intake", "/duty/ownership/new/"),
        ("officer", "/duty/batches/"),
        ("intake", "/duty/batches/new/"),
        ("duty", "/duty/units/qingshan/"),
        ("duty", "/duty/settings/"),
    ],
)
def test_it_renders_the_main_pages(district: District, client_for, user: str, url: str) -> None:  # noqa: ANN001
    assert client_for(user).get(url).status_code == 200


def test_it_refuses_the_remaining_pages_to_the_wrong_people(district: District, client_for) -> None:  # noqa: ANN001
    case = walk(district, register(district), State.HANDLING)
    other = walk(district, register(district, title="另一件"), State.ASSIGNED, unit=district.town_b)
    ownership = services.ownership_assign(actor=district.leader, case=case, leader=district.leader)
    batch = services.batch_create(actor=district.leader, title="交办", deadline=timezone.localdate() + dt.timedelta(days=9), cases=[other])
    officer = client_for("officer")
    assert officer.get("/duty/ownership/new/").status_code == 403
    assert client_for("officer2").post(f"/duty/ownership/{ownership.pk}/end/").status_code == 404
    assert officer.post(f"/duty/ownership/{ownership.pk}/end/").status_code == 403
    assert officer.get(f"/duty/batches/{batch.pk}/").status_code == 404  # town A has no case in it
    assert officer.get(f"/duty/batches/{batch.pk}/export.xlsx").status_code == 404
    assert client_for("officer2").post(f"/duty/batches/{batch.pk}/close/").status_code == 403
    from accounts.models import Role
    from accounts.services import user_create

    user_create(actor=None, username="nounit", password="persona-pass-123", full_name="无单位", unit=None, roles=[Role.OFFICER], validate=False)
    assert client_for("admin").get("/duty/roster/").status_code == 200
    from django.test import Client

    lonely = Client()
    from accounts.models import User

    lonely.force_login(User.objects.get(username="nounit"))
    assert lonely.get("/duty/roster/").status_code == 403
    assert lonely.get("/duty/instructions/").status_code == 200  # an empty list, nothing leaks
    assert "关于" not in lonely.get("/duty/instructions/").content.decode()


def test_it_serves_attachments_only_to_those_who_see_the_record(district: District, client_for) -> None:  # noqa: ANN001
    from files.services import file_store

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    stored = file_store(actor=district.duty, upload=io.BytesIO(pdf), name="方案.pdf", allowed_kinds={"pdf"})
    now = timezone.now()
    services.instruction_send(
        actor=district.duty,
        title="附件测试",
        content="见附件",
        units=[district.town_a],
        ack_deadline=now + dt.timedelta(hours=1),
        report_deadline=now + dt.timedelta(hours=2),
        attachments=[stored],
    )
    assert client_for("officer").get(f"/duty/files/{stored.pk}/").status_code == 200
    assert client_for("officer2").get(f"/duty/files/{stored.pk}/").status_code == 404


def test_it_uploads_attachments_with_a_result(district: District, send, client_for) -> None:  # noqa: ANN001
    instruction = send(units=[district.town_a])
    officer = client_for("officer")
    officer.post(f"/duty/instructions/{instruction.pk}/acknowledge/")
    upload = io.BytesIO(b"%PDF-1.4\n%%EOF\n")
    upload.name = "现场照片说明.pdf"
    assert officer.post(f"/duty/instructions/{instruction.pk}/report/", {"result": "见附件", "files": upload}).status_code == 302
    target = instruction.targets.get()
    stored = target.result_files.get()
    assert client_for("duty").get(f"/duty/files/{stored.pk}/").status_code == 200
    bad = io.BytesIO(b"not a pdf")
    bad.name = "x.pdf"
    instruction2 = send(units=[district.town_a])
    officer.post(f"/duty/instructions/{instruction2.pk}/acknowledge/")
    assert officer.post(f"/duty/instructions/{instruction2.pk}/report/", {"result": "见附件", "files": bad}).status_code == 400
    assert instruction2.targets.get().reported_at is None


def _count(client, url: str) -> int:  # noqa: ANN001
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_it_keeps_list_pages_at_a_constant_number_of_queries(district: District, send, client_for) -> None:  # noqa: ANN001
    duty = client_for("duty")
    send()
    services.roster_set_days(actor=district.officer, unit=district.town_a, days={timezone.localdate(): full_day()})
    services.daily_report_submit(actor=district.officer, unit=district.town_a, date=timezone.localdate(), nothing_to_report=True)
    services.notice_issue(actor=district.supervisor, unit=district.town_a, title="督办", requirement="请办理", due_date=timezone.localdate())

    def urgent() -> None:
        services.urgent_report_file(actor=district.officer, unit=district.town_a, title="火情", place="青山路", occurred_at=timezone.now())

    urgent()
    pages = ["/duty/instructions/", "/duty/daily/summary/", "/duty/roster/", "/duty/notices/", "/duty/urgent/"]
    duty.get(pages[0])  # the session's first request also refreshes the session: not a cost of the rows
    before = {url: _count(duty, url) for url in pages}
    for _ in range(4):
        send()
        services.notice_issue(actor=district.supervisor, unit=district.town_b, title="督办", requirement="请办理", due_date=timezone.localdate())
        urgent()
    services.roster_set_days(actor=district.officer2, unit=district.town_b, days={timezone.localdate(): full_day()})
    services.daily_report_submit(actor=district.officer2, unit=district.town_b, date=timezone.localdate(), nothing_to_report=True)
    after = {url: _count(duty, url) for url in pages}
    assert after == before
