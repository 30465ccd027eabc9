"""The OR-Tools routing adapter: the only module that imports ortools.

It turns the day's servable visits into a routing model, searches, and hands back each
staff member's visits with their start times. Nodes, indices and vehicles stay in here.

Model, in the internal unit (seconds):
- one node per visit and staff slot (a team visit for k staff has k nodes, all or none,
  on distinct staff, starting at the same second); one start and one end node per staff;
- transit = service time of the node left + travel, registered as an integer matrix
  (no Python callbacks in the search), so waiting is the dimension's slack;
- arc cost = travel seconds; overtime is a soft upper bound on each route's end;
- dropping a visit costs a penalty that grows lexicographically with its priority class,
  so serving visits always beats any travel or overtime saving;
- breaks are OR-Tools break intervals with each node's service time as its visit transit.
"""

from __future__ import annotations

import itertools
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from ahs_routing.domain.model import Priority, Problem, Visit, start_ranges
from ahs_routing.travel import TravelMatrix

log = logging.getLogger(__name__)

FIRST_SOLUTION_STRATEGIES = {
    "parallel_cheapest_insertion": routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION,
    "local_cheapest_insertion": routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION,
    "sequential_cheapest_insertion": routing_enums_pb2.FirstSolutionStrategy.SEQUENTIAL_CHEAPEST_INSERTION,
    "path_cheapest_arc": routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC,
    "savings": routing_enums_pb2.FirstSolutionStrategy.SAVINGS,
    "christofides": routing_enums_pb2.FirstSolutionStrategy.CHRISTOFIDES,
    "automatic": routing_enums_pb2.FirstSolutionStrategy.AUTOMATIC,
}

METAHEURISTICS = {
    "guided_local_search": routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH,
    "simulated_annealing": routing_enums_pb2.LocalSearchMetaheuristic.SIMULATED_ANNEALING,
    "tabu_search": routing_enums_pb2.LocalSearchMetaheuristic.TABU_SEARCH,
    "greedy_descent": routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT,
    "automatic": routing_enums_pb2.LocalSearchMetaheuristic.AUTOMATIC,
}

#: Demands and capacities are fractional in the contract; the load dimension counts
#: thousandths (demand rounded up, capacity down, so the model is never too generous).
LOAD_SCALE = 1000
_INT_LIMIT = 2**62


@dataclass(frozen=True, slots=True)
class SearchSettings:
    time_limit: float
    seed: int
    first_solution: str
    metaheuristic: str
    overtime_weight: int
    gls_lambda: float = 0.1
    solution_limit: int | None = None
    patience: int | None = None
    log_search: bool = False
    #: Leave out "all or none" between linked visits (teams, `after`): a relaxed search whose
    #: plan the caller repairs. Insertion heuristics cannot place two nodes at once, so with
    #: the equality they may find no plan at all (measured: none in 8 s on a 110-visit day
    #: with ten `after` links; relaxed, a plan in 0.06 s).
    relax_links: bool = False
    #: Once a plan exists, stop at the first solution after this many seconds (the time limit
    #: still holds when none comes): a leg that must hand over a plan, however long it takes.
    hand_over_after: float | None = None


@dataclass(frozen=True, slots=True)
class Preferences:
    """Soft goals priced in the objective (cost unit: one second of travel).

    - `stranger_cost`: visit id -> (staff who know the family, cost when anyone else serves it);
    - `target_starts`: visit id -> (announced start, tolerance, cost per second beyond it);
    - `lateness_weight`: cost per second a visit starts past its last window (within `late`);
    - `balance_weight`: cost per second a staff member works beyond the team's mean workload;
    - `initial_routes`: staff id -> visit ids, a warm start.
    """

    stranger_cost: Mapping[str, tuple[frozenset[str], int]] = field(default_factory=dict)
    target_starts: Mapping[str, tuple[int, int, int]] = field(default_factory=dict)
    lateness_weight: int = 1
    balance_weight: int = 0
    initial_routes: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(slots=True)
