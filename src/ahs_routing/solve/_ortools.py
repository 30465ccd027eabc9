"""The OR-Tools routing adapter: the only module that imports ortools.

It turns the day's servable visits into a routing model, searches, and hands back each
staff member's visits with their start times. Nodes (laid out by `ahs_routing.solve._nodes`),
indices and vehicles stay in here; the prices come from `ahs_routing.solve.penalties`.
`search` reads as its steps: lay out the nodes, build the model (`_model`: dimensions, windows,
breaks, soft costs, caps, who may serve what, drop penalties, links), set the parameters,
run, read the solution.

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
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from ahs_routing.domain.model import Priority, Problem, start_ranges
from ahs_routing.schedule.timing import RouteSketch
from ahs_routing.solve._nodes import Node, NodeGraph, node_graph
from ahs_routing.solve.penalties import COST_LIMIT, Preferences, drop_penalties
from ahs_routing.solve.scaling import capacity_units, demand_units
from ahs_routing.solve.work import WorkDone
from ahs_routing.travel import TravelMatrix

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

#: Clock limit of one LNS sub-search: far above what one takes, so that none is cut by the clock.
LNS_TIME_LIMIT_SECONDS = 1000


@dataclass(frozen=True, slots=True)
class SearchSettings:
    """How one search runs: its time, seed, heuristics, overtime price and stopping rules."""

    time_limit_seconds: float
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
    hand_over_after_seconds: float | None = None
    #: Polled at every accepted solution; True ends the search with the best plan so far
    #: (`stopped_by` "cancelled"). Not carried into forked portfolio searches (not picklable).
    should_stop: Callable[[], bool] | None = None


@dataclass(slots=True)
class SearchOutcome:
    """What a search found, in visit and staff ids: each staff member's route sketch and the visits left out."""

    sketches: dict[str, RouteSketch]
    dropped: set[str]
    found: bool
    objective: int
    first_solution_seconds: float | None
    status: str
    solutions: int = 0
    stopped_by: str = "time_limit"
    #: Iterations of the group moves that followed this search (`solve.lns`), if any.
    iterations: int = 0
    #: True when the clock, not a count, ended this search or any part of it: the plan may then
    #: differ between runs with the same seed and budget.
    clock_cut: bool = False
    #: What each part of the search counted, and its seconds.
    work_done: WorkDone = field(default_factory=WorkDone)
    #: True when the last half of the search's solutions brought no new best: it had stopped improving.
    stalled: bool = False


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
    graph = node_graph(problem, travel, candidates, settings.seed)
    model = _model(problem, graph, candidates, settings, preferences)
    params = _parameters(settings, max(0.05, settings.time_limit_seconds - (time.monotonic() - started)))
    watch = _Watch(model, settings, started, len(graph.nodes), on_solution)
    model.routing.AddAtSolutionCallback(watch.record)
    try:
        solution = _run(model, graph, params, preferences.initial_routes)
        return _outcome(model, graph, solution, watch, set(candidates))
    finally:
        watch.release()


@dataclass(frozen=True, slots=True)
class _Model:
    """One OR-Tools routing model with the handles its building and reading steps share."""

    routing: Any
    manager: Any
    time_dim: Any
    travel_cb: int

    def index(self, node_id: int) -> int:
        """Return the routing index of a node."""
        return int(self.manager.NodeToIndex(node_id))


def _model(
    problem: Problem,
    graph: NodeGraph,
    candidates: Mapping[str, Sequence[str]],
    settings: SearchSettings,
    preferences: Preferences,
) -> _Model:
    """Return the routing model of the day with every rule and price of the contract (see the module docstring)."""
    model = _routing_model(graph)
    _add_shifts(model, graph, settings.overtime_weight)
    _add_windows(model, graph, preferences)
    _prefer_early(model, graph)
    _add_breaks(model, graph)
    _add_continuity(model, graph, preferences.stranger_cost)
    _add_balance(model, graph, preferences.balance_weight)
    _add_travel_caps(model, graph)
    _add_load(model, graph)
    _restrict_staff(model, graph, candidates)
    _add_drop_penalties(model, graph, settings.overtime_weight, preferences)
    _link_teams(model, graph, settings.relax_links)
    _link_intervals(model, graph, problem, settings.relax_links)
    return model


