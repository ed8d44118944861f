from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.testing import District
from audit.models import AuditEntry
from duty import access, services
from duty.models import Instruction, InstructionTarget
from duty.tests.conftest import at
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def target(instruction: Instruction, unit) -> InstructionTarget:  # noqa: ANN001
    return instruction.targets.get(unit=unit)


def test_it_sends_acknowledges_reports_and_closes(district: District, send) -> None:  # noqa: ANN001
    instruction = send()
    assert instruction.number.startswith("ZL")
    assert Notification.objects.filter(user=district.officer, url__contains=f"/instructions/{instruction.pk}/").exists()
    assert Notification.objects.filter(user=district.officer2).exists()

    t_a = target(instruction, district.town_a)
    assert t_a.state == "unseen"
    services.instruction_mark_seen(actor=district.officer, target=t_a)
    t_a.refresh_from_db()
    assert t_a.state == "seen"
    services.instruction_acknowledge(actor=district.officer, target=t_a)
    t_a.refresh_from_db()
    assert t_a.state == "acknowledged" and t_a.acknowledged_by == district.officer
    services.instruction_report(actor=district.officer, target=t_a, result="已排查危旧房屋12处，转移群众3户。")
    t_a.refresh_from_db()
    assert t_a.state == "reported"
    assert Notification.objects.filter(user=district.duty, title__contains=district.town_a.name).exists()

    t_b = target(instruction, district.town_b)
    services.instruction_acknowledge(actor=district.officer2, target=t_b)
    services.instruction_report(actor=district.head_b, target=t_b, result="已落实24小时值班。")

    services.instruction_close(actor=district.duty, instruction=instruction)
    instruction.refresh_from_db()
    assert instruction.status == Instruction.Status.CLOSED
    actions = list(AuditEntry.objects.filter(action__startswith="instruction.").values_list("action", flat=True))
    assert actions.count("instruction.acknowledge") == 2 and "instruction.close" in actions and "instruction.send" in actions


def test_it_refuses_a_result_before_acknowledgement(district: District, send) -> None:  # noqa: ANN001
    t_a = target(send(), district.town_a)
    with pytest.raises(ValidationError, match="先签收"):
        services.instruction_report(actor=district.officer, target=t_a, result="已处理")
    t_a.refresh_from_db()
    assert t_a.reported_at is None and t_a.result == ""


def test_it_refuses_a_second_acknowledgement_and_an_empty_result(district: District, send) -> None:  # noqa: ANN001
    t_a = target(send(), district.town_a)
    services.instruction_acknowledge(actor=district.officer, target=t_a)
    with pytest.raises(ValidationError):
        services.instruction_acknowledge(actor=district.officer, target=t_a)
    with pytest.raises(ValidationError):
        services.instruction_report(actor=district.officer, target=t_a, result="   ")


def test_it_lets_only_the_target_unit_answer(district: District, send) -> None:  # noqa: ANN001
    instruction = send(units=[district.town_a])
    t_a = target(instruction, district.town_a)
    with pytest.raises(PermissionDenied):
        services.instruction_acknowledge(actor=district.officer2, target=t_a)
    with pytest.raises(PermissionDenied):
        services.instruction_acknowledge(actor=district.duty, target=t_a)
    t_a.refresh_from_db()
    assert t_a.acknowledged_at is None


def test_it_refuses_instructions_from_unit_staff_and_bad_deadlines(district: District, send) -> None:  # noqa: ANN001
    with pytest.raises(PermissionDenied):
        send(actor=district.officer)
    from django.utils import timezone

    now = timezone.now()
    with pytest.raises(ValidationError):
        send(ack_deadline=now - dt.timedelta(minutes=1))
    with pytest.raises(ValidationError):
        send(ack_deadline=now + dt.timedelta(hours=2), report_deadline=now + dt.timedelta(hours=1))
    with pytest.raises(ValidationError):
        send(units=[])
    assert Instruction.objects.count() == 0


def test_it_shows_a_unit_only_what_was_sent_to_it(district: District, send) -> None:  # noqa: ANN001
    only_a = send(units=[district.town_a])
    assert list(access.instructions_for(district.officer)) == [only_a]
    assert list(access.instructions_for(district.officer2)) == []
    with pytest.raises(Http404):
        access.get_instruction_for_user(district.officer2, only_a.pk)
    assert access.get_instruction_for_user(district.supervisor, only_a.pk) == only_a
    assert access.get_instruction_for_user(district.leader, only_a.pk) == only_a


def test_it_shows_a_sub_unit_the_instructions_of_its_town(district: District, send) -> None:  # noqa: ANN001
    from accounts.models import Role
    from accounts.services import user_create

    sub = user_create(actor=None, username="sub", password=None, full_name="网格员", unit=district.town_a_sub, roles=[Role.OFFICER], validate=False)
    instruction = send(units=[district.town_a])
    assert access.get_instruction_for_user(sub, instruction.pk) == instruction
    assert access.target_for(sub, instruction).unit == district.town_a


