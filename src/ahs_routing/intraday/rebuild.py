"""The day rebuilt at `now`: the day as it now stands, and the rest of it as a problem of its own.

`updated_day` freezes what happened into the problem: links to fixed visits become windows,
shifts are cut by unavailability or stretched by a visit running long, breaks that no longer
fit are dropped. `rest_of_day` gives the solver what is still open: each staff member starts
where they are, when they are free, with the travel and load they have left; team visits that
keep their staff become one pinned copy per staff member, and `merge_copies` puts them back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ahs_routing.domain.links import after_linked, spread_along_links
from ahs_routing.domain.model import Break, Place, Problem, Shift, Staff, TimeWindow, Visit, start_ranges
from ahs_routing.domain.plan import Plan, Route, Unassigned, UnassignedReason
from ahs_routing.errors import InputError
from ahs_routing.intraday.changes import ChangeKind, StaffNote
from ahs_routing.intraday.state import DayState, StaffState, match_breaks
from ahs_routing.schedule.timing import break_start, retime_route
from ahs_routing.times import MAX_CLOCK_SECONDS, SECONDS_PER_MINUTE, format_clock
from ahs_routing.travel import TravelMatrix

#: A staff member unavailable for the whole day keeps a shift this short, so the updated day
#: still names them (patients may prefer them, visits may be pinned to them).
_TOKEN_SHIFT_SECONDS = SECONDS_PER_MINUTE


@dataclass(frozen=True, slots=True)
class RestOfDay:
    """The rest of the day as a problem of its own, the visits no one left can serve, and team copies.

    `copies` maps the id of each pinned copy of a team visit that keeps its staff to the team visit's id.
    """

    problem: Problem
    outside: Mapping[str, Unassigned]
    copies: Mapping[str, str]


# The day as it now stands ------------------------------------------------------------------------


def updated_day(
    problem: Problem, unavailable: Mapping[str, int], state: DayState, travel: TravelMatrix
) -> tuple[Problem, list[StaffNote]]:
    """Return the day as it now stands: links to fixed visits frozen into windows, shifts cut by
    unavailability or stretched by a visit running long, and breaks that can no longer fit dropped."""
    fixed = {s.visit: s.start for st in state.staff.values() for s in st.stops}
    visits = [_frozen_link(problem, v, fixed) for v in problem.visits]
    notes: list[StaffNote] = []
    staff = []
    for person in problem.staff:
        now_staff, now_notes = _staff_now(problem, person, state.of(problem, person), unavailable.get(person.id),
                                          travel)
        staff.append(now_staff)
        notes += now_notes
    return problem.replace(visits=tuple(visits), staff=tuple(staff)), notes


def _staff_now(
    problem: Problem, person: Staff, current: StaffState, cut: int | None, travel: TravelMatrix
) -> tuple[Staff, list[StaffNote]]:
    """Return a staff member's day as it now stands, and what changed in it."""
    back = travel.seconds(current.place, problem.end_place(person))
    narrowed, overtime = _shift_now(person, current, back, cut)
    notes = [] if overtime is None else [overtime]
    taken, due = match_breaks(person.breaks, current.breaks)
    room = current.free_from + back < narrowed.latest_end and (cut is None or cut > current.free_from)
    kept = _breaks_that_fit(problem, narrowed, current, due, travel) if room else []
    for brk in due:
        if brk not in kept and cut is None and current.started:
            notes.append(StaffNote(ChangeKind.BREAK_DROPPED, person.id,
                                   f"{person.id}'s {brk.duration // SECONDS_PER_MINUTE}-minute break due "
                                   f"{format_clock(brk.earliest_start)}-{format_clock(brk.latest_end)} no longer fits"))
    return dataclasses.replace(narrowed, breaks=tuple(sorted([*taken, *kept], key=lambda b: b.earliest_start))), notes


