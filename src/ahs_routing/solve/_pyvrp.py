"""A PyVRP warm start for days whose rules PyVRP expresses exactly (the only module importing pyvrp).

PyVRP's hybrid genetic search is the strongest open solver on plain VRPTW, but it has no
breaks, team visits, `after` links, several windows per visit or per-visit staff
restrictions. On days without any of those it plans the core routing problem for a share
of the time limit; its routes then warm-start the OR-Tools search, which holds every rule
of the contract, and the plan checker checks the result as always. On any other day, or
when pyvrp is not installed, nothing happens here.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import numpy as np

from ahs_routing.domain.model import Priority, Problem, Visit, start_ranges
from ahs_routing.solve.scaling import capacity_units, demand_units
from ahs_routing.travel import TravelMatrix

log = logging.getLogger(__name__)

#: Accepted iterations without improvement after which PyVRP stops early (a reproducible stop).
NO_IMPROVEMENT_ITERATIONS = 20_000
_UNBOUNDED = 2**40


@functools.cache
def available() -> bool:
    """True when pyvrp can be imported; the first time it cannot, say so once, as a WARNING."""
    if importlib.util.find_spec("pyvrp") is not None:
        return True
    # A core dependency since 0.2.0: missing only after `pip install --no-deps` or an uninstall.
    log.warning("pyvrp is not installed: plain days get no PyVRP warm start and the VRPTW figures of "
                "benchmarks/RESULTS.md do not hold; pip install 'pyvrp>=0.14,<0.15'")
    return False


@functools.cache
def installed_version() -> str | None:
    """Return the installed pyvrp version, or None when it is not installed."""
    try:
        return metadata.version("pyvrp")
    except metadata.PackageNotFoundError:
        return None


def why_not(problem: Problem, candidates: Mapping[str, Sequence[str]]) -> str | None:
    """Return why PyVRP cannot express this day exactly, or None when it can."""
    if any(person.breaks for person in problem.staff):
        return "staff have breaks"
    staff_ids = {s.id for s in problem.staff}
    for visit in problem.visits:
        if visit.id not in candidates:
            continue
        if visit.staff_count > 1 or visit.after is not None:
            return "team visits or 'after' links"
        if len(visit.windows) > 1:
            return "a visit has several windows"
        if set(candidates[visit.id]) != staff_ids:
            return "some visits are restricted to some staff"
        if visit.late:
            return "lateness tolerances"
    if any(p.preferred_staff for p in problem.patients):
        return "continuity preferences"
    return None


def warm_start(
    problem: Problem,
    travel: TravelMatrix,
    candidates: Mapping[str, Sequence[str]],
    penalties: Mapping[Priority, int],
    seconds: float,
    seed: int,
    overtime_weight: int,
    should_stop: Callable[[], bool] | None = None,
    iterations: int | None = None,
) -> WarmStart:
    """Return staff id -> visit ids planned by PyVRP in at most `iterations` and `seconds` (routes None if
    it found nothing feasible), with the iterations it ran.

    `should_stop`, when given, is polled once per iteration and ends the search early when True.
    """
    from pyvrp import Model
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement

    model = Model()
    visits = [v for v in problem.visits if v.id in candidates]
    place_ids = list(dict.fromkeys(
        [problem.start_place(s) for s in problem.staff] + [problem.end_place(s) for s in problem.staff]
    ))
    # One PyVRP location per depot and per visit, even at the same place; coordinates are
    # unused because every edge is given.
    locations, depots = _add_depots(model, place_ids)
    type_staff = _add_vehicle_types(model, problem, depots, overtime_weight)
    locations += _add_clients(model, problem, visits, penalties)
    rows = [travel.index(p) for p in place_ids] + [travel.index(problem.place_of_visit(v)) for v in visits]
    _add_edges(model, travel, locations, rows)
    criteria: list[Any] = [MaxRuntime(seconds), NoImprovement(NO_IMPROVEMENT_ITERATIONS)]
    if iterations is not None:
        criteria.append(MaxIterations(iterations))
    if should_stop is not None:
        criteria.append(lambda _best_cost: should_stop())
    stop = MultipleCriteria(criteria)
    result = model.solve(stop=stop, seed=seed, display=False)
    clock_cut = result.runtime >= seconds
    if not result.best.is_feasible():
        log.info("the PyVRP warm start found no feasible plan in %.1fs", seconds)
        return WarmStart(None, result.num_iterations, result.runtime, clock_cut)
    return WarmStart(_routes(result.best, type_staff, visits), result.num_iterations, result.runtime, clock_cut)


@dataclass(frozen=True, slots=True)
class WarmStart:
    """PyVRP's plan (staff id -> visit ids; None when nothing feasible), its iterations and seconds, and
    whether its clock cap ended it."""

    routes: dict[str, list[str]] | None
    iterations: int
    seconds: float
    clock_cut: bool


def _add_depots(model: Any, place_ids: Sequence[str]) -> tuple[list[Any], dict[str, Any]]:
    """Add one location and depot per start or end place; return the locations and place id -> depot."""
    locations = []
    depots = {}
    for place_id in place_ids:
        locations.append(model.add_location(x=0, y=0))
        depots[place_id] = model.add_depot(locations[-1], name=place_id)
    return locations, depots


def _add_vehicle_types(
    model: Any, problem: Problem, depots: Mapping[str, Any], overtime_weight: int
) -> list[list[str]]:
    """Add one vehicle type per group of like staff; return each type's staff ids."""
    # Staff with the same depots, shift, overtime, capacity and travel cap form one vehicle type.
    kinds: dict[tuple[str, str, int, int, int, float | None, int | None], list[str]] = {}
    for person in problem.staff:
        key = (problem.start_place(person), problem.end_place(person), person.shift.start, person.shift.end,
               person.overtime, person.capacity, person.max_travel)
        kinds.setdefault(key, []).append(person.id)
    type_staff: list[list[str]] = []
    for (start, end, shift_start, shift_end, overtime, capacity, max_travel), members in kinds.items():
        model.add_vehicle_type(
            num_available=len(members),
            capacity=[capacity_units(capacity) if capacity is not None else _UNBOUNDED],
            start_depot=depots[start],
            end_depot=depots[end],
            tw_early=shift_start,
            tw_late=shift_end + overtime,
            shift_duration=shift_end - shift_start,
            max_overtime=overtime,
            unit_overtime_cost=overtime_weight,
            max_distance=max_travel if max_travel is not None else _UNBOUNDED,
        )
        type_staff.append(members)
    return type_staff


