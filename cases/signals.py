"""The one hook every case transition passes through.

``case_changed`` is sent by ``cases.services`` inside the transaction of every write on a
case (state changes and other recorded actions alike), after the case row, its clocks
and its timeline were saved and the audit row written. Receivers (e.g. dashboard rollup
counters) run in the same transaction, so a counter can never disagree with the case.

Arguments: ``case`` (the saved Case), ``action`` (e.g. "accept"), ``from_state``,
``to_state``, ``actor`` (User or None), ``at`` (aware datetime), ``clocks`` (every clock
of the case when the sender has them all in hand, as a registration does; else None).
"""

from collections.abc import Callable
from typing import Any

from django.dispatch import Signal

case_changed = Signal()

#: Functions ``(case) -> Unit | None`` asked in order for the unit the assign form proposes,
#: before the category's default unit and the town (``cases.views``). The triage module
#: registers one: the unit of the routing suggestion applied to the case.
assign_unit_hooks: list[Callable[[Any], Any]] = []
