"""The insights part of ``manage.py load_demo``: the demo towns' positions on the map,
the figures computed from the demo cases (which the cases demo bulk-inserts), and
today's daily brief."""

from __future__ import annotations

import math
import random
import time
from decimal import Decimal
from typing import Any

from django.db import transaction

from accounts.demo import TOWNS
from accounts.models import Unit
from insights.models import TownPlace
from insights.services import brief_generate, rollups_rebuild

#: The demo district's centre (an invented place on the map).
CENTRE = (30.55, 114.30)


def town_positions(seed: int) -> dict[str, tuple[Decimal, Decimal]]:
    """Invented town centres: an inner ring of streets, an outer ring of towns."""
    rng = random.Random(seed)
    streets = [code for code, name, _en in TOWNS if name.endswith("街道")]
    towns = [code for code, name, _en in TOWNS if not name.endswith("街道")]
    out: dict[str, tuple[Decimal, Decimal]] = {}
    for ring, codes, radius in ((0, streets, 0.035), (1, towns, 0.085)):
        for i, code in enumerate(codes):
            angle = 2 * math.pi * i / max(len(codes), 1) + ring * 0.4 + rng.uniform(-0.12, 0.12)
            r = radius * rng.uniform(0.85, 1.15)
            lat = CENTRE[0] + r * math.sin(angle)
            lng = CENTRE[1] + r * 1.15 * math.cos(angle)
            out[code] = (Decimal(f"{lat:.6f}"), Decimal(f"{lng:.6f}"))
    return out


@transaction.atomic
def load_demo(*, stdout: Any, cases: int, seed: int) -> None:
    started = time.monotonic()
    units = {u.code: u for u in Unit.objects.filter(code__in=[c for c, _n, _e in TOWNS])}
    for code, (lat, lng) in town_positions(seed).items():
        if code in units:
            TownPlace.objects.update_or_create(town=units[code], defaults={"latitude": lat, "longitude": lng})
    result = rollups_rebuild(actor=None)
    brief = brief_generate(actor=None)
    stdout.write(
        f"Dashboard figures: {result.rows} figure rows for {result.cases} cases; daily brief of {brief.day} "
        f"({brief.data.get('new', {}).get('total', 0)} new cases) in {time.monotonic() - started:.1f} s."
    )
