"""The domain model: one planning day of a home-visiting team.

Every object is an immutable dataclass that checks its own fields when built;
`Problem` checks the references between them. Times are seconds after midnight of
the plan date and durations are seconds (see `ahs_routing.times`); the JSON edge
(`ahs_routing.io.contract`) converts from and to the contract's minutes and ``"HH:MM"``.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import math
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from ahs_routing.errors import InputError, InputProblem, ProblemCollector
from ahs_routing.times import SECONDS_PER_HOUR, format_clock

SCHEMA_VERSION = 1
DEFAULT_MAX_TRAVEL_MINUTES_FROM_BASE = 60.0
DEFAULT_MAX_PATIENT_AGE_YEARS = 18.0


class Priority(enum.IntEnum):
    """Visit priority classes; a higher value is served first, lexicographically."""

    LOW = 0
    NORMAL = 1
    HIGH = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        """Return the priority as the JSON spells it ('critical', 'high', ...)."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Priority:
        """Return the priority named by `text` (any case), or raise InputError."""
        try:
            return cls[text.upper()]
        except KeyError:
            names = ", ".join(p.label for p in cls)
            raise InputError(f"priority {text!r} is not one of {names}") from None


class Mode(enum.StrEnum):
    """Where a visit is carried out: at the patient's home, or remotely from the base."""

    HOME = "home"
    REMOTE = "remote"


def _require(ok: bool, path: str, message: str) -> None:
    if not ok:
        raise InputError([InputProblem(path, message)])


def _require_id(value: str, path: str = "id") -> None:
    _require(isinstance(value, str) and value != "", path, f"id must be a non-empty string, got {value!r}")


#: Longest duration the model accepts anywhere (a visit, overtime, a gap): two days.
MAX_DURATION_SECONDS = 48 * SECONDS_PER_HOUR
#: Largest demand or capacity: far above any real load, small enough for 64-bit arithmetic.
MAX_LOAD = 1e9


def _require_duration(value: int | None, path: str) -> None:
    if value is None:
        return
    _require(0 <= value <= MAX_DURATION_SECONDS, path,
             f"{value / 60:g} minutes must be between 0 and {MAX_DURATION_SECONDS // 60}")


def _require_finite(value: float, path: str, minimum: float = 0.0) -> None:
    _require(
        isinstance(value, int | float) and math.isfinite(value) and minimum <= value <= MAX_LOAD,
        path,
        f"{value!r} must be a number from {minimum:g} to {MAX_LOAD:g}",
    )


@dataclass(frozen=True, slots=True)
class Location:
    """A point in WGS84 degrees."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        _require(
            isinstance(self.lat, int | float) and -90.0 <= self.lat <= 90.0,
            "lat",
            f"latitude {self.lat!r} is outside -90..90",
        )
        _require(
            isinstance(self.lon, int | float) and -180.0 <= self.lon <= 180.0,
            "lon",
            f"longitude {self.lon!r} is outside -180..180",
        )


@dataclass(frozen=True, slots=True)
class Place:
    """A location with an optional id (the id lets a travel matrix name it)."""

    location: Location
    id: str | None = None


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """An interval of clock time, in seconds after midnight; both ends included."""

    start: int
    end: int

    def __post_init__(self) -> None:
        _require(
            self.end >= self.start,
            "",
            f"end {format_clock(self.end)} is before start {format_clock(self.start)}",
        )

    def contains(self, moment: int) -> bool:
        """Return True when `moment` lies in the window, both ends included."""
        return self.start <= moment <= self.end


def start_ranges(visit: Visit) -> list[tuple[int, int]]:
    """Return the intervals a visit may start in: its windows in order, the last one extended by
    its lateness tolerance (empty when the visit has no windows)."""
    ranges = sorted((w.start, w.end) for w in visit.windows)
    if ranges:
        ranges[-1] = (ranges[-1][0], ranges[-1][1] + visit.late)
    return ranges


def starts_in_time(visit: Visit, moment: int) -> bool:
    """True when a visit may start at `moment`: inside a window, or late within its tolerance."""
    return not visit.windows or any(start <= moment <= end for start, end in start_ranges(visit))


def lateness(visit: Visit, moment: int) -> int:
    """Return how many seconds a start at `moment` lies past the visit's last window (0 if none)."""
    if not visit.windows or any(w.contains(moment) for w in visit.windows):
        return 0
    return max(0, moment - max(w.end for w in visit.windows))


