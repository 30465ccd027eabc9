"""Clock times and durations.

The library's one internal time unit is the **second** (an int), counted from midnight
at the start of the plan date. The contract speaks minutes and ``"HH:MM"``; seconds let
fractional minutes in the input survive exactly while whole-minute days stay whole.
Hours may run past 23 for work after midnight (``"25:30"`` is 01:30 the next morning).
"""

from __future__ import annotations

import math
import re

from ahs_routing.errors import InputError

SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 3600
#: Latest clock time the library accepts: two days, enough for a night shift after midnight.
MAX_CLOCK_SECONDS = 48 * SECONDS_PER_HOUR

_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)(?::([0-5]\d))?$")


def parse_clock(text: str) -> int:
    """Return seconds after midnight for ``"HH:MM"`` (or ``"HH:MM:SS"``)."""
    match = _CLOCK.match(text) if isinstance(text, str) else None
    if match is None:
        raise InputError(f"{text!r} is not a time of day HH:MM")
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    value = hours * SECONDS_PER_HOUR + minutes * SECONDS_PER_MINUTE + seconds
    if value > MAX_CLOCK_SECONDS:
        raise InputError(f"{text!r} is later than 48:00")
    return value


def format_clock(seconds: int) -> str:
    """Return ``"HH:MM"``, or ``"HH:MM:SS"`` when the time is not on a whole minute."""
    hours, rest = divmod(int(seconds), SECONDS_PER_HOUR)
    minutes, secs = divmod(rest, SECONDS_PER_MINUTE)
    if secs:
        return f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{hours:02d}:{minutes:02d}"


def minutes_to_seconds(minutes: float) -> int:
    """Return a duration in minutes as whole seconds (nearest)."""
    return round(minutes * SECONDS_PER_MINUTE)


def minutes_to_seconds_up(minutes: float) -> int:
    """Return a travel time in minutes as whole seconds, rounded up so plans stay feasible."""
    return math.ceil(minutes * SECONDS_PER_MINUTE - 1e-9)


def seconds_to_minutes(seconds: int) -> int | float:
    """Return seconds as minutes: an int when whole, otherwise a float."""
    whole, rest = divmod(int(seconds), SECONDS_PER_MINUTE)
    return whole if rest == 0 else round(seconds / SECONDS_PER_MINUTE, 4)
