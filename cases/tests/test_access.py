from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.testing import District
from cases import services as s
from cases.access import (
    cases_for_user,
    complainants_for_user,
    get_case_for_user,
    identity_access,
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
)
from cases.models import CaseType, State
from cases.selectors import case_detail, identity_access_log, inbox
from cases.tests.helpers import fresh, register, walk

pytestmark = pytest.mark.django_db


def test_it_masks_names_phones_and_id_numbers() -> None:
    assert mask_name("张小三") == "张*三"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_id_number("110101199003071234") == "1101**********1234"
    assert mask_address("幸福里小区3栋2单元501") == "幸福里小区3****"


def test_it_scopes_cases_to_the_assigned_units_subtree(d: District) -> None:
    a = walk(d, register(d), State.HANDLING)  # town A
    b = walk(d, register(d), State.ASSIGNED, unit=d.town_b)
    sub = walk(d, register(d), State.ASSIGNED, unit=d.town_a_sub)
    unassigned = register(d)
    assert set(cases_for_user(d.officer)) == {a, sub}
    assert set(cases_for_user(d.officer2)) == {b}
    assert set(cases_for_user(d.dept_officer)) == set()
    for user in (d.intake, d.leader, d.supervisor, d.followup, d.admin):
        assert {a, b, sub, unassigned} <= set(cases_for_user(user))
    with pytest.raises(Http404):
        get_case_for_user(d.officer2, a.number)
    with pytest.raises(Http404):
        get_case_for_user(d.officer, unassigned.number)
    assert get_case_for_user(d.officer, a.number) == a


def test_it_refuses_write_access_to_a_reader_who_may_not_act(d: District) -> None:
    case = walk(d, register(d), State.HANDLING)
    assert get_case_for_user(d.duty, case.number) == case
    with pytest.raises(PermissionDenied):
        get_case_for_user(d.duty, case.number, write=True)
    assert get_case_for_user(d.officer, case.number, write=True) == case


def test_it_shows_the_identity_to_intake_handlers_and_follow_up_only(d: District) -> None:
    case = walk(d, register(d), State.HANDLING)
    for user in (d.intake, d.followup, d.admin, d.officer, d.head):
        people, access = complainants_for_user(user, case)
        assert access == "plain" and people[0]["name"] == "张小三" and people[0]["phone"] == "13812341234"
    for user in (d.leader, d.supervisor, d.duty):
        people, _access = complainants_for_user(user, case)
        assert people[0]["name"] == "张*三" and people[0]["phone"] == "138****1234" and people[0]["masked"]
        assert "110101199003071234" not in str(people)


def test_it_logs_every_reveal_and_refuses_those_who_may_not(d: District) -> None:
    case = walk(d, register(d), State.HANDLING)
    assert identity_access(d.leader, case) == "reveal"
    people = s.case_reveal_identity(actor=d.leader, case=case, reason="领导包案需要联系信访人")
    assert people[0]["name"] == "张小三"
    log = list(identity_access_log(case))
    assert len(log) == 1 and log[0].actor == d.leader and log[0].after["reason"] == "领导包案需要联系信访人"
    assert fresh(case).version == case.version  # a read, not a change
    with pytest.raises(PermissionDenied):
        s.case_reveal_identity(actor=d.duty, case=case)
    with pytest.raises(PermissionDenied):
        s.case_reveal_identity(actor=d.officer2, case=case)
    assert identity_access_log(case).count() == 1


def test_it_keeps_an_accusation_from_the_accused_unit(d: District) -> None:
    case = register(d, type=CaseType.ACCUSATION, accused_unit=d.town_a, category="misconduct-bribery")
    case = walk(d, case, State.ACCEPTED)
    s.case_assign(actor=d.intake, case=case, expected_version=case.version, units=[d.housing])
    s.case_receive(actor=d.dept_officer, case=fresh(case), expected_version=fresh(case).version)
    case = fresh(case)
    assert case.state == State.HANDLING
    for user in (d.officer, d.head):
        assert case not in cases_for_user(user)
        with pytest.raises(Http404):
            get_case_for_user(user, case.number)
        assert s.available_actions(user, case) == []
        with pytest.raises(PermissionDenied):
            s.case_reveal_identity(actor=user, case=case)
        for box in ("unit_open", "to_approve", "overdue"):
            assert case not in inbox(user, box)
    # a town A sub-unit is inside the accused unit too
    assert identity_access(d.officer2, case) == "masked"