class StaffDay:
    """What the search decided for one staff member (clock times in seconds)."""

    departure: int
    arrival: int
    visits: list[tuple[str, int]] = field(default_factory=list)
    breaks: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True)
class SearchOutcome:
    days: dict[str, StaffDay]
    dropped: set[str]
    found: bool
    objective: int
    first_solution_seconds: float | None
    status: str
    solutions: int = 0
    stopped_by: str = "time_limit"


@dataclass(slots=True)
class _Node:
    visit: Visit
    place: int
    service: int


def drop_penalties(counts: Mapping[Priority, int], worst_cost: int) -> dict[Priority, int]:
    """Return a drop penalty per priority class: each exceeds all lower classes and all costs.

    `worst_cost` bounds every travel and overtime cost a plan can have, so serving one more
    visit of a class always beats any saving in cost or any number of lower-class visits.
    """
    penalties: dict[Priority, int] = {}
    below = worst_cost
    for priority in sorted(Priority):
        penalties[priority] = below + 1
        below += (below + 1) * counts.get(priority, 0)
    if below < _INT_LIMIT:
        return penalties
    # Thousands of visits in every class: strict lexicographic penalties would overflow 64-bit
    # costs. Fall back to classes `ratio` times apart, the largest ratio whose total still fits;
    # every visit still outweighs any saving in cost.
    ratio = 1 << 20
    while ratio > 1 and sum(counts.get(p, 0) * (worst_cost + 1) * ratio**rank
                            for rank, p in enumerate(sorted(Priority))) >= _INT_LIMIT:
        ratio //= 2
    log.warning("too many visits for strict lexicographic priorities; classes are %d times apart", ratio)
    return {priority: (worst_cost + 1) * ratio**rank for rank, priority in enumerate(sorted(Priority))}


