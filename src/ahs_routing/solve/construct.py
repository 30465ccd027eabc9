"""A first plan built in time order, for days whose visits are tied together.

OR-Tools' insertion heuristics and local search move one node at a time. Visits whose
starts are tied to another route (a team visit, or "B 30-60 min after A" by someone else)
can only move together, so a plan that starts with a linked pair late in the day tends to
stay late: measured on the Mankowska et al. (2014) instances, whose time windows are soft,
the search ended with 1,320 minutes of lateness where the best-known plan has 22.

Dispatchers plan such days in time order, and so does this module: visits (a linked group
as one piece) are taken in the order of their windows and appended to the routes of the
qualified staff who can serve them at the least added travel and lateness, breaks taken
when they fall due. Plans come from a few fixed orders and weights, then from
seeded shuffles of the order, so the sequence depends only on the input and the seed.
Its clock rules are `schedule.timing`'s (a visit's earliest start, a break taken when it
falls due); what is its own is driving routes forward one appended visit at a time, on
matrix indices, with no re-timing, which is what keeps it fast. The caller checks a plan
before using it.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from ahs_routing.domain.links import linked_groups
from ahs_routing.domain.model import Break, Problem, Staff, Visit, lateness, start_ranges
from ahs_routing.schedule.timing import break_start, due_break, earliest_start
from ahs_routing.travel import TravelMatrix

#: Assignments tried per group of linked visits at most (the best staff per slot are kept).
MAX_COMBINATIONS = 256

#: How a group's place in the queue is chosen: by its earliest start, by its deadline, or between.
ORDERS = ("window_start", "deadline", "window_middle")

#: Weight of waiting time in the choice of staff: 0 is pure cost, higher keeps staff busy.
#: 0 first: its plans were the cheapest on 9 of 9 Mankowska instances (25-100 patients)
#: tried, though the search went further from 0.3's on two of them.
WAIT_WEIGHTS = (0.0, 0.3, 1.0)

#: Seconds by which shuffled orders may move a group past another (its window start + U(0, JITTER)).
JITTER = 30 * 60

#: Shuffles in a row that may repeat a plan already given before the supply is taken as spent.
MAX_REPEATS = 20


@dataclass(frozen=True, slots=True)
class Sketch:
    """A constructed plan: per staff member, (visit id, start) in route order and breaks."""

    visits: dict[str, list[tuple[str, int]]]
    breaks: dict[str, list[tuple[int, int]]]
    left_out: frozenset[str]
    travel: int
    lateness: int


@dataclass(slots=True)
class _Route:
    person: Staff
    place: int
    home: int
    ready: int
    travel: int = 0
    idle: int = 0
    load: float = 0.0
    visits: list[tuple[str, int]] = field(default_factory=list)
    breaks: list[tuple[int, int]] = field(default_factory=list)
    pending: list[Break] = field(default_factory=list)


def time_ordered_plans(
    problem: Problem,
    travel: TravelMatrix,
    candidates: Mapping[str, Sequence[str]],
    lateness_weight: int = 1,
    seed: int = 0,
    deadline: float | None = None,
) -> Iterator[Sketch]:
    """Yield distinct time-ordered plans: the fixed weights and orders first, then seeded shuffles.

    The local search that follows ends in very different places from different starts
    (measured on Mankowska C2: from 1,718 to 2,323 minutes of travel and lateness), so callers try
    several and keep the best; shuffles swap groups whose windows start within
    `JITTER` of each other. Nothing more is yielded once `time.monotonic()` passes `deadline`.
    """
    seconds = travel.seconds_array().tolist()
    groups = _groups(problem, candidates)
    seen: set[tuple[tuple[str, tuple[tuple[str, int], ...]], ...]] = set()
    rng = random.Random(seed)
    fixed = ((_sorted(groups, order), weight) for weight, order in itertools.product(WAIT_WEIGHTS, ORDERS))
    shuffled = ((_sorted(groups, "window_start", rng, JITTER), WAIT_WEIGHTS[k % len(WAIT_WEIGHTS)])
                for k in itertools.count())
    tried: set[tuple[tuple[str, ...], float]] = set()
    repeats = 0
    for order, weight in itertools.chain(fixed, shuffled):
        queue = (tuple(group[0].id for group in order), weight)
        sketch = None
        if queue not in tried:
            tried.add(queue)
            sketch = _construct(problem, travel, seconds, candidates, order, lateness_weight, weight, deadline)
            if sketch is None:
                return
            key = tuple(sorted((s, tuple(v)) for s, v in sketch.visits.items()))
        if sketch is None or key in seen:
            # Few groups, or windows far apart: every shuffle gives a plan already tried.
            repeats += 1
            if repeats > MAX_REPEATS:
                return
            continue
        seen.add(key)
        repeats = 0
        yield sketch


def time_ordered_plan(
    problem: Problem,
    travel: TravelMatrix,
    candidates: Mapping[str, Sequence[str]],
    lateness_weight: int = 1,
    order: str = ORDERS[0],
    wait_weight: float = WAIT_WEIGHTS[0],
) -> Sketch:
    """Return the time-ordered plan for one order of the groups and one weight of waiting."""
    sketch = _construct(problem, travel, travel.seconds_array().tolist(), candidates,
                        _sorted(_groups(problem, candidates), order), lateness_weight, wait_weight)
    assert sketch is not None  # no deadline
    return sketch


def _groups(problem: Problem, candidates: Mapping[str, Sequence[str]]) -> list[list[Visit]]:
    """Return the servable visits in groups tied by `after` links, each in link order."""
    return [_link_order(group) for group in linked_groups(problem, candidates)]


def _link_order(group: list[Visit]) -> list[Visit]:
    """Return a group with every visit after the one it is linked to (links are acyclic)."""
    ids = {v.id for v in group}
    placed: list[Visit] = []
    done: set[str] = set()
    while len(placed) < len(group):
        for visit in group:
            if visit.id not in done and (visit.after is None or visit.after.visit not in ids
                                         or visit.after.visit in done):
                placed.append(visit)
                done.add(visit.id)
    return placed


def _sorted(groups: list[list[Visit]], order: str, rng: random.Random | None = None,
            jitter: int = 0) -> list[list[Visit]]:
    def key(group: list[Visit]) -> tuple[float, str]:
        ranges = [r for v in group for r in start_ranges(v)]
        if not ranges:
            return math.inf, group[0].id
        low, high = min(r[0] for r in ranges), max(r[1] for r in ranges)
        moment = {"window_start": low, "deadline": high, "window_middle": (low + high) / 2}[order]
        return moment + (rng.uniform(0, jitter) if rng else 0), group[0].id

    return sorted(groups, key=key)


def _construct(
    problem: Problem,
    travel: TravelMatrix,
    seconds: list[list[int]],
    candidates: Mapping[str, Sequence[str]],
    groups: list[list[Visit]],
    lateness_weight: int,
    wait_weight: float,
    deadline: float | None = None,
) -> Sketch | None:
    """Return the plan for one order and weight, or None once `deadline` has passed."""
    routes = {
        p.id: _Route(p, travel.index(problem.start_place(p)), travel.index(problem.end_place(p)), p.shift.start,
                     pending=sorted(p.breaks, key=lambda b: b.latest_end))
        for p in problem.staff
    }
    places = {v.id: travel.index(problem.place_of_visit(v)) for group in groups for v in group}
    left_out: set[str] = set()
    for placed, group in enumerate(groups):
        if deadline is not None and placed % 16 == 0 and time.monotonic() > deadline:
            return None
        best: tuple[float, dict[str, _Route]] | None = None
        for assignment in _assignments(group, candidates, routes, places, seconds):
            trial = _append(problem, seconds, group, assignment, routes, places)
            if trial is None:
                continue
            score = sum(
                trial[s].travel - routes[s].travel
                + seconds[trial[s].place][trial[s].home] - seconds[routes[s].place][routes[s].home]
                + wait_weight * (trial[s].idle - routes[s].idle)
                for s in trial
            ) + lateness_weight * sum(lateness(problem.visit_by_id[v], t) for s in trial
                                      for v, t in trial[s].visits[len(routes[s].visits):])
            if best is None or score < best[0]:
                best = (score, trial)
        if best is None:
            left_out.update(v.id for v in group)
        else:
            routes.update(best[1])
    for route in routes.values():
        _close(route, seconds)
    late = sum(lateness(problem.visit_by_id[v], t) for r in routes.values() for v, t in r.visits)
    total = sum(r.travel + (seconds[r.place][r.home] if r.visits else 0) for r in routes.values())
    return Sketch(
        visits={s: list(r.visits) for s, r in routes.items() if r.visits},
        breaks={s: list(r.breaks) for s, r in routes.items() if r.visits},
        left_out=frozenset(left_out),
        travel=total,
        lateness=late,
    )


def _assignments(
    group: list[Visit],
    candidates: Mapping[str, Sequence[str]],
    routes: Mapping[str, _Route],
    places: Mapping[str, int],
    seconds: list[list[int]],
) -> list[list[tuple[str, ...]]]:
    """Return who could serve each visit of a group: per visit a tuple of distinct staff ids."""
    per_visit: list[list[tuple[str, ...]]] = []
    slots = sum(v.staff_count for v in group)
    keep = max(2, int(MAX_COMBINATIONS ** (1 / slots))) if slots > 1 else None
    for visit in group:
        staff = sorted(candidates[visit.id], key=lambda s: (_drive(routes[s], seconds, places[visit.id]), s))
        if keep is not None:
            staff = staff[:max(keep, visit.staff_count)]
        per_visit.append(list(itertools.combinations(staff, visit.staff_count)))
    return [list(choice) for choice in itertools.product(*per_visit)]


def _append(
    problem: Problem,
    seconds: list[list[int]],
    group: list[Visit],
    assignment: list[tuple[str, ...]],
    routes: Mapping[str, _Route],
    places: Mapping[str, int],
) -> dict[str, _Route] | None:
    """Return the routes of the staff involved with the group appended, or None if it does not fit."""
    floor: dict[str, int | None] = {v.id: None for v in group}
    for _ in range(2 * len(group) + 2):
        trial = {s: _copy(routes[s]) for staff in assignment for s in staff}
        starts: dict[str, int] = {}
        for visit, staff in zip(group, assignment, strict=True):
            start = _start(problem, seconds, visit, [trial[s] for s in staff], places[visit.id], floor[visit.id])
            if start is None:
                return None
            starts[visit.id] = start
            for s in staff:
                _serve(problem, seconds, trial[s], visit, places[visit.id], start)
        if not _raise_floors(group, starts, floor):
            break
    else:
        return None
    for route in trial.values():
        if not _can_close(route, seconds):
            return None
    return trial


def _raise_floors(group: list[Visit], starts: Mapping[str, int], floor: dict[str, int | None]) -> bool:
    """Raise the earliest starts that the group's links need; True when any changed.

    Floors only rise (a start below its floor is what raises it), so `or 0` never lowers one.
    """
    changed = False
    for visit in group:
        link = visit.after
        if link is None or link.visit not in starts:
            continue
        if starts[visit.id] < starts[link.visit] + link.min_gap:
            floor[visit.id] = max(starts[link.visit] + link.min_gap, floor[visit.id] or 0)
            changed = True
        if link.max_gap is not None and starts[visit.id] > starts[link.visit] + link.max_gap:
            floor[link.visit] = max(starts[visit.id] - link.max_gap, floor[link.visit] or 0)
            changed = True
    return changed


def _start(
    problem: Problem, seconds: list[list[int]], visit: Visit, staff: list[_Route], place: int, floor: int | None,
) -> int | None:
    """Return the earliest common start of a visit for these staff (a break first where due), or None."""
    moment = max(_drive(r, seconds, place) for r in staff)
    if floor is not None:
        moment = max(moment, floor)
    for _ in range(len(staff) + 1):
        start = earliest_start(visit, moment, staff[0].person)
        if start is None:
            return None
        end = start + problem.service_seconds(visit)
        # A break that could no longer start after this visit is taken before leaving for it.
        due = [_arrival(r, seconds, place, end) for r in staff]
        if any(a is None for a in due):
            return None
        latest_arrival = max(a for a in due if a is not None)
        if latest_arrival <= start:
            return start
        moment = latest_arrival
    return None


def _drive(route: _Route, seconds: list[list[int]], place: int) -> int:
    """Return when a route reaches `place` driving there straight away."""
    return route.ready + seconds[route.place][place]


def _arrival(route: _Route, seconds: list[list[int]], place: int, end: int) -> int | None:
    """Return when a route reaches `place` for a visit ending at `end`, resting first if a break is due."""
    brk = due_break(route.pending, end)
    if brk is not None:
        begin = break_start(route.ready, brk)
        if begin is None:
            return None
        return begin + brk.duration + seconds[route.place][place]
    return _drive(route, seconds, place)


def _serve(problem: Problem, seconds: list[list[int]], route: _Route, visit: Visit, place: int, start: int) -> None:
    end = start + problem.service_seconds(visit)
    brk = due_break(route.pending, end)
    if brk is not None:
        route.pending.pop(0)
        begin = break_start(route.ready, brk)
        assert begin is not None  # `_start` has checked that it fits, for this very end
        route.breaks.append((begin, begin + brk.duration))
        route.ready = begin + brk.duration
    route.travel += seconds[route.place][place]
    route.idle += start - route.ready - seconds[route.place][place]
    route.load += visit.demand
    route.visits.append((visit.id, start))
    route.place, route.ready = place, end


def _can_close(route: _Route, seconds: list[list[int]]) -> bool:
    """True when the route can still take its breaks, get home in time and keep its limits."""
    trial = _copy(route)
    _close(trial, seconds)
    person = trial.person
    home = trial.travel + seconds[trial.place][trial.home]
    return (
        trial.ready + seconds[trial.place][trial.home] <= person.latest_end
        and not trial.pending
        and (person.max_travel is None or home <= person.max_travel)
        and (person.capacity is None or trial.load <= person.capacity + 1e-9)
    )


def _close(route: _Route, seconds: list[list[int]]) -> None:
    """Take the breaks still owed after the last visit, before driving home."""
    while route.pending:
        brk = route.pending[0]
        begin = break_start(route.ready, brk)
        if begin is None:
            return
        route.pending.pop(0)
        route.breaks.append((begin, begin + brk.duration))
        route.ready = begin + brk.duration


def _copy(route: _Route) -> _Route:
    return _Route(route.person, route.place, route.home, route.ready, route.travel, route.idle, route.load,
                  list(route.visits), list(route.breaks), list(route.pending))
