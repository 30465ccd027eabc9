"""Generated planning days for tests, benchmarks, demos and capacity studies.

Homes are drawn around Trondheim and its neighbouring towns, the base is St. Olavs
hospital, and travel is the default geodesic provider, so a generated day exercises the
same code path as a real one without any patient data.
"""

from __future__ import annotations

import datetime as dt
import random

from ahs_routing.model import Base, Break, Location, Patient, Problem, Shift, Staff, TimeWindow, Visit

HOUR, MINUTE = 3600, 60
ST_OLAVS = Location(63.4210, 10.3880)

#: Population centres (lat, lon, share of homes, spread in degrees of latitude).
CENTRES = (
    (63.4305, 10.3951, 0.55, 0.020),  # Trondheim centre
    (63.3600, 10.3700, 0.15, 0.025),  # Tiller / Heimdal
    (63.4400, 10.6000, 0.10, 0.030),  # Malvik / Hommelvik
    (63.2900, 10.2700, 0.10, 0.030),  # Melhus
    (63.3000, 10.4900, 0.10, 0.025),  # Klæbu
)


def generate_day(visits: int, seed: int = 1, staff: int | None = None, breaks: bool = True,
                 teams: bool = True) -> Problem:
    """Return a reproducible home-care day with `visits` visits, one per patient.

    Staff default to one per 7.5 visits on 08:00-16:00 shifts with a 30-minute break
    between 11:00 and 13:00; every third has the skill 'iv'. 60% of visits have a
    two-hour window, 10% need 'iv', and 3% need two staff (when `teams`).
    """
    rng = random.Random(seed)
    base = Base("base", ST_OLAVS, name="St. Olavs hospital")
    count = staff if staff is not None else max(2, round(visits / 7.5))
    team = []
    for k in range(count):
        skills = frozenset({"nurse"} | ({"iv"} if k % 3 == 0 else set()))
        team.append(Staff(f"s{k + 1}", Shift(8 * HOUR, 16 * HOUR), skills=skills,
                          breaks=(Break(11 * HOUR, 13 * HOUR, 30 * MINUTE),) if breaks else ()))
    patients, day = [], []
    for i in range(visits):
        lat, lon = _home(rng)
        pid = f"p{i + 1}"
        patients.append(Patient(pid, Location(lat, lon), age_years=rng.uniform(0, 17.9)))
        windows: tuple[TimeWindow, ...] = ()
        if rng.random() < 0.6:
            start = rng.randrange(8 * HOUR, 14 * HOUR, 15 * MINUTE)
            windows = (TimeWindow(start, start + 2 * HOUR),)
        day.append(Visit(f"v{i + 1}", pid, duration=rng.choice((15, 20, 30, 30, 45, 60)) * MINUTE,
                         windows=windows, skills=frozenset({"iv"}) if rng.random() < 0.1 else frozenset(),
                         staff_count=2 if rng.random() < 0.03 and teams else 1))
    return Problem(dt.date(2026, 3, 2), base, tuple(team), tuple(patients), tuple(day))


def _home(rng: random.Random) -> tuple[float, float]:
    pick = rng.random()
    for lat, lon, share, spread in CENTRES:
        if pick < share:
            return rng.gauss(lat, spread), rng.gauss(lon, spread * 2.2)
        pick -= share
    lat, lon, _, spread = CENTRES[0]
    return rng.gauss(lat, spread), rng.gauss(lon, spread * 2.2)
