"""From an order of visits to clock times: the one route-timing engine.

Everything that puts clock times on a route comes from here: when a visit may start
(`earliest_start`), when a break taken from some moment starts (`break_start`) and when one
is due (`due_break`), when to leave for the first visit (`leave_late`), where a drive fits
between busy times (`first_drive`, `free_stretches`), and how stops and breaks become a
`Route` (`assemble_route`).

Two ways in for a whole route. `realise_route` keeps the start times the search chose and
places each trip and break around them. `retime_route` ignores them and finds the earliest
valid times for the order, trying every place each break can go (before leaving, at the last
home after a visit, at the next door before a visit, after getting back); the solver uses it
when a route from the search cannot be written down as the contract wants, which happens when
OR-Tools lets a break interrupt a drive. `retime_tail` is the same search for the part of a
route after a `Head` that stays as it is, with `Item`s that may carry an announced start (the
insertion engine, `schedule.insertion`, uses it).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ahs_routing.domain.model import Break, Problem, Staff, Visit, start_ranges
from ahs_routing.domain.plan import BreakTaken, Route, Stop
from ahs_routing.travel import TravelMatrix

# Rules of time ----------------------------------------------------------------------------------


def start_in(ranges: Sequence[tuple[int, int]], moment: int) -> int | None:
    """Return the first moment from `moment` on inside one of `ranges` (in time order), or None."""
    for low, high in ranges:
        if moment <= high:
            return max(moment, low)
    return None


def shift_range(person: Staff) -> list[tuple[int, int]]:
    """Return when a visit without windows may start: any time in the staff member's shift and overtime."""
    return [(person.shift.start, person.latest_end)]


def earliest_start(visit: Visit, moment: int, person: Staff) -> int | None:
    """Return the first moment from `moment` on that a visit may start (its windows, else the shift), or None."""
    return start_in(start_ranges(visit) or shift_range(person), moment)


def break_start(moment: int, brk: Break, deadline: int | None = None) -> int | None:
    """Return when a break taken from `moment` on starts (once its window opens), or None if it
    would then end after its window or after `deadline`."""
    begin = max(moment, brk.earliest_start)
    limit = brk.latest_end if deadline is None else min(brk.latest_end, deadline)
    return None if begin + brk.duration > limit else begin


def due_break(pending: Sequence[Break], end: int) -> Break | None:
    """Return the next pending break if it could no longer start after a visit ending at `end`, else None.

    Taking a break only when it falls due is how a route built forward, one visit at a time,
    keeps its breaks: before leaving for the visit it would otherwise have to follow too late.
    """
    if pending and end > pending[0].latest_start:
        return pending[0]
    return None


def leave_late(
    earliest: int, first_start: int, leg: int, breaks: Iterable[tuple[int, int]] = (), *, road_only: bool = False
) -> int:
    """Return when to leave for the first visit: as late as its start allows, not before `earliest`.

    Nobody wants to wait at the first door. A break that starts before the first visit keeps
    the departure at `earliest` (the day then starts with whatever comes first); with
    `road_only`, only a break that would fall on the late drive does (a break before leaving
    is taken at the base).
    """
    latest = first_start - leg
    if latest <= earliest:
        return earliest
    if any(s < first_start and (e > latest or not road_only) for s, e in breaks):
        return earliest
    return latest