def _add_clients(model: Any, problem: Problem, visits: Sequence[Visit], penalties: Mapping[Priority, int]) -> list[Any]:
    """Add one optional client per visit, its prize the drop penalty of its priority; return their locations."""
    locations = []
    for visit in visits:
        ranges = start_ranges(visit)
        early, late = ranges[0] if ranges else (0, _UNBOUNDED)
        locations.append(model.add_location(x=0, y=0))
        model.add_client(
            locations[-1],
            delivery=[demand_units(visit.demand)],
            service_duration=problem.service_seconds(visit),
            tw_early=early,
            tw_late=late,
            required=False,
            prize=min(penalties[visit.priority], _UNBOUNDED),
            name=visit.id,
        )
    return locations


def _add_edges(model: Any, travel: TravelMatrix, locations: Sequence[Any], rows: Sequence[int]) -> None:
    """Add every edge between the locations, travel seconds as both distance and duration."""
    seconds_matrix = travel.seconds_array()[np.ix_(rows, rows)]
    for i, frm in enumerate(locations):
        for j, to in enumerate(locations):
            value = int(seconds_matrix[i, j])
            model.add_edge(frm, to, distance=value, duration=value)


def _routes(solution: Any, type_staff: Sequence[Sequence[str]], visits: Sequence[Visit]) -> dict[str, list[str]]:
    """Return staff id -> visit ids of a PyVRP solution, each type's routes given to its staff in turn."""
    routes: dict[str, list[str]] = {}
    used = [0] * len(type_staff)
    for route in solution.routes():
        kind = route.vehicle_type()
        staff_id = type_staff[kind][used[kind]]
        used[kind] += 1
        # A route is a sequence of activities; a client activity's idx counts clients from 0.
        routes[staff_id] = [visits[activity.idx].id for activity in route if activity.is_client()]
    return routes