@dataclass(frozen=True, slots=True)
class Shift:
    """A staff member's working window."""

    start: int
    end: int

    def __post_init__(self) -> None:
        _require(
            self.end > self.start,
            "end",
            f"shift end {format_clock(self.end)} is not after its start {format_clock(self.start)}",
        )


@dataclass(frozen=True, slots=True)
class Break:
    """A rest of `duration` seconds that starts at or after `earliest_start` and ends by `latest_end`."""

    earliest_start: int
    latest_end: int
    duration: int

    def __post_init__(self) -> None:
        _require(self.duration > 0, "minutes", f"break length must be positive, got {self.duration / 60:g}")
        _require_duration(self.duration, "minutes")
        _require(
            self.latest_end - self.earliest_start >= self.duration,
            "latest_end",
            f"a {self.duration / 60:g}-minute break does not fit between "
            f"{format_clock(self.earliest_start)} and {format_clock(self.latest_end)}",
        )

    @property
    def latest_start(self) -> int:
        """Return the last moment the break can start and still end in its window."""
        return self.latest_end - self.duration


@dataclass(frozen=True, slots=True)
class Staff:
    """A member of the team with the skills and shift of the planning day."""

    id: str
    shift: Shift
    role: str = ""
    skills: frozenset[str] = frozenset()
    overtime: int = 0
    breaks: tuple[Break, ...] = ()
    avoid: frozenset[str] = frozenset()
    max_travel: int | None = None
    capacity: float | None = None
    start_location: Place | None = None
    end_location: Place | None = None

    def __post_init__(self) -> None:
        _require_id(self.id)
        _require_duration(self.overtime, "overtime_minutes")
        _require_duration(self.max_travel, "max_travel_minutes")
        if self.capacity is not None:
            _require_finite(self.capacity, "capacity")
        latest = self.shift.end + self.overtime
        for i, brk in enumerate(self.breaks):
            start = max(brk.earliest_start, self.shift.start)
            end = min(brk.latest_end, latest)
            _require(
                end - start >= brk.duration,
                f"breaks[{i}]",
                f"break window {format_clock(brk.earliest_start)}-{format_clock(brk.latest_end)} "
                f"leaves no room for {brk.duration / 60:g} minutes inside the shift "
                f"{format_clock(self.shift.start)}-{format_clock(latest)}",
            )

    @property
    def latest_end(self) -> int:
        """Latest moment the staff member may be back: shift end plus allowed overtime."""
        return self.shift.end + self.overtime


@dataclass(frozen=True, slots=True)
class Patient:
    """A patient and their home."""

    id: str
    location: Location
    age_years: float | None = None
    attributes: frozenset[str] = frozenset()
    parking: int = 0
    preferred_staff: tuple[str, ...] = ()
    excluded_staff: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _require_id(self.id)
        if self.age_years is not None:
            _require_finite(self.age_years, "age_years")
        _require_duration(self.parking, "parking_minutes")
        both = set(self.preferred_staff) & self.excluded_staff
        _require(not both, "preferred_staff", f"{sorted(both)} are also in excluded_staff")


@dataclass(frozen=True, slots=True)
class After:
    """This visit starts between `min_gap` and `max_gap` seconds after `visit` starts."""

    visit: str
    min_gap: int = 0
    max_gap: int | None = None

    def __post_init__(self) -> None:
        _require_id(self.visit, "visit")
        _require(abs(self.min_gap) <= MAX_DURATION_SECONDS, "min_minutes",
                 f"{self.min_gap / 60:g} is beyond {MAX_DURATION_SECONDS // 60} minutes")
        _require_duration(self.max_gap, "max_minutes")
        if self.max_gap is not None:
            _require(
                self.max_gap >= self.min_gap,
                "max_minutes",
                f"{self.max_gap / 60:g} is below min_minutes {self.min_gap / 60:g}",
            )