def test_it_masks_an_accusers_identity_even_for_the_handling_unit(d: District, settings, tmp_path) -> None:  # noqa: ANN001
    import io

    settings.MEDIA_ROOT = tmp_path
    case = register(d, type=CaseType.ACCUSATION, accused_unit=d.town_b, category="misconduct-bribery", materials=[(io.BytesIO(b"%PDF-1.4\n%evidence\n"), "转账记录.pdf")])
    case = walk(d, case, State.HANDLING)  # handled by town A
    people, access = complainants_for_user(d.officer, case)
    assert access == "masked" and people[0]["masked"]
    with pytest.raises(PermissionDenied):
        s.case_reveal_identity(actor=d.officer, case=case)
    # intake sees it masked too and may reveal it, which is logged
    assert identity_access(d.intake, case) == "reveal"
    s.case_reveal_identity(actor=d.intake, case=case, reason="核实身份")
    assert identity_access_log(case).count() == 1
    # the accused town never sees the case or its materials
    assert case not in cases_for_user(d.officer2)
    assert [a.is_material for a in case_detail(d.officer, case).attachments] == [True]
    assert case_detail(d.duty, case).attachments == []


def _scope_by_path(user):  # noqa: ANN001, ANN202
    """The scope as it was written before the subtree was resolved to unit ids: by path."""
    from django.db.models import Q

    from accounts.scoping import scope_root
    from cases.access import accused_exclusion_q
    from cases.models import Case, CaseAssignment

    root = scope_root(user)
    assigned = CaseAssignment.objects.filter(is_active=True, unit__path__startswith=root.path).values("case_id")
    return set(Case.objects.filter(Q(current_unit__path__startswith=root.path) | Q(pk__in=assigned)).exclude(accused_exclusion_q(user)).values_list("pk", flat=True))


def test_it_sees_the_same_cases_as_the_subtree_path_would_give(d: District) -> None:
    """The scope reads the subtree's unit ids (for the indexes); the cases it gives are those
    of the subtree's paths: handled there or actively assigned there (co-handling included,
    superseded assignments not), less accusations against the unit or a unit above it."""
    from cases.models import Case
    from cases.tests.bulk import bulk_assignments, bulk_cases

    bulk_cases(400)
    assert bulk_assignments() > 0
    Case.objects.filter(pk__in=list(Case.objects.filter(current_unit__isnull=False).values_list("pk", flat=True)[:40])).update(
        type=CaseType.ACCUSATION, confidential=True, accused_unit=d.town_a
    )
    Case.objects.filter(pk__in=list(Case.objects.filter(type=CaseType.COMPLAINT).values_list("pk", flat=True)[:20])).update(
        type=CaseType.ACCUSATION, confidential=True, accused_unit=d.town_a_sub
    )
    for persona in ("officer", "officer2", "head", "head_b", "dept_officer"):
        user = getattr(d, persona)
        expected = _scope_by_path(user)
        assert expected, persona
        assert set(cases_for_user(user).values_list("pk", flat=True)) == expected, persona


def test_it_widens_a_scope_at_once_when_a_unit_is_added_below(d: District) -> None:
    """The subtree's ids are kept per version of the unit tree: a new sub-unit's case shows."""
    from accounts.models import UnitKind
    from accounts.services import unit_create

    seen = walk(d, register(d), State.HANDLING)
    assert set(cases_for_user(d.officer)) == {seen}  # the subtree's ids are now kept
    new_sub = unit_create(actor=None, name="青山街道第二网格", code="qingshan-2", kind=UnitKind.SUBUNIT, parent=d.town_a)
    later = walk(d, register(d), State.ASSIGNED, unit=new_sub)
    assert set(cases_for_user(d.officer)) == {seen, later}
    assert set(cases_for_user(d.officer2)) == set()
