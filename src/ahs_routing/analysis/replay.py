"""Replay a historical day: score what was driven with the library's KPIs and list every rule it broke.

A historical day is a problem plus what was actually done, either as a plan document in the
contract's format (routes as driven) or as a visit log: a table with one row per performed
visit (see `LOG_COLUMNS` and docs/HISTORY.md). Replaying never rejects the day, the way
VROOM's plan mode scores a given plan: routes are rebuilt in time order with the problem's
own travel model, scored with the same KPIs as the library's plans (`score_plan`), and held
to the contract's hard rules by the independent checker, each broken rule with its minutes.

Only records that cannot describe a real day are errors (`InputError`, naming the row):
unknown ids, a visit that ends before it starts, one person on two visits at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ahs_routing.check.checker import Violation, check_plan
from ahs_routing.check.eligibility import ineligible_patients
from ahs_routing.domain.kpis import compute_kpis, plan_status
from ahs_routing.domain.model import Problem, Staff, lateness
from ahs_routing.domain.plan import Kpis, Plan, Route, Stop, Unassigned, UnassignedReason
from ahs_routing.errors import InputError, ProblemCollector
from ahs_routing.io.contract import load_json
from ahs_routing.io.history import (
    HistoryDocument,
    HistoryRoute,
    HistoryStop,
    history_from_dict,
    history_plan,
    history_warnings,
)
from ahs_routing.io.timestamps import timestamp_seconds
from ahs_routing.schedule.timing import assemble_route, free_stretches
from ahs_routing.solve.diagnosis import diagnose
from ahs_routing.times import format_clock, seconds_to_minutes
from ahs_routing.travel import TravelMatrix, travel_matrix

#: Columns every visit log has: who, which visit, for which patient, when it started and ended.
LOG_COLUMNS = ("staff", "visit", "patient", "start", "end")
#: Columns a visit log may have: when the staff member arrived at the door.
OPTIONAL_LOG_COLUMNS = ("arrival",)

#: Rules of the checker that say something about the record rather than about the day.
_RECORD_RULES = frozenset({"consistency", "travel_model"})


# The day's score ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayScore(Kpis):
    """A day's KPIs: the plan format's (`Kpis`) plus waiting and lateness (durations in seconds)."""

    waiting_seconds: int
    lateness_seconds: int
    late_visits: int

    def to_dict(self) -> dict[str, Any]:
        """Return the KPIs under the plan format's keys, plus `waiting_minutes`, `late_minutes`, `late_visits`."""
        return {
            "visits": self.visits,
            "visits_served": self.visits_served,
            "travel_minutes": self.travel_minutes,
            "distance_km": None if self.distance_km is None else round(self.distance_km, 2),
            "overtime_minutes": self.overtime_minutes,
            "continuity_rate": None if self.continuity_rate is None else round(self.continuity_rate, 4),
            "staff_used": self.staff_used,
            "waiting_minutes": seconds_to_minutes(self.waiting_seconds),
            "late_minutes": seconds_to_minutes(self.lateness_seconds),
            "late_visits": self.late_visits,
        }


def route_waiting(route: Route) -> int:
    """Return the seconds a route spends at doors before visits start, breaks taken there excluded."""
    total = 0
    for stop in route.stops:
        rest = sum(max(0, min(b.end, stop.start) - max(b.start, stop.arrival)) for b in route.breaks)
        total += max(0, stop.start - stop.arrival - rest)
    return total


def late_starts(problem: Problem, routes: Iterable[Route]) -> dict[str, int]:
    """Return, per visit started after its last window, how many seconds late (the latest of its staff)."""
    late: dict[str, int] = {}
    for route in routes:
        for stop in route.stops:
            visit = problem.visit_by_id.get(stop.visit)
            seconds = lateness(visit, stop.start) if visit is not None else 0
            if seconds > 0:
                late[stop.visit] = max(late.get(stop.visit, 0), seconds)
    return late


def score_plan(problem: Problem, plan: Plan, travel: TravelMatrix | None = None) -> DayScore:
    """Return the KPIs of a plan (the library's or a replayed one) with the same definitions for both."""
    matrix = travel if travel is not None else travel_matrix(problem)
    kpis = compute_kpis(problem, plan.routes, has_km=matrix.has_km)
    late = late_starts(problem, plan.routes)
    return DayScore(
        **dataclasses.asdict(kpis),
        waiting_seconds=sum(route_waiting(r) for r in plan.routes),
        lateness_seconds=sum(late.values()),
        late_visits=len(late),
    )


