"""Timestamps from records (visit logs, events) as seconds on the plan date's clock.

A problem's clock times are seconds after midnight of its date. With the problem's
`timezone` (an IANA name), that clock is the zone's local time **at the fixed UTC offset in
force at noon of the date**, through the night after it (docs/HISTORY.md, "Time zones"):

- a timestamp with an offset (``2026-11-23T07:12:00Z``, ``+01:00``) is an instant, converted
  to that clock exactly, so durations across a daylight-saving change stay true;
- a date and time without an offset is the zone's wall-clock time, converted the same way
  (a repeated autumn hour is read as its first occurrence, a time in the spring gap with the
  offset before the change; give an offset to be exact);
- ``"HH:MM"`` is already the date's clock.

Without a `timezone`, a date and time without an offset is read as the date's clock, and one
with an offset is an `InputError`: it is never read as a local clock time.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pandas as pd

from ahs_routing.errors import InputError
from ahs_routing.times import MAX_CLOCK_SECONDS, parse_clock


def date_clock_offset(date: dt.date, timezone: str) -> dt.timezone:
    """Return the fixed UTC offset of the plan date's clock: the zone's offset at noon of that date."""
    noon = dt.datetime.combine(date, dt.time(12), tzinfo=zoneinfo.ZoneInfo(timezone))
    offset = noon.utcoffset()
    assert offset is not None  # a ZoneInfo always has an offset
    return dt.timezone(offset)


def timestamp_seconds(value: Any, date: dt.date, timezone: str | None) -> int:
    """Return seconds after midnight of `date` for "HH:MM[:SS]", or a date and time that day or the next night."""
    moment: dt.datetime | None = None
    if isinstance(value, pd.Timestamp):
        moment = value.to_pydatetime()
    elif isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and ("-" in value or "T" in value):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise InputError(f"{value!r} is neither HH:MM nor a date and time YYYY-MM-DD HH:MM") from None
    if moment is None:
        return parse_clock(str(value).strip())
    if timezone is None:
        if moment.tzinfo is not None:
            raise InputError(f"{value!r} carries a UTC offset, but the problem has no timezone to convert it to: "
                             "add one (\"timezone\": \"Europe/Oslo\") or give local clock times")
        midnight = dt.datetime.combine(date, dt.time())
    else:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(timezone))
        midnight = dt.datetime.combine(date, dt.time(), tzinfo=date_clock_offset(date, timezone))
    seconds = (moment - midnight).total_seconds()
    if not 0 <= seconds < MAX_CLOCK_SECONDS:  # the plan date or the night after it
        raise InputError(f"{value!r} is not on the plan date {date.isoformat()} (or the night after)")
    return int(seconds)


def timestamp_at(seconds: int, date: dt.date, timezone: str) -> dt.datetime:
    """Return the moment `seconds` on the plan date's clock as a date and time in the zone (its offset then)."""
    midnight = dt.datetime.combine(date, dt.time(), tzinfo=date_clock_offset(date, timezone))
    return (midnight + dt.timedelta(seconds=seconds)).astimezone(zoneinfo.ZoneInfo(timezone))
