"""Generated planning days for tests, benchmarks, demos and capacity studies.

Homes are drawn around Trondheim and its neighbouring towns, the base is St. Olavs
hospital, and travel is the default geodesic provider, so a generated day exercises the
same code path as a real one without any patient data.

- `generate_day(visits, seed, ...)`: a quick home-care day of a given size (tests, benchmarks).
- `Scenario` (`children_home_hospital(...)`, `municipal_home_care(...)`): demand a planner
  describes (patients per day, mix of care programmes, radius), drawn around the real towns
  of the Trondheim region weighted by population, with staff rosters by role and shift;
  `scenario.day(index, staff, travel_limit)` gives one reproducible day of it.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ahs_routing.domain.model import (
    DEFAULT_MAX_TRAVEL_MINUTES_FROM_BASE,
    After,
    Base,
    Break,
    Location,
    Mode,
    Patient,
    Policy,
    Priority,
    Problem,
    Shift,
    Staff,
    TimeWindow,
    Visit,
)
from ahs_routing.errors import InputError, ProblemCollector
from ahs_routing.geo import great_circle_km
from ahs_routing.times import SECONDS_PER_HOUR, SECONDS_PER_MINUTE, parse_clock

HOUR, MINUTE = SECONDS_PER_HOUR, SECONDS_PER_MINUTE
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


# Demand scenarios for capacity studies ----------------------------------------------------------------
#
# A planner describes demand in their own words (patients per day, the mix of care, how far out
# the service reaches); `Scenario.day` turns that into one reproducible planning day per index.
# Days are drawn from (seed, day index) only, so the same day is compared across staff counts
# and travel limits (common random numbers): differences between settings are not noise.

ST_OLAVS_BASE = Base("st-olavs", ST_OLAVS, name="St. Olavs hospital")
SCENARIO_START = dt.date(2026, 3, 2)
KM_PER_DEGREE_LAT = 111.2


@dataclass(frozen=True, slots=True)
class Town:
    """A town or district homes are drawn around: centre, people living there, and spread.

    `population` is the municipality's figure (or its assumed share of one; see `source`);
    homes are drawn in proportion to it, normally distributed `spread_km` around the centre.
    """

    name: str
    municipality: str
    lat: float
    lon: float
    population: int
    spread_km: float
    source: str

    @property
    def location(self) -> Location:
        """Return the town centre as a Location."""
        return Location(self.lat, self.lon)


_SSB_2023 = "SSB 1 Jan 2023 (table 07459), as listed by trondheimsregionen.no/alle-i-vekst"
_SSB_OCT_2018 = "SSB 1 Oct 2018 (quarterly population), as reported by Stjørdalens Blad (s-n.no)"
_SSB_DEC_2018 = "SSB 31 Dec 2018, as reported by Opdalingen (opdalingen.no, 8 Jan 2019)"
#: Trondheim municipality, 1 Jan 2023 (SSB); split over its districts below by assumed shares.
TRONDHEIM_POPULATION = 212_660
#: Assumed shares of Trondheim's population by district (ours, rounded: SSB publishes the
#: municipal figure; the split only shapes where inside Trondheim homes fall).
TRONDHEIM_DISTRICT_SHARES = (
    ("Midtbyen", 63.4305, 10.3951, 0.18, 1.5),
    ("Lade / Strinda", 63.4450, 10.4400, 0.14, 1.5),
    ("Ranheim", 63.4310, 10.5230, 0.07, 1.5),
    ("Moholt / Lerkendal", 63.4110, 10.4360, 0.17, 1.5),
    ("Byåsen", 63.4070, 10.3500, 0.13, 1.5),
    ("Heimdal / Saupstad", 63.3495, 10.3580, 0.15, 2.0),
    ("Tiller", 63.3610, 10.3970, 0.13, 1.5),
    ("Klæbu", 63.2970, 10.4850, 0.03, 2.0),
)


def _trondheim_districts() -> tuple[Town, ...]:
    return tuple(
        Town(name, "Trondheim", lat, lon, round(TRONDHEIM_POPULATION * share), spread,
             f"{_SSB_2023}; district share {share:.0%} assumed")
        for name, lat, lon, share, spread in TRONDHEIM_DISTRICT_SHARES
    )


#: Towns and districts around St. Olavs hospital, weighted by population. With the default
#: geodesic travel model, Levanger (76 min), Meråker (87), Berkåk (88) and Oppdal (120) lie
#: beyond the one-hour limit, Støren (60) and Selbu (56) straddle it, and the 45-minute limit
#: cuts Orkanger, Stjørdal's outskirts and Rissa. Rissa is reached by ferry in reality; the
#: geodesic model does not know that (use a road or matrix provider for such questions).
TRONDHEIM_REGION: tuple[Town, ...] = (
    *_trondheim_districts(),
    Town("Melhus", "Melhus", 63.2850, 10.2780, 17_340, 3.0, _SSB_2023),
    Town("Børsa / Buvika", "Skaun", 63.3200, 10.1100, 8_441, 3.0, _SSB_2023),
    Town("Hommelvik / Vikhammer", "Malvik", 63.4250, 10.7100, 14_662, 3.5, _SSB_2023),
    Town("Stjørdal", "Stjørdal", 63.4700, 10.9180, 24_541, 3.0, _SSB_2023),
    Town("Orkanger", "Orkland", 63.3050, 9.8500, 18_690, 4.0, _SSB_2023),
    Town("Støren", "Midtre Gauldal", 63.0340, 10.2860, 6_133, 4.0, _SSB_2023),
    Town("Rissa", "Indre Fosen", 63.5850, 9.9600, 9_977, 4.0, _SSB_2023),
    Town("Frosta", "Frosta", 63.5890, 10.7430, 2_629, 3.0, _SSB_OCT_2018),
    Town("Selbu", "Selbu", 63.2170, 11.0300, 4_096, 4.0, _SSB_OCT_2018),
    Town("Levanger", "Levanger", 63.7460, 11.2990, 20_230, 3.0, _SSB_OCT_2018),
    Town("Meråker", "Meråker", 63.4150, 11.7480, 2_435, 3.0, _SSB_OCT_2018),
    Town("Berkåk", "Rennebu", 62.8230, 10.0120, 2_504, 4.0, _SSB_DEC_2018),
    Town("Oppdal", "Oppdal", 62.5940, 9.6910, 6_969, 4.0, _SSB_DEC_2018),
)


@dataclass(frozen=True, slots=True)
class VisitTemplate:
    """One visit of a care programme: what, how long, who may do it, when, and how urgent.

    `window` is a start window ("HH:MM", "HH:MM") or None (any time in a shift).
    `after` = (index of an earlier visit of the same programme, min minutes, max minutes):
    this visit starts that long after that one starts (meals, doses).
    """

    kind: str
    minutes: tuple[int, int]
    skills: frozenset[str] = frozenset()
    window: tuple[str, str] | None = None
    priority: Priority = Priority.NORMAL
    mode: Mode = Mode.HOME
    staff_count: int = 1
    after: tuple[int, int, int] | None = None


@dataclass(frozen=True, slots=True)
class Programme:
    """What one patient needs in a day: a named sequence of visits."""

    name: str
    visits: tuple[VisitTemplate, ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class Occasional:
    """A visit some patients get on a given day (a weekly shower: probability 1/7)."""

    visit: VisitTemplate
    probability: float


@dataclass(frozen=True, slots=True)
class StaffTemplate:
    """A kind of staff member on the roster: role, skills, shift, break, dislikes."""

    prefix: str
    role: str
    skills: frozenset[str]
    shift: tuple[str, str]
    break_window: tuple[str, str, int] | None = ("11:00", "13:00", 30)
    avoid: frozenset[str] = frozenset()
    overtime_minutes: int = 0


@dataclass(frozen=True, slots=True)
class Roster:
    """Who is on duty for n staff: the first n members of `order`, repeated as needed.

    Adding one staff member always adds the next person in the order, so studies over a range
    of staff counts compare teams that differ by exactly one person.
    """

    order: tuple[StaffTemplate, ...]

    def members(self, count: int) -> tuple[Staff, ...]:
        """Return `count` staff members, in roster order, with ids like 'sn3'."""
        numbers: dict[str, int] = {}
        team = []
        for k in range(count):
            template = self.order[k % len(self.order)]
            numbers[template.prefix] = numbers.get(template.prefix, 0) + 1
            start, end = (parse_clock(t) for t in template.shift)
            breaks: tuple[Break, ...] = ()
            if template.break_window is not None:
                first, last, minutes = template.break_window
                breaks = (Break(parse_clock(first), parse_clock(last), minutes * MINUTE),)
            team.append(Staff(f"{template.prefix}{numbers[template.prefix]}", Shift(start, end), role=template.role,
                              skills=template.skills, breaks=breaks, avoid=template.avoid,
                              overtime=template.overtime_minutes * MINUTE))
        return tuple(team)


@dataclass(frozen=True, slots=True)
class Service:
    """A kind of home-visiting service: its care programmes, default mix, roster and age range."""

    name: str
    programmes: tuple[Programme, ...]
    default_mix: tuple[tuple[str, float], ...]
    roster: Roster
    age_years: tuple[float, float]
    max_patient_age_years: float | None
    default_radius_km: float
    occasional: tuple[Occasional, ...] = ()
    pets: float = 0.15

    def programme(self, name: str) -> Programme:
        """Return the programme called `name`."""
        return next(p for p in self.programmes if p.name == name)


def _v(kind: str, minutes: tuple[int, int], skills: str = "", window: tuple[str, str] | None = None,
       priority: Priority = Priority.NORMAL, **fields: object) -> VisitTemplate:
    return VisitTemplate(kind, minutes, frozenset(skills.split()), window, priority, **fields)  # type: ignore[arg-type]


_PAEDIATRIC_NURSE = frozenset({"blood_sample", "iv", "feeding_tube", "medication"})

#: The children's advanced home hospital (St. Olavs): who it visits and how, per day. Durations
#: and windows follow the bundled example day (examples/trondheim_weekday.py); the second
#: antibiotic dose comes six hours after the first (a third is given by a pump or the parents).
CHILDREN_HOME_HOSPITAL = Service(
    name="children_home_hospital",
    programmes=(
        Programme("iv_antibiotics", (
            _v("iv_antibiotics", (30, 40), "iv", ("08:00", "09:30"), Priority.CRITICAL),
            _v("iv_antibiotics", (30, 40), "iv", None, Priority.CRITICAL, after=(0, 330, 390)),
        ), "two doses six hours apart (± 30 min)"),
        Programme("chemotherapy", (
            _v("blood_sample", (15, 20), "blood_sample", ("08:00", "09:30"), Priority.HIGH),
            _v("chemotherapy", (60, 90), "chemotherapy", ("10:00", "13:00"), Priority.CRITICAL,
               after=(0, 120, 300)),
        ), "a blood test, then treatment once its result is in (2-5 h later)"),
        Programme("blood_sample", (
            _v("blood_sample", (15, 20), "blood_sample", ("08:00", "11:00")),
        ), "one blood test in the morning"),
        Programme("feeding_tube", (
            _v("feeding_tube", (30, 45), "feeding_tube", ("09:00", "14:00")),
        ), "tube feeding care"),
        Programme("palliative", (
            _v("palliative_care", (45, 60), "palliative_care", ("10:00", "14:00"), Priority.CRITICAL),
            _v("medical_assessment", (45, 60), "medical_assessment", None, Priority.CRITICAL, after=(0, 0, 0)),
        ), "palliative nurse and paediatrician together"),
        Programme("feeding_training", (
            _v("feeding_training", (45, 60), "feeding_training", ("09:00", "13:00")),
        ), "newborn feeding training (public health nurse)"),
        Programme("remote_follow_up", (
            _v("video_follow_up", (15, 20), "follow_up", ("10:00", "15:00"), mode=Mode.REMOTE),
        ), "a video follow-up from the hospital"),
    ),
    default_mix=(("iv_antibiotics", 0.30), ("chemotherapy", 0.10), ("blood_sample", 0.20), ("feeding_tube", 0.10),
                 ("palliative", 0.05), ("feeding_training", 0.10), ("remote_follow_up", 0.15)),
    roster=Roster((
        StaffTemplate("sn", "specialist_paediatric_nurse", _PAEDIATRIC_NURSE | {"chemotherapy", "palliative_care"},
                      ("08:00", "15:30"), overtime_minutes=30),
        StaffTemplate("sn", "specialist_paediatric_nurse", _PAEDIATRIC_NURSE | {"follow_up"}, ("08:00", "15:30"),
                      avoid=frozenset({"dog"})),
        StaffTemplate("dr", "paediatrician", frozenset({"medical_assessment", "blood_sample", "medication",
                                                        "follow_up"}), ("09:00", "15:30")),
        StaffTemplate("sn", "specialist_paediatric_nurse", _PAEDIATRIC_NURSE | {"chemotherapy"}, ("09:30", "17:00"),
                      break_window=("12:00", "14:00", 30)),
        StaffTemplate("hn", "public_health_nurse", frozenset({"feeding_training", "follow_up"}), ("08:00", "15:30")),
        StaffTemplate("sn", "specialist_paediatric_nurse", _PAEDIATRIC_NURSE | {"palliative_care"}, ("08:00", "15:30")),
        StaffTemplate("sn", "specialist_paediatric_nurse", _PAEDIATRIC_NURSE | {"chemotherapy"}, ("08:00", "15:30"),
                      overtime_minutes=30),
        StaffTemplate("dr", "paediatrician", frozenset({"medical_assessment", "blood_sample", "medication",
                                                        "follow_up"}), ("09:00", "15:30")),
    )),
    age_years=(0.0, 17.9),
    max_patient_age_years=18.0,
    default_radius_km=110.0,
)

#: Municipal home care: meals (up to four a day, spaced by `after` links), medication twice a
#: day, wound care, remote checks, and a weekly shower (1 in 7 patients on any day). Day shift
#: 07:30-15:30, evening shift 15:00-22:30; the roster alternates them.
MUNICIPAL_HOME_CARE = Service(
    name="municipal_home_care",
    programmes=(
        Programme("meals_4", (
            _v("breakfast", (15, 20), "", ("07:30", "09:30"), Priority.HIGH),
            _v("lunch", (15, 20), "", None, Priority.HIGH, after=(0, 210, 300)),
            _v("dinner", (20, 25), "", None, Priority.HIGH, after=(1, 180, 300)),
            _v("supper", (15, 20), "", None, Priority.HIGH, after=(2, 150, 240)),
        ), "four meals, 3-5 hours apart"),
        Programme("meals_2", (
            _v("breakfast", (15, 20), "", ("07:30", "10:00"), Priority.HIGH),
            _v("dinner", (20, 25), "", None, Priority.HIGH, after=(0, 420, 540)),
        ), "breakfast and dinner, 7-9 hours apart"),
        Programme("medication_2", (
            _v("medication", (10, 15), "medication", ("07:30", "10:00"), Priority.CRITICAL),
            _v("medication", (10, 15), "medication", None, Priority.CRITICAL, after=(0, 600, 720)),
        ), "morning and evening medication, 10-12 hours apart"),
        Programme("medication_meals", (
            _v("medication", (15, 20), "medication", ("07:30", "09:30"), Priority.CRITICAL),
            _v("lunch", (15, 20), "", None, Priority.HIGH, after=(0, 210, 300)),
            _v("dinner", (20, 25), "", None, Priority.HIGH, after=(1, 180, 300)),
            _v("medication", (15, 20), "medication", None, Priority.CRITICAL, after=(2, 150, 240)),
        ), "medication with breakfast and supper, lunch and dinner between"),
        Programme("wound_care", (
            _v("wound_care", (30, 45), "wound_care", ("09:00", "14:00"), Priority.HIGH),
        ), "a dressing change by a nurse"),
        Programme("remote_check", (
            _v("remote_check", (10, 10), "", ("09:00", "20:00"), mode=Mode.REMOTE),
        ), "a video check-in"),
    ),
    default_mix=(("meals_4", 0.15), ("meals_2", 0.15), ("medication_2", 0.25), ("medication_meals", 0.15),
                 ("wound_care", 0.15), ("remote_check", 0.15)),
    roster=Roster((
        StaffTemplate("rn", "nurse", frozenset({"medication", "wound_care"}), ("07:30", "15:30")),
        StaffTemplate("hw", "health_worker", frozenset({"medication"}), ("15:00", "22:30"),
                      break_window=("18:00", "19:30", 30)),
        StaffTemplate("hw", "health_worker", frozenset({"medication"}), ("07:30", "15:30")),
        StaffTemplate("rn", "nurse", frozenset({"medication", "wound_care"}), ("15:00", "22:30"),
                      break_window=("18:00", "19:30", 30)),
        StaffTemplate("as", "assistant", frozenset(), ("07:30", "15:30"), avoid=frozenset({"dog"})),
        StaffTemplate("as", "assistant", frozenset(), ("15:00", "22:30"), break_window=("18:00", "19:30", 30)),
    )),
    age_years=(67.0, 99.0),
    max_patient_age_years=None,
    default_radius_km=12.0,
    occasional=(Occasional(_v("shower", (40, 50), "", ("09:00", "14:00"), Priority.LOW), 1 / 7),),
    pets=0.10,
)

SERVICES: dict[str, Service] = {s.name: s for s in (CHILDREN_HOME_HOSPITAL, MUNICIPAL_HOME_CARE)}


@dataclass(frozen=True, slots=True)
class Scenario:
    """Demand as a planner states it: service, patients per day, mix of care, radius, seed.

    `day(index, staff, travel_limit)` returns that day's `Problem`; the patients and visits
    depend only on (`seed`, `index`), never on the staff count or the travel limit.
    """

    service: Service
    patients_per_day: float
    mix: tuple[tuple[str, float], ...]
    radius_km: float
    seed: int = 0
    start: dt.date = SCENARIO_START
    towns: tuple[Town, ...] = TRONDHEIM_REGION
    base: Base = ST_OLAVS_BASE

    def __post_init__(self) -> None:
        problems = ProblemCollector()
        if not (isinstance(self.patients_per_day, int | float) and 0 < self.patients_per_day <= MAX_PATIENTS_PER_DAY):
            problems.add("patients_per_day", f"{self.patients_per_day!r} must be above 0 and at most "
                                             f"{MAX_PATIENTS_PER_DAY}")
        known = {p.name for p in self.service.programmes}
        for name, weight in self.mix:
            if name not in known:
                problems.add(f"mix.{name}", f"unknown programme; {self.service.name} has {', '.join(sorted(known))}")
            if not (isinstance(weight, int | float) and math.isfinite(weight) and weight >= 0):
                problems.add(f"mix.{name}", f"weight {weight!r} must be a number >= 0")
        if not problems.problems and sum(w for _, w in self.mix) <= 0:
            problems.add("mix", "needs at least one programme with a positive weight")
        if not (isinstance(self.radius_km, int | float) and self.radius_km > 0):
            problems.add("radius_km", f"{self.radius_km!r} must be a positive number of km")
        elif not self.towns_in_reach():
            problems.add("radius_km", f"no town lies within {self.radius_km:g} km of {self.base.name or self.base.id}")
        problems.raise_if_any()

    def towns_in_reach(self) -> tuple[Town, ...]:
        """Return the towns whose centre lies within `radius_km` (great circle) of the base."""
        return tuple(t for t in self.towns if _km_between(self.base.location, t.location) <= self.radius_km)

    def staff(self, count: int) -> tuple[Staff, ...]:
        """Return the first `count` members of the service's roster."""
        return self.service.roster.members(count)

    def day(self, index: int, staff: int, travel_limit: float | None = DEFAULT_MAX_TRAVEL_MINUTES_FROM_BASE) -> Problem:
        """Return day `index` of the scenario planned for `staff` staff under a one-way travel limit (minutes)."""
        rng = np.random.default_rng([self.seed, index])
        towns = self.towns_in_reach()
        weights = np.array([t.population for t in towns], dtype=float)
        names = [name for name, _ in self.mix]
        mix = np.array([w for _, w in self.mix], dtype=float)
        count = int(rng.poisson(self.patients_per_day))
        low_age, high_age = self.service.age_years
        patients: list[Patient] = []
        visits: list[Visit] = []
        for i in range(count):
            town = towns[int(rng.choice(len(towns), p=weights / weights.sum()))]
            pid = f"p{i + 1}"
            pets = frozenset({str(rng.choice(["dog", "cat"]))}) if rng.random() < self.service.pets else frozenset()
            patients.append(Patient(pid, _near(town, rng), age_years=round(float(rng.uniform(low_age, high_age)), 1),
                                    attributes=pets))
            programme = self.service.programme(names[int(rng.choice(len(names), p=mix / mix.sum()))])
            templates = list(programme.visits)
            templates += [o.visit for o in self.service.occasional if rng.random() < o.probability]
            ids = [f"v{i + 1}.{k + 1}" for k in range(len(templates))]
            for k, template in enumerate(templates):
                visits.append(_visit(ids[k], pid, template, ids, rng))
        return Problem(
            date=self.start + dt.timedelta(days=index),
            base=self.base,
            staff=self.staff(staff),
            patients=tuple(patients),
            visits=tuple(visits),
            policy=Policy(max_travel_minutes_from_base=travel_limit,
                          max_patient_age_years=self.service.max_patient_age_years),
        )

    def describe(self) -> str:
        """Return a one-line account of the scenario for reports."""
        mix = ", ".join(f"{name} {weight:g}" for name, weight in self.mix)
        return (f"{self.service.name}: {self.patients_per_day:g} patients/day within {self.radius_km:g} km "
                f"of {self.base.name or self.base.id} (seed {self.seed}); mix {mix}")