# The replay --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Replay:
    """A historical day as it was: rebuilt routes, their KPIs, and every hard rule they broke."""

    plan: Plan
    score: DayScore
    violations: tuple[Violation, ...]
    unserved: tuple[str, ...]
    #: One line per figure a history document gave that disagrees with the recomputed one (never trusted).
    warnings: tuple[str, ...] = ()

    def minutes_by_rule(self) -> dict[str, int | float]:
        """Return the minutes involved per broken rule (rules broken without a size in time count 0)."""
        totals: dict[str, int] = defaultdict(int)
        for violation in self.violations:
            totals[violation.rule] += violation.seconds or 0
        return {rule: seconds_to_minutes(seconds) for rule, seconds in sorted(totals.items())}

    def to_dict(self) -> dict[str, Any]:
        """Return the KPIs (plan format keys) with `violations` and `warnings` lists, as `ahs-routing compare
        --json` writes."""
        return self.score.to_dict() | {"violations": [violation_to_dict(v) for v in self.violations],
                                       "warnings": list(self.warnings)}


def violation_to_dict(violation: Violation) -> dict[str, Any]:
    """Return a violation as JSON: rule, staff, visit, minutes (or null) and the sentence."""
    return {"rule": violation.rule, "staff": violation.staff, "visit": violation.visit,
            "minutes": violation.minutes, "message": violation.message}


History = Plan | pd.DataFrame | Mapping[str, Any] | HistoryDocument | str | Path
"""What was done: a plan, a visit log table, a plan document (parsed JSON) or a file of either."""


def replay(problem: Problem, history: History, travel: TravelMatrix | None = None) -> Replay:
    """Return the replay of a historical day given as a plan, a visit log table, a plan document or a file.

    A plan document (a file or its parsed JSON) may give its own figures (`kpis`, `status`,
    `unassigned`, travel minutes and km, all or some): they are recomputed, and each that
    disagrees is a line in `Replay.warnings`.
    """
    matrix = travel if travel is not None else travel_matrix(problem)
    if isinstance(history, str | Path):
        history = _read_history(history)
    document: HistoryDocument | None = None
    if isinstance(history, Plan):
        days = _records_from_document(problem, _document_of_plan(history))
    elif isinstance(history, pd.DataFrame):
        days = _records_from_log(problem, history)
    else:
        document = history if isinstance(history, HistoryDocument) else history_from_dict(history)
        days = _records_from_document(problem, document)
    performed = _as_performed(problem, days)
    routes = [_rebuild(performed, matrix, day) for day in days]
    order = {s.id: i for i, s in enumerate(problem.staff)}
    routes.sort(key=lambda r: order[r.staff])
    ineligible = ineligible_patients(problem, matrix)
    served = {stop.visit for route in routes for stop in route.stops}
    unserved = _unserved(problem, matrix, served, ineligible)
    plan = Plan(
        date=problem.date,
        status=plan_status(problem, routes, ineligible),
        routes=tuple(routes),
        unassigned=tuple(unserved),
        ineligible_patients=tuple(ineligible),
        kpis=compute_kpis(problem, routes, has_km=matrix.has_km),
    )
    violations = tuple(v for v in check_plan(performed, plan, matrix) if v.rule not in _RECORD_RULES)
    warnings = tuple(history_warnings(document, plan)) if document is not None else ()
    return Replay(plan, score_plan(problem, plan, matrix), violations, tuple(u.visit for u in unserved), warnings)


def load_history(path: str | Path) -> Plan | pd.DataFrame:
    """Return what a history file holds: a plan (`.json`, output-only fields optional) or a visit log (`.csv`).

    Replaying the file itself (`replay(problem, path)`) reads more: stops without `arrival` or
    `end` and routes without `start`, `end` or `breaks` have them inferred, and given figures
    that disagree with the recomputed ones are reported (`Replay.warnings`).
    """
    history = _read_history(path)
    return history_plan(history) if isinstance(history, HistoryDocument) else history


def _read_history(path: str | Path) -> HistoryDocument | pd.DataFrame:
    """Return a history file's content: a plan document read as a history, or a visit log."""
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return history_from_dict(load_json(path))
    if suffix == ".csv":
        return read_visit_log(path)
    raise InputError(f"{path}: a history is a plan document (.json) or a visit log (.csv), not {suffix or 'no suffix'}")