def search(
    problem: Problem,
    travel: TravelMatrix,
    candidates: Mapping[str, Sequence[str]],
    settings: SearchSettings,
    preferences: Preferences | None = None,
    on_solution: Callable[[float, int, int], None] | None = None,
) -> SearchOutcome:
    """Return the routes OR-Tools finds for the visits in `candidates` (visit id -> staff ids)."""
    started = time.monotonic()
    preferences = preferences or Preferences()
    staff = list(problem.staff)
    staff_index = {s.id: v for v, s in enumerate(staff)}
    order = [v for v in problem.visits if v.id in candidates]
    if settings.seed:
        random.Random(settings.seed).shuffle(order)

    nodes: list[_Node] = []
    copies: dict[str, list[int]] = {}
    for visit in order:
        place = travel.index(problem.place_of_visit(visit))
        on_site = problem.service_seconds(visit)
        copies[visit.id] = []
        for _ in range(visit.staff_count):
            copies[visit.id].append(len(nodes))
            nodes.append(_Node(visit, place, on_site))
    n_visit_nodes = len(nodes)
    places: list[int] = [n.place for n in nodes]
    service: list[int] = [n.service for n in nodes]
    # One depot node per distinct start or end place, shared by everyone who starts or ends
    # there: staff with the same depots then form one vehicle class, which OR-Tools treats as
    # interchangeable. A node per staff member instead cost 3% on Solomon C101 (852.6 vs 827.3).
    depot_of: dict[str, int] = {}
    for person in staff:
        for place_id in (problem.start_place(person), problem.end_place(person)):
            if place_id not in depot_of:
                depot_of[place_id] = len(places)
                places.append(travel.index(place_id))
                service.append(0)
    starts = [depot_of[problem.start_place(p)] for p in staff]
    ends = [depot_of[problem.end_place(p)] for p in staff]

    horizon = max(p.latest_end for p in staff)
    seconds = travel.seconds_array()
    place_array = np.array(places, dtype=np.int64)
    # A trip longer than the whole horizon can never be driven; capping it changes nothing
    # in the model and keeps every cost bound (and so the priority penalties) within 64 bits.
    travel_nodes = np.minimum(seconds[np.ix_(place_array, place_array)], horizon + 1)
    time_nodes = travel_nodes + np.array(service, dtype=np.int64)[:, None]

    manager = pywrapcp.RoutingIndexManager(len(places), len(staff), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    solver = routing.solver()

    travel_cb = routing.RegisterTransitMatrix(travel_nodes.tolist())
    time_cb = routing.RegisterTransitMatrix(time_nodes.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(travel_cb)

    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")

    for v, person in enumerate(staff):
        start_index, end_index = routing.Start(v), routing.End(v)
        time_dim.CumulVar(start_index).SetRange(person.shift.start, person.latest_end)
        time_dim.CumulVar(end_index).SetRange(person.shift.start, person.latest_end)
        if person.overtime > 0:
            time_dim.SetCumulVarSoftUpperBound(end_index, person.shift.end, settings.overtime_weight)

    earliest_shift = min(p.shift.start for p in staff)
    for node_id, node in enumerate(nodes):
        index = manager.NodeToIndex(node_id)
        cumul = time_dim.CumulVar(index)
        ranges = start_ranges(node.visit)
        soft_end: tuple[int, int] | None = None
        if ranges:
            cumul.SetRange(max(ranges[0][0], earliest_shift), max(min(ranges[-1][1], horizon), earliest_shift))
            for (_, first_end), (second_start, _) in itertools.pairwise(ranges):
                cumul.RemoveInterval(first_end + 1, second_start - 1)
            if node.visit.late:
                soft_end = (ranges[-1][1] - node.visit.late, preferences.lateness_weight)
        target = preferences.target_starts.get(node.visit.id)
        if target is not None:
            moment, tolerance, weight = target
            time_dim.SetCumulVarSoftLowerBound(index, max(0, moment - tolerance), weight)
            if soft_end is None or moment + tolerance < soft_end[0]:
                soft_end = (moment + tolerance, max(weight, soft_end[1] if soft_end else 0))
        if soft_end is not None:
            time_dim.SetCumulVarSoftUpperBound(index, soft_end[0], soft_end[1])
        routing.AddVariableMinimizedByFinalizer(cumul)

    # Visits as early as their windows allow, then every route home as early as possible;
    # the departure is set as late as the first visit allows when the plan is written.
    for v in range(len(staff)):
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))
    _add_breaks(routing, manager, time_dim, staff, service)
    _add_continuity(routing, manager, nodes, staff, preferences.stranger_cost, len(places))
    if preferences.balance_weight > 0:
        # Mean workload: everyone's share of the service time plus the cheapest way into each visit.
        work = sum(service) + int(travel_nodes[:n_visit_nodes].min(axis=0, initial=0).sum())
        mean = work // max(1, len(staff))
        for v in range(len(staff)):
            time_dim.SetSoftSpanUpperBoundForVehicle(pywrapcp.BoundCost(mean, preferences.balance_weight), v)
    _add_travel_caps(routing, travel_cb, staff)
    _add_load(routing, manager, nodes, staff, len(places))

    # Who may serve what: only candidate staff (the diagnosis already checked skills etc.).
    all_vehicles = set(range(len(staff)))
    for visit_id, node_ids in copies.items():
        allowed = sorted(staff_index[s] for s in candidates[visit_id])
        if set(allowed) != all_vehicles:
            for node_id in node_ids:
                routing.VehicleVar(manager.NodeToIndex(node_id)).SetValues([-1, *allowed])

    # Every visit node is entered once and every route ends once: a bound on all travel.
    incoming = travel_nodes.max(axis=0)
    worst_cost = (int(incoming[:n_visit_nodes].sum()) + sum(int(incoming[e]) for e in ends)
                  + settings.overtime_weight * sum(p.overtime for p in staff)
                  + _stranger_total(nodes, preferences.stranger_cost)
                  + preferences.lateness_weight * sum(n.visit.late for n in nodes)
                  + sum(w * horizon for _, _, w in preferences.target_starts.values())
                  + preferences.balance_weight * horizon * len(staff))
    counts: dict[Priority, int] = {}
    for node in nodes:
        counts[node.visit.priority] = counts.get(node.visit.priority, 0) + 1
    penalties = drop_penalties(counts, worst_cost)
    for node_id, node in enumerate(nodes):
        routing.AddDisjunction([manager.NodeToIndex(node_id)], penalties[node.visit.priority])

    _link_teams(routing, manager, solver, time_dim, copies, settings.relax_links)
    _link_intervals(routing, manager, solver, time_dim, problem, copies, settings.relax_links)

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = FIRST_SOLUTION_STRATEGIES[settings.first_solution]
    params.local_search_metaheuristic = METAHEURISTICS[settings.metaheuristic]
    params.guided_local_search_lambda_coefficient = settings.gls_lambda
    remaining = max(0.05, settings.time_limit - (time.monotonic() - started))
    params.time_limit.FromMilliseconds(int(remaining * 1000))
    if settings.solution_limit is not None:
        params.solution_limit = settings.solution_limit
    params.log_search = settings.log_search

    first_found: list[float] = []
    best = [_INT_LIMIT]
    count = [0]
    last_improvement = [0]
    converged = [False]
    handed_over = [False]

    # The callback lives inside the C++ model; a closure over `routing` would make a cycle
    # through C++ that Python's collector cannot see, leaking the whole model on every solve
    # (measured: 11 MB per solve of a 100-visit day). It reaches the model through `live`,
    # emptied when the search is over.
    live: dict[str, Any] = {"routing": routing, "manager": manager, "solver": solver}

    def record() -> None:
        # Runs once per accepted solution, not per move: cheap enough to keep.
        model, index_of = live["routing"], live["manager"].NodeToIndex
        count[0] += 1
        cost = model.CostVar().Max()
        if not first_found:
            first_found.append(time.monotonic() - started)
        if settings.patience is not None and count[0] - last_improvement[0] > settings.patience:
            # A stop decided by the sequence of solutions, not the clock: reproducible.
            converged[0] = True
            live["solver"].FinishCurrentSearch()
        elif settings.hand_over_after is not None and time.monotonic() - started >= settings.hand_over_after:
            handed_over[0] = True
            live["solver"].FinishCurrentSearch()
        if cost < best[0]:
            best[0] = cost
            last_improvement[0] = count[0]
            if on_solution is not None:
                served = sum(1 for i in range(n_visit_nodes) if model.NextVar(index_of(i)).Bound()
                             and model.NextVar(index_of(i)).Value() != index_of(i))
                on_solution(time.monotonic() - started, cost, served)

    routing.AddAtSolutionCallback(record)
    try:
        initial = _initial_assignment(routing, manager, copies, staff_index, preferences.initial_routes)
        if initial is not None:
            solution = routing.SolveFromAssignmentWithParameters(initial, params)
        else:
            solution = routing.SolveWithParameters(params)
        status = routing.status()
        status_name = _STATUS_NAMES.get(status, str(status))
        if solution is None:
            return SearchOutcome({}, set(candidates), False, 0, None, status_name)
        return SearchOutcome(
            days=_read_days(routing, manager, solution, time_dim, staff, nodes),
            dropped={nodes[i].visit.id for i in range(n_visit_nodes)
                     if solution.Value(routing.NextVar(manager.NodeToIndex(i))) == manager.NodeToIndex(i)},
            found=True,
            objective=solution.ObjectiveValue(),
            first_solution_seconds=first_found[0] if first_found else None,
            status=status_name,
            solutions=count[0],
            stopped_by="handed_over" if handed_over[0] else _stop_reason(converged[0], count[0], settings, started),
        )
    finally:
        live.clear()