#: A generous ceiling that keeps a typo (1e9 patients) from hanging a study.
MAX_PATIENTS_PER_DAY = 5000


def scenario(service: str | Service = "children_home_hospital", patients_per_day: float = 15,
             mix: Mapping[str, float] | None = None, radius_km: float | None = None, seed: int = 0,
             start: dt.date = SCENARIO_START) -> Scenario:
    """Return a Scenario from a planner's parameters (service name, patients per day, mix, radius in km)."""
    chosen = _service(service)
    weights = tuple(mix.items()) if mix is not None else chosen.default_mix
    radius = chosen.default_radius_km if radius_km is None else radius_km
    return Scenario(chosen, patients_per_day, weights, radius, seed=seed, start=start)


def children_home_hospital(patients_per_day: float = 15, mix: Mapping[str, float] | None = None,
                           radius_km: float | None = None, seed: int = 0) -> Scenario:
    """Return a scenario of the children's advanced home hospital at St. Olavs."""
    return scenario(CHILDREN_HOME_HOSPITAL, patients_per_day, mix, radius_km, seed)


def municipal_home_care(patients_per_day: float = 40, mix: Mapping[str, float] | None = None,
                        radius_km: float | None = None, seed: int = 0) -> Scenario:
    """Return a scenario of municipal home care around Trondheim."""
    return scenario(MUNICIPAL_HOME_CARE, patients_per_day, mix, radius_km, seed)


