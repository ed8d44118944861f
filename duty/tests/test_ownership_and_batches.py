from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.testing import District
from cases.models import State
from cases.tests.helpers import register, walk
from duty import services
from duty.models import BatchItem, CaseOwnership, CentralBatch, SupervisionNotice
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def handled(district: District):  # noqa: ANN201
    """A case assigned to town A and being handled there."""
    return walk(district, register(district), State.HANDLING)


def test_it_makes_a_leader_owner_and_lists_the_case_with_its_clocks(district: District, handled, client_for) -> None:  # noqa: ANN001
    ownership = services.ownership_assign(actor=district.intake, case=handled, leader=district.leader, interval_days=3, instructions="务必月底前解决")
    assert Notification.objects.filter(user=district.leader, url__contains=f"/ownership/{ownership.pk}/").exists()
    assert Notification.objects.filter(user=district.officer, url__contains=f"/ownership/{ownership.pk}/").exists()
    with pytest.raises(ValidationError, match="已由"):
        services.ownership_assign(actor=district.intake, case=handled, leader=district.leader)
    page = client_for("leader").get("/duty/leader/").content.decode()
    assert handled.number in page and page.count('data-testid="owned-row"') == 1
    assert "clock-" in page  # the running handling clock is shown
    assert handled.number not in client_for("officer2").get("/duty/leader/").content.decode()
    assert client_for("officer2").get(f"/duty/ownership/{ownership.pk}/").status_code == 404


def test_it_refuses_ownership_to_non_leaders_and_by_unit_staff(district: District, handled) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError):
        services.ownership_assign(actor=district.intake, case=handled, leader=district.officer)
    with pytest.raises(PermissionDenied):
        services.ownership_assign(actor=district.officer, case=handled, leader=district.leader)
    assert CaseOwnership.objects.count() == 0


def test_it_takes_progress_from_the_handling_unit_and_reminds_at_the_interval(district: District, handled, client_for) -> None:  # noqa: ANN001
    start = timezone.localtime()
    ownership = services.ownership_assign(actor=district.leader, case=handled, leader=district.leader, interval_days=3)
    with pytest.raises(PermissionDenied):
        services.ownership_progress(actor=district.officer2, ownership=ownership, text="不是我们的")
    assert client_for("leader").post(f"/duty/ownership/{ownership.pk}/progress/", {"text": "x"}).status_code == 403
    assert client_for("officer").post(f"/duty/ownership/{ownership.pk}/progress/", {"text": "已约见信访人，正在协调"}).status_code == 302
    assert Notification.objects.filter(user=district.leader, title__contains=handled.number).count() >= 2
    assert services.progress_sweep(today=start.date() + dt.timedelta(days=2)) == 0
    assert services.progress_sweep(today=start.date() + dt.timedelta(days=3)) > 0
    assert services.progress_sweep(today=start.date() + dt.timedelta(days=3)) == 0
    services.ownership_end(actor=district.leader, ownership=ownership, note="已化解")
    assert services.progress_sweep(today=start.date() + dt.timedelta(days=10)) == 0


def test_it_runs_a_central_assignment_batch_and_exports_its_table(district: District, handled, client_for) -> None:  # noqa: ANN001
    other = walk(district, register(district, title="老旧小区加装电梯意见分歧"), State.ASSIGNED, unit=district.town_b)
    response = client_for("intake").post(
        "/duty/batches/new/",
        {"title": "第一批信访积案集中交办", "deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat(), "case_numbers": f"{handled.number}\n{other.number}, NOPE-1"},
    )
    assert response.status_code == 200 and CentralBatch.objects.count() == 0  # an unknown number refuses the batch
    response = client_for("intake").post(
        "/duty/batches/new/",
        {"title": "第一批信访积案集中交办", "deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat(), "case_numbers": f"{handled.number}\n{other.number}"},
    )
    assert response.status_code == 302
    batch = CentralBatch.objects.get()
    assert batch.items.count() == 2
    item_a = batch.items.get(unit=district.town_a)
    item_b = batch.items.get(unit=district.town_b)
    officer = client_for("officer")
    assert officer.post(f"/duty/batches/{batch.pk}/items/{item_b.pk}/progress/", {"text": "x"}).status_code == 404
    assert officer.post(f"/duty/batches/{batch.pk}/items/{item_a.pk}/progress/", {"text": "已完成整改", "resolved": "on"}).status_code == 302
    item_a.refresh_from_db()
    assert item_a.status == BatchItem.Status.RESOLVED
    page = officer.get(f"/duty/batches/{batch.pk}/").content.decode()
    assert handled.number in page and other.number not in page  # a town sees its own rows
    assert client_for("supervisor").get(f"/duty/batches/{batch.pk}/").content.decode().count('data-testid="batch-row"') == 2

    from docx import Document
    from openpyxl import load_workbook

    xlsx = client_for("leader").get(f"/duty/batches/{batch.pk}/export.xlsx")
    wb = load_workbook(io.BytesIO(xlsx.content))
    per_case = [[c.value for c in r] for r in wb.worksheets[0].iter_rows(min_row=3)]
    assert {r[1] for r in per_case} == {handled.number, other.number}
    assert any(r[7] == "已完成整改" for r in per_case)
    per_unit = [[c.value for c in r] for r in wb.worksheets[1].iter_rows(min_row=2)]
    assert [district.town_a.name, "1", "1", "0", "0", "100%"] in per_unit
    docx = client_for("leader").get(f"/duty/batches/{batch.pk}/export.docx")
    doc = Document(io.BytesIO(docx.content))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert handled.number in cells and district.town_b.name in cells
    assert client_for("officer").get("/duty/batches/new/").status_code == 403


def test_it_escalates_batch_items_past_the_deadline(district: District, handled) -> None:  # noqa: ANN001
    batch = services.batch_create(actor=district.leader, title="积案", deadline=timezone.localdate() + dt.timedelta(days=5), cases=[handled])
    later = timezone.localdate() + dt.timedelta(days=6)
    assert services.progress_sweep(today=later) > 0
    assert Notification.objects.filter(user=district.leader, dedupe_key__contains="overdue").exists()
    services.batch_close(actor=district.leader, batch=batch)
    assert services.progress_sweep(today=later + dt.timedelta(days=7)) == 0


def test_it_supervises_a_case_with_a_notice(district: District, handled, client_for) -> None:  # noqa: ANN001
    supervisor = client_for("supervisor")
    assert supervisor.get(f"/duty/notices/new/?case={handled.number}").status_code == 200
    response = supervisor.post(
        "/duty/notices/new/",
        {"unit": district.town_a.pk, "subject": "case", "case_number": handled.number, "title": "督办", "requirement": "请加快办理", "due_date": "2099-01-01"},
    )
    assert response.status_code == 302
    notice = SupervisionNotice.objects.get()
    assert notice.case == handled
    assert handled.number in client_for("officer").get(f"/duty/notices/{notice.pk}/").content.decode()


def test_it_links_cases_to_an_instruction(district: District, handled) -> None:  # noqa: ANN001
    with time_machine.travel(timezone.now(), tick=False):
        instruction = services.instruction_send(
            actor=district.duty,
            title="关于积案化解的通知",
            content="请加快办理",
            units=[district.town_a],
            ack_deadline=timezone.now() + dt.timedelta(hours=1),
            report_deadline=timezone.now() + dt.timedelta(days=1),
            cases=[handled],
        )
    assert list(instruction.cases.all()) == [handled]