def _stop_reason(converged: bool, solutions: int, settings: SearchSettings, started: float) -> str:
    if converged:
        return "converged"
    if settings.solution_limit is not None and solutions >= settings.solution_limit:
        return "solution_limit"
    if time.monotonic() - started >= settings.time_limit * 0.98:
        return "time_limit"
    return "search_completed"


_STATUS_NAMES = {
    0: "not_solved",
    1: "success",
    2: "partial_success_local_optimum_not_reached",
    3: "fail",
    4: "fail_timeout",
    5: "invalid",
    6: "infeasible",
    7: "optimal",
}


def _add_breaks(routing, manager, time_dim, staff, service) -> None:  # type: ignore[no-untyped-def]
    solver = routing.solver()
    visit_transits = [0] * routing.Size()
    for index in range(routing.Size()):
        visit_transits[index] = int(service[manager.IndexToNode(index)])
    for v, person in enumerate(staff):
        if not person.breaks:
            continue
        intervals = []
        for b, brk in enumerate(person.breaks):
            earliest = max(brk.earliest_start, person.shift.start)
            latest = min(brk.latest_end, person.latest_end) - brk.duration
            intervals.append(solver.FixedDurationIntervalVar(earliest, latest, brk.duration, False, f"break {v}/{b}"))
        time_dim.SetBreakIntervalsOfVehicle(intervals, v, visit_transits)