def towns_table(towns: tuple[Town, ...] = TRONDHEIM_REGION, base: Base = ST_OLAVS_BASE) -> list[dict[str, object]]:
    """Return the towns as rows (name, municipality, population, km and minutes from the base, source)."""
    from ahs_routing.travel import GeodesicProvider

    places = {base.id: base.location, **{f"t{i}": t.location for i, t in enumerate(towns)}}
    matrix = GeodesicProvider().matrix(places)
    return [
        {"town": t.name, "municipality": t.municipality, "population": t.population,
         "km": round(_km_between(base.location, t.location), 1),
         "minutes": matrix.minutes(base.id, f"t{i}"), "source": t.source}
        for i, t in enumerate(towns)
    ]


def _service(service: str | Service) -> Service:
    if isinstance(service, Service):
        return service
    if service not in SERVICES:
        raise InputError(f"unknown service {service!r}; choose from {', '.join(SERVICES)}", path="service")
    return SERVICES[service]


def _km_between(a: Location, b: Location) -> float:
    lat = np.radians([a.lat, b.lat])
    lon = np.radians([a.lon, b.lon])
    return float(great_circle_km(lat, lon)[0, 1])


def _near(town: Town, rng: np.random.Generator) -> Location:
    lat = town.lat + rng.normal(0.0, town.spread_km / KM_PER_DEGREE_LAT)
    lon = town.lon + rng.normal(0.0, town.spread_km / (KM_PER_DEGREE_LAT * math.cos(math.radians(town.lat))))
    return Location(round(float(lat), 5), round(float(lon), 5))


#: Durations are drawn in steps of this many minutes.
DURATION_STEP_MINUTES = 5


def _visit(visit_id: str, patient_id: str, template: VisitTemplate, ids: list[str], rng: np.random.Generator) -> Visit:
    low, high = template.minutes
    steps = (high - low) // DURATION_STEP_MINUTES
    minutes = low + DURATION_STEP_MINUTES * int(rng.integers(0, steps + 1))
    windows: tuple[TimeWindow, ...] = ()
    if template.window is not None:
        windows = (TimeWindow(parse_clock(template.window[0]), parse_clock(template.window[1])),)
    after = None
    if template.after is not None:
        earlier, min_gap, max_gap = template.after
        after = After(ids[earlier], min_gap * MINUTE, max_gap * MINUTE)
    return Visit(visit_id, patient_id, minutes * MINUTE, kind=template.kind, windows=windows, skills=template.skills,
                 staff_count=template.staff_count, priority=template.priority, mode=template.mode, after=after)
