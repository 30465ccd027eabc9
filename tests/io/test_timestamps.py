"""Time zones: the problem's `timezone`, timestamps with offsets, and the daylight-saving nights of Europe/Oslo.

Europe/Oslo moves from +01:00 to +02:00 at 01:00 UTC on 2026-03-29 (02:00 -> 03:00 local) and
back at 01:00 UTC on 2026-10-25 (03:00 -> 02:00 local). The plan date's clock is the zone's
offset at noon of the date, kept through the night after it: +01:00 for 2026-03-28 and
2026-11-23, +02:00 for 2026-03-29 and 2026-10-24.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest
from builders import day, hm, nurse, patient, visit
from hypothesis import given
from hypothesis import strategies as st

from ahs_routing import InputError, problem_from_dict, problem_to_dict
from ahs_routing.io.timestamps import date_clock_offset, timestamp_seconds

OSLO = "Europe/Oslo"
SPRING_EVE, AUTUMN_EVE = dt.date(2026, 3, 28), dt.date(2026, 10, 24)


def test_a_utc_timestamp_is_converted_to_the_zone_not_read_as_local() -> None:
    """The issue's example: 07:12Z on a winter day is 08:12 in Oslo; in summer 09:12."""
    assert timestamp_seconds("2026-11-23T07:12:00Z", dt.date(2026, 11, 23), OSLO) == hm("08:12")
    assert timestamp_seconds("2026-06-15T07:12:00+00:00", dt.date(2026, 6, 15), OSLO) == hm("09:12")
    assert timestamp_seconds(pd.Timestamp("2026-11-23T08:12:00+01:00"), dt.date(2026, 11, 23), OSLO) == hm("08:12")


def test_an_offset_without_a_timezone_is_refused() -> None:
    with pytest.raises(InputError, match="carries a UTC offset, but the problem has no timezone"):
        timestamp_seconds("2026-11-23T07:12:00Z", dt.date(2026, 11, 23), None)
    # A local date and time without an offset keeps its meaning: the date's clock.
    assert timestamp_seconds("2026-11-23 07:12", dt.date(2026, 11, 23), None) == hm("07:12")


def test_the_daylight_saving_dates_themselves_keep_the_wall_clock_all_day() -> None:
    """On 2026-03-29 and 2026-10-25 the day's work is after the change: 07:12Z reads 09:12 and 08:12."""
    assert date_clock_offset(dt.date(2026, 3, 29), OSLO) == dt.timezone(dt.timedelta(hours=2))
    assert date_clock_offset(dt.date(2026, 10, 25), OSLO) == dt.timezone(dt.timedelta(hours=1))
    assert timestamp_seconds("2026-03-29T07:12:00Z", dt.date(2026, 3, 29), OSLO) == hm("09:12")
    assert timestamp_seconds("2026-10-25T07:12:00Z", dt.date(2026, 10, 25), OSLO) == hm("08:12")
    assert timestamp_seconds("2026-03-29 09:12", dt.date(2026, 3, 29), OSLO) == hm("09:12")


def test_spring_night_a_visit_across_the_change_lasts_what_it_lasted() -> None:
    """00:50Z-01:20Z on 2026-03-29 is 01:50 CET to 03:20 CEST on the wall: 30 minutes, not 90.
    On the clock of 2026-03-28 (+01:00) it is 25:50-26:20; the local wall time 03:20 says the same."""
    start = timestamp_seconds("2026-03-29T00:50:00Z", SPRING_EVE, OSLO)
    end = timestamp_seconds("2026-03-29T01:20:00Z", SPRING_EVE, OSLO)
    assert (start, end) == (hm("25:50"), hm("26:20"))
    assert timestamp_seconds("2026-03-29 03:20", SPRING_EVE, OSLO) == end
    assert timestamp_seconds("2026-03-29T03:20:00+02:00", SPRING_EVE, OSLO) == end
    # 02:30 does not exist that night: read with the offset before the change, 01:30Z.
    assert timestamp_seconds("2026-03-29 02:30", SPRING_EVE, OSLO) == hm("26:30")


def test_autumn_night_a_visit_in_the_repeated_hour_does_not_end_before_it_starts() -> None:
    """00:50Z-01:10Z on 2026-10-25 is 02:50 CEST to 02:10 CET on the wall (the hour repeats):
    20 minutes, 26:50-27:10 on the clock of 2026-10-24 (+02:00)."""
    start = timestamp_seconds("2026-10-25T02:50:00+02:00", AUTUMN_EVE, OSLO)
    end = timestamp_seconds("2026-10-25T02:10:00+01:00", AUTUMN_EVE, OSLO)
    assert (start, end) == (hm("26:50"), hm("27:10"))
    # Without an offset the repeated hour is ambiguous: its first occurrence is taken.
    assert timestamp_seconds("2026-10-25 02:30", AUTUMN_EVE, OSLO) == hm("26:30")


@given(st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 30)))
def test_instants_keep_their_distance_on_the_date_clock(moment: dt.datetime) -> None:
    """Any two instants of a plan day and the night after are as far apart on the clock as in UTC."""
    utc = moment.replace(tzinfo=dt.UTC, microsecond=0)
    # Mornings belong to the night of the day before, so the change at 01:00 UTC is crossed.
    date = utc.date() - dt.timedelta(days=1 if utc.hour < 12 else 0)
    later = utc + dt.timedelta(hours=1)
    first, second = (timestamp_seconds(t.isoformat(), date, OSLO) for t in (utc, later))
    assert second - first == 3600


def test_the_problem_timezone_is_validated_read_and_written() -> None:
    problem = replace(day([nurse("n1")], [patient("h1")], [visit("v1", "h1")], {"h1": 5}), timezone=OSLO)
    document = problem_to_dict(problem)
    assert document["timezone"] == OSLO
    assert problem_from_dict(document).timezone == OSLO
    del document["timezone"]
    assert problem_from_dict(document).timezone is None
    with pytest.raises(InputError, match=r"timezone: 'Europe/Olso' is not an IANA time zone name"):
        problem_from_dict({**document, "timezone": "Europe/Olso"})
    with pytest.raises(InputError, match=r"timezone: '\.\./etc' is not an IANA"):
        replace(problem, timezone="../etc")
