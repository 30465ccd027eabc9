"""Re-planning during the day: events applied at a moment, and a minimal-disruption re-plan of the rest.

At `now`, the morning's plan meets the day as it happens:

- a visit that has started, or whose staff member has set off for it, is **fixed**: it keeps its
  staff and times (a `SetDuration` may lengthen it, which moves what follows);
- each staff member is at the place of their last fixed visit (or their start location), free
  from the latest of `now`, the end of that visit and the end of a break under way;
- every other visit may move.

`replan` applies the events to the problem, solves the rest of the day as a problem of its own
(each staff member starts where they are, when they are free) with hints that keep visits with
their staff and near their announced times, joins the fixed and the new part into a plan for the
whole day, and holds it to every rule with the independent checker. Serving visits still comes
first, lexicographically by priority: a visit moves when that lets more (or more critical)
visits be served, otherwise only when it saves more than its moving cost.

The events are `ahs_routing.domain.events`; the state at `now` is `ahs_routing.intraday.state`;
the day as it now stands and the rest of it are built by `ahs_routing.intraday.rebuild`; what
changed is `ahs_routing.intraday.changes`. This module applies the events and runs the steps.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ahs_routing.check.checker import check_plan
from ahs_routing.domain.events import AddStaff, AddVisit, CancelVisit, Event, SetDuration, StaffUnavailable
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.links import after_linked
from ahs_routing.domain.model import Problem, Staff
from ahs_routing.domain.plan import Plan, Route, UnassignedReason
from ahs_routing.errors import InputError, InputProblem, ProblemCollector
from ahs_routing.intraday.changes import Change, change_to_dict, plan_changes
from ahs_routing.intraday.rebuild import RestOfDay, merge_copies, rest_of_day, updated_day
from ahs_routing.intraday.state import DayState, StaffPosition, StaffState, derive_state
from ahs_routing.intraday.suggest import apply_suggestion, suggest
from ahs_routing.io.contract import plan_to_dict
from ahs_routing.schedule.timing import assemble_route, retime_route
from ahs_routing.solve import SolveHints, SolveOptions, solve
from ahs_routing.solve.diagnosis import diagnose
from ahs_routing.times import SECONDS_PER_MINUTE, format_clock
from ahs_routing.travel import TravelMatrix, TravelProvider, travel_matrix

log = logging.getLogger(__name__)

#: Search time for a re-plan: coordinators need an answer while the family is on the phone.
DEFAULT_REPLAN_SECONDS = 2.0
#: Moving a visit to another staff member costs as much as this many minutes of extra driving.
DEFAULT_MOVE_MINUTES = 30.0
#: A visit may start this many minutes earlier or later than announced for free, and a change
#: within it is not reported (families are told a time "give or take a quarter of an hour").
DEFAULT_SHIFT_MINUTES = 15.0
#: Each minute a visit starts beyond that tolerance costs this many minutes of driving.
DEFAULT_SHIFT_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class ReplanOptions:
    """How to re-plan: the search, the cost of moving a visit, and the time tolerance.

    `move_minutes`: giving a visit to another staff member costs that many minutes of driving.
    `shift_minutes`: a start may move this much for free; a bigger shift is a `shifted` change.
    `shift_weight`: each minute beyond the tolerance costs that many minutes of driving.
    """

    solve: SolveOptions = field(default_factory=lambda: SolveOptions(time_limit=DEFAULT_REPLAN_SECONDS))
    move_minutes: float = DEFAULT_MOVE_MINUTES
    shift_minutes: float = DEFAULT_SHIFT_MINUTES
    shift_weight: float = DEFAULT_SHIFT_WEIGHT

    def __post_init__(self) -> None:
        for name in ("move_minutes", "shift_minutes", "shift_weight"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise InputError(f"{name} must be a number >= 0, got {value!r}", path=name)

    @property
    def shift_seconds(self) -> int:
        """The free shift `shift_minutes`, in whole seconds."""
        return round(self.shift_minutes * SECONDS_PER_MINUTE)


@dataclass(frozen=True, slots=True)
class Replan:
    """The outcome of a re-plan: the day as it now stands, its plan, and what changed."""

    problem: Problem
    plan: Plan
    changes: tuple[Change, ...]
    fixed_visits: frozenset[str]
    seconds: float


def replan(
    problem: Problem,
    plan: Plan,
    events: Sequence[Event],
    now: int,
    options: ReplanOptions | None = None,
    *,
    travel: TravelProvider | None = None,
    positions: Mapping[str, StaffPosition] | None = None,
) -> Replan:
    """Return the re-planned day at `now` after `events`: updated problem, checked plan, and the changes."""
    options = options or ReplanOptions()
    started = time.monotonic()
    applied = _apply_events(problem, plan, events, now)
    matrix = travel_matrix(applied.problem, travel)
    violations = check_plan(problem, plan, matrix)
    if violations:
        raise InputError([InputProblem("plan", f"does not fit the problem: {v}") for v in violations[:10]])
    state = derive_state(applied.problem, plan, now, applied.removed, applied.unavailable)
    state = _with_positions(applied.problem, state, positions or {}, matrix)
    day, notes = updated_day(applied.problem, applied.unavailable, state, matrix)
    rest = rest_of_day(day, plan, state, applied.unavailable, matrix)
    rest_plan = solve(rest.problem, options.solve, travel=matrix, hints=_hints(plan, rest, options, matrix))
    new_plan = _join(day, rest, merge_copies(rest, rest_plan, matrix), state, matrix)
    new_plan = _insert_left_out(day, new_plan, now, matrix)
    faults = check_plan(day, new_plan, matrix)
    if faults:  # the halves are each checked; a fault here is a bug in joining them
        raise RuntimeError("re-planned day failed the plan checker: " + "; ".join(str(f) for f in faults[:5]))
    causes = _gone_home(applied.problem, plan, state, applied.unavailable, now)
    changes = plan_changes(plan, day, new_plan, applied.removed, notes, options.shift_seconds, causes)
    seconds = time.monotonic() - started
    log.info("re-planned %d visits at %s in %.2fs: %d changes", len(day.visits), format_clock(now), seconds,
             len(changes))
    return Replan(day, new_plan, tuple(changes), state.fixed_visits, seconds)


def _gone_home(
    problem: Problem, plan: Plan, state: DayState, unavailable: Mapping[str, int], now: int
) -> dict[str, str]:
    """Return, per visit taken from a staff member who became unavailable, the sentence saying why."""
    causes: dict[str, str] = {}
    for staff_id, cut in unavailable.items():
        route = plan.route_of(staff_id)
        for stop in route.stops if route is not None else ():
            if stop.visit in state.fixed_visits or stop.visit not in problem.visit_by_id:
                continue
            causes[stop.visit] = f"{staff_id} unavailable from {format_clock(cut)}"
            if stop.start < cut:
                end = stop.start + problem.service_seconds(problem.visit_by_id[stop.visit])
                causes[stop.visit] += (f"; the visit {format_clock(stop.start)}-{format_clock(end)} had not "
                                       f"started at {format_clock(now)}")
    return causes


def replan_to_dict(result: Replan) -> dict[str, Any]:
    """Return the new plan's contract document with the `changes` list added."""
    return plan_to_dict(result.plan) | {"changes": [change_to_dict(c) for c in result.changes]}


