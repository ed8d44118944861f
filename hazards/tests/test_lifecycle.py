"""The hazard life cycle through the services, and every refusal (which changes nothing)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.testing import District
from audit.models import AuditEntry
from hazards import services
from hazards.models import Grade, Hazard, HazardEvent, HazardExtension, HazardPhoto, HazardPlan, State
from hazards.tests.conftest import PLAN, category, photo_file

pytestmark = pytest.mark.django_db


def audit_count(h: Hazard) -> int:
    return AuditEntry.objects.filter(object_type="hazards.hazard", object_id=str(h.pk)).count()


def test_it_registers_a_general_hazard_with_the_default_deadline_and_a_number(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard(found_on=dt.date(2026, 3, 2))
    assert h.number.startswith(f"YH{timezone.localdate().year}-")
    assert h.state == State.REGISTERED
    assert h.deadline == dt.date(2026, 3, 9)  # 7 calendar days, a Monday
    assert h.registered_by == district.officer
    assert AuditEntry.objects.filter(action="hazard.register", object_id=str(h.pk)).exists()
    assert list(h.events.values_list("kind", flat=True)) == [HazardEvent.Kind.REGISTERED]


def test_it_moves_a_default_deadline_on_a_day_off_to_the_next_working_day(make_hazard) -> None:  # noqa: ANN001
    h = make_hazard(found_on=dt.date(2026, 3, 7))  # + 7 = Saturday 14 March
    assert h.deadline == dt.date(2026, 3, 16)


def test_it_numbers_hazards_consecutively(make_hazard) -> None:  # noqa: ANN001
    a, b = make_hazard(), make_hazard(title="另一处")
    assert int(b.number[-5:]) == int(a.number[-5:]) + 1


def test_it_refuses_a_deadline_before_the_found_date(make_hazard) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError) as exc:
        make_hazard(found_on=dt.date(2026, 3, 10), deadline=dt.date(2026, 3, 9))
    assert "deadline" in exc.value.message_dict
    assert Hazard.objects.count() == 0


def test_it_refuses_a_found_date_in_the_future(make_hazard) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError):
        make_hazard(found_on=timezone.localdate() + dt.timedelta(days=1))
    assert Hazard.objects.count() == 0


def test_it_refuses_a_major_hazard_with_an_incomplete_plan(make_hazard) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError) as exc:
        make_hazard(grade=Grade.MAJOR, plan={**PLAN, "deadline": dt.date(2026, 12, 31), "measures": "", "contingency": " "})
    assert {"plan_measures", "plan_contingency"} <= set(exc.value.message_dict)
    assert Hazard.objects.count() == 0 and HazardPlan.objects.count() == 0


def test_it_refuses_registration_outside_the_users_territory(district: District, make_hazard) -> None:  # noqa: ANN001
    with pytest.raises(PermissionDenied):
        make_hazard(district.officer2, town=district.town_a)
    assert Hazard.objects.count() == 0


def test_it_refuses_registration_by_a_role_that_does_not_work_on_hazards(district: District, make_hazard) -> None:  # noqa: ANN001
    with pytest.raises(PermissionDenied):
        make_hazard(district.followup)


def test_it_takes_the_deadline_of_a_major_hazard_from_its_plan(make_hazard) -> None:  # noqa: ANN001
    h = make_hazard(grade=Grade.MAJOR, plan=True)
    assert h.deadline == h.found_on + dt.timedelta(days=90) or h.deadline > h.found_on
    assert h.plan.is_complete
    assert h.deadline == h.plan.deadline


def test_it_refuses_to_start_a_major_hazard_without_its_plan(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard(grade=Grade.MAJOR)
    before = audit_count(h)
    with pytest.raises(ValidationError) as exc:
        services.hazard_start_rectification(actor=district.officer, hazard=h)
    assert "五落实" in str(exc.value)  # the default language is Chinese
    h.refresh_from_db()
    assert h.state == State.REGISTERED and audit_count(h) == before


def test_it_runs_a_major_hazard_through_its_whole_life_cycle(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard(grade=Grade.MAJOR)
    services.hazard_plan_save(actor=district.officer, hazard=h, responsible_person="王建国", measures="拆除", funds_amount=Decimal("3.5"), deadline=h.found_on + dt.timedelta(days=60), contingency="警戒")
    h.refresh_from_db()
    assert h.deadline == h.found_on + dt.timedelta(days=60)
    h = services.hazard_start_rectification(actor=district.officer, hazard=h)
    assert h.state == State.RECTIFYING
    h = services.hazard_report_rectified(actor=district.officer, hazard=h, note="已拆除并增设喷淋", photos=[photo_file()])
    assert h.state == State.RECTIFIED and h.rectified_by == district.officer and h.rectified_on == timezone.localdate()
    h = services.hazard_verify(actor=district.head, hazard=h, passed=True, note="现场核查合格")
    assert h.state == State.VERIFIED and h.verified_by == district.head
    h = services.hazard_close(actor=district.head, hazard=h)
    assert h.state == State.CLOSED and h.closed_at is not None
    kinds = list(h.events.order_by("at", "id").values_list("kind", flat=True))
    assert kinds == ["registered", "plan_saved", "started", "rectified", "verify_passed", "closed"]
    actions = set(AuditEntry.objects.filter(object_id=str(h.pk), object_type="hazards.hazard").values_list("action", flat=True))
    assert {"hazard.register", "hazard.plan_save", "hazard.start", "hazard.rectified", "hazard.verify", "hazard.close"} <= actions


def test_it_refuses_verification_by_the_person_who_rectified(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard(district.head)
    h = services.hazard_report_rectified(actor=district.head, hazard=h, note="已清理", photos=[photo_file()])
    with pytest.raises(PermissionDenied) as exc:
        services.hazard_verify(actor=district.head, hazard=h, passed=True)
    assert "其他人员" in str(exc.value)
    h.refresh_from_db()
    assert h.state == State.RECTIFIED


def test_it_refuses_verification_by_an_ordinary_officer(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard(district.head)
    h = services.hazard_report_rectified(actor=district.head, hazard=h, note="已清理", photos=[photo_file()])
    with pytest.raises(PermissionDenied):
        services.hazard_verify(actor=district.officer, hazard=h, passed=True)


def test_it_sends_a_failed_verification_back_to_rectification_with_the_reason(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard()
    h = services.hazard_report_rectified(actor=district.officer, hazard=h, note="已清理", photos=[photo_file()])
    with pytest.raises(ValidationError):
        services.hazard_verify(actor=district.head, hazard=h, passed=False, note="")
    h = services.hazard_verify(actor=district.head, hazard=h, passed=False, note="通道仍有杂物")
    assert h.state == State.RECTIFYING and h.rectified_by is None and h.rectified_on is None
    assert h.events.filter(kind=HazardEvent.Kind.VERIFY_FAILED, note="通道仍有杂物").exists()


def test_it_requires_evidence_to_report_a_rectification(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard()
    with pytest.raises(ValidationError) as exc:
        services.hazard_report_rectified(actor=district.officer, hazard=h, note="已清理")
    assert "photos" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.hazard_report_rectified(actor=district.officer, hazard=h, note="  ", photos=[photo_file()])
    assert "note" in exc.value.message_dict
    h.refresh_from_db()
    assert h.state == State.REGISTERED and HazardPhoto.objects.count() == 0


def test_it_accepts_an_after_photo_uploaded_earlier_as_evidence(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard()
    services.hazard_photo_add(actor=district.officer, hazard=h, upload=photo_file(), phase="after")
    h = services.hazard_report_rectified(actor=district.officer, hazard=h, note="已清理")
    assert h.state == State.RECTIFIED


def test_it_refuses_a_photo_that_is_not_an_image(district: District, make_hazard) -> None:  # noqa: ANN001
    import io

    h = make_hazard()
    fake = io.BytesIO(b"MZ\x90\x00 not really an image")
    fake.name = "evil.png"
    with pytest.raises(ValidationError):
        services.hazard_photo_add(actor=district.officer, hazard=h, upload=fake, phase="before")
    assert HazardPhoto.objects.count() == 0


def test_it_refuses_to_report_a_major_hazard_rectified_before_rectification_starts(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard(grade=Grade.MAJOR, plan=True)
    with pytest.raises(ValidationError):
        services.hazard_report_rectified(actor=district.officer, hazard=h, note="已整改", photos=[photo_file()])


def test_it_refuses_steps_out_of_order_and_changes_nothing(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard()
    before = audit_count(h)
    with pytest.raises(ValidationError):
        services.hazard_verify(actor=district.head, hazard=h, passed=True)
    with pytest.raises(ValidationError):
        services.hazard_close(actor=district.head, hazard=h)
    h.refresh_from_db()
    assert h.state == State.REGISTERED and audit_count(h) == before


def test_it_refuses_changes_to_a_closed_hazard(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard()
    h = services.hazard_report_rectified(actor=district.officer, hazard=h, note="已清理", photos=[photo_file()])
    h = services.hazard_verify(actor=district.head, hazard=h, passed=True)
    h = services.hazard_close(actor=district.head, hazard=h)
    with pytest.raises(ValidationError):
        services.hazard_update(actor=district.officer, hazard=h, title="改")
    with pytest.raises(ValidationError):
        services.hazard_list_supervision(actor=district.supervisor, hazard=h, level="district", listed_on=timezone.localdate())


def test_it_lists_a_hazard_for_supervision_and_delists_it_on_close(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard()
    with pytest.raises(PermissionDenied):
        services.hazard_list_supervision(actor=district.officer, hazard=h, level="district", listed_on=timezone.localdate())
    h = services.hazard_list_supervision(actor=district.supervisor, hazard=h, level="city", listed_on=timezone.localdate(), note="市安委办挂牌")
    assert h.is_listed and h.listed_level == "city"
    h = services.hazard_report_rectified(actor=district.officer, hazard=h, note="已清理", photos=[photo_file()])
    h = services.hazard_verify(actor=district.supervisor, hazard=h, passed=True)
    h = services.hazard_close(actor=district.supervisor, hazard=h)
    assert h.delisted_on == timezone.localdate() and not h.is_listed


def test_it_refuses_a_plan_deadline_change_once_rectification_started(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard(grade=Grade.MAJOR, plan=True)
    h = services.hazard_start_rectification(actor=district.officer, hazard=h)
    with pytest.raises(ValidationError) as exc:
        services.hazard_plan_save(actor=district.officer, hazard=h, responsible_person="王", measures="m", funds_amount=Decimal(1), deadline=h.deadline + dt.timedelta(days=10), contingency="c")
    assert "deadline" in exc.value.message_dict


def test_it_refuses_a_plan_for_a_general_hazard(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard()
    with pytest.raises(ValidationError):
        services.hazard_plan_save(actor=district.officer, hazard=h, responsible_person="王", measures="m", funds_amount=Decimal(1), deadline=h.deadline, contingency="c")


@time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), tick=False)
def test_it_refuses_a_major_extension_requested_less_than_20_working_days_ahead(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard(grade=Grade.MAJOR, found_on=dt.date(2026, 3, 1), plan={**PLAN, "deadline": dt.date(2026, 3, 20)})
    with pytest.raises(ValidationError) as exc:
        services.hazard_extension_request(actor=district.officer, hazard=h, new_deadline=dt.date(2026, 5, 1), reason="需采购设备")
    assert "至少 20 个工作日" in str(exc.value)
    assert HazardExtension.objects.count() == 0


@time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), tick=False)
def test_it_approves_a_timely_extension_and_moves_the_deadline(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard(grade=Grade.MAJOR, found_on=dt.date(2026, 3, 1), plan={**PLAN, "deadline": dt.date(2026, 6, 30)})
    ext = services.hazard_extension_request(actor=district.officer, hazard=h, new_deadline=dt.date(2026, 9, 30), reason="需停产改造")
    with pytest.raises(ValidationError):
        services.hazard_extension_request(actor=district.officer, hazard=h, new_deadline=dt.date(2026, 10, 30), reason="again")
    with pytest.raises(PermissionDenied):
        services.hazard_extension_decide(actor=district.head, extension=ext, approve=True)
    services.hazard_extension_decide(actor=district.supervisor, extension=ext, approve=True, note="同意")
    h.refresh_from_db()
    assert h.deadline == dt.date(2026, 9, 30) and h.plan.deadline == dt.date(2026, 9, 30)


@time_machine.travel(dt.datetime(2026, 3, 12, 10, tzinfo=dt.UTC), tick=False)
def test_it_refuses_an_extension_of_an_overdue_general_hazard(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard(found_on=dt.date(2026, 3, 2))
    with pytest.raises(ValidationError):
        services.hazard_extension_request(actor=district.officer, hazard=h, new_deadline=dt.date(2026, 3, 31), reason="忙")


def test_it_records_an_edit_of_the_details(district: District, make_hazard) -> None:  # noqa: ANN001
    h = make_hazard()
    services.hazard_update(actor=district.officer, hazard=h, title="楼道堆放大量纸箱", latitude=Decimal("30.5"), longitude=Decimal("114.3"))
    h.refresh_from_db()
    assert h.title == "楼道堆放大量纸箱"
    assert AuditEntry.objects.filter(action="hazard.update", object_id=str(h.pk)).exists()
    with pytest.raises(ValidationError):
        services.hazard_update(actor=district.officer, hazard=h, grade="major")


def test_it_keeps_the_category_list_from_the_domain_rules() -> None:
    assert category("fire").name == "消防"
    assert category("chemicals").name == "危险化学品"
