"""Re-planning during the day: the state of the day at a moment, events, and a minimal-disruption re-plan.

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
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ahs_routing.check.checker import check_plan
from ahs_routing.domain.events import AddVisit, CancelVisit, Event, SetDuration, StaffUnavailable
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.links import after_linked, spread_along_links
from ahs_routing.domain.model import Break, Patient, Place, Problem, Shift, Staff, TimeWindow, Visit, start_ranges
from ahs_routing.domain.plan import Plan, Route, Unassigned, UnassignedReason
from ahs_routing.errors import InputError, InputProblem, ProblemCollector
from ahs_routing.intraday.state import (
    DayState,
    StaffPosition,
    StaffState,
    derive_state,
    match_breaks,
)
from ahs_routing.intraday.suggest import apply_suggestion, suggest
from ahs_routing.io.contract import plan_to_dict
from ahs_routing.schedule.timing import retime_route
from ahs_routing.solve.diagnosis import diagnose
from ahs_routing.solve.solver import SolveHints, SolveOptions, solve
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
#: A staff member unavailable for the whole day keeps a shift this short, so the updated day
#: still names them (patients may prefer them, visits may be pinned to them).
_TOKEN_SHIFT = SECONDS_PER_MINUTE


# Re-planning ---------------------------------------------------------------------------------


class ChangeKind(enum.StrEnum):
    """What happened to a visit (or, for breaks and overtime, to a staff member's day)."""

    ADDED = "added"  # served now, not served before (a new visit, or one that was unassigned)
    CANCELLED = "cancelled"
    UNASSIGNED = "unassigned"  # served before, not any more
    MOVED = "moved"  # served by other staff
    SHIFTED = "shifted"  # same staff, start moved by more than the tolerance
    BREAK_DROPPED = "break_dropped"  # a break that no longer fits the staff member's day
    OVERTIME = "overtime"  # a visit running long keeps a staff member past shift end plus overtime


@dataclass(frozen=True, slots=True)
class Change:
    """One change a coordinator may need to phone about: before and after, and a sentence."""

    kind: ChangeKind
    visit: str | None
    staff_before: tuple[str, ...] = ()
    staff_after: tuple[str, ...] = ()
    start_before: int | None = None
    start_after: int | None = None
    detail: str = ""

    @property
    def shift(self) -> int | None:
        """Seconds the start moved (positive: later), when the visit is served before and after."""
        if self.start_before is None or self.start_after is None:
            return None
        return self.start_after - self.start_before


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
    day, notes = _updated_day(applied, state, matrix)
    rest, outside, copies = _rest_of_day(day, plan, state, applied.unavailable, matrix)
    hints = _hints(plan, rest, options, matrix, copies)
    rest_plan = solve(rest, options.solve, travel=matrix, hints=hints)
    new_plan = _join(day, rest, _merge_copies(rest, rest_plan, copies, matrix), state, outside, matrix)
    new_plan = _insert_left_out(day, new_plan, now, matrix)
    faults = check_plan(day, new_plan, matrix)
    if faults:  # the halves are each checked; a fault here is a bug in joining them
        raise RuntimeError("re-planned day failed the plan checker: " + "; ".join(str(f) for f in faults[:5]))
    changes = _changes(plan, day, new_plan, applied.removed, notes, options)
    seconds = time.monotonic() - started
    log.info("re-planned %d visits at %s in %.2fs: %d changes", len(day.visits), format_clock(now), seconds,
             len(changes))
    return Replan(day, new_plan, tuple(changes), state.fixed_visits, seconds)


@dataclass(frozen=True, slots=True)
class _Applied:
    problem: Problem
    removed: frozenset[str]
    unavailable: Mapping[str, int]
    added: frozenset[str]


def _apply_events(problem: Problem, plan: Plan, events: Sequence[Event], now: int) -> _Applied:
    """Return the problem with the events applied (links to cancelled visits dropped); check references."""
    problems = ProblemCollector()
    visits: dict[str, Visit] = {v.id: v for v in problem.visits}
    patients: dict[str, Patient] = {p.id: p for p in problem.patients}
    staff: dict[str, Staff] = {s.id: s for s in problem.staff}
    starts = {stop.visit: stop.start for _, stop in plan.stops()}
    removed: set[str] = set()
    unavailable: dict[str, int] = {}
    origin: dict[tuple[str, str], str] = {}  # (list, id) -> event path, to name events in cross-reference errors
    for i, event in enumerate(events):
        path = f"events[{i}]"
        if isinstance(event, AddVisit):
            if event.visit.id in visits or event.visit.id in removed:
                problems.add(f"{path}.visit.id", f"visit {event.visit.id!r} already exists")
                continue
            if event.patient is not None:
                if event.patient.id in patients or event.patient.id == problem.base.id:
                    problems.add(f"{path}.patient.id", f"patient {event.patient.id!r} already exists; "
                                 "leave 'patient' out to use it")
                    continue
                if event.patient.id != event.visit.patient:
                    problems.add(f"{path}.patient.id", f"is {event.patient.id!r}, the visit is for "
                                 f"{event.visit.patient!r}")
                    continue
                patients[event.patient.id] = event.patient
                origin["patients", event.patient.id] = f"{path}.patient"
            elif event.visit.patient not in patients:
                problems.add(f"{path}.visit.patient", f"unknown patient {event.visit.patient!r}; give the new "
                             "patient as the event's 'patient'")
                continue
            visits[event.visit.id] = event.visit
            origin["visits", event.visit.id] = f"{path}.visit"
        elif isinstance(event, CancelVisit | SetDuration):
            if event.visit not in visits:
                gone = " (cancelled by an earlier event)" if event.visit in removed else ""
                problems.add(f"{path}.visit", f"unknown visit {event.visit!r}{gone}")
                continue
            begun = starts.get(event.visit)
            if isinstance(event, CancelVisit):
                if begun is not None and begun < now:
                    problems.add(f"{path}.visit", f"{event.visit!r} started at {format_clock(begun)}, before "
                                 f"{format_clock(now)}; a visit under way cannot be cancelled")
                    continue
                del visits[event.visit]
                removed.add(event.visit)
            else:
                visits[event.visit] = dataclasses.replace(visits[event.visit], duration=event.duration)
        elif isinstance(event, StaffUnavailable):
            if event.staff not in staff:
                problems.add(f"{path}.staff", f"unknown staff {event.staff!r}")
                continue
            unavailable[event.staff] = min(event.start, unavailable.get(event.staff, event.start))
        else:
            if event.staff.id in staff:
                problems.add(f"{path}.staff.id", f"staff {event.staff.id!r} already exists")
                continue
            staff[event.staff.id] = event.staff
            origin["staff", event.staff.id] = f"{path}.staff"
    problems.raise_if_any()
    kept = [v if v.after is None or v.after.visit not in removed else dataclasses.replace(v, after=None)
            for v in visits.values()]
    try:
        updated = problem.replace(visits=tuple(kept), patients=tuple(patients.values()), staff=tuple(staff.values()))
    except InputError as error:
        paths = {f"{label}[{i}]": origin[label, item]
                 for label, items in (("visits", list(visits)), ("patients", list(patients)), ("staff", list(staff)))
                 for i, item in enumerate(items) if (label, item) in origin}
        raise InputError(_repath(p, paths) for p in error.problems) from None
    added = frozenset(visits) - {v.id for v in problem.visits}
    return _Applied(updated, frozenset(removed), unavailable, added)


def _repath(problem: InputProblem, origin: Mapping[str, str]) -> InputProblem:
    for prefix, event_path in origin.items():
        if problem.path == prefix or problem.path.startswith(prefix + ".") or problem.path.startswith(prefix + "["):
            return InputProblem(event_path + problem.path[len(prefix):], problem.message)
    return problem


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


# The updated day and the rest of it -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Note:
    kind: ChangeKind
    staff: str
    detail: str


def _updated_day(applied: _Applied, state: DayState, travel: TravelMatrix) -> tuple[Problem, list[_Note]]:
    """Return the day as it now stands: links to fixed visits frozen into windows, shifts cut by
    unavailability or stretched by a visit running long, and breaks that can no longer fit dropped."""
    problem = applied.problem
    fixed = {s.visit: s.start for st in state.staff.values() for s in st.stops}
    visits = [_frozen_link(problem, v, fixed) for v in problem.visits]
    notes: list[_Note] = []
    staff = []
    for person in problem.staff:
        current = state.of(problem, person)
        back = travel.seconds(current.place, problem.end_place(person))
        forced = current.free_from + back if current.started else None
        latest = person.latest_end
        cut = applied.unavailable.get(person.id)
        if cut is not None:
            latest = max(min(latest, cut), forced or 0)
        elif forced is not None and forced > latest:
            notes.append(_Note(ChangeKind.OVERTIME, person.id,
                               f"{person.id} cannot be back before {format_clock(forced)}, after shift end plus "
                               f"overtime {format_clock(latest)}"))
            latest = forced
        shift_end = min(person.shift.end, latest)
        if shift_end <= person.shift.start:
            shift_end, latest = person.shift.start + _TOKEN_SHIFT, person.shift.start + _TOKEN_SHIFT
        narrowed = dataclasses.replace(person, shift=Shift(person.shift.start, shift_end), overtime=latest - shift_end,
                                       breaks=())
        taken, due = match_breaks(person.breaks, current.breaks)
        room = current.free_from + back < latest and (cut is None or cut > current.free_from)
        kept = _breaks_that_fit(problem, narrowed, current, due, travel) if room else []
        for brk in due:
            if brk not in kept and cut is None and current.started:
                notes.append(_Note(ChangeKind.BREAK_DROPPED, person.id,
                                   f"{person.id}'s {brk.duration // 60}-minute break due "
                                   f"{format_clock(brk.earliest_start)}-{format_clock(brk.latest_end)} no longer fits"))
        staff.append(dataclasses.replace(narrowed, breaks=tuple(sorted([*taken, *kept],
                                                                       key=lambda b: b.earliest_start))))
    return problem.replace(visits=tuple(visits), staff=tuple(staff)), notes


def _frozen_link(problem: Problem, visit: Visit, fixed: Mapping[str, int]) -> Visit:
    """Return the visit with an `after` link to or from a fixed visit turned into a window.

    Once one side of a link has happened, the other side is bound to clock times: the link
    becomes a window, and the visit may be left out on its own (the contract's "both or
    neither" cannot undo what was done).
    """
    if visit.after is not None and visit.after.visit in fixed and visit.id not in fixed:
        anchor = fixed[visit.after.visit]
        return _narrowed(dataclasses.replace(visit, after=None), anchor + visit.after.min_gap,
                         None if visit.after.max_gap is None else anchor + visit.after.max_gap)
    followers = [v for v in problem.visits if v.after is not None and v.after.visit == visit.id and v.id in fixed]
    if visit.id not in fixed and followers:
        low: int | None = None
        high: int | None = None
        for follower in followers:
            assert follower.after is not None  # narrowed by the comprehension
            anchor = fixed[follower.id]
            top = anchor - follower.after.min_gap
            high = top if high is None else min(high, top)
            if follower.after.max_gap is not None:
                bottom = anchor - follower.after.max_gap
                low = bottom if low is None else max(low, bottom)
        return _narrowed(visit, low, high)
    if visit.after is not None and visit.after.visit not in fixed and visit.id in fixed:
        return dataclasses.replace(visit, after=None)
    return visit


def _narrowed(visit: Visit, low: int | None, high: int | None) -> Visit:
    low = 0 if low is None else max(0, low)
    ranges = start_ranges(visit) or [(low, high if high is not None else 48 * 3600)]
    windows = [TimeWindow(max(a, low), min(b, high) if high is not None else b)
               for a, b in ranges if max(a, low) <= (min(b, high) if high is not None else b)]
    if not windows:
        raise InputError(f"its link leaves no start time inside its windows (from {format_clock(low)})",
                         path=f"visit {visit.id}")
    # The late tolerance is now part of the last window: a start there is no longer 'late'.
    return dataclasses.replace(visit, windows=tuple(windows), late=0)


def _breaks_that_fit(
    problem: Problem, person: Staff, current: StaffState, due: list[Break], travel: TravelMatrix
) -> list[Break]:
    """Return the breaks still due that the staff member can take from where they are and still get home."""
    kept = [b for b in due if min(b.latest_end, person.latest_end) - max(b.earliest_start, current.free_from)
            >= b.duration]
    while kept:
        trial = _rest_staff(problem, person, current, kept)
        if trial is not None and retime_route(problem, travel, trial, []) is not None:
            return kept
        kept = kept[:-1]
    return kept


def _rest_staff(problem: Problem, person: Staff, current: StaffState, breaks: Sequence[Break]) -> Staff | None:
    """Return the staff member for the rest of the day: starting where they are, when they are free."""
    start = max(current.free_from, person.shift.start)
    shift_end = max(person.shift.end, start + 1)
    overtime = person.latest_end - shift_end
    if overtime < 0:
        return None
    location = person.start_location
    if current.stops or current.place != problem.start_place(person):
        location = Place(problem.places[current.place], current.place)
    try:
        return dataclasses.replace(person, shift=Shift(start, shift_end), overtime=overtime, breaks=tuple(breaks),
                                   start_location=location)
    except InputError:
        return None


def _rest_of_day(
    day: Problem, plan: Plan, state: DayState, unavailable: Mapping[str, int], travel: TravelMatrix
) -> tuple[Problem, dict[str, Unassigned], dict[str, str]]:
    """Return the rest of the day as a problem of its own, visits no one left can serve, and team copies.

    A team visit whose staff are all still at work (and that has no `after` link) keeps its
    staff and announced start: moving one means coordinating two people. In the rest of the
    day it becomes one visit per staff member, pinned to them at that minute (copy id -> team
    visit id in the third value): OR-Tools found no plan at all from a warm start holding team
    visits and breaks on 8 of 10 generated 100-visit days. A team visit whose staff left may move.
    """
    fixed = state.fixed_visits
    staff: list[Staff] = []
    for person in day.staff:
        current = state.of(day, person)
        cut = unavailable.get(person.id)
        back = travel.seconds(current.place, day.end_place(person))
        if current.free_from + back >= person.latest_end or (cut is not None and cut <= current.free_from):
            continue
        _, due = match_breaks(person.breaks, current.breaks)
        rest = _rest_staff(day, person, current, due)
        if rest is not None:
            rest = dataclasses.replace(rest, max_travel=None if person.max_travel is None else max(
                0, person.max_travel - sum(s.travel for s in current.stops)), capacity=None if person.capacity is None
                else max(0.0, person.capacity - sum(day.visit_by_id[s.visit].demand for s in current.stops)))
            staff.append(rest)
    present = {s.id for s in staff}
    outside: dict[str, Unassigned] = {}
    for visit in day.visits:
        if visit.id not in fixed and visit.pinned_staff is not None and visit.pinned_staff not in present:
            outside[visit.id] = Unassigned(visit.id, UnassignedReason.UNREACHABLE_IN_SHIFT,
                                           f"pinned to {visit.pinned_staff}, who has no time left today")
    # A linked visit goes with its partner.
    reached = spread_along_links(day, list(outside), follows=lambda v: v.id not in fixed and v.after is not None
                                 and v.after.visit not in fixed)
    for other, one in reached.items():
        if other != one:
            outside[other] = Unassigned(other, UnassignedReason.LINKED_VISIT_UNSERVED,
                                        f"linked to {one}, which cannot be served")
    held = _held_teams(day, plan, present)
    visits: list[Visit] = []
    copies: dict[str, str] = {}
    for visit in day.visits:
        if visit.id in fixed or visit.id in outside:
            continue
        if visit.id not in held:
            visits.append(visit)
            continue
        start, holders = held[visit.id]
        for holder in holders:
            copy = _copy_id(visit.id, holder)
            copies[copy] = visit.id
            visits.append(dataclasses.replace(visit, id=copy, staff_count=1, pinned_staff=holder, late=0,
                                              windows=(TimeWindow(start, start),)))
    patients = [dataclasses.replace(p, preferred_staff=tuple(s for s in p.preferred_staff if s in present),
                                    excluded_staff=p.excluded_staff & present) for p in day.patients]
    return day.replace(staff=tuple(staff), visits=tuple(visits), patients=tuple(patients)), outside, copies


def _copy_id(visit_id: str, staff_id: str) -> str:
    # A character no JSON id of ours contains by accident: the copy never leaves this module.
    return f"{visit_id}\u241f{staff_id}"


def _held_teams(day: Problem, plan: Plan, present: set[str]) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Return the team visits that keep their staff and start: visit id -> (start, staff)."""
    linked = after_linked(day)
    found: dict[str, tuple[int, list[str]]] = {}
    for route, stop in plan.stops():
        visit = day.visit_by_id.get(stop.visit)
        if visit is not None and visit.staff_count > 1 and visit.id not in linked:
            found.setdefault(visit.id, (stop.start, []))[1].append(route.staff)
    return {v: (start, tuple(holders)) for v, (start, holders) in found.items()
            if len(holders) == day.visit_by_id[v].staff_count and set(holders) <= present}


def _merge_copies(rest: Problem, rest_plan: Plan, copies: Mapping[str, str], travel: TravelMatrix) -> Plan:
    """Return the rest of the day's plan with team copies back under their team visit's id.

    A team visit is served when all its copies are; a copy served alone is taken out of its
    route (re-timed) and the team visit reported unassigned.
    """
    if not copies:
        return rest_plan
    served: dict[str, int] = {}
    for _, stop in rest_plan.stops():
        if stop.visit in copies:
            served[copies[stop.visit]] = served.get(copies[stop.visit], 0) + 1
    complete = {team for team, count in served.items() if count == sum(1 for t in copies.values() if t == team)}
    routes: list[Route] = []
    for route in rest_plan.routes:
        alone = [s.visit for s in route.stops if s.visit in copies and copies[s.visit] not in complete]
        if alone:
            kept = [v for v in route.visit_ids if v not in alone]
            retimed = retime_route(rest, travel, rest.staff_by_id[route.staff], kept) if kept else None
            if retimed is None and kept:
                raise RuntimeError(f"cannot re-time {route.staff}'s route without a team visit's copy")
            if retimed is None:
                continue
            route = retimed
        routes.append(dataclasses.replace(route, stops=tuple(
            dataclasses.replace(s, visit=copies.get(s.visit, s.visit)) for s in route.stops)))
    unassigned: dict[str, Unassigned] = {}
    for item in rest_plan.unassigned:
        team = copies.get(item.visit)
        if team is None:
            unassigned[item.visit] = item
        elif team not in complete:
            unassigned[team] = dataclasses.replace(item, visit=team)
    for team in set(copies.values()) - complete - set(unassigned):
        unassigned[team] = Unassigned(team, UnassignedReason.CAPACITY,
                                      "its staff could not all keep it at its time alongside the rest of the day")
    return dataclasses.replace(rest_plan, routes=tuple(routes), unassigned=tuple(unassigned.values()))


def _hints(
    plan: Plan, rest: Problem, options: ReplanOptions, travel: TravelMatrix, copies: Mapping[str, str]
) -> SolveHints:
    """Return the wishes that keep the rest of the day close to what was announced.

    The warm start keeps each visit with its staff member only where they can still serve it
    (OR-Tools drops a warm start whole if one visit sits with staff not allowed to serve it),
    and leaves out team visits that may move in time (see `_rest_of_day`); the search inserts them.
    """
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
        preferred_staff_weight=options.move_minutes,
        target_starts=start_of,
        target_tolerance=round(options.shift_minutes * SECONDS_PER_MINUTE),
        target_weight=options.shift_weight,
        initial_routes=order,
    )


def _join(
    day: Problem, rest: Problem, rest_plan: Plan, state: DayState, outside: Mapping[str, Unassigned],
    travel: TravelMatrix,
) -> Plan:
    """Return the whole day's plan: each staff member's fixed part followed by their rest of the day."""
    routes: list[Route] = []
    for person in day.staff:
        current = state.of(day, person)
        later = rest_plan.route_of(person.id)
        if later is None and current.stops:
            later = _way_home(day, rest, person, current, travel)
        if later is None:
            continue
        stops = (*current.stops, *later.stops)
        begins = [later.start] + ([current.route_start] if current.route_start is not None else [])
        routes.append(Route(
            staff=person.id,
            start=min(begins),
            end=later.end,
            travel=sum(s.travel for s in current.stops) + later.travel,
            distance_km=travel.path_km(day.route_places(person, (s.visit for s in stops))),
            stops=stops,
            breaks=tuple(sorted((*current.breaks, *later.breaks), key=lambda b: b.start)),
        ))
    unassigned = {u.visit: u for u in rest_plan.unassigned} | dict(outside)
    return assemble_plan(day, routes, unassigned, list(rest_plan.ineligible_patients), has_km=travel.has_km)


#: Unassigned reasons no insertion can overcome.
_HOPELESS = frozenset({UnassignedReason.PATIENT_INELIGIBLE, UnassignedReason.NO_QUALIFIED_STAFF,
                       UnassignedReason.NO_COMPATIBLE_STAFF})


def _insert_left_out(day: Problem, plan: Plan, now: int, travel: TravelMatrix) -> Plan:
    """Return the plan with left-out one-person visits inserted where they fit, most important first.

    The search sees the rest of the day through the diagnosis, which lets a break go only
    before leaving or after getting back; from a position in the middle of the day that rules
    out visits an insertion with the break at a door serves (measured: 1-2 visits dropped on 4
    of 10 generated days). Each insertion is exact and checked (`ahs_routing.intraday.suggest`).
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


def _way_home(day: Problem, rest: Problem, person: Staff, current: StaffState, travel: TravelMatrix) -> Route:
    """Return the end of a day with nothing left to visit: the breaks still due and the trip home."""
    if person.id in rest.staff_by_id:
        tail = retime_route(rest, travel, rest.staff_by_id[person.id], [])
        if tail is not None:
            return tail
    back = travel.seconds(current.place, day.end_place(person))
    return Route(person.id, current.free_from, current.free_from + back, back, None, ())


# What changed ----------------------------------------------------------------------------------


def _served(plan: Plan) -> dict[str, tuple[tuple[str, ...], int]]:
    found: dict[str, tuple[list[str], int]] = {}
    for route, stop in plan.stops():
        found.setdefault(stop.visit, ([], stop.start))[0].append(route.staff)
    return {v: (tuple(sorted(s)), start) for v, (s, start) in found.items()}


def _changes(
    plan: Plan, day: Problem, new_plan: Plan, removed: frozenset[str], notes: list[_Note],
    options: ReplanOptions,
) -> list[Change]:
    """Return what changed between the plans, in the order a coordinator would phone: by time."""
    before, after = _served(plan), _served(new_plan)
    reasons = {u.visit: u for u in new_plan.unassigned}
    was_unassigned = {u.visit for u in plan.unassigned}
    tolerance = round(options.shift_minutes * SECONDS_PER_MINUTE)
    changes: list[Change] = []
    for visit_id in sorted(removed):
        staff, start = before.get(visit_id, ((), None))
        changes.append(Change(ChangeKind.CANCELLED, visit_id, staff, (), start, None, "cancelled"))
    for visit in day.visits:
        old, new = before.get(visit.id), after.get(visit.id)
        if new is not None and old is None:
            origin = "was unassigned" if visit.id in was_unassigned else "new visit"
            changes.append(Change(ChangeKind.ADDED, visit.id, (), new[0], None, new[1],
                                  f"{origin}; {', '.join(new[0])} at {format_clock(new[1])}"))
        elif old is not None and new is None:
            why = reasons.get(visit.id)
            changes.append(Change(ChangeKind.UNASSIGNED, visit.id, old[0], (), old[1], None,
                                  f"{why.reason.value}: {why.detail}" if why else "not served"))
        elif old is not None and new is not None:
            if old[0] != new[0]:
                changes.append(Change(ChangeKind.MOVED, visit.id, old[0], new[0], old[1], new[1],
                                      f"{', '.join(old[0])} -> {', '.join(new[0])}, "
                                      f"{format_clock(old[1])} -> {format_clock(new[1])}"))
            elif abs(new[1] - old[1]) > tolerance:
                changes.append(Change(ChangeKind.SHIFTED, visit.id, old[0], new[0], old[1], new[1],
                                      f"{format_clock(old[1])} -> {format_clock(new[1])}"))
    changes += [Change(n.kind, None, (n.staff,), (n.staff,), detail=n.detail) for n in notes
                if new_plan.route_of(n.staff) is not None]

    def when(change: Change) -> tuple[int, str]:
        moments = [m for m in (change.start_before, change.start_after) if m is not None]
        return (min(moments) if moments else -1, change.visit or "")

    return sorted(changes, key=when)


def change_to_dict(change: Change) -> dict[str, Any]:
    """Return a change as the plan document's `changes` entry (see docs/REPLAN.md)."""
    return {
        "change": change.kind.value,
        "visit": change.visit,
        "staff_before": list(change.staff_before),
        "staff_after": list(change.staff_after),
        "start_before": None if change.start_before is None else format_clock(change.start_before),
        "start_after": None if change.start_after is None else format_clock(change.start_after),
        "detail": change.detail,
    }


def replan_to_dict(result: Replan) -> dict[str, Any]:
    """Return the new plan's contract document with the `changes` list added."""
    return plan_to_dict(result.plan) | {"changes": [change_to_dict(c) for c in result.changes]}