@dataclass(frozen=True, slots=True)
class Visit:
    """One visit to a patient: what must happen, when, and who may do it."""

    id: str
    patient: str
    duration: int
    kind: str = ""
    windows: tuple[TimeWindow, ...] = ()
    skills: frozenset[str] = frozenset()
    staff_count: int = 1
    priority: Priority = Priority.NORMAL
    mode: Mode = Mode.HOME
    demand: float = 0.0
    after: After | None = None
    pinned_staff: str | None = None
    late: int = 0

    def __post_init__(self) -> None:
        _require_id(self.id)
        _require_id(self.patient, "patient")
        _require_duration(self.late, "late_minutes")
        _require(not self.late or bool(self.windows), "late_minutes", "a visit without windows cannot be late")
        _require_duration(self.duration, "duration_minutes")
        _require(
            isinstance(self.staff_count, int) and self.staff_count >= 1,
            "staff_count",
            f"{self.staff_count!r} must be a whole number >= 1",
        )
        _require_finite(self.demand, "demand")
        ordered = sorted(self.windows, key=lambda w: w.start)
        for first, second in itertools.pairwise(ordered):
            _require(
                second.start > first.end,
                "windows",
                f"windows {format_clock(first.start)}-{format_clock(first.end)} and "
                f"{format_clock(second.start)}-{format_clock(second.end)} overlap",
            )


@dataclass(frozen=True, slots=True)
class Base:
    """The team's base (the hospital); remote visits are carried out from here."""

    id: str
    location: Location
    name: str = ""

    def __post_init__(self) -> None:
        _require_id(self.id)


@dataclass(frozen=True, slots=True)
class Policy:
    """Service-offer rules: the one-way travel limit and the age limit (None = no limit)."""

    max_travel_minutes_from_base: float | None = DEFAULT_MAX_TRAVEL_MINUTES_FROM_BASE
    max_patient_age_years: float | None = DEFAULT_MAX_PATIENT_AGE_YEARS

    def __post_init__(self) -> None:
        if self.max_travel_minutes_from_base is not None:
            _require_finite(self.max_travel_minutes_from_base, "max_travel_minutes_from_base")
        if self.max_patient_age_years is not None:
            _require_finite(self.max_patient_age_years, "max_patient_age_years")


TRAVEL_PROVIDERS = ("geodesic", "matrix", "graph", "osrm")


@dataclass(frozen=True, slots=True)
class TravelModel:
    """How travel times are obtained: the provider and its settings (the contract's `travel`).

    Building it checks the provider and the data it needs; the rules for `options` are the travel
    package's (`travel/options.py`), applied when a document is read and when a provider is made.
    """

    provider: str = "geodesic"
    locations: tuple[str, ...] | None = None
    minutes: tuple[tuple[float, ...], ...] | None = None
    km: tuple[tuple[float, ...], ...] | None = None
    path: str | None = None
    url: str | None = None
    options: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _require(
            self.provider in TRAVEL_PROVIDERS,
            "provider",
            f"unknown provider {self.provider!r}; expected one of {', '.join(TRAVEL_PROVIDERS)}",
        )
        if self.provider == "matrix":
            self._check_matrix()
        _require(self.provider != "graph" or bool(self.path), "path", "the graph provider needs a path")
        _require(self.provider != "osrm" or bool(self.url), "url", "the osrm provider needs a url")

    def _check_matrix(self) -> None:
        _require(self.locations is not None, "locations", "the matrix provider needs locations")
        _require(self.minutes is not None, "minutes", "the matrix provider needs minutes")
        assert self.locations is not None and self.minutes is not None  # narrowed by _require
        size = len(self.locations)
        seen: set[str] = set()
        for i, name in enumerate(self.locations):
            _require_id(name, f"locations[{i}]")
            _require(name not in seen, f"locations[{i}]", f"duplicate location id {name!r}")
            seen.add(name)
        for label, table in (("minutes", self.minutes), ("km", self.km)):
            if table is None:
                continue
            _require(len(table) == size, label, f"has {len(table)} rows for {size} locations")
            for r, row in enumerate(table):
                _require(len(row) == size, f"{label}[{r}]", f"has {len(row)} values for {size} locations")
                for c, value in enumerate(row):
                    _require(
                        isinstance(value, int | float) and math.isfinite(value) and value >= 0,
                        f"{label}[{r}][{c}]",
                        f"{value!r} must be a finite number >= 0",
                    )