def free_stretches(low: int, high: int, busy: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the stretches of [low, high] of positive length that no busy interval covers, in time order."""
    slots, moment = [], low
    for start, end in sorted(busy):
        if min(start, high) > moment:
            slots.append((moment, min(start, high)))
        moment = max(moment, end)
    if high > moment:
        slots.append((moment, high))
    return slots


def first_drive(low: int, high: int, leg: int, busy: Sequence[tuple[int, int]]) -> int | None:
    """Return the earliest departure from `low` on (or at the end of a busy interval) for a drive of
    `leg` seconds that arrives by `high` and overlaps no busy interval, or None."""
    for depart in sorted({low, *(e for _, e in busy if e > low)}):
        if depart + leg > high:
            return None
        if not any(s < depart + leg and depart < e for s, e in busy):
            return depart
    return None


def assemble_route(
    problem: Problem,
    travel: TravelMatrix,
    person: Staff,
    stops: Sequence[Stop],
    breaks: Iterable[tuple[int, int]],
    departure: int,
    home: int,
    back: int,
) -> Route:
    """Return the route of these stops and breaks: it starts with whatever comes first (leaving or a
    break) and ends with whatever comes last (getting home after a trip of `back` seconds, or a break)."""
    rests = sorted(breaks)
    return Route(
        staff=person.id,
        start=min([departure, *(s for s, _ in rests)]),
        end=max([home, *(e for _, e in rests)]),
        travel=sum(s.travel for s in stops) + back,
        distance_km=travel.path_km(problem.route_places(person, (s.visit for s in stops))),
        stops=tuple(stops),
        breaks=tuple(BreakTaken(s, e) for s, e in rests),
    )


# Keeping the search's times -------------------------------------------------------------------


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
    busy = [(start, start + problem.service_seconds(problem.visit_by_id[v])) for v, start in day.visits]
    breaks = _breaks_on_minutes(sorted(day.breaks), busy, person)
    stops: list[Stop] = []
    placed_breaks: list[tuple[int, int]] = []
    pending = list(breaks)
    if day.visits:
        # A break before leaving is taken at base; only one on the road keeps the early departure.
        first_visit, first_start = day.visits[0]
        leg = travel.seconds(place, problem.place_of_visit(problem.visit_by_id[first_visit]))
        free_from = leave_late(free_from, first_start, leg, breaks, road_only=True)
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
        place, free_from = there, end
    back = travel.seconds(place, problem.end_place(person))
    arrival_back, fixed = _place_travel(free_from, person.latest_end, back, pending, person)
    placed_breaks += fixed
    return assemble_route(problem, travel, person, stops, placed_breaks, departure, arrival_back, back)


def _breaks_on_minutes(
    breaks: list[tuple[int, int]], busy: Sequence[tuple[int, int]], person: Staff
) -> list[tuple[int, int]]:
    """Return the search's breaks, each moved back to the whole minute before it where that overlaps nothing.

    OR-Tools may start a break a second after a whole minute (11:00:01 after a visit of no
    length); on a whole-minute day that would be the only second on the plan's clock. Moving
    a break back by less than a minute keeps it inside its window when the window is whole,
    and keeps whole-minute drives before it fitting (they fitted before the odd second).
    """
    moved: list[tuple[int, int]] = []
    for begin, end in breaks:
        earlier = begin - begin % 60
        earliest, _ = _break_limits(person, (begin, end))
        length = end - begin
        taken = (earlier, earlier + length)
        clear = all(b <= taken[0] or a >= taken[1] for a, b in [*busy, *moved])
        moved.append(taken if begin % 60 and earlier >= max(earliest, person.shift.start) and clear
                     else (begin, end))
    return moved


def _place_travel(
    free_from: int, deadline: int, leg: int, breaks: list[tuple[int, int]], person: Staff
) -> tuple[int, list[tuple[int, int]]]:
    """Return (arrival, breaks) for a trip of `leg` seconds between `free_from` and `deadline`.

    Tries the search's break times first (travel before, between or after them); if the
    trip would have to be split, packs the breaks one after another, before or after it.
    """
    if not breaks:
        return free_from + leg, []
    depart = first_drive(free_from, deadline, leg, breaks)
    if depart is not None:
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


# Finding the earliest times -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """A visit to time: the ranges its start may fall in and, if it was announced, the start it may not come before.

    A visit tied to other routes (a team visit, an `after` link) keeps its start exactly: its
    only range is that moment (`held`).
    """

    visit: Visit
    ranges: Sequence[tuple[int, int]]
    announced: int | None = None

    @staticmethod
    def of(visit: Visit, person: Staff, planned: int | None = None, *, announced: bool = False,
           held: bool = False) -> Item:
        """Return the item for a visit: its windows (else the shift), or only `planned` when held."""
        if held and planned is not None:
            return Item(visit, ((planned, planned),), planned if announced else None)
        return Item(visit, start_ranges(visit) or shift_range(person), planned if announced else None)


@dataclass(frozen=True, slots=True)
class Head:
    """The start of a route that stays as it is, and where and from when the rest is timed.

    `due` are the staff member's breaks not yet taken in `stops`/`breaks`; `start` is the
    route's start when it keeps stops (else the departure follows `leave_late`).
    """

    place: str
    free_from: int
    due: tuple[Break, ...]
    stops: tuple[Stop, ...] = ()
    breaks: tuple[tuple[int, int], ...] = ()
    start: int | None = None

    @staticmethod
    def at_start(problem: Problem, person: Staff) -> Head:
        """Return the head of a route timed from scratch: at its start place, from the shift's start, all breaks due."""
        return Head(problem.start_place(person), person.shift.start, tuple(person.breaks))


# Where a break can go, as a slot k of a route with n visits: 2*i is before leaving for visit i
# (at the previous place), 2*i+1 at its door before it starts; 2*n is before the trip home and
# 2*n+1 after it.


@dataclass(frozen=True, slots=True)
class Timing:
    """Times for items driven from a moment: each item's arrival and start, the breaks taken, the return home."""

    arrivals: list[int]
    starts: list[int]
    breaks: list[tuple[int, int]]
    end: int
    delay: int


def forward_pass(
    person: Staff,
    moment: int,
    items: Sequence[Item],
    services: Sequence[int],
    legs: Sequence[int],
    placed: Sequence[tuple[int, Break]],
) -> Timing | None:
    """Return the times driving `items` from `moment` with breaks in the given slots, or None if they do not fit.

    `legs` has one trip per item and the trip home; `services` the time on site per item.
    Slot 2i is before leaving for item i, 2i+1 at its door, 2n before the trip home and 2n+1
    after it. An item starts at its arrival, not before its announced start, in its ranges.
    """
    taken: list[tuple[int, int]] = []
    arrivals: list[int] = []
    starts: list[int] = []
    delay = 0
    k = 0
    count = len(placed)
    for slot in range(2 * len(items) + 2):
        while k < count and placed[k][0] == slot:
            brk = placed[k][1]
            begin = break_start(moment, brk, person.latest_end)
            if begin is None:
                return None
            moment = begin + brk.duration
            taken.append((begin, moment))
            k += 1
        i, at_door = divmod(slot, 2)
        if i == len(items):
            if not at_door:
                moment += legs[i]
            continue
        if not at_door:
            moment += legs[i]
            arrivals.append(moment)
            continue
        item = items[i]
        earliest = moment if item.announced is None else max(moment, item.announced)
        start = start_in(item.ranges, earliest)
        if start is None:
            return None
        if item.announced is not None:
            delay += start - item.announced
        starts.append(start)
        moment = start + services[i]
    if moment > person.latest_end:
        return None
    return Timing(arrivals, starts, taken, moment, delay)


def best_timing(
    problem: Problem, person: Staff, moment: int, items: Sequence[Item], legs: Sequence[int], due: Iterable[Break]
) -> Timing | None:
    """Return the timing of `items` from `moment` with the least delay to announced starts, then home first.

    Every way of placing the due breaks into the slots is tried (breaks keep the order of
    their windows); the first best placement wins.
    """
    services = [problem.service_seconds(item.visit) for item in items]
    breaks = sorted(due, key=lambda b: (b.earliest_start, b.latest_end))
    best: Timing | None = None
    for placement in itertools.combinations_with_replacement(range(2 * len(items) + 2), len(breaks)):
        timed = forward_pass(person, moment, items, services, legs, list(zip(placement, breaks, strict=True)))
        if timed is not None and (best is None or (timed.delay, timed.end) < (best.delay, best.end)):
            best = timed
    return best


def retime_tail(
    problem: Problem, travel: TravelMatrix, person: Staff, head: Head, items: Sequence[Item]
) -> Route | None:
    """Return the route of `head` as it is followed by `items` at their best times (`best_timing`), or None."""
    places = [head.place, *(problem.place_of_visit(item.visit) for item in items), problem.end_place(person)]
    legs = [travel.seconds(a, b) for a, b in itertools.pairwise(places)]
    timed = best_timing(problem, person, head.free_from, items, legs, head.due)
    if timed is None:
        return None
    stops = [
        Stop(item.visit.id, item.visit.patient, leg, arrival, start, start + problem.service_seconds(item.visit))
        for item, leg, arrival, start in zip(items, legs, timed.arrivals, timed.starts, strict=False)
    ]
    breaks = [*head.breaks, *timed.breaks]
    if head.stops:
        # What the head keeps was driven as it was: the route starts when its first trip did.
        departure = head.start if head.start is not None else head.stops[0].arrival - head.stops[0].travel
    elif stops:
        first = stops[0]
        departure = leave_late(first.arrival - first.travel, first.start, first.travel, breaks)
        stops[0] = Stop(first.visit, first.patient, first.travel, departure + first.travel, first.start, first.end)
    else:
        departure = head.free_from
    return assemble_route(problem, travel, person, [*head.stops, *stops], breaks, departure, timed.end, legs[-1])


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
    items = [Item.of(changed.get(v) or problem.visit_by_id[v], person) for v in visit_ids]
    return retime_tail(problem, travel, person, Head.at_start(problem, person), items)
