"""A few shared-cache values kept in each process for a second.

Some values are read from the shared cache (Redis in production) on nearly every request
although they change a few times a year: the version of the category and unit lists, the
working-day calendar. A Redis read costs a round trip and Python work each time (about
0.3 ms together), several times per request. :func:`remembered` keeps such a value in the
process for ``seconds``; :func:`forget` drops it at once (the process that makes a change
calls it, so its own next read is fresh; other processes see the change within ``seconds``).
Only for values where a second of delay after an administrator's edit does not matter.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

_values: dict[str, tuple[Any, float]] = {}


def remembered(key: str, seconds: float, load: Callable[[], Any]) -> Any:
    """``load()`` (a shared-cache read), kept in this process for ``seconds``."""
    now = time.monotonic()
    found = _values.get(key)
    if found is not None and found[1] > now:
        return found[0]
    value = load()
    _values[key] = (value, now + seconds)
    return value


def remember(key: str, seconds: float, value: Any) -> None:
    """Keep ``value`` (just written to the shared cache) for ``seconds``."""
    _values[key] = (value, time.monotonic() + seconds)


def forget(key: str) -> None:
    """Drop a kept value: this process's next read asks the shared cache."""
    _values.pop(key, None)
