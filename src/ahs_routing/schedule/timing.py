"""From an order of visits to clock times: routes with stops, travel and breaks.

Two ways in. `realise_route` keeps the start times the search chose and places each
trip and break around them. `retime_route` ignores them and finds the earliest valid
times for the order, trying every place each break can go (before leaving, at the last
home after a visit, at the next door before a visit, after getting back); the solver
uses it when a route from the search cannot be written down as the contract wants,
which happens when OR-Tools lets a break interrupt a drive.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ahs_routing.domain.model import Break, Problem, Staff, Visit, start_ranges
from ahs_routing.domain.plan import BreakTaken, Route, Stop
from ahs_routing.travel import TravelMatrix


@dataclass(slots=True)
class RouteSketch:
    """A route as the search left it: departure, (visit, start) in order, breaks, return."""

    departure: int
    arrival: int
    visits: list[tuple[str, int]] = field(default_factory=list)
    breaks: list[tuple[int, int]] = field(default_factory=list)


def realise_route(problem: Problem, travel: TravelMatrix, person: Staff, day: RouteSketch) -> Route:
    """Return the route with stops at the search's start times and travel placed around breaks.

    Travel between two stops is driven in one piece, as early as the breaks in that gap
    allow; the break times come from the search and are moved only when travel would
    otherwise have to be split around them.
    """
    place = problem.start_place(person)
    free_from = day.departure
    breaks = sorted(day.breaks)
    stops: list[Stop] = []
    placed_breaks: list[tuple[int, int]] = []
    total = 0
    pending = list(breaks)
    if day.visits:
        # Nobody wants to wait at the first door: leave as late as the first visit allows,
        # unless a break would then fall on the road (a break before leaving is taken at base).
        first_visit, first_start = day.visits[0]
        leg = travel.seconds(place, problem.place_of_visit(problem.visit_by_id[first_visit]))
        latest = first_start - leg
        if latest > free_from and not any(s < first_start and e > latest for s, e in breaks):
            free_from = latest
    departure = free_from
    for visit_id, start in day.visits:
        visit = problem.visit_by_id[visit_id]
        there = problem.place_of_visit(visit)
        leg = travel.seconds(place, there)
        in_gap = [b for b in pending if b[0] < start]
        pending = [b for b in pending if b[0] >= start]
        arrival, fixed = _place_travel(free_from, start, leg, in_gap, person)
        placed_breaks += fixed
        end = start + problem.service_seconds(visit)
        stops.append(Stop(visit_id, visit.patient, leg, arrival, start, end))
        total += leg
        place, free_from = there, end
    back = travel.seconds(place, problem.end_place(person))
    arrival_back, fixed = _place_travel(free_from, person.latest_end, back, pending, person)
    placed_breaks += fixed
    total += back
    start = min([departure, *(b[0] for b in placed_breaks)])
    end = max([arrival_back, *(b[1] for b in placed_breaks)])
    return Route(
        staff=person.id,
        start=start,
        end=end,
        travel=total,
        distance_km=travel.path_km(problem.route_places(person, (s.visit for s in stops))),
        stops=tuple(stops),
        breaks=tuple(BreakTaken(s, e) for s, e in sorted(placed_breaks)),
    )


def _place_travel(
    free_from: int, deadline: int, leg: int, breaks: list[tuple[int, int]], person: Staff
) -> tuple[int, list[tuple[int, int]]]:
    """Return (arrival, breaks) for a trip of `leg` seconds between `free_from` and `deadline`.

    Tries the search's break times first (travel before, between or after them); if the
    trip would have to be split, packs the breaks one after another, before or after it.
    """
    if not breaks:
        return free_from + leg, []
    for depart in [free_from, *(b[1] for b in breaks)]:
        depart = max(depart, free_from)
        if depart + leg <= deadline and not any(s < depart + leg and depart < e for s, e in breaks):
            return depart + leg, breaks
    limits = {b: _break_limits(person, b) for b in breaks}
    for travel_first in (True, False):
        moment = free_from + (leg if travel_first else 0)
        packed = []
        for brk in breaks:
            earliest, latest_end = limits[brk]
            begin = max(moment, earliest)
            packed.append((begin, begin + brk[1] - brk[0]))
            moment = begin + brk[1] - brk[0]
            if moment > latest_end:
                break
        else:
            arrival = free_from + leg if travel_first else moment + leg
            if arrival <= deadline and moment <= deadline:
                return arrival, packed
    return free_from + leg, breaks  # the checker will reject this and the repair takes over


def _break_limits(person: Staff, taken: tuple[int, int]) -> tuple[int, int]:
    duration = taken[1] - taken[0]
    for brk in person.breaks:
        if brk.duration == duration and brk.earliest_start <= taken[0] and taken[1] <= brk.latest_end:
            return max(brk.earliest_start, person.shift.start), min(brk.latest_end, person.latest_end)
    return taken



#: Where a break can go relative to visit i (0-based) of a route.
_BEFORE_LEAVING = "before leaving"  # before the trip to visit i, at the previous place
_AT_THE_DOOR = "at the door"  # after the trip to visit i, before it starts
# Slot k of a route with n visits: 2*i is (_BEFORE_LEAVING, i), 2*i+1 is (_AT_THE_DOOR, i);
# 2*n is before the trip home and 2*n+1 after it.


def retime_route(
    problem: Problem,
    travel: TravelMatrix,
    person: Staff,
    visit_ids: Sequence[str],
    changed: Mapping[str, Visit] | None = None,
) -> Route | None:
    """Return the route serving `visit_ids` in this order at the earliest valid times, or None.

    Every way of placing the breaks into the route's slots is tried (breaks keep the order
    of their windows); the placement that gets the staff member home first wins. `changed`
    replaces some visits by variants (other windows) without building a new problem.
    """
    changed = changed or {}
    visits = [changed.get(v) or problem.visit_by_id[v] for v in visit_ids]
    places = [problem.start_place(person), *(problem.place_of_visit(v) for v in visits), problem.end_place(person)]
    legs = [travel.seconds(a, b) for a, b in itertools.pairwise(places)]
    breaks = sorted(person.breaks, key=lambda b: (b.earliest_start, b.latest_end))
    slots = range(2 * len(visits) + 2)
    best: tuple[int, list[Stop], list[tuple[int, int]]] | None = None
    for placement in itertools.combinations_with_replacement(slots, len(breaks)):
        timed = _forward(problem, person, visits, legs, list(zip(placement, breaks, strict=True)))
        if timed is not None and (best is None or timed[0] < best[0]):
            best = timed
    if best is None:
        return None
    end, stops, taken = best
    first_break = min((s for s, _ in taken), default=None)
    start = stops[0].arrival - stops[0].travel if stops else person.shift.start
    if stops and (first_break is None or first_break >= stops[0].start):
        # Nothing to do before the first visit: leave as late as it allows.
        start = stops[0].start - stops[0].travel
        stops[0] = Stop(stops[0].visit, stops[0].patient, stops[0].travel, stops[0].start, stops[0].start,
                        stops[0].end)
    if first_break is not None:
        start = min(start, first_break)
    return Route(
        staff=person.id,
        start=start,
        end=end,
        travel=sum(legs),
        distance_km=travel.path_km(problem.route_places(person, (s.visit for s in stops))),
        stops=tuple(stops),
        breaks=tuple(BreakTaken(s, e) for s, e in sorted(taken)),
    )


def _forward(
    problem: Problem, person: Staff, visits: list[Visit], legs: list[int], placed: list[tuple[int, Break]]
) -> tuple[int, list[Stop], list[tuple[int, int]]] | None:
    """Earliest times for one break placement: (end, stops, breaks), or None if it does not fit."""
    return forward_pass(problem, person, person.shift.start, visits, legs, placed,
                        lambda i, moment: earliest_start(visits[i], moment, person))


def forward_pass(
    problem: Problem,
    person: Staff,
    moment: int,
    visits: Sequence[Visit],
    legs: Sequence[int],
    placed: list[tuple[int, Break]],
    start_at: Callable[[int, int], int | None],
) -> tuple[int, list[Stop], list[tuple[int, int]]] | None:
    """Return (end, stops, breaks) driving `visits` from `moment` with breaks in the given slots, or None.

    Slot 2i is before leaving for visit i, 2i+1 at its door, 2n before the trip home and
    2n+1 after it. `start_at(i, arrival)` gives the start of visit i for an arrival (or None
    when it cannot start in time), so callers decide how windows and announced times apply.
    """
    taken: list[tuple[int, int]] = []
    pending = list(placed)

    def rest_in(slot: int) -> bool:
        nonlocal moment
        while pending and pending[0][0] == slot:
            _, brk = pending.pop(0)
            begin = max(moment, brk.earliest_start)
            if begin + brk.duration > min(brk.latest_end, person.latest_end):
                return False
            taken.append((begin, begin + brk.duration))
            moment = begin + brk.duration
        return True

    stops: list[Stop] = []
    for i, visit in enumerate(visits):
        if not rest_in(2 * i):
            return None
        moment += legs[i]
        arrival = moment
        if not rest_in(2 * i + 1):
            return None
        start = start_at(i, moment)
        if start is None:
            return None
        end = start + problem.service_seconds(visit)
        stops.append(Stop(visit.id, visit.patient, legs[i], arrival, start, end))
        moment = end
    if not rest_in(2 * len(visits)):
        return None
    moment += legs[-1]
    if not rest_in(2 * len(visits) + 1) or moment > person.latest_end:
        return None
    return moment, stops, taken


def earliest_start(visit: Visit, moment: int, person: Staff) -> int | None:
    """Return the first moment from `moment` on that a visit may start (its windows, else the shift), or None."""
    ranges = start_ranges(visit) or [(person.shift.start, person.latest_end)]
    for low, high in ranges:
        if moment <= high:
            return max(moment, low)
    return None
