"""Tiny hand-checkable days for solver tests: places on a line, travel = distance in minutes.

Place `x` km east of the base is `x` minutes away from it, and `|x - y|` minutes from place
`y`, so every expected time can be worked out on paper.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from ahs_routing import (
    Base,
    Location,
    Patient,
    Policy,
    Problem,
    Shift,
    Staff,
    TimeWindow,
    TravelModel,
    Visit,
)
from ahs_routing.times import parse_clock

BASE = Base("base", Location(63.4208, 10.3886), "St. Olavs")
DATE = dt.date(2026, 11, 23)


def hm(text: str) -> int:
    """Seconds for "HH:MM"."""
    return parse_clock(text)


def minutes(n: float) -> int:
    return round(n * 60)


def line_travel(positions: Mapping[str, float]) -> TravelModel:
    """A matrix travel model where travel minutes = distance along a line."""
    names = ["base", *positions]
    where = {"base": 0.0, **positions}
    table = tuple(tuple(abs(where[a] - where[b]) for b in names) for a in names)
    return TravelModel(provider="matrix", locations=tuple(names), minutes=table)


def nurse(staff_id: str, start: str = "08:00", end: str = "16:00", **fields: Any) -> Staff:
    return Staff(staff_id, Shift(hm(start), hm(end)), **fields)


def patient(patient_id: str, **fields: Any) -> Patient:
    fields.setdefault("location", Location(63.43, 10.40))
    return Patient(patient_id, **fields)


def visit(visit_id: str, patient_id: str, duration: float = 30, windows: Iterable[tuple[str, str]] = (),
          **fields: Any) -> Visit:
    return Visit(visit_id, patient_id, minutes(duration),
                 windows=tuple(TimeWindow(hm(a), hm(b)) for a, b in windows), **fields)


def day(staff: Iterable[Staff], patients: Iterable[Patient], visits: Iterable[Visit],
        positions: Mapping[str, float], policy: Policy | None = None) -> Problem:
    """A problem on the line: `positions` gives each patient's distance from the base in minutes."""
    return Problem(
        date=DATE,
        base=BASE,
        staff=tuple(staff),
        patients=tuple(patients),
        visits=tuple(visits),
        policy=policy or Policy(max_travel_minutes_from_base=60, max_patient_age_years=18),
        travel=line_travel(positions),
    )
