"""Tiny hand-checkable weeks: homes on a line (travel minutes = distance), a few dates, and week plans built by hand.

`small_week` is Monday to Thursday with two nurses: n1 works Mon-Wed, n2 Tue-Thu. Patient p1 is
10 minutes from the base, p2 20, p3 30. Visits: `fixed` (p1, Tuesday), `twice` (p2, 2 of the 4
dates, 2 days apart), `meal` (p3, every date) and `meal-later` (p3, every date, 60-120 minutes
after `meal`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from builders import BASE, hm, line_travel, minutes, patient, visit

from ahs_routing import Policy, Route, Stop, TravelMatrix, Unassigned, UnassignedReason, travel_matrix
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.model import After, Shift
from ahs_routing.domain.week import Recurrence, RosterDay, Week, WeekStaff, WeekVisit, split_occurrence
from ahs_routing.domain.week_plan import WeekDay, WeekPlan, WeekUnassigned, missing_counts, week_kpis

MON = dt.date(2026, 11, 23)
DATES = tuple(MON + dt.timedelta(days=i) for i in range(4))
TUE, WED, THU = DATES[1], DATES[2], DATES[3]
POSITIONS = {"p1": 10.0, "p2": 20.0, "p3": 30.0}


def roster(*dates: dt.date, start: str = "08:00", end: str = "16:00") -> tuple[RosterDay, ...]:
    return tuple(RosterDay(d, Shift(hm(start), hm(end))) for d in dates)


def small_week(**changes: Any) -> Week:
    """The week described in the module docstring; keyword arguments replace its fields."""
    staff = (WeekStaff("n1", roster(*DATES[:3])), WeekStaff("n2", roster(*DATES[1:])))
    visits = (
        WeekVisit(visit("fixed", "p1", 30), date=TUE),
        WeekVisit(visit("twice", "p2", 30), recurrence=Recurrence(2, None, 2)),
        WeekVisit(visit("meal", "p3", 20, [("08:00", "10:00")]), recurrence=Recurrence(4)),
        WeekVisit(visit("meal-later", "p3", 20, after=After("meal", minutes(60), minutes(120))),
                  recurrence=Recurrence(4)),
    )
    fields: dict[str, Any] = {
        "dates": DATES, "base": BASE, "staff": staff, "patients": tuple(patient(p) for p in POSITIONS),
        "visits": visits, "policy": Policy(max_travel_minutes_from_base=60, max_patient_age_years=None),
        "travel": line_travel(POSITIONS),
    }
    return Week(**(fields | changes))


def hand_route(week: Week, matrix: TravelMatrix, staff: str, date: dt.date, occurrences: Sequence[str],
               start: str = "08:00") -> Route:
    """A route that leaves at `start` and serves the occurrences back to back, each as early as its windows allow."""
    moment = leave = hm(start)
    place, stops, travel = week.base.id, [], 0
    starts: dict[str, int] = {}
    for occurrence in occurrences:
        visit_id, _ = split_occurrence(occurrence) or ("", date)
        item = week.visit_by_id[visit_id].visit
        there = week.template.place_of_visit(item)
        leg = matrix.seconds(place, there)
        arrival = moment + leg
        opening = next((w.start for w in sorted(item.windows, key=lambda w: w.start) if w.end >= arrival), arrival)
        begin = max(arrival, opening)
        if item.after is not None:
            begin = max(begin, starts[f"{item.after.visit}@{date.isoformat()}"] + item.after.min_gap)
        starts[occurrence] = begin
        end = begin + week.template.service_seconds(item)
        stops.append(Stop(occurrence, item.patient, leg, arrival, begin, end))
        place, moment, travel = there, end, travel + leg
    back = matrix.seconds(place, week.base.id)
    return Route(staff, leave, moment + back, travel + back, None, tuple(stops))


def hand_plan(week: Week, routes: Mapping[dt.date, Mapping[str, Sequence[str]]],
              unassigned: Mapping[dt.date, Sequence[str]] | None = None) -> WeekPlan:
    """A week plan from routes given as date -> staff -> occurrence ids; KPIs and `missing` computed."""
    matrix = travel_matrix(week.template)
    days = []
    for date in week.dates:
        drawn = [hand_route(week, matrix, s, date, occ) for s, occ in routes.get(date, {}).items()]
        left = list((unassigned or {}).get(date, []))
        names = [stop.visit for r in drawn for stop in r.stops] + left
        ids = [parts[0] for n in names if (parts := split_occurrence(n)) is not None]
        people = tuple(p for p in (person.on(date) or _stand_in(person.id) for person in week.staff)
                       if p.id in {r.staff for r in drawn} or person_rostered(week, p.id, date))
        problem = week.day_problem(date, ids, people)
        plan = assemble_plan(problem, drawn, {n: Unassigned(n, UnassignedReason.CAPACITY, "") for n in left}, [],
                             has_km=False)
        days.append(WeekDay(date, plan))
    short = missing_counts(week, days)
    return WeekPlan(tuple(days), tuple(WeekUnassigned(v, m, UnassignedReason.CAPACITY, HAND_DETAIL)
                                         for v, m in short.items()),
                    week_kpis(week, days))


def person_rostered(week: Week, staff_id: str, date: dt.date) -> bool:
    return week.staff_by_id[staff_id].roster_on(date) is not None


def _stand_in(staff_id: str) -> Any:
    """A day `Staff` for someone off that date, so a hand plan may (wrongly) give them a route."""
    from ahs_routing import Staff

    return Staff(staff_id, Shift(hm("08:00"), hm("16:00")))


def replace_day(plan: WeekPlan, date: dt.date, **changes: Any) -> WeekPlan:
    """The week plan with one day plan's fields replaced."""
    days = tuple(WeekDay(d.date, dataclasses.replace(d.plan, **changes)) if d.date == date else d for d in plan.days)
    return dataclasses.replace(plan, days=days)


#: The detail sentence of the week `unassigned` entries a hand plan lists.
HAND_DETAIL = "left out by hand"

#: A valid hand plan of `small_week`: n1 Mon-Wed, n2 Thu; `twice` on Monday and Wednesday.
VALID_ROUTES: dict[dt.date, dict[str, list[str]]] = {
    MON: {"n1": ["meal@2026-11-23", "meal-later@2026-11-23", "twice@2026-11-23"]},
    TUE: {"n1": ["meal@2026-11-24", "meal-later@2026-11-24", "fixed@2026-11-24"]},
    WED: {"n1": ["meal@2026-11-25", "meal-later@2026-11-25", "twice@2026-11-25"]},
    THU: {"n2": ["meal@2026-11-26", "meal-later@2026-11-26"]},
}