def _shift_now(person: Staff, current: StaffState, back: int, cut: int | None) -> tuple[Staff, StaffNote | None]:
    """Return the staff member without breaks, their shift cut at `cut` or stretched to get back after
    what they started, and the overtime that stretching forces, if any."""
    forced = current.free_from + back if current.started else None
    latest = person.latest_end
    note = None
    if cut is not None:
        latest = max(min(latest, cut), forced or 0)
    elif forced is not None and forced > latest:
        note = StaffNote(ChangeKind.OVERTIME, person.id, f"{person.id} cannot be back before {format_clock(forced)}, "
                         f"after shift end plus overtime {format_clock(latest)}")
        latest = forced
    shift_end = min(person.shift.end, latest)
    if shift_end <= person.shift.start:
        shift_end, latest = person.shift.start + _TOKEN_SHIFT_SECONDS, person.shift.start + _TOKEN_SHIFT_SECONDS
    narrowed = dataclasses.replace(person, shift=Shift(person.shift.start, shift_end), overtime=latest - shift_end,
                                   breaks=())
    return narrowed, note


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
    ranges = start_ranges(visit) or [(low, high if high is not None else MAX_CLOCK_SECONDS)]
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
    kept = [b for b in due if break_start(current.free_from, b, person.latest_end) is not None]
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


# The rest of the day ---------------------------------------------------------------------------------


def rest_of_day(
    day: Problem, plan: Plan, state: DayState, unavailable: Mapping[str, int], travel: TravelMatrix
) -> RestOfDay:
    """Return the rest of the day as a problem of its own, visits no one left can serve, and team copies.

    A team visit whose staff are all still at work (and that has no `after` link) keeps its
    staff and announced start: moving one means coordinating two people. In the rest of the
    day it becomes one visit per staff member, pinned to them at that minute (`RestOfDay.copies`):
    OR-Tools found no plan at all from a warm start holding team visits and breaks on 8 of 10
    generated 100-visit days. A team visit whose staff left may move.
    """
    fixed = state.fixed_visits
    staff = [s for s in (_rest_of_shift(day, p, state.of(day, p), unavailable.get(p.id), travel) for p in day.staff)
             if s is not None]
    present = {s.id for s in staff}
    outside = _out_of_reach(day, fixed, present)
    visits, copies = _rest_visits(day, fixed, outside, _held_teams(day, plan, present))
    patients = [dataclasses.replace(p, preferred_staff=tuple(s for s in p.preferred_staff if s in present),
                                    excluded_staff=p.excluded_staff & present) for p in day.patients]
    rest = day.replace(staff=tuple(staff), visits=tuple(visits), patients=tuple(patients))
    return RestOfDay(rest, outside, copies)


def _rest_of_shift(
    day: Problem, person: Staff, current: StaffState, cut: int | None, travel: TravelMatrix
) -> Staff | None:
    """Return the staff member for the rest of the day with the travel and load they have left, or None
    when they have no time left to visit anyone."""
    back = travel.seconds(current.place, day.end_place(person))
    if current.free_from + back >= person.latest_end or (cut is not None and cut <= current.free_from):
        return None
    _, due = match_breaks(person.breaks, current.breaks)
    rest = _rest_staff(day, person, current, due)
    if rest is None:
        return None
    return dataclasses.replace(rest, max_travel=None if person.max_travel is None else max(
        0, person.max_travel - sum(s.travel for s in current.stops)), capacity=None if person.capacity is None
        else max(0.0, person.capacity - sum(day.visit_by_id[s.visit].demand for s in current.stops)))


def _out_of_reach(day: Problem, fixed: frozenset[str], present: set[str]) -> dict[str, Unassigned]:
    """Return the visits pinned to staff with no time left, and the visits linked to them."""
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
    return outside


def _rest_visits(
    day: Problem, fixed: frozenset[str], outside: Mapping[str, Unassigned],
    held: Mapping[str, tuple[int, tuple[str, ...]]],
) -> tuple[list[Visit], dict[str, str]]:
    """Return the visits still open, each held team visit as one pinned copy per staff member, and the copies."""
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
    return visits, copies


def _copy_id(visit_id: str, staff_id: str) -> str:
    # A character no JSON id of ours contains by accident: the copy never leaves the re-plan
    # (`merge_copies` gives its stops back the team visit's id).
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


def merge_copies(rest: RestOfDay, rest_plan: Plan, travel: TravelMatrix) -> Plan:
    """Return the rest of the day's plan with team copies back under their team visit's id.

    A team visit is served when all its copies are; a copy served alone is taken out of its
    route (re-timed) and the team visit reported unassigned.
    """
    copies = rest.copies
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
            retimed = retime_route(rest.problem, travel, rest.problem.staff_by_id[route.staff], kept) if kept else None
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