def _routing_model(graph: NodeGraph) -> _Model:
    """Return a model with one vehicle per staff member, travel as the arc cost and the time dimension."""
    manager = pywrapcp.RoutingIndexManager(len(graph.service), len(graph.staff), graph.starts, graph.ends)
    routing = pywrapcp.RoutingModel(manager)
    travel_cb = routing.RegisterTransitMatrix(graph.travel.tolist())
    time_cb = routing.RegisterTransitMatrix(graph.time.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(travel_cb)
    routing.AddDimension(time_cb, graph.horizon, graph.horizon, False, "time")
    return _Model(routing, manager, routing.GetDimensionOrDie("time"), travel_cb)


def _add_shifts(model: _Model, graph: NodeGraph, overtime_weight: int) -> None:
    """Each route within its staff member's shift and overtime; overtime priced per second."""
    for v, person in enumerate(graph.staff):
        start_index, end_index = model.routing.Start(v), model.routing.End(v)
        model.time_dim.CumulVar(start_index).SetRange(person.shift.start, person.latest_end)
        model.time_dim.CumulVar(end_index).SetRange(person.shift.start, person.latest_end)
        if person.overtime > 0:
            model.time_dim.SetCumulVarSoftUpperBound(end_index, person.shift.end, overtime_weight)


def _add_windows(model: _Model, graph: NodeGraph, preferences: Preferences) -> None:
    """Each visit starts in one of its windows; lateness and distance from an announced start are priced."""
    earliest_shift = min(p.shift.start for p in graph.staff)
    for node_id, node in enumerate(graph.nodes):
        index = model.index(node_id)
        cumul = model.time_dim.CumulVar(index)
        ranges = start_ranges(node.visit)
        soft_end: tuple[int, int] | None = None
        if ranges:
            cumul.SetRange(max(ranges[0][0], earliest_shift), max(min(ranges[-1][1], graph.horizon), earliest_shift))
            for (_, first_end), (second_start, _) in itertools.pairwise(ranges):
                cumul.RemoveInterval(first_end + 1, second_start - 1)
            if node.visit.late:
                soft_end = (ranges[-1][1] - node.visit.late, preferences.lateness_weight)
        target = preferences.target_starts.get(node.visit.id)
        if target is not None:
            moment, tolerance, weight = target
            model.time_dim.SetCumulVarSoftLowerBound(index, max(0, moment - tolerance), weight)
            if soft_end is None or moment + tolerance < soft_end[0]:
                soft_end = (moment + tolerance, max(weight, soft_end[1] if soft_end else 0))
        if soft_end is not None:
            model.time_dim.SetCumulVarSoftUpperBound(index, soft_end[0], soft_end[1])


def _prefer_early(model: _Model, graph: NodeGraph) -> None:
    """Visits as early as their windows allow, then every route home as early as possible.

    The departure is set as late as the first visit allows when the plan is written.
    """
    for node_id in range(len(graph.nodes)):
        model.routing.AddVariableMinimizedByFinalizer(model.time_dim.CumulVar(model.index(node_id)))
    for v in range(len(graph.staff)):
        model.routing.AddVariableMinimizedByFinalizer(model.time_dim.CumulVar(model.routing.End(v)))


def _add_balance(model: _Model, graph: NodeGraph, weight: int) -> None:
    """Price each second a route lasts beyond the mean workload."""
    if weight <= 0:
        return
    # Mean workload: everyone's share of the service time plus the cheapest way into each visit.
    work = sum(graph.service) + int(graph.travel[:len(graph.nodes)].min(axis=0, initial=0).sum())
    mean = work // max(1, len(graph.staff))
    for v in range(len(graph.staff)):
        model.time_dim.SetSoftSpanUpperBoundForVehicle(pywrapcp.BoundCost(mean, weight), v)


def _restrict_staff(model: _Model, graph: NodeGraph, candidates: Mapping[str, Sequence[str]]) -> None:
    """Who may serve what: only candidate staff (the diagnosis already checked skills etc.)."""
    all_vehicles = set(range(len(graph.staff)))
    for visit_id, node_ids in graph.copies.items():
        allowed = sorted(graph.vehicle_of[s] for s in candidates[visit_id])
        if set(allowed) != all_vehicles:
            for node_id in node_ids:
                model.routing.VehicleVar(model.index(node_id)).SetValues([-1, *allowed])


def _add_drop_penalties(model: _Model, graph: NodeGraph, overtime_weight: int, preferences: Preferences) -> None:
    """Make every visit node droppable at its priority class's penalty, above any cost a plan can have."""
    # Every visit node is entered once and every route ends once: a bound on all travel.
    incoming = graph.travel.max(axis=0)
    n_visit_nodes = len(graph.nodes)
    worst_cost = (int(incoming[:n_visit_nodes].sum()) + sum(int(incoming[e]) for e in graph.ends)
                  + overtime_weight * sum(p.overtime for p in graph.staff)
                  + _stranger_total(graph.nodes, preferences.stranger_cost)
                  + preferences.lateness_weight * sum(n.visit.late for n in graph.nodes)
                  + sum(w * graph.horizon for _, _, w in preferences.target_starts.values())
                  + preferences.balance_weight * graph.horizon * len(graph.staff))
    counts: dict[Priority, int] = {}
    for node in graph.nodes:
        counts[node.visit.priority] = counts.get(node.visit.priority, 0) + 1
    penalties = drop_penalties(counts, worst_cost)
    for node_id, node in enumerate(graph.nodes):
        model.routing.AddDisjunction([model.index(node_id)], penalties[node.visit.priority])


def _parameters(settings: SearchSettings, time_limit_seconds: float) -> Any:
    """Return the search parameters: first solution, metaheuristic, limits."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = FIRST_SOLUTION_STRATEGIES[settings.first_solution]
    params.local_search_metaheuristic = METAHEURISTICS[settings.metaheuristic]
    params.guided_local_search_lambda_coefficient = settings.gls_lambda
    params.time_limit.FromMilliseconds(int(time_limit_seconds * 1000))
    # Each LNS sub-search of the local search stops at a clock limit (default 100 ms), so under
    # load the same seed and solution limit gave other plans (1047/1050 min on a 100-visit day
    # with breaks). Without a practical clock limit they stop by their own counted limits:
    # 7 of 7 runs under load gave the same plan. The search's time limit still caps all.
    params.lns_time_limit.FromSeconds(LNS_TIME_LIMIT_SECONDS)
    if settings.solution_limit is not None:
        params.solution_limit = settings.solution_limit
    params.log_search = settings.log_search
    return params


class _Watch:
    """Counts the search's solutions, reports new bests and ends the search by its own rules.

    Its `record` lives inside the C++ model; holding the model directly would make a cycle
    through C++ that Python's collector cannot see, leaking the whole model on every solve
    (measured: 11 MB per solve of a 100-visit day). It reaches the model through `live`,
    emptied by `release` when the search is over.
    """

    def __init__(
        self, model: _Model, settings: SearchSettings, started: float, n_visit_nodes: int,
        on_solution: Callable[[float, int, int], None] | None,
    ) -> None:
        self.live: dict[str, Any] = {"routing": model.routing, "manager": model.manager,
                                     "solver": model.routing.solver()}
        self.settings = settings
        self.started = started
        self.n_visit_nodes = n_visit_nodes
        self.on_solution = on_solution
        self.first_solution_seconds: float | None = None
        self.best = COST_LIMIT
        self.count = 0
        self.last_improvement = 0
        self.converged = False
        self.handed_over = False
        self.cancelled = False

    def record(self) -> None:
        """Take note of an accepted solution; stop the search when patience or the hand-over says so."""
        # Runs once per accepted solution, not per move: cheap enough to keep.
        model, index_of = self.live["routing"], self.live["manager"].NodeToIndex
        self.count += 1
        cost = model.CostVar().Max()
        if self.first_solution_seconds is None:
            self.first_solution_seconds = time.monotonic() - self.started
        if self.settings.should_stop is not None and self.settings.should_stop():
            self.cancelled = True
            self.live["solver"].FinishCurrentSearch()
        elif self.settings.patience is not None and self.count - self.last_improvement > self.settings.patience:
            # A stop decided by the sequence of solutions, not the clock: reproducible.
            self.converged = True
            self.live["solver"].FinishCurrentSearch()
        elif (self.settings.hand_over_after_seconds is not None
              and time.monotonic() - self.started >= self.settings.hand_over_after_seconds):
            self.handed_over = True
            self.live["solver"].FinishCurrentSearch()
        if cost < self.best:
            self.best = cost
            self.last_improvement = self.count
            if self.on_solution is not None:
                served = sum(1 for i in range(self.n_visit_nodes) if model.NextVar(index_of(i)).Bound()
                             and model.NextVar(index_of(i)).Value() != index_of(i))
                self.on_solution(time.monotonic() - self.started, cost, served)

    def stopped_by(self) -> str:
        """Return what ended the search: cancelled, handed_over, converged, solution_limit, time_limit or
        search_completed."""
        if self.cancelled:
            return "cancelled"
        if self.handed_over:
            return "handed_over"
        if self.converged:
            return "converged"
        if self.settings.solution_limit is not None and self.count >= self.settings.solution_limit:
            return "solution_limit"
        if time.monotonic() - self.started >= self.settings.time_limit_seconds * 0.98:
            return "time_limit"
        return "search_completed"

    def release(self) -> None:
        """Let go of the model, so that it can be freed."""
        self.live.clear()


def _run(model: _Model, graph: NodeGraph, params: Any, initial_routes: Mapping[str, Sequence[str]]) -> Any:
    """Return the best solution found (from the warm start when one is given and valid), or None."""
    initial = _initial_assignment(model, graph, initial_routes)
    if initial is not None:
        return model.routing.SolveFromAssignmentWithParameters(initial, params)
    return model.routing.SolveWithParameters(params)


def _outcome(model: _Model, graph: NodeGraph, solution: Any, watch: _Watch, candidates: set[str]) -> SearchOutcome:
    """Return the search's outcome in visit and staff ids: no node, index or vehicle leaves this module."""
    status = model.routing.status()
    status_name = _STATUS_NAMES.get(status, str(status))
    if solution is None:
        return SearchOutcome({}, candidates, False, 0, None, status_name, stopped_by=watch.stopped_by(),
                             clock_cut=watch.stopped_by() == "time_limit")
    return SearchOutcome(
        sketches=_read_sketches(model, graph, solution),
        dropped={graph.nodes[i].visit.id for i in range(len(graph.nodes))
                 if solution.Value(model.routing.NextVar(model.index(i))) == model.index(i)},
        found=True,
        objective=solution.ObjectiveValue(),
        first_solution_seconds=watch.first_solution_seconds,
        status=status_name,
        solutions=watch.count,
        stopped_by=watch.stopped_by(),
        clock_cut=watch.stopped_by() in ("time_limit", "handed_over"),
        stalled=watch.count >= 2 * max(1, watch.last_improvement),
    )


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


def _add_breaks(model: _Model, graph: NodeGraph) -> None:
    """Breaks as break intervals of each staff member's route, with each node's service time as its visit transit."""
    solver = model.routing.solver()
    visit_transits = [0] * model.routing.Size()
    for index in range(model.routing.Size()):
        visit_transits[index] = int(graph.service[model.manager.IndexToNode(index)])
    for v, person in enumerate(graph.staff):
        if not person.breaks:
            continue
        intervals = []
        for b, brk in enumerate(person.breaks):
            earliest = max(brk.earliest_start, person.shift.start)
            latest = min(brk.latest_end, person.latest_end) - brk.duration
            # The name carries the vehicle: _read_sketches finds each break's staff member by it.
            intervals.append(solver.FixedDurationIntervalVar(earliest, latest, brk.duration, False, f"break {v}/{b}"))
        model.time_dim.SetBreakIntervalsOfVehicle(intervals, v, visit_transits)


def _add_continuity(model: _Model, graph: NodeGraph, stranger_cost: Mapping[str, tuple[frozenset[str], int]]) -> None:
    """Price visits served by someone the family does not know: a per-staff unary cost, summed
    by a dimension whose span is charged one for one."""
    if not stranger_cost:
        return
    vectors: dict[tuple[int, ...], int] = {}
    evaluators = []
    for person in graph.staff:
        costs = [0] * len(graph.service)
        for node_id, node in enumerate(graph.nodes):
            wish = stranger_cost.get(node.visit.id)
            if wish is not None and person.id not in wish[0]:
                costs[node_id] = wish[1]
        key = tuple(costs)
        if key not in vectors:
            vectors[key] = model.routing.RegisterUnaryTransitVector(list(key))
        evaluators.append(vectors[key])
    total = _stranger_total(graph.nodes, stranger_cost)
    model.routing.AddDimensionWithVehicleTransits(evaluators, 0, max(1, total), True, "continuity")
    model.routing.GetDimensionOrDie("continuity").SetSpanCostCoefficientForAllVehicles(1)


def _stranger_total(nodes: Sequence[Node], stranger_cost: Mapping[str, tuple[frozenset[str], int]]) -> int:
    """Return the most continuity cost a plan can have: every node served by a stranger."""
    return sum(stranger_cost[n.visit.id][1] for n in nodes if n.visit.id in stranger_cost)


def _initial_assignment(model: _Model, graph: NodeGraph, initial_routes: Mapping[str, Sequence[str]]) -> Any:
    """Return a warm-start assignment from staff -> visit ids, or None when none is given or valid."""
    if not initial_routes:
        return None
    used: dict[str, int] = {}
    routes: list[list[int]] = [[] for _ in range(len(graph.vehicle_of))]
    for staff_id, visit_ids in initial_routes.items():
        if staff_id not in graph.vehicle_of:
            continue
        for visit_id in visit_ids:
            node_ids = graph.copies.get(visit_id)
            if not node_ids or used.get(visit_id, 0) >= len(node_ids):
                continue
            routes[graph.vehicle_of[staff_id]].append(model.index(node_ids[used.get(visit_id, 0)]))
            used[visit_id] = used.get(visit_id, 0) + 1
    model.routing.CloseModel()
    # RoutesToAssignment only records the successors; ReadAssignmentFromRoutes would run an
    # unbounded CP search to complete them and was seen to hang for over 20 minutes on a
    # day with breaks, teams and `after` links. The time-limited solve completes it instead.
    assignment = model.routing.solver().Assignment()
    if not model.routing.RoutesToAssignment(routes, True, True, assignment):
        return None
    return assignment


def _add_travel_caps(model: _Model, graph: NodeGraph) -> None:
    """Each staff member's travel within their cap, where they have one."""
    if all(p.max_travel is None for p in graph.staff):
        return
    caps = [p.max_travel if p.max_travel is not None else COST_LIMIT // 4 for p in graph.staff]
    model.routing.AddDimensionWithVehicleCapacity(model.travel_cb, 0, caps, True, "travel")


def _add_load(model: _Model, graph: NodeGraph) -> None:
    """Each staff member's load within their capacity, where they have one and visits have demand (`scaling`)."""
    if all(p.capacity is None for p in graph.staff) or all(n.visit.demand == 0 for n in graph.nodes):
        return
    demands = [0] * len(graph.service)
    for node_id, node in enumerate(graph.nodes):
        demands[node_id] = demand_units(node.visit.demand)
    caps = [capacity_units(p.capacity) if p.capacity is not None else COST_LIMIT // 4 for p in graph.staff]
    demand_cb = model.routing.RegisterUnaryTransitVector(demands)
    model.routing.AddDimensionWithVehicleCapacity(demand_cb, 0, caps, True, "load")


def _link_teams(model: _Model, graph: NodeGraph, relaxed: bool) -> None:
    """Team visits: all copies served or none (unless `relaxed`), on distinct staff, starting together."""
    routing, solver, time_dim = model.routing, model.routing.solver(), model.time_dim
    for node_ids in graph.copies.values():
        if len(node_ids) < 2:
            continue
        indices = [model.index(n) for n in node_ids]
        first = indices[0]
        for other in indices[1:]:
            if not relaxed:
                solver.Add(routing.ActiveVar(first) == routing.ActiveVar(other))
            solver.Add(time_dim.CumulVar(first) == time_dim.CumulVar(other))
            # Declared on the dimension too, so the routing filters see the link.
            time_dim.AddNodePrecedence(first, other, 0)
            time_dim.AddNodePrecedence(other, first, 0)
        solver.Add(solver.AllDifferentExcept([routing.VehicleVar(i) for i in indices], -1))


def _link_intervals(model: _Model, graph: NodeGraph, problem: Problem, relaxed: bool) -> None:
    """`after` links: both served or neither (unless `relaxed`); start-to-start gap within [min, max]."""
    copies = graph.copies
    for visit in problem.visits:
        if visit.after is None or visit.id not in copies or visit.after.visit not in copies:
            continue
        first = model.index(copies[visit.after.visit][0])
        then = model.index(copies[visit.id][0])
        if not relaxed:
            model.routing.solver().Add(model.routing.ActiveVar(first) == model.routing.ActiveVar(then))
        model.time_dim.AddNodePrecedence(first, then, visit.after.min_gap)
        if visit.after.max_gap is not None:
            model.time_dim.AddNodePrecedence(then, first, -visit.after.max_gap)


def _read_sketches(model: _Model, graph: NodeGraph, solution: Any) -> dict[str, RouteSketch]:
    """Return each staff member's route sketch: visits with their start times, departure, return and breaks."""
    routing, time_dim = model.routing, model.time_dim
    breaks_by_vehicle: dict[int, list[tuple[int, int]]] = {}
    intervals = solution.IntervalVarContainer()
    for i in range(intervals.Size()):
        element = intervals.Element(i)
        if element.PerformedValue():
            vehicle = int(element.Var().Name().split(" ")[1].split("/")[0])
            breaks_by_vehicle.setdefault(vehicle, []).append(
                (element.StartValue(), element.StartValue() + element.DurationValue())
            )
    sketches: dict[str, RouteSketch] = {}
    for v, person in enumerate(graph.staff):
        index = routing.Start(v)
        sketch = RouteSketch(departure=solution.Value(time_dim.CumulVar(index)), arrival=0)
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            node = model.manager.IndexToNode(index)
            sketch.visits.append((graph.nodes[node].visit.id, solution.Value(time_dim.CumulVar(index))))
            index = solution.Value(routing.NextVar(index))
        sketch.arrival = solution.Value(time_dim.CumulVar(index))
        sketch.breaks = sorted(breaks_by_vehicle.get(v, []))
        if sketch.visits:
            sketches[person.id] = sketch
    return sketches