def read_visit_log(path: str | Path) -> pd.DataFrame:
    """Return a visit log CSV as a table of strings (ids stay ids: '007' is not 7)."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=True, skipinitialspace=True)
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputError(f"{path} is not a readable CSV table: {error}") from None
    frame.attrs["source"] = str(path)
    return frame


# From records to staff days ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Performed:
    """One performed visit, as recorded; `where` names the record in error messages."""

    where: str
    staff: str
    visit: str
    patient: str
    start: int
    end: int
    arrival: int | None


@dataclass(slots=True)
class _StaffRecord:
    staff: str
    visits: list[_Performed] = field(default_factory=list)
    breaks: list[tuple[int, int]] | None = None  # None: not recorded, to be inferred from free time
    start: int | None = None
    end: int | None = None


def _document_of_plan(plan: Plan) -> HistoryDocument:
    """Return a `Plan` as a history document: every record given, no figures to compare."""
    routes = tuple(
        HistoryRoute(f"routes[{i}]", r.staff, r.start, r.end, tuple((b.start, b.end) for b in r.breaks),
                     tuple(HistoryStop(f"routes[{i}].stops[{j}]", s.visit, s.patient, s.start, s.end, s.arrival)
                           for j, s in enumerate(r.stops)))
        for i, r in enumerate(plan.routes))
    return HistoryDocument(plan.date, routes, (), ())


def _records_from_document(problem: Problem, document: HistoryDocument) -> list[_StaffRecord]:
    problems = ProblemCollector()
    days: dict[str, _StaffRecord] = {}
    first_route: dict[str, str] = {}
    for route in document.routes:
        if route.staff not in problem.staff_by_id:
            problems.add(f"{route.where}.staff", f"unknown staff {route.staff!r}")
            continue
        if route.staff in first_route:
            problems.add(f"{route.where}.staff",
                         f"a second route for {route.staff} (first at {first_route[route.staff]})")
            continue
        first_route[route.staff] = route.where
        # A route that says nothing of breaks (another system's export) gets them inferred, as a log does.
        breaks = None if route.breaks is None else sorted(route.breaks)
        day = _StaffRecord(route.staff, breaks=breaks, start=route.start, end=route.end)
        for stop in route.stops:
            visit = problem.visit_by_id.get(stop.visit)
            # An end not recorded: the visit took its planned time (duration and parking).
            end = stop.end if stop.end is not None else stop.start + (problem.service_seconds(visit) if visit else 0)
            day.visits.append(_Performed(stop.where, route.staff, stop.visit, stop.patient, stop.start, end,
                                         stop.arrival))
        days[route.staff] = day
    _check_records(problem, [p for d in days.values() for p in d.visits], problems)
    problems.raise_if_any()
    return [d for d in days.values() if d.visits]


def _records_from_log(problem: Problem, frame: pd.DataFrame) -> list[_StaffRecord]:
    source = frame.attrs.get("source")
    missing = [c for c in LOG_COLUMNS if c not in frame.columns]
    if missing:
        where = f"{source}: " if source else ""
        raise InputError(f"{where}the visit log lacks column(s) {', '.join(missing)}; it needs "
                         f"{', '.join(LOG_COLUMNS)} and may have {', '.join(OPTIONAL_LOG_COLUMNS)}", path="visit log")
    problems = ProblemCollector()
    records: list[_Performed] = []
    for i, row in enumerate(frame.to_dict(orient="records")):
        # Rows count from 0, as pandas shows them; a CSV file also gets its line number.
        where = f"visit log row {i}" + (f" (line {i + 2} of {source})" if source else "")
        record = _log_record(problem, where, {str(k): v for k, v in row.items()}, problems)
        if record is not None:
            records.append(record)
    _check_records(problem, records, problems)
    problems.raise_if_any()
    days: dict[str, _StaffRecord] = {}
    for record in records:
        days.setdefault(record.staff, _StaffRecord(record.staff)).visits.append(record)
    return list(days.values())


def _log_record(problem: Problem, where: str, row: Mapping[str, Any], problems: ProblemCollector) -> _Performed | None:
    texts: dict[str, str] = {}
    for column in ("staff", "visit", "patient"):
        value = row.get(column)
        if _blank(value):
            problems.add(f"{where}.{column}", "is empty")
        else:
            texts[column] = str(value).strip()
    times: dict[str, int | None] = {}
    for column in ("start", "end", "arrival"):
        value = row.get(column)
        if _blank(value):
            if column != "arrival":
                problems.add(f"{where}.{column}", "is empty")
            times[column] = None
            continue
        try:
            times[column] = log_time(value, problem.date, problem.timezone)
        except InputError as error:
            problems.add(f"{where}.{column}", str(error))
    if len(texts) < 3 or times.get("start") is None or times.get("end") is None or "arrival" not in times:
        return None
    start, end = times["start"], times["end"]
    assert start is not None and end is not None  # checked just above
    return _Performed(where, texts["staff"], texts["visit"], texts["patient"], start, end, times["arrival"])


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NaT:
        return True
    return isinstance(value, str) and not value.strip()


def log_time(value: Any, date: dt.date, timezone: str | None = None) -> int:
    """Return seconds on the plan date's clock for a log cell (`io.timestamps.timestamp_seconds`'s rules)."""
    return timestamp_seconds(value, date, timezone)


def _check_records(problem: Problem, records: Sequence[_Performed], problems: ProblemCollector) -> None:
    """Add an input problem for every record that cannot describe a real day."""
    for r in records:
        if r.staff not in problem.staff_by_id:
            problems.add(f"{r.where}.staff", f"unknown staff {r.staff!r}")
        visit = problem.visit_by_id.get(r.visit)
        if visit is None:
            problems.add(f"{r.where}.visit", f"unknown visit {r.visit!r}")
        elif r.patient != visit.patient:
            problems.add(f"{r.where}.patient", f"visit {r.visit} is for patient {visit.patient}, not {r.patient!r}")
        if r.end < r.start:
            problems.add(f"{r.where}.end", f"end {format_clock(r.end)} is before start {format_clock(r.start)}")
        if r.arrival is not None and r.arrival > r.start:
            problems.add(f"{r.where}.arrival",
                         f"arrival {format_clock(r.arrival)} is after the visit started {format_clock(r.start)}")
    by_staff: dict[str, list[_Performed]] = defaultdict(list)
    for r in records:
        by_staff[r.staff].append(r)
    for staff_id, own in by_staff.items():
        seen: dict[str, _Performed] = {}
        for r in own:
            if r.visit in seen:
                problems.add(f"{r.where}.visit", f"{staff_id} performs visit {r.visit} twice "
                             f"(also at {seen[r.visit].where})")
            seen.setdefault(r.visit, r)
        ordered = sorted(own, key=lambda r: (r.start, r.end))
        for before, after in itertools.pairwise(ordered):
            if after.start < before.end:
                problems.add(f"{after.where}.start", f"{staff_id} starts visit {after.visit} at "
                             f"{format_clock(after.start)}, while still on visit {before.visit} "
                             f"({before.where}) until {format_clock(before.end)}")
            elif after.arrival is not None and after.arrival < before.end:
                problems.add(f"{after.where}.arrival", f"{staff_id} arrives for visit {after.visit} at "
                             f"{format_clock(after.arrival)}, before leaving visit {before.visit} "
                             f"({before.where}) at {format_clock(before.end)}")


def _as_performed(problem: Problem, days: Sequence[_StaffRecord]) -> Problem:
    """Return the problem with each served visit's duration as it was performed (end - start - parking).

    A visit that ran long or short is not a broken rule; its real length is what the rest of
    the day had to fit around. A team whose members left at different times keeps the first
    record's length, and the checker reports the other end under `window`.
    """
    performed: dict[str, int] = {}
    for day in days:
        for record in day.visits:
            visit = problem.visit_by_id[record.visit]
            length = record.end - record.start - (problem.service_seconds(visit) - visit.duration)
            if length >= 0:
                performed.setdefault(record.visit, length)
    if not performed:
        return problem
    visits = tuple(replace(v, duration=performed[v.id]) if v.id in performed else v for v in problem.visits)
    return problem.replace(visits=visits)


def _unserved(problem: Problem, travel: TravelMatrix, served: set[str], ineligible: list[Any]) -> list[Unassigned]:
    """Return every visit not performed, with the reason the library would give, else `capacity`."""
    excluded_patients = {p.patient: p for p in ineligible}
    excluded = {
        v.id: Unassigned(v.id, UnassignedReason.PATIENT_INELIGIBLE,
                         f"patient {v.patient} is not eligible: {excluded_patients[v.patient].detail}")
        for v in problem.visits if v.patient in excluded_patients
    }
    _, reasons = diagnose(problem, travel, excluded)
    return [
        reasons.get(v.id) or Unassigned(v.id, UnassignedReason.CAPACITY, "not performed on the historical day")
        for v in problem.visits if v.id not in served
    ]


# Rebuilding a route --------------------------------------------------------------------------
# The records fix when each visit started and ended; only the drives and rests between them are
# placed. That is why a replay does not re-time with `schedule.timing` (which chooses the starts)
# but shares its free-time arithmetic (`free_stretches`) and its route assembly (`assemble_route`).


@dataclass(slots=True)
class _Gap:
    """The time between two fixed things of a route (visits, route ends), holding one drive and any rests."""

    low: int
    high: int
    leg: int
    drive_end: int | None  # fixed when the arrival was recorded
    late_drive: bool  # a free drive goes as late as it can (to the first visit), else as early
    rests: list[tuple[int, int]] = field(default_factory=list)

    def busy(self) -> list[tuple[int, int]]:
        fixed = [] if self.drive_end is None else [(self.drive_end - self.leg, self.drive_end)]
        return sorted(self.rests + fixed)

    def free(self) -> list[tuple[int, int]]:
        return free_stretches(self.low, self.high, self.busy())

    def admits(self, rest: tuple[int, int]) -> bool:
        """True when the rest fits in free time and, with a drive still to place, leaves room for it."""
        if not any(s <= rest[0] and rest[1] <= e for s, e in self.free()):
            return False
        if self.drive_end is not None:
            return True
        self.rests.append(rest)
        room = any(e - s >= self.leg for s, e in self.free())
        self.rests.pop()
        return room

    def drive(self) -> tuple[int, int]:
        """Return (departure, arrival) of the drive through this gap.

        Unlike `timing.first_drive`, which moves a planned drive before or after breaks the plan
        may still move, a drive here fits a free stretch between records that stay where they are.
        """
        if self.drive_end is not None:
            return self.drive_end - self.leg, self.drive_end
        fitting = [(s, e) for s, e in self.free() if e - s >= self.leg]
        if not fitting:  # the gap is too short for the model's travel: the checker reports how much
            return self.high - self.leg, self.high
        if self.late_drive:
            return fitting[-1][1] - self.leg, fitting[-1][1]
        return fitting[0][0], fitting[0][0] + self.leg


def _rebuild(problem: Problem, travel: TravelMatrix, day: _StaffRecord) -> Route:
    """Return the staff member's day as a route, with the travel model's legs and the breaks taken."""
    person = problem.staff_by_id[day.staff]
    records = sorted(day.visits, key=lambda r: (r.start, r.end))
    places = problem.route_places(person, (r.visit for r in records))
    legs = [travel.seconds(a, b) for a, b in itertools.pairwise(places)]
    gaps = _gaps(person, records, legs)
    if day.breaks is None:
        rests = _infer_breaks(person, gaps)
    else:
        rests = list(day.breaks)
        for gap in gaps:
            gap.rests = [b for b in rests if gap.low <= b[0] < gap.high]
    stops = []
    for record, gap, leg in zip(records, gaps, legs, strict=False):
        _, arrival = gap.drive()
        stops.append(Stop(record.visit, record.patient, leg, min(arrival, record.start), record.start, record.end))
    departure, _ = gaps[0].drive()
    _, home = gaps[-1].drive()
    # A recorded start or end of the day stands even where the rebuilt drives say otherwise.
    departure = min([departure, *([day.start] if day.start is not None else [])])
    home = max([home, *([day.end] if day.end is not None else [])])
    return assemble_route(problem, travel, person, stops, rests, departure, home, legs[-1])


def _gaps(person: Staff, records: Sequence[_Performed], legs: Sequence[int]) -> list[_Gap]:
    """Return the gap before each visit and the one after the last (the trip home)."""
    gaps = []
    for i, record in enumerate(records):
        if i == 0:
            low = min(person.shift.start, (record.arrival if record.arrival is not None else record.start) - legs[0])
        else:
            low = records[i - 1].end
        gaps.append(_Gap(low, record.start, legs[i], record.arrival, late_drive=i == 0))
    last = records[-1].end
    gaps.append(_Gap(last, max(person.latest_end, last + legs[-1]), legs[-1], None, late_drive=False))
    return gaps


def _infer_breaks(person: Staff, gaps: list[_Gap]) -> list[tuple[int, int]]:
    """Place each break due at the earliest free stretch of its length inside its window, if there is one.

    A visit log does not record breaks; a break counts as taken when the day left room for it
    (before leaving, between visits, or after the last one), and as missed otherwise.
    """
    taken: list[tuple[int, int]] = []
    for brk in sorted(person.breaks, key=lambda b: (b.earliest_start, b.latest_end)):
        placed = None
        for gap in gaps:
            edges = [gap.low, gap.low + gap.leg, *(e for _, e in gap.busy()), *(e + gap.leg for _, e in gap.busy())]
            for begin in sorted({max(edge, brk.earliest_start) for edge in edges}):
                rest = (begin, begin + brk.duration)
                if rest[1] <= min(brk.latest_end, gap.high) and gap.admits(rest):
                    placed = rest
                    break
            if placed is not None:
                gap.rests.append(placed)
                taken.append(placed)
                break
    return taken
