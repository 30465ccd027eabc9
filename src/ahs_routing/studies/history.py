"""Realistic historical days, planned the way a coordinator plans by hand, for tests and demos.

On top of a generated day (`ahs_routing.studies.scenarios.generate_day`) a coordinator:

- gives each nurse an area (a sector around the base, with about equal work in each), and
  each nurse keeps the patients of their area, who come to know them (`preferred_staff`);
  a visit needing a skill the area's nurse lacks goes to the nearest qualified colleague,
  and a two-person visit takes the nearest colleague along;
- has each nurse make their visits in the order the families asked for (the start of their
  window, or the time they asked for when they gave no window);
- moves the last requests of a day that cannot end within shift and overtime to another day.

The day is then driven: some trips take longer than the travel model says (parking, traffic),
a nurse who arrives early waits at the door, one who is behind starts late and sometimes skips
lunch. The result is what a replay expects: a problem and the plan as driven (or its visit log),
with no real patient data.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ahs_routing.check.eligibility import ineligible_patients
from ahs_routing.domain.kpis import compute_kpis, plan_status
from ahs_routing.domain.model import Break, Problem, Staff, Visit
from ahs_routing.domain.plan import Plan, Route, Stop, Unassigned, UnassignedReason
from ahs_routing.io.contract import dumps, plan_to_dict, problem_to_dict
from ahs_routing.io.timestamps import timestamp_at
from ahs_routing.schedule.timing import assemble_route, break_start, leave_late
from ahs_routing.solve.diagnosis import diagnose
from ahs_routing.studies.scenarios import generate_day
from ahs_routing.times import SECONDS_PER_MINUTE, format_clock
from ahs_routing.travel import TravelMatrix, travel_matrix

#: Overtime a coordinator may count on per nurse (generated days have none).
DEFAULT_OVERTIME_MINUTES = 30
#: Share of trips that take longer than the travel model says, and by how many minutes.
DEFAULT_DELAY_SHARE = 0.3
DELAY_MINUTES = (3, 15)
#: Chance that a nurse who is behind their own estimate skips lunch to catch up.
DEFAULT_SKIP_BREAK_SHARE = 0.25
#: How far behind the coordinator's estimate (seconds) counts as "behind".
BEHIND_SECONDS = 10 * SECONDS_PER_MINUTE
#: Rounds of settling the start of two-person visits between their two nurses.
TEAM_ROUNDS = 50


@dataclass(frozen=True, slots=True)
class HistoricalDay:
    """A generated day and the plan as it was driven (routes in the contract's plan format)."""

    name: str
    problem: Problem
    driven: Plan

    def log(self) -> pd.DataFrame:
        """Return the visit log of the day: staff, visit, patient, arrival, start, end ("HH:MM", or
        dates and times with offsets when the problem has a `timezone`)."""
        return visit_log(self.driven, self.problem.timezone)

    def save(self, directory: str | Path, as_log: bool = False) -> tuple[Path, Path]:
        """Write NAME.json (the problem) and NAME.plan.json (or NAME.csv, the visit log); return both paths."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        problem_path = folder / f"{self.name}.json"
        problem_path.write_text(dumps(problem_to_dict(self.problem)) + "\n", encoding="utf-8")
        if as_log:
            history_path = folder / f"{self.name}.csv"
            self.log().to_csv(history_path, index=False)
        else:
            history_path = folder / f"{self.name}.plan.json"
            history_path.write_text(dumps(plan_to_dict(self.driven)) + "\n", encoding="utf-8")
        return problem_path, history_path


def visit_log(plan: Plan, timezone: str | None = None) -> pd.DataFrame:
    """Return a plan's stops as a visit log table (the columns `ahs_routing.analysis.replay` reads).

    Times are "HH:MM" on the plan date's clock; with the problem's `timezone`, ISO dates and times
    with the zone's offset at that moment (``2026-03-29T03:10:00+02:00``), exact across a
    daylight-saving change.
    """

    def when(seconds: int) -> str:
        if timezone is None:
            return format_clock(seconds)
        return timestamp_at(seconds, plan.date, timezone).isoformat()

    rows = [
        {"staff": route.staff, "visit": stop.visit, "patient": stop.patient, "arrival": when(stop.arrival),
         "start": when(stop.start), "end": when(stop.end)}
        for route in plan.routes for stop in route.stops
    ]
    return pd.DataFrame(rows, columns=["staff", "visit", "patient", "arrival", "start", "end"])


def historical_day(
    visits: int = 30,
    seed: int = 1,
    *,
    staff: int | None = None,
    breaks: bool = True,
    teams: bool = True,
    overtime_minutes: int = DEFAULT_OVERTIME_MINUTES,
    delay_share: float = DEFAULT_DELAY_SHARE,
    skip_break_share: float = DEFAULT_SKIP_BREAK_SHARE,
) -> HistoricalDay:
    """Return a reproducible generated day with the plan a coordinator made by hand, as it was driven."""
    generated = generate_day(visits, seed, staff=staff, breaks=breaks, teams=teams)
    team = tuple(replace(s, overtime=overtime_minutes * SECONDS_PER_MINUTE) for s in generated.staff)
    problem = generated.replace(staff=team)
    travel = travel_matrix(problem)
    rng = random.Random(f"history-{seed}")
    areas = _areas(problem)
    assigned = _assign(problem, travel, areas)
    regular: dict[str, str] = {}
    for visit_id, members in assigned.items():
        regular.setdefault(problem.visit_by_id[visit_id].patient, members[0])
    patients = tuple(replace(p, preferred_staff=(regular[p.id],)) if p.id in regular else p for p in problem.patients)
    problem = problem.replace(patients=patients)
    asked = _asked_times(problem, rng)
    orders: dict[str, list[str]] = {s.id: [] for s in problem.staff}
    for visit_id in sorted(assigned, key=lambda v: (asked[v], v)):
        for member in assigned[visit_id]:
            orders[member].append(visit_id)
    moved = _fit_days(problem, travel, orders)
    delays = {s.id: [_delay(rng, delay_share) for _ in range(len(orders[s.id]) + 1)] for s in problem.staff}
    skips = {s.id: rng.random() < skip_break_share for s in problem.staff}
    days = _drive(problem, travel, orders, delays, skips)
    routes = [r for r in days.values() if r.stops]
    ineligible = ineligible_patients(problem, travel)
    served = {s.visit for r in routes for s in r.stops}
    unassigned = _unassigned(problem, travel, served, moved, ineligible)
    driven = Plan(problem.date, plan_status(problem, routes, ineligible), tuple(routes), tuple(unassigned),
                  tuple(ineligible), compute_kpis(problem, routes, has_km=travel.has_km))
    return HistoricalDay(f"day-{seed:03d}", problem, driven)


def historical_days(count: int, visits: int = 30, first_seed: int = 1, **options: Any) -> list[HistoricalDay]:
    """Return `count` historical days with consecutive seeds (a week is five)."""
    return [historical_day(visits, first_seed + k, **options) for k in range(count)]


# The coordinator's plan ----------------------------------------------------------------------


def _bearing(problem: Problem, patient_id: str) -> float:
    home, base = problem.patient_by_id[patient_id].location, problem.base.location
    east = (home.lon - base.lon) * math.cos(math.radians(base.lat))
    return math.atan2(east, home.lat - base.lat)


def _areas(problem: Problem) -> dict[str, int]:
    """Return each patient's area: sectors around the base, cut so that each holds about equal work."""
    work: dict[str, int] = {}
    for visit in problem.visits:
        work[visit.patient] = work.get(visit.patient, 0) + problem.service_seconds(visit) * visit.staff_count
    ordered = sorted(work, key=lambda p: (_bearing(problem, p), p))
    total = sum(work.values()) or 1
    count = len(problem.staff)
    areas, done = {}, 0
    for patient_id in ordered:
        areas[patient_id] = min(count - 1, int(count * (done + work[patient_id] / 2) / total))
        done += work[patient_id]
    return areas


def _assign(problem: Problem, travel: TravelMatrix, areas: Mapping[str, int]) -> dict[str, list[str]]:
    """Return the staff of each visit the coordinator plans: the area's nurse, else the nearest qualified."""
    centres = _area_centres(problem, areas)
    candidates, _ = diagnose(problem, travel, {})
    assigned: dict[str, list[str]] = {}
    for visit in problem.visits:
        able = candidates.get(visit.id)
        if able is None or len(able.staff) < visit.staff_count:
            continue
        area = areas[visit.patient]
        where = centres.get(area, 0.0)

        def distance(staff_id: str, area: int = area, where: float = where) -> tuple[float, str]:
            k = _staff_index(problem, staff_id)
            gap = abs(math.remainder(centres.get(k, where) - where, 2 * math.pi))
            return (0.0 if k == area else 1.0 + gap, staff_id)

        assigned[visit.id] = sorted(able.staff, key=distance)[: visit.staff_count]
    return assigned


def _staff_index(problem: Problem, staff_id: str) -> int:
    return next(i for i, s in enumerate(problem.staff) if s.id == staff_id)


def _area_centres(problem: Problem, areas: Mapping[str, int]) -> dict[int, float]:
    sums: dict[int, list[float]] = {}
    for patient_id, area in areas.items():
        angle = _bearing(problem, patient_id)
        x, y = sums.setdefault(area, [0.0, 0.0])
        sums[area] = [x + math.cos(angle), y + math.sin(angle)]
    return {area: math.atan2(y, x) for area, (x, y) in sums.items()}


def _asked_times(problem: Problem, rng: random.Random) -> dict[str, int]:
    """Return when each family asked to be visited: its window's start, or a time they named."""
    asked = {}
    for visit in problem.visits:
        if visit.windows:
            asked[visit.id] = min(w.start for w in visit.windows)
        else:
            first, last = min(s.shift.start for s in problem.staff), max(s.shift.end for s in problem.staff)
            asked[visit.id] = rng.randrange(first, max(first + 1, last - 2 * 3600), 15 * SECONDS_PER_MINUTE)
    return asked


def _fit_days(problem: Problem, travel: TravelMatrix, orders: dict[str, list[str]]) -> set[str]:
    """Move the last single visits of any day the coordinator estimates past shift and overtime; return them."""
    moved: set[str] = set()
    while True:
        estimate = _drive(problem, travel, orders, {}, {})
        over = [s for s, route in estimate.items() if route.end > problem.staff_by_id[s].latest_end]
        singles = [(s, v) for s in over for v in reversed(orders[s]) if problem.visit_by_id[v].staff_count == 1]
        if not over or not singles:
            return moved
        for staff_id in over:
            last = next((v for v in reversed(orders[staff_id]) if problem.visit_by_id[v].staff_count == 1), None)
            if last is not None:
                orders[staff_id].remove(last)
                moved.add(last)


def _delay(rng: random.Random, share: float) -> int:
    return rng.randint(*DELAY_MINUTES) * SECONDS_PER_MINUTE if rng.random() < share else 0


# Driving the day -------------------------------------------------------------------------------


def _drive(
    problem: Problem,
    travel: TravelMatrix,
    orders: Mapping[str, Sequence[str]],
    delays: Mapping[str, Sequence[int]],
    skips: Mapping[str, bool],
) -> dict[str, Route]:
    """Return every nurse's day as driven; two-person visits start when both nurses are there."""
    together: dict[str, int] = {}
    estimate = {s: _one_day(problem, travel, problem.staff_by_id[s], order, (), {}, None, False)
                for s, order in orders.items()} if delays else None
    days: dict[str, Route] = {}
    for _ in range(TEAM_ROUNDS):
        days = {
            s: _one_day(problem, travel, problem.staff_by_id[s], order, delays.get(s, ()), together,
                        estimate[s] if estimate else None, skips.get(s, False))
            for s, order in orders.items()
        }
        ready: dict[str, int] = {}
        for route in days.values():
            for stop in route.stops:
                if problem.visit_by_id[stop.visit].staff_count > 1:
                    ready[stop.visit] = max(ready.get(stop.visit, 0), stop.start)
        if all(together.get(v, 0) >= t for v, t in ready.items()):
            break
        together = {v: max(together.get(v, 0), t) for v, t in ready.items()}
    return days


def _one_day(
    problem: Problem,
    travel: TravelMatrix,
    person: Staff,
    order: Sequence[str],
    delays: Sequence[int],
    together: Mapping[str, int],
    estimate: Route | None,
    may_skip: bool,
) -> Route:
    """Return one nurse's day: visits in the given order, lunch at the first chance, late when behind."""
    place = problem.start_place(person)
    visits = [problem.visit_by_id[v] for v in order]
    pending = sorted(person.breaks, key=lambda b: b.earliest_start)
    planned = {s.visit: s.start for s in estimate.stops} if estimate is not None else {}
    rests: list[tuple[int, int]] = []
    stops: list[Stop] = []
    moment: int | None = None
    for i, visit in enumerate(visits):
        there = problem.place_of_visit(visit)
        leg = travel.seconds(place, there)
        lost = delays[i] if i < len(delays) else 0
        if moment is None:
            # Leave so as to arrive when the first family expects the nurse (not before the shift);
            # a break whose window opens before that is taken at the base first.
            moment = leave_late(person.shift.start, _not_before(visit, together) - lost, leg)
            _lunch_before(pending, rests, person, moment)
        behind = bool(planned) and moment > planned.get(visit.id, moment) + BEHIND_SECONDS
        moment = _lunch(pending, rests, moment, skip=may_skip and behind)
        arrival = moment + lost + leg
        # Not `timing.earliest_start`: a nurse who is behind starts late rather than not at all.
        start = max(arrival, _not_before(visit, together))
        end = start + problem.service_seconds(visit)
        stops.append(Stop(visit.id, visit.patient, leg, arrival, start, end))
        place, moment = there, end
    back = travel.seconds(place, problem.end_place(person))
    if moment is None:
        return Route(person.id, person.shift.start, person.shift.start, 0, None, ())
    moment = _lunch(pending, rests, moment, skip=False)
    home = moment + (delays[len(visits)] if len(delays) > len(visits) else 0) + back
    # A break whose window opens only after the last visit is taken back at the base.
    home = _lunch(pending, rests, home, skip=False, last=True)
    departure = stops[0].arrival - stops[0].travel
    return assemble_route(problem, travel, person, stops, rests, departure, home, back)


def _not_before(visit: Visit, together: Mapping[str, int]) -> int:
    opens = min((w.start for w in visit.windows), default=0)
    return max(opens, together.get(visit.id, 0))


def _lunch_before(pending: list[Break], rests: list[tuple[int, int]], person: Staff, departure: int) -> None:
    """Take at the base, before leaving, every break whose window allows it before `departure`."""
    while pending:
        begin = break_start(person.shift.start, pending[0], departure)
        if begin is None:
            return
        brk = pending.pop(0)
        rests.append((begin, begin + brk.duration))


def _lunch(pending: list[Break], rests: list[tuple[int, int]], moment: int, skip: bool, last: bool = False) -> int:
    """Take the next break due now if its window is open (or, at the end of the day, once it opens)."""
    while pending:
        brk = pending[0]
        begin = break_start(moment, brk)
        if begin is None:
            pending.pop(0)  # too late for it: missed
            continue
        if begin > moment and not last:
            return moment  # its window is not open yet
        if skip:
            pending.pop(0)
            return moment
        rests.append((begin, begin + brk.duration))
        pending.pop(0)
        moment = begin + brk.duration
    return moment


def _unassigned(problem: Problem, travel: TravelMatrix, served: set[str], moved: set[str],
                ineligible: list) -> list[Unassigned]:  # type: ignore[type-arg]
    excluded_patients = {p.patient: p for p in ineligible}
    excluded = {
        v.id: Unassigned(v.id, UnassignedReason.PATIENT_INELIGIBLE,
                         f"patient {v.patient} is not eligible: {excluded_patients[v.patient].detail}")
        for v in problem.visits if v.patient in excluded_patients
    }
    _, reasons = diagnose(problem, travel, excluded)
    found = []
    for visit in problem.visits:
        if visit.id in served:
            continue
        detail = "moved to another day by the coordinator" if visit.id in moved else "not planned by hand"
        found.append(reasons.get(visit.id) or Unassigned(visit.id, UnassignedReason.CAPACITY, detail))
    return found