@dataclass(frozen=True)
class Problem:
    """One planning day: base, policy, travel model, staff, patients and visits.

    Building it checks every cross-reference and raises one `InputError` listing all.
    """

    date: dt.date
    base: Base
    staff: tuple[Staff, ...]
    patients: tuple[Patient, ...]
    visits: tuple[Visit, ...]
    policy: Policy = Policy()
    travel: TravelModel = TravelModel()
    #: IANA name of the zone of the date's clock times (docs/HISTORY.md); None: timestamps with offsets are refused.
    timezone: str | None = None

    def __post_init__(self) -> None:
        for name in ("staff", "patients", "visits"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
        problems = ProblemCollector()
        if self.timezone is not None and not _is_zone(self.timezone):
            problems.add("timezone", f"{self.timezone!r} is not an IANA time zone name such as 'Europe/Oslo'")
        self._check_unique(problems)
        staff_ids = {s.id for s in self.staff}
        patient_ids = {p.id for p in self.patients}
        visit_ids = {v.id for v in self.visits}
        for i, patient in enumerate(self.patients):
            for j, sid in enumerate(patient.preferred_staff):
                if sid not in staff_ids:
                    problems.add(f"patients[{i}].preferred_staff[{j}]", f"unknown staff {sid!r}")
            for sid in sorted(patient.excluded_staff - staff_ids):
                problems.add(f"patients[{i}].excluded_staff", f"unknown staff {sid!r}")
        for i, visit in enumerate(self.visits):
            if visit.patient not in patient_ids:
                problems.add(f"visits[{i}].patient", f"unknown patient {visit.patient!r}")
            if visit.pinned_staff is not None and visit.pinned_staff not in staff_ids:
                problems.add(f"visits[{i}].pinned_staff", f"unknown staff {visit.pinned_staff!r}")
            if visit.pinned_staff is not None and visit.staff_count > 1:
                problems.add(
                    f"visits[{i}].pinned_staff",
                    f"a visit for {visit.staff_count} staff cannot be pinned to one staff member",
                )
            if visit.after is not None:
                if visit.after.visit not in visit_ids:
                    problems.add(f"visits[{i}].after.visit", f"unknown visit {visit.after.visit!r}")
                elif visit.after.visit == visit.id:
                    problems.add(f"visits[{i}].after.visit", "a visit cannot follow itself")
        self._check_after_cycles(problems)
        self._check_matrix_names(problems)
        problems.raise_if_any()

    def _check_unique(self, problems: ProblemCollector) -> None:
        groups: tuple[tuple[str, list[str]], ...] = (
            ("staff", [s.id for s in self.staff]),
            ("patients", [p.id for p in self.patients]),
            ("visits", [v.id for v in self.visits]),
        )
        for label, item_ids in groups:
            seen: dict[str, int] = {}
            for i, item_id in enumerate(item_ids):
                if item_id in seen:
                    problems.add(f"{label}[{i}].id", f"duplicate id {item_id!r} (first at {label}[{seen[item_id]}])")
                else:
                    seen[item_id] = i
        for i, patient in enumerate(self.patients):
            if patient.id == self.base.id:
                problems.add(f"patients[{i}].id", f"{patient.id!r} is also the base's id; place ids must differ")

    def _check_after_cycles(self, problems: ProblemCollector) -> None:
        follows = {v.id: v.after.visit for v in self.visits if v.after is not None}
        reported: set[str] = set()
        for start in follows:
            chain: list[str] = []
            current: str | None = start
            while current is not None and current not in chain and current not in reported:
                chain.append(current)
                current = follows.get(current)
            if current is not None and current in chain:
                cycle = chain[chain.index(current) :]
                reported.update(cycle)
                index = next(i for i, v in enumerate(self.visits) if v.id == cycle[0])
                problems.add(f"visits[{index}].after", "cycle of 'after' links: " + " -> ".join([*cycle, cycle[0]]))
            reported.update(chain)

    def _check_matrix_names(self, problems: ProblemCollector) -> None:
        if self.travel.provider != "matrix" or self.travel.locations is None:
            return
        known = set(self.travel.locations)
        needed = [("base.id", self.base.id)]
        needed += [(f"patients[{i}].id", p.id) for i, p in enumerate(self.patients)]
        for i, person in enumerate(self.staff):
            for label, place in (("start_location", person.start_location), ("end_location", person.end_location)):
                if place is None:
                    continue
                if place.id is None:
                    problems.add(f"staff[{i}].{label}", "needs an id to be found in the travel matrix")
                else:
                    needed.append((f"staff[{i}].{label}.id", place.id))
        for path, name in needed:
            if name not in known:
                problems.add(path, f"{name!r} is not in travel.locations")

    # Lookups -------------------------------------------------------------------------

    @cached_property
    def staff_by_id(self) -> Mapping[str, Staff]:
        """Return the staff by id."""
        return {s.id: s for s in self.staff}

    @cached_property
    def patient_by_id(self) -> Mapping[str, Patient]:
        """Return the patients by id."""
        return {p.id: p for p in self.patients}

    @cached_property
    def visit_by_id(self) -> Mapping[str, Visit]:
        """Return the visits by id."""
        return {v.id: v for v in self.visits}

    def patient_of(self, visit: Visit) -> Patient:
        """Return the patient a visit is for."""
        return self.patient_by_id[visit.patient]

    def place_of_visit(self, visit: Visit) -> str:
        """Return the place id where a visit happens: the home, or the base for remote visits."""
        return self.base.id if visit.mode is Mode.REMOTE else visit.patient

    def service_seconds(self, visit: Visit) -> int:
        """Return the time a visit occupies on site: its duration plus the home's parking minutes."""
        if visit.mode is Mode.REMOTE:
            return visit.duration
        return visit.duration + self.patient_of(visit).parking

    def start_place(self, staff: Staff) -> str:
        """Return the place id a staff member's route starts from."""
        return _place_id(staff.start_location, staff.id, "start", self.base.id)

    def end_place(self, staff: Staff) -> str:
        """Return the place id a staff member's route ends at."""
        return _place_id(staff.end_location, staff.id, "end", self.base.id)

    def route_places(self, staff: Staff, visit_ids: Iterable[str]) -> list[str]:
        """Return the place ids a route passes: the staff member's start, each visit's place, the end."""
        return [self.start_place(staff), *(self.place_of_visit(self.visit_by_id[v]) for v in visit_ids),
                self.end_place(staff)]

    @cached_property
    def places(self) -> Mapping[str, Location]:
        """Every place that travel is needed between, by id, base first."""
        found: dict[str, Location] = {self.base.id: self.base.location}
        for patient in self.patients:
            found.setdefault(patient.id, patient.location)
        for person in self.staff:
            for place, name in ((person.start_location, self.start_place(person)),
                                (person.end_location, self.end_place(person))):
                if place is not None:
                    found.setdefault(name, place.location)
        return found

    def replace(self, **changes: object) -> Problem:
        """Return a copy with some fields changed (validated again)."""
        import dataclasses

        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def _is_zone(name: object) -> bool:
    try:
        zoneinfo.ZoneInfo(name)  # type: ignore[arg-type]
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return False
    return isinstance(name, str)


def _place_id(place: Place | None, staff_id: str, which: str, base_id: str) -> str:
    if place is None:
        return base_id
    return place.id if place.id is not None else f"{staff_id}@{which}"

