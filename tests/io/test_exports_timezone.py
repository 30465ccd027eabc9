"""The iCalendar export uses the problem's `timezone`, on the date's clock across a daylight-saving night."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from planned_days import three_homes

from ahs_routing.io.exports import plan_to_ical

icalendar = pytest.importorskip("icalendar")


def test_the_problems_timezone_is_the_calendars_zone() -> None:
    problem, plan = three_homes()
    calendar = icalendar.Calendar.from_ical(plan_to_ical(replace(problem, timezone="Europe/Oslo"), plan))
    assert next(iter(calendar.walk("VEVENT"))).decoded("dtstart").isoformat() == "2026-11-23T08:30:00+01:00"
    assert [str(z["tzid"]) for z in calendar.walk("VTIMEZONE")] == ["Europe/Oslo"]


def test_a_night_stop_after_the_spring_change_is_at_its_real_moment() -> None:
    """26:10-26:40 on 2026-03-28's clock (+01:00) is 03:10-03:40 CEST on the 29th; before, the export
    wrote the wall time 02:10, which does not exist that night."""
    problem, plan = three_homes()
    eve = dt.date(2026, 3, 28)
    route = plan.routes[1]
    late = replace(plan, date=eve, routes=(replace(route, stops=(replace(route.stops[0], start=26 * 3600 + 600,
                                                                         end=26 * 3600 + 2400),)),))
    calendar = icalendar.Calendar.from_ical(plan_to_ical(replace(problem, date=eve, timezone="Europe/Oslo"), late))
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart").isoformat() == "2026-03-29T03:10:00+02:00"
    assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(minutes=30)
