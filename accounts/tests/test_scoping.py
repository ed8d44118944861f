from __future__ import annotations

import pytest

from accounts.models import Unit
from accounts.scoping import scope_root, user_can_see_unit, visible_units

pytestmark = pytest.mark.django_db


def test_it_scopes_unit_staff_to_their_subtree(district) -> None:  # noqa: ANN001
    assert scope_root(district.officer) == district.town_a
    assert set(visible_units(district.officer)) == {district.town_a, district.town_a_sub}
    assert user_can_see_unit(district.officer, district.town_a_sub)
    assert not user_can_see_unit(district.officer, district.town_b)
    assert not user_can_see_unit(district.officer2, district.town_a)


def test_it_gives_coordinating_units_and_district_roles_the_whole_district(district) -> None:  # noqa: ANN001
    everything = set(Unit.objects.all())
    for persona in ("intake", "followup", "supervisor", "leader", "admin", "duty"):
        assert set(visible_units(getattr(district, persona))) == everything, persona


def test_it_gives_a_user_without_unit_nothing(district) -> None:  # noqa: ANN001
    from accounts.services import user_create

    lonely = user_create(actor=None, username="lonely", password=None, full_name="x", unit=None)
    assert scope_root(lonely) is None
    assert not visible_units(lonely).exists()


def test_it_keeps_materialised_paths_consistent(district) -> None:  # noqa: ANN001
    for unit in Unit.objects.all():
        expected = (unit.parent.path if unit.parent else "") + f"{unit.pk:06d}/"
        assert unit.path == expected