# The events applied --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Applied:
    """The problem with the events applied, the visits they cancelled, and when staff became unavailable."""

    problem: Problem
    removed: frozenset[str]
    unavailable: Mapping[str, int]


def _apply_events(problem: Problem, plan: Plan, events: Sequence[Event], now: int) -> _Applied:
    """Return the problem with the events applied (links to cancelled visits dropped); check references."""
    edits = _Edits(problem, plan, now)
    for i, event in enumerate(events):
        edits.apply(event, f"events[{i}]")
    return edits.applied()


class _Edits:
    """The day's visits, patients and staff as the events change them in turn, each checked against
    the day and the earlier events; every fault is recorded, named by its event."""

    def __init__(self, problem: Problem, plan: Plan, now: int) -> None:
        self.problem = problem
        self.now = now
        self.problems = ProblemCollector()
        self.visits = {v.id: v for v in problem.visits}
        self.patients = {p.id: p for p in problem.patients}
        self.staff = {s.id: s for s in problem.staff}
        self.starts = {stop.visit: stop.start for _, stop in plan.stops()}
        self.removed: set[str] = set()
        self.unavailable: dict[str, int] = {}
        # (list, id) -> event path, to name events in cross-reference errors
        self.origin: dict[tuple[str, str], str] = {}

    def apply(self, event: Event, path: str) -> None:
        """Apply one event, or record why it does not fit."""
        if isinstance(event, AddVisit):
            self._add_visit(event, path)
        elif isinstance(event, CancelVisit | SetDuration):
            self._change_visit(event, path)
        elif isinstance(event, StaffUnavailable):
            self._staff_unavailable(event, path)
        else:
            self._add_staff(event, path)

    def applied(self) -> _Applied:
        """Return the problem with every event applied, or raise an `InputError` naming each event that did not fit."""
        self.problems.raise_if_any()
        kept = [v if v.after is None or v.after.visit not in self.removed else dataclasses.replace(v, after=None)
                for v in self.visits.values()]
        try:
            updated = self.problem.replace(visits=tuple(kept), patients=tuple(self.patients.values()),
                                           staff=tuple(self.staff.values()))
        except InputError as error:
            lists = (("visits", list(self.visits)), ("patients", list(self.patients)), ("staff", list(self.staff)))
            paths = {f"{label}[{i}]": self.origin[label, item]
                     for label, items in lists for i, item in enumerate(items) if (label, item) in self.origin}
            raise InputError(_repath(p, paths) for p in error.problems) from None
        return _Applied(updated, frozenset(self.removed), self.unavailable)

    def _add_visit(self, event: AddVisit, path: str) -> None:
        if event.visit.id in self.visits or event.visit.id in self.removed:
            self.problems.add(f"{path}.visit.id", f"visit {event.visit.id!r} already exists")
            return
        if event.patient is not None:
            if not self._add_patient(event, path):
                return
        elif event.visit.patient not in self.patients:
            self.problems.add(f"{path}.visit.patient", f"unknown patient {event.visit.patient!r}; give the new "
                              "patient as the event's 'patient'")
            return
        self.visits[event.visit.id] = event.visit
        self.origin["visits", event.visit.id] = f"{path}.visit"

    def _add_patient(self, event: AddVisit, path: str) -> bool:
        assert event.patient is not None  # the caller's test
        if event.patient.id in self.patients or event.patient.id == self.problem.base.id:
            self.problems.add(f"{path}.patient.id", f"patient {event.patient.id!r} already exists; "
                              "leave 'patient' out to use it")
            return False
        if event.patient.id != event.visit.patient:
            self.problems.add(f"{path}.patient.id", f"is {event.patient.id!r}, the visit is for "
                              f"{event.visit.patient!r}")
            return False
        self.patients[event.patient.id] = event.patient
        self.origin["patients", event.patient.id] = f"{path}.patient"
        return True

    def _change_visit(self, event: CancelVisit | SetDuration, path: str) -> None:
        if event.visit not in self.visits:
            gone = " (cancelled by an earlier event)" if event.visit in self.removed else ""
            self.problems.add(f"{path}.visit", f"unknown visit {event.visit!r}{gone}")
            return
        if isinstance(event, SetDuration):
            self.visits[event.visit] = dataclasses.replace(self.visits[event.visit], duration=event.duration)
            return
        begun = self.starts.get(event.visit)
        if begun is not None and begun < self.now:
            self.problems.add(f"{path}.visit", f"{event.visit!r} started at {format_clock(begun)}, before "
                              f"{format_clock(self.now)}; a visit under way cannot be cancelled")
            return
        del self.visits[event.visit]
        self.removed.add(event.visit)

    def _staff_unavailable(self, event: StaffUnavailable, path: str) -> None:
        if event.staff not in self.staff:
            self.problems.add(f"{path}.staff", f"unknown staff {event.staff!r}")
            return
        self.unavailable[event.staff] = min(event.start, self.unavailable.get(event.staff, event.start))

    def _add_staff(self, event: AddStaff, path: str) -> None:
        if event.staff.id in self.staff:
            self.problems.add(f"{path}.staff.id", f"staff {event.staff.id!r} already exists")
            return
        self.staff[event.staff.id] = event.staff
        self.origin["staff", event.staff.id] = f"{path}.staff"


