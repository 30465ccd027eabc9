"""The group moves in compiled code: the same search as `ahs_routing.solve.lns`, over flat arrays.

`improve` has the signature and the result of `lns.improve`. It writes the day as flat integer
arrays (places, visits with their start ranges, groups, staff with their breaks; seconds
throughout), runs the C++ core (`ahs_routing.solve._lnscore`, csrc/lnscore/lnscore.cpp) and
turns its best routes back into domain routes re-timed by `schedule.timing` at the core's
starts, so the plan's times come from the library's one timing code. The core's result replaces
the start only when, re-timed and priced here, it serves more or costs less.

`unsupported` says why the core cannot take a day (it is not built, it was turned off with
`AHS_ROUTING_LNS_CORE=0`, a route holds a visit the search may not move); the caller then runs
the Python search. `Unsupported` is raised when the core cannot write a starting route in its
model (its timing of the route fails).

Work is the core's own count (screened positions and timed nodes), so the same seed and work
give the same plan on every machine; the clock only caps.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence

from ahs_routing.domain.model import Priority, Problem, start_ranges
from ahs_routing.domain.plan import Route
from ahs_routing.schedule.timing import Head, Item, retime_tail
from ahs_routing.solve.groups import Group, Pricing, Routes, day_groups
from ahs_routing.solve.lns import LnsOutcome, LnsSettings
from ahs_routing.travel import TravelMatrix

log = logging.getLogger(__name__)

_Search: type | None
try:
    from ahs_routing.solve._lnscore import Search as _Search
except ImportError:  # pragma: no cover - the normal install builds it
    _Search = None

#: A moment after any day (seconds): the open end of a gap (the core's NEVER).
_NEVER = 1 << 40

#: Iterations the core runs between two polls of `should_stop` and the clock.
CHUNK = 200

#: Iterations of the core without a new best after which it stops, when patience is asked for:
#: the Python search's patience (100) times about the ratio of their iteration rates.
CORE_PATIENCE_FACTOR = 50


class Unsupported(Exception):
    """The core cannot take this day; the message says why."""


def available() -> bool:
    """True when the compiled core is built and not turned off (`AHS_ROUTING_LNS_CORE=0`)."""
    return _Search is not None and os.environ.get("AHS_ROUTING_LNS_CORE", "1") != "0"


def unsupported(problem: Problem, travel: TravelMatrix, routes: Mapping[str, Route],
                candidates: Mapping[str, Sequence[str]]) -> str | None:
    """Return why the core cannot improve these routes, or None when it can."""
    if _Search is None:
        return "the compiled core (ahs_routing.solve._lnscore) is not built"
    if not available():
        return "the compiled core is turned off (AHS_ROUTING_LNS_CORE=0)"
    for route in routes.values():
        if route.staff not in problem.staff_by_id:
            return f"route of unknown staff {route.staff}"
        for stop in route.stops:
            if stop.visit not in candidates:
                return f"visit {stop.visit} is in a route but not among the searched visits"
    places = {problem.place_of_visit(v) for v in problem.visits if v.id in candidates}
    places |= {problem.start_place(s) for s in problem.staff} | {problem.end_place(s) for s in problem.staff}
    missing = [p for p in places if p not in travel]
    if missing:
        return f"places without travel times: {sorted(missing)[:3]}"
    return None


def _arguments(problem: Problem, travel: TravelMatrix, candidates: Mapping[str, Sequence[str]],
               groups: Sequence[Group], settings: LnsSettings, held: frozenset[str],
               pricing: Pricing) -> list[object]:
    """Return the core's constructor arguments: the day as flat arrays (csrc/lnscore/lnscore.cpp, `Search`)."""
    visits = [v for g in groups for v in g.members]
    index = {v.id: k for k, v in enumerate(visits)}
    staff_index = {s.id: k for k, s in enumerate(problem.staff)}
    classes = sorted(Priority, reverse=True)
    range_off, allowed_off = [0], [0]
    lo: list[int] = []
    hi: list[int] = []
    allowed: list[int] = []
    due: list[int] = []
    partner: list[int] = []
    min_gap: list[int] = []
    max_gap: list[int] = []
    for v in visits:
        for a, b in start_ranges(v):
            lo.append(a)
            hi.append(b)
        range_off.append(len(lo))
        allowed.extend(staff_index[s] for s in candidates[v.id] if s in staff_index)
        allowed_off.append(len(allowed))
        due.append(pricing.due.get(v.id, -1))
        link = v.after
        if link is not None and link.visit in index:
            partner.append(index[link.visit])
            min_gap.append(link.min_gap)
            max_gap.append(link.max_gap if link.max_gap is not None else _NEVER)
        else:
            partner.append(-1)
            min_gap.append(0)
            max_gap.append(_NEVER)
    g_off = [0]
    for g in groups:
        g_off.append(g_off[-1] + len(g.members))
    break_off = [0]
    b_earliest: list[int] = []
    b_latest_end: list[int] = []
    b_duration: list[int] = []
    for person in problem.staff:
        for brk in sorted(person.breaks, key=lambda b: (b.earliest_start, b.latest_end)):
            b_earliest.append(brk.earliest_start)
            b_latest_end.append(brk.latest_end)
            b_duration.append(brk.duration)
        break_off.append(len(b_duration))
    seconds = travel.seconds_array()
    return [
        len(travel), [int(x) for x in seconds.ravel()],
        [travel.index(problem.place_of_visit(v)) for v in visits],
        [problem.service_seconds(v) for v in visits],
        range_off, lo, hi, due,
        [classes.index(v.priority) for v in visits],
        [v.staff_count for v in visits],
        [int(v.id in held or v.staff_count > 1 or v.after is not None) for v in visits],
        [float(v.demand) for v in visits],
        allowed_off, allowed, partner, min_gap, max_gap,
        g_off, [index[v.id] for g in groups for v in g.members],
        [s.shift.start for s in problem.staff], [s.shift.end for s in problem.staff],
        [s.latest_end for s in problem.staff],
        [travel.index(problem.start_place(s)) for s in problem.staff],
        [travel.index(problem.end_place(s)) for s in problem.staff],
        [s.max_travel if s.max_travel is not None else -1 for s in problem.staff],
        [float(s.capacity) if s.capacity is not None else -1.0 for s in problem.staff],
        break_off, b_earliest, b_latest_end, b_duration,
        len(classes), settings.overtime_weight, settings.lateness_weight, settings.seed % (1 << 64),
        settings.iterations, settings.work if settings.work is not None else -1,
    ]


