"""The demo: about 500 hazards in every state, a campaign in progress partly covered."""

from __future__ import annotations

import pytest

from accounts.demo import build_demo_district
from hazards.demo import load_hazard_demo
from hazards.models import Campaign, Hazard, HazardPlan, State
from hazards.selectors import status_q


@pytest.mark.django_db
def test_it_loads_hazards_in_every_state_and_a_partly_covered_campaign(settings, tmp_path) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path
    build_demo_district()
    counts = load_hazard_demo(seed=7)
    assert counts["hazards"] == 500
    states = set(Hazard.objects.values_list("state", flat=True))
    assert states == set(State.values)
    open_count = Hazard.objects.filter(status_q("open")).count()
    overdue = Hazard.objects.filter(status_q("overdue")).count()
    assert 0 < overdue < open_count / 2
    for h in Hazard.objects.filter(grade="major").exclude(state="registered"):
        assert HazardPlan.objects.get(hazard=h).is_complete
    active = Campaign.objects.get(status=Campaign.Status.ACTIVE)
    targets = active.targets.count()
    inspected = active.targets.filter(inspected_on__isnull=False).count()
    assert targets > 100 and 0.4 < inspected / targets < 0.9
    assert Hazard.objects.filter(campaign=active, inspection__isnull=False).exists()
    finished = Campaign.objects.get(status=Campaign.Status.CLOSED)
    assert finished.targets.filter(inspected_on__isnull=True).count() == 0
    assert Hazard.objects.filter(latitude__isnull=False).count() > 400