def _add_continuity(routing, manager, nodes, staff, stranger_cost, size) -> None:  # type: ignore[no-untyped-def]
    """Price visits served by someone the family does not know: a per-staff unary cost, summed
    by a dimension whose span is charged one for one."""
    if not stranger_cost:
        return
    vectors: dict[tuple[int, ...], int] = {}
    evaluators = []
    for person in staff:
        costs = [0] * size
        for node_id, node in enumerate(nodes):
            wish = stranger_cost.get(node.visit.id)
            if wish is not None and person.id not in wish[0]:
                costs[node_id] = wish[1]
        key = tuple(costs)
        if key not in vectors:
            vectors[key] = routing.RegisterUnaryTransitVector(list(key))
        evaluators.append(vectors[key])
    total = _stranger_total(nodes, stranger_cost)
    routing.AddDimensionWithVehicleTransits(evaluators, 0, max(1, total), True, "continuity")
    routing.GetDimensionOrDie("continuity").SetSpanCostCoefficientForAllVehicles(1)


def _stranger_total(nodes, stranger_cost) -> int:  # type: ignore[no-untyped-def]
    """Return the most continuity cost a plan can have: every node served by a stranger."""
    return sum(stranger_cost[n.visit.id][1] for n in nodes if n.visit.id in stranger_cost)


def _initial_assignment(routing, manager, copies, staff_index, initial_routes) -> Any:  # type: ignore[no-untyped-def]
    """Return a warm-start assignment from staff -> visit ids, or None when none is given or valid."""
    if not initial_routes:
        return None
    used: dict[str, int] = {}
    routes: list[list[int]] = [[] for _ in range(len(staff_index))]
    for staff_id, visit_ids in initial_routes.items():
        if staff_id not in staff_index:
            continue
        for visit_id in visit_ids:
            node_ids = copies.get(visit_id)
            if not node_ids or used.get(visit_id, 0) >= len(node_ids):
                continue
            routes[staff_index[staff_id]].append(manager.NodeToIndex(node_ids[used.get(visit_id, 0)]))
            used[visit_id] = used.get(visit_id, 0) + 1
    routing.CloseModel()
    # RoutesToAssignment only records the successors; ReadAssignmentFromRoutes would run an
    # unbounded CP search to complete them and was seen to hang for over 20 minutes on a
    # day with breaks, teams and `after` links. The time-limited solve completes it instead.
    assignment = routing.solver().Assignment()
    if not routing.RoutesToAssignment(routes, True, True, assignment):
        return None
    return assignment