def _key(problem: Problem, groups: Sequence[Group], routes: Routes, pricing: Pricing) -> tuple[tuple[int, ...], int]:
    """Return how a plan compares: copies left out per priority class (most important first), then price."""
    counts: dict[str, int] = {}
    for route in routes.values():
        for stop in route.stops:
            counts[stop.visit] = counts.get(stop.visit, 0) + 1
    classes = sorted(Priority, reverse=True)
    missing = [0] * len(classes)
    for group in groups:
        if not all(counts.get(v.id, 0) == v.staff_count for v in group.members):
            for v in group.members:
                missing[classes.index(v.priority)] += v.staff_count
    return tuple(missing), sum(pricing.of(problem, r) for r in routes.values())


def _routes_of(problem: Problem, travel: TravelMatrix, visits: Sequence[str],
               best: Sequence[tuple[int, list[int], list[int], list[int], list[int]]]) -> Routes | None:
    """Return the core's routes re-timed by `schedule.timing` with every stop at the core's start, or None."""
    out: Routes = {}
    for s, order, starts, _, _ in best:
        person = problem.staff[s]
        items = [Item(problem.visit_by_id[visits[v]], ((t, t),)) for v, t in zip(order, starts, strict=True)]
        route = retime_tail(problem, travel, person, Head.at_start(problem, person), items)
        if route is None:
            return None
        out[person.id] = route
    return out


def improve(
    problem: Problem,
    travel: TravelMatrix,
    routes: Mapping[str, Route],
    candidates: Mapping[str, Sequence[str]],
    settings: LnsSettings,
    *,
    held: frozenset[str],
    should_stop: Callable[[], bool] | None = None,
) -> LnsOutcome:
    """Return the best plan the compiled core finds from `routes` (staff id -> a checked route).

    Raises `Unsupported` when `unsupported` names a reason or the core cannot time a starting route.
    """
    reason = unsupported(problem, travel, routes, candidates)
    if reason is not None or _Search is None:
        raise Unsupported(reason or "no core")
    started = time.monotonic()
    pricing = Pricing.of_day(problem, settings.overtime_weight, settings.lateness_weight, held)
    groups = day_groups(problem, candidates.keys())
    visits = [v.id for g in groups for v in g.members]
    index = {v: k for k, v in enumerate(visits)}
    search = _Search(*_arguments(problem, travel, candidates, groups, settings, held, pricing))
    for staff, route in routes.items():
        if not route.stops:
            continue
        s = next(k for k, person in enumerate(problem.staff) if person.id == staff)
        ok = search.set_route(s, [index[st.visit] for st in route.stops], [st.start for st in route.stops],
                              [b.start for b in route.breaks])
        if not ok:
            raise Unsupported(f"the core cannot time the route of {staff} as planned")
    search.start()
    patience = settings.patience * CORE_PATIENCE_FACTOR if settings.patience is not None else -1
    while True:
        left = settings.time_limit_seconds - (time.monotonic() - started)
        if left <= 0:
            stopped_by = "time_limit"
            break
        if should_stop is not None and should_stop():
            stopped_by = "stopped"
            break
        stopped_by = search.run(CHUNK, patience, left)
        if stopped_by != "chunk":
            break
    start_routes = dict(routes)
    start_key = _key(problem, groups, start_routes, pricing)
    iterations, work = search.iterations(), search.work()
    found = _routes_of(problem, travel, visits, search.best()) if search.new_bests() else None
    stalled = 2 * search.since_best() >= iterations
    if search.new_bests() and found is None:
        log.warning("the core's best plan cannot be timed by schedule.timing; keeping the plan it started from")
    if found is None or _key(problem, groups, found, pricing) >= start_key:
        served = {v for r in start_routes.values() for v in r.visit_ids}
        return LnsOutcome(start_routes, frozenset(set(candidates) - served), start_key[1], iterations, 0,
                          stopped_by, work, stalled=True)
    key = _key(problem, groups, found, pricing)
    served = {v for r in found.values() for v in r.visit_ids}
    log.info("LNS core: %d iterations, %d new bests, price %d, stopped by %s", iterations, search.new_bests(),
             key[1], stopped_by)
    return LnsOutcome(found, frozenset(set(candidates) - served), key[1], iterations, search.new_bests(),
                      stopped_by, work, stalled=stalled)