def _repath(problem: InputProblem, origin: Mapping[str, str]) -> InputProblem:
    for prefix, event_path in origin.items():
        if problem.path == prefix or problem.path.startswith(prefix + ".") or problem.path.startswith(prefix + "["):
            return InputProblem(event_path + problem.path[len(prefix):], problem.message)
    return problem


# The state, the rest of the day solved, and the whole day joined -----------------------------


def _with_positions(
    problem: Problem, state: DayState, positions: Mapping[str, StaffPosition], travel: TravelMatrix
) -> DayState:
    """Return the state with reported positions in place of derived ones (after the fixed visits only)."""
    if not positions:
        return state
    problems = ProblemCollector()
    staff = dict(state.staff)
    for staff_id, position in positions.items():
        path = f"positions[{staff_id}]"
        if staff_id not in problem.staff_by_id:
            problems.add(path, f"unknown staff {staff_id!r}")
            continue
        if position.place not in travel:
            problems.add(f"{path}.place", f"unknown place {position.place!r}")
            continue
        current = state.of(problem, problem.staff_by_id[staff_id])
        if position.free_from < current.free_from and current.started:
            problems.add(f"{path}.free_from", f"{format_clock(position.free_from)} is before the end of their "
                         f"fixed visits and breaks, {format_clock(current.free_from)}")
            continue
        staff[staff_id] = dataclasses.replace(current, place=position.place,
                                              free_from=max(position.free_from, state.now))
    problems.raise_if_any()
    return DayState(state.now, staff)