def test_it_needs_a_reason_to_close_with_units_outstanding(district: District, send) -> None:  # noqa: ANN001
    instruction = send()
    with pytest.raises(ValidationError, match="办结说明"):
        services.instruction_close(actor=district.duty, instruction=instruction)
    with pytest.raises(PermissionDenied):
        services.instruction_close(actor=district.officer, instruction=instruction, note="x")
    services.instruction_close(actor=district.duty, instruction=instruction, note="情况已变化，撤回")
    instruction.refresh_from_db()
    assert instruction.status == Instruction.Status.CLOSED
    t_a = target(instruction, district.town_a)
    with pytest.raises(ValidationError, match="已办结"):
        services.instruction_acknowledge(actor=district.officer, target=t_a)


def test_it_reminds_before_and_escalates_after_the_deadlines(district: District, send) -> None:  # noqa: ANN001
    with time_machine.travel(at(2026, 12, 1, 9, 0), tick=False):
        instruction = send()  # acknowledge by 10:00, report by 09:00 next day
    with time_machine.travel(at(2026, 12, 1, 9, 30), tick=False):
        assert services.instructions_sweep() == 0
    with time_machine.travel(at(2026, 12, 1, 9, 50), tick=False):
        sent = services.instructions_sweep()
        assert sent > 0
        assert Notification.objects.filter(user=district.officer, level="reminder", dedupe_key__endswith=":ack:remind").count() == 1
        assert services.instructions_sweep() == 0  # idempotent
    with time_machine.travel(at(2026, 12, 1, 10, 1), tick=False):
        t_a = target(instruction, district.town_a)
        assert t_a.ack_overdue()
        services.instructions_sweep()
        assert Notification.objects.filter(user=district.duty, level="escalation", title__contains=district.town_a.name).exists()
        assert Notification.objects.filter(user=district.officer, dedupe_key__endswith=":ack:overdue").exists()
        services.instruction_acknowledge(actor=district.officer, target=t_a)
        assert services.instructions_sweep() == 0
    with time_machine.travel(at(2026, 12, 2, 9, 1), tick=False):
        services.instructions_sweep()
        assert Notification.objects.filter(user=district.officer, dedupe_key__endswith=":report:overdue").exists()
        t_a.refresh_from_db()
        assert t_a.report_overdue()
        services.instruction_report(actor=district.officer, target=t_a, result="迟报：已处置完毕")
        t_a.refresh_from_db()
        assert t_a.report_overdue()  # reported, but late


def test_it_runs_the_board_through_http(district: District, send, client_for) -> None:  # noqa: ANN001
    instruction = send()
    duty = client_for("duty")
    page = duty.get(f"/duty/instructions/{instruction.pk}/")
    assert page.status_code == 200
    assert 'hx-trigger="every 10s"' in page.content.decode()

    officer = client_for("officer")
    page = officer.get(f"/duty/instructions/{instruction.pk}/")
    assert page.status_code == 200
    board = duty.get(f"/duty/instructions/{instruction.pk}/board/", HTTP_HX_REQUEST="true").content.decode()
    assert board.count('data-testid="board-row"') == 2
    assert "已查看" in board  # town A opened it

    assert officer.post(f"/duty/instructions/{instruction.pk}/report/", {"result": "太早"}).status_code == 400
    assert officer.post(f"/duty/instructions/{instruction.pk}/acknowledge/").status_code == 302
    assert officer.post(f"/duty/instructions/{instruction.pk}/report/", {"result": "已全部排查完毕"}).status_code == 302
    board = duty.get(f"/duty/instructions/{instruction.pk}/board/").content.decode()
    assert "已全部排查完毕" in board and "已报结果" in board


def test_it_refuses_the_board_and_answers_to_other_units(district: District, send, client_for) -> None:  # noqa: ANN001
    instruction = send(units=[district.town_a])
    officer = client_for("officer")
    assert officer.get(f"/duty/instructions/{instruction.pk}/board/").status_code == 403
    officer2 = client_for("officer2")
    assert officer2.get(f"/duty/instructions/{instruction.pk}/").status_code == 404
    assert officer2.post(f"/duty/instructions/{instruction.pk}/acknowledge/").status_code == 404
    assert client_for("dept_officer").post(f"/duty/instructions/{instruction.pk}/close/", {"note": "x"}).status_code == 404
    assert client_for("supervisor").post(f"/duty/instructions/{instruction.pk}/acknowledge/").status_code == 403


def test_it_sends_through_the_form_to_a_whole_level(district: District, client_for) -> None:
    duty = client_for("duty")
    assert client_for("officer").get("/duty/instructions/new/").status_code == 403
    assert duty.get("/duty/instructions/new/").status_code == 200
    from django.utils import timezone

    now = timezone.localtime()
    response = duty.post(
        "/duty/instructions/new/",
        {
            "kind": "warning",
            "urgency": "urgent",
            "title": "大风蓝色预警",
            "content": "预计今夜有6至7级大风，请加固户外广告牌。",
            "level": "town",
            "ack_deadline": (now + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "report_deadline": (now + dt.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    instruction = Instruction.objects.get()
    assert {t.unit for t in instruction.targets.all()} == {district.town_a, district.town_b}
    assert instruction.kind == "warning" and instruction.urgency == "urgent"


def test_it_lists_instructions_per_user(district: District, send, client_for) -> None:  # noqa: ANN001
    send(units=[district.town_a], title="只发青山")
    assert "只发青山" in client_for("officer").get("/duty/instructions/").content.decode()
    assert "只发青山" not in client_for("officer2").get("/duty/instructions/").content.decode()
    assert "只发青山" in client_for("supervisor").get("/duty/instructions/").content.decode()