def _add_travel_caps(routing, travel_cb, staff) -> None:  # type: ignore[no-untyped-def]
    if all(p.max_travel is None for p in staff):
        return
    caps = [p.max_travel if p.max_travel is not None else _INT_LIMIT // 4 for p in staff]
    routing.AddDimensionWithVehicleCapacity(travel_cb, 0, caps, True, "travel")


def _add_load(routing, manager, nodes, staff, size) -> None:  # type: ignore[no-untyped-def]
    if all(p.capacity is None for p in staff) or all(n.visit.demand == 0 for n in nodes):
        return
    demands = [0] * size
    for node_id, node in enumerate(nodes):
        demands[node_id] = int(np.ceil(node.visit.demand * LOAD_SCALE - 1e-9))
    caps = [int(np.floor(p.capacity * LOAD_SCALE + 1e-9)) if p.capacity is not None else _INT_LIMIT // 4
            for p in staff]
    demand_cb = routing.RegisterUnaryTransitVector(demands)
    routing.AddDimensionWithVehicleCapacity(demand_cb, 0, caps, True, "load")


def _link_teams(routing, manager, solver, time_dim, copies, relaxed) -> None:  # type: ignore[no-untyped-def]
    """Team visits: all copies served or none (unless `relaxed`), on distinct staff, starting together."""
    for node_ids in copies.values():
        if len(node_ids) < 2:
            continue
        indices = [manager.NodeToIndex(n) for n in node_ids]
        first = indices[0]
        for other in indices[1:]:
            if not relaxed:
                solver.Add(routing.ActiveVar(first) == routing.ActiveVar(other))
            solver.Add(time_dim.CumulVar(first) == time_dim.CumulVar(other))
            # Declared on the dimension too, so the routing filters see the link.
            time_dim.AddNodePrecedence(first, other, 0)
            time_dim.AddNodePrecedence(other, first, 0)
        solver.Add(solver.AllDifferentExcept([routing.VehicleVar(i) for i in indices], -1))


def _link_intervals(routing, manager, solver, time_dim, problem, copies, relaxed) -> None:  # type: ignore[no-untyped-def]
    """`after` links: both served or neither (unless `relaxed`); start-to-start gap within [min, max]."""
    for visit in problem.visits:
        if visit.after is None or visit.id not in copies or visit.after.visit not in copies:
            continue
        first = manager.NodeToIndex(copies[visit.after.visit][0])
        then = manager.NodeToIndex(copies[visit.id][0])
        if not relaxed:
            solver.Add(routing.ActiveVar(first) == routing.ActiveVar(then))
        time_dim.AddNodePrecedence(first, then, visit.after.min_gap)
        if visit.after.max_gap is not None:
            time_dim.AddNodePrecedence(then, first, -visit.after.max_gap)


def _read_days(routing, manager, solution, time_dim, staff, nodes) -> dict[str, StaffDay]:  # type: ignore[no-untyped-def]
    days: dict[str, StaffDay] = {}
    breaks_by_vehicle: dict[int, list[tuple[int, int]]] = {}
    intervals = solution.IntervalVarContainer()
    for i in range(intervals.Size()):
        element = intervals.Element(i)
        if element.PerformedValue():
            vehicle = int(element.Var().Name().split(" ")[1].split("/")[0])
            breaks_by_vehicle.setdefault(vehicle, []).append(
                (element.StartValue(), element.StartValue() + element.DurationValue())
            )
    for v, person in enumerate(staff):
        index = routing.Start(v)
        day = StaffDay(departure=solution.Value(time_dim.CumulVar(index)), arrival=0)
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            day.visits.append((nodes[node].visit.id, solution.Value(time_dim.CumulVar(index))))
            index = solution.Value(routing.NextVar(index))
        day.arrival = solution.Value(time_dim.CumulVar(index))
        day.breaks = sorted(breaks_by_vehicle.get(v, []))
        if day.visits:
            days[person.id] = day
    return days