def _hints(plan: Plan, rest_day: RestOfDay, options: ReplanOptions, travel: TravelMatrix) -> SolveHints:
    """Return the wishes that keep the rest of the day close to what was announced.

    The warm start keeps each visit with its staff member only where they can still serve it
    (OR-Tools drops a warm start whole if one visit sits with staff not allowed to serve it),
    and leaves out team visits that may move in time (see `rest_of_day`); the search inserts them.
    """
    rest, copies = rest_day.problem, rest_day.copies
    present = set(rest.staff_by_id)
    candidates, _ = diagnose(rest, travel, {})
    loose = {v.id for v in rest.visits if v.staff_count > 1}
    copy_of = {(team, rest.visit_by_id[copy].pinned_staff): copy for copy, team in copies.items()}
    staff_of: dict[str, set[str]] = {}
    start_of: dict[str, int] = {}
    order: dict[str, list[str]] = {}
    for route, stop in plan.stops():
        visit_id = copy_of.get((stop.visit, route.staff), stop.visit)
        if visit_id not in rest.visit_by_id:
            continue
        if visit_id not in copies:
            staff_of.setdefault(visit_id, set()).add(route.staff)
            start_of[visit_id] = stop.start
        able = candidates.get(visit_id)
        if route.staff in present and visit_id not in loose and able is not None and route.staff in able.staff:
            order.setdefault(route.staff, []).append(visit_id)
    return SolveHints(
        preferred_staff={v: frozenset(s & present) for v, s in staff_of.items() if s & present},
        preferred_staff_minutes=options.move_minutes,
        target_starts=start_of,
        target_tolerance_seconds=options.shift_seconds,
        target_weight=options.shift_weight,
        initial_routes=order,
    )


def _join(day: Problem, rest: RestOfDay, rest_plan: Plan, state: DayState, travel: TravelMatrix) -> Plan:
    """Return the whole day's plan: each staff member's fixed part followed by their rest of the day."""
    routes: list[Route] = []
    for person in day.staff:
        current = state.of(day, person)
        later = rest_plan.route_of(person.id)
        if later is None and current.stops:
            later = _way_home(day, rest, person, current, travel)
        if later is None:
            continue
        begins = [later.start] + ([current.route_start] if current.route_start is not None else [])
        back = later.travel - sum(s.travel for s in later.stops)
        breaks = [(b.start, b.end) for b in (*current.breaks, *later.breaks)]
        routes.append(assemble_route(day, travel, person, (*current.stops, *later.stops), breaks, min(begins),
                                     later.end, back))
    unassigned = {u.visit: u for u in rest_plan.unassigned} | dict(rest.outside)
    joined = assemble_plan(day, routes, unassigned, list(rest_plan.ineligible_patients), has_km=travel.has_km)
    # The rest of the day's solve is what produced the new plan: its provenance is the plan's.
    return dataclasses.replace(joined, meta=rest_plan.meta)


#: Unassigned reasons no insertion can overcome.
_HOPELESS = frozenset({UnassignedReason.PATIENT_INELIGIBLE, UnassignedReason.NO_QUALIFIED_STAFF,
                       UnassignedReason.NO_COMPATIBLE_STAFF})


def _insert_left_out(day: Problem, plan: Plan, now: int, travel: TravelMatrix) -> Plan:
    """Return the plan with left-out one-person visits inserted where they fit, most important first.

    Measured when the diagnosis still let a break go only before leaving or after getting back:
    1-2 visits dropped on 4 of 10 generated days without this step. The diagnosis now knows
    breaks at a patient's place; the step stays for whatever the search itself leaves out.
    Each insertion is exact and checked (`ahs_routing.intraday.suggest`).
    """
    linked = after_linked(day)
    order = {v.id: i for i, v in enumerate(day.visits)}
    waiting = sorted((u for u in plan.unassigned if u.reason not in _HOPELESS),
                     key=lambda u: (-day.visit_by_id[u.visit].priority, order[u.visit]))
    for item in waiting:
        visit = day.visit_by_id[item.visit]
        if visit.staff_count != 1 or visit.id in linked:
            continue
        found = suggest(day, plan, visit, 1, now=now, travel=travel)
        if found:
            _, plan = apply_suggestion(day, plan, visit, found[0], travel=travel)
    return plan


def _way_home(day: Problem, rest: RestOfDay, person: Staff, current: StaffState, travel: TravelMatrix) -> Route:
    """Return the end of a day with nothing left to visit: the breaks still due and the trip home."""
    if person.id in rest.problem.staff_by_id:
        tail = retime_route(rest.problem, travel, rest.problem.staff_by_id[person.id], [])
        if tail is not None:
            return tail
    back = travel.seconds(current.place, day.end_place(person))
    return Route(person.id, current.free_from, current.free_from + back, back, None, ())
