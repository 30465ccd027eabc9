"""Peer solvers on the same VRPTW instances: plain OR-Tools, PyVRP and VROOM (the `bench` extra).

Every peer gets the DIMACS convention as integers in tenths (distance = travel time,
truncated to one decimal, x10), one thread, and the same time limit; its routes are
re-checked by `vrptw.check_routes` in `vrptw.result_record`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from vrptw import Instance, dimacs, result_record

Row = dict[str, object]


def _scaled(instance: Instance) -> tuple[list[list[int]], list[int], list[int], list[int]]:
    """Return the x10 distance matrix and the x10 ready, due and service times."""
    return (dimacs(instance).tolist(), (instance.ready * 10).tolist(), (instance.due * 10).tolist(),
            (instance.service * 10).tolist())


def solve_ortools(instance: Instance, seconds: float, strategy: str = "path_cheapest_arc",
                  seed: int = 1) -> Row:
    """Return the row of plain OR-Tools as its VRPTW guide shows: matrices, time dimension, GLS."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    started = time.monotonic()
    distance, ready, due, service = _scaled(instance)
    size = len(distance)
    manager = pywrapcp.RoutingIndexManager(size, instance.vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    distance_cb = routing.RegisterTransitMatrix(distance)
    time_matrix = [[distance[i][j] + service[i] for j in range(size)] for i in range(size)]
    time_cb = routing.RegisterTransitMatrix(time_matrix)
    routing.SetArcCostEvaluatorOfAllVehicles(distance_cb)
    horizon = due[0]
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for node in range(1, size):
        time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(ready[node], due[node])
    for v in range(instance.vehicles):
        time_dim.CumulVar(routing.Start(v)).SetRange(ready[0], due[0])
        time_dim.CumulVar(routing.End(v)).SetRange(ready[0], due[0])
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.Start(v)))
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))
    demand_cb = routing.RegisterUnaryTransitVector([int(d) for d in instance.demand])
    routing.AddDimensionWithVehicleCapacity(demand_cb, 0, [instance.capacity] * instance.vehicles, True, "load")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, strategy.upper())
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    remaining = max(0.1, seconds - (time.monotonic() - started))
    params.time_limit.FromMilliseconds(int(remaining * 1000))
    solution = routing.SolveWithParameters(params)
    routes: list[list[int]] | None = None
    if solution is not None:
        routes = []
        for v in range(instance.vehicles):
            index = solution.Value(routing.NextVar(routing.Start(v)))
            route = []
            while not routing.IsEnd(index):
                route.append(manager.IndexToNode(index))
                index = solution.Value(routing.NextVar(index))
            routes.append(route)
    short = {"path_cheapest_arc": "pca", "parallel_cheapest_insertion": "pci"}.get(strategy, strategy)
    return result_record(instance, f"ortools-{short}", routes, time.monotonic() - started)


def solve_pyvrp(instance: Instance, seconds: float, seed: int = 1) -> Row:
    """Return the row of PyVRP's hybrid genetic search with a runtime limit."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    started = time.monotonic()
    distance, ready, due, service = _scaled(instance)
    model = Model()
    locations = [model.add_location(float(x), float(y)) for x, y in zip(instance.x, instance.y, strict=True)]
    depot = model.add_depot(locations[0], tw_early=ready[0], tw_late=due[0])
    model.add_vehicle_type(instance.vehicles, capacity=instance.capacity, start_depot=depot, end_depot=depot,
                           tw_early=ready[0], tw_late=due[0])
    for i in range(1, len(locations)):
        model.add_client(locations[i], delivery=int(instance.demand[i]), service_duration=service[i],
                         tw_early=ready[i], tw_late=due[i])
    for i, frm in enumerate(locations):
        for j, to in enumerate(locations):
            model.add_edge(frm, to, distance=distance[i][j], duration=distance[i][j])
    remaining = max(0.1, seconds - (time.monotonic() - started))
    result = model.solve(stop=MaxRuntime(remaining), seed=seed, display=False)
    best = result.best
    # Activities name clients 0-based among clients; customer numbers start at 1.
    routes = ([[a.idx + 1 for a in route if a.is_client()] for route in best.routes()]
              if best.is_feasible() else None)
    return result_record(instance, "pyvrp", routes, time.monotonic() - started)


def solve_vroom(instance: Instance, seconds: float, exploration: int = 5) -> Row:
    """Return the row of VROOM at an exploration level (it stops by itself, or at the timeout)."""
    import datetime as dt

    import vroom

    started = time.monotonic()
    distance, ready, due, service = _scaled(instance)
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=np.array(distance, dtype=np.uint32))
    for v in range(instance.vehicles):
        problem.add_vehicle(vroom.Vehicle(v + 1, start=0, end=0, capacity=[instance.capacity],
                                          time_window=vroom.TimeWindow(ready[0], due[0])))
    for i in range(1, len(distance)):
        problem.add_job(vroom.Job(i, location=i, delivery=[int(instance.demand[i])], default_service=service[i],
                                  time_windows=[vroom.TimeWindow(ready[i], due[i])]))
    remaining = max(0.1, seconds - (time.monotonic() - started))
    solution = problem.solve(exploration_level=exploration, nb_threads=1, timeout=dt.timedelta(seconds=remaining))
    frame = solution.routes
    jobs = frame[frame["type"] == "job"]
    routes = [[int(j) for j in group["id"]] for _, group in jobs.groupby("vehicle_id", sort=True)]
    served = sum(len(r) for r in routes)
    complete = served == instance.customers
    return result_record(instance, f"vroom-x{exploration}", routes if complete else None,
                         time.monotonic() - started, unassigned=instance.customers - served)


def solve_pyvrp_then_ahs(instance: Instance, seconds: float, seed: int = 1, share: float = 0.5) -> Row:
    """Return the row of ahs_routing warm-started from PyVRP's best after `share` of the budget."""
    from vrptw import customer_id, routes_of, to_problem

    from ahs_routing import check_plan
    from ahs_routing.solve import SolveHints, SolveOptions, solve_with_stats

    started = time.monotonic()
    first = solve_pyvrp(instance, seconds * share, seed)
    warm = first.get("routes") or []
    problem = to_problem(instance)
    hints = SolveHints(initial_routes={f"v{k + 1}": [customer_id(c) for c in route]
                                       for k, route in enumerate(warm)})  # type: ignore[union-attr]
    remaining = max(0.1, seconds - (time.monotonic() - started))
    plan, _ = solve_with_stats(problem, SolveOptions(time_limit=remaining, seed=seed), hints=hints)
    return result_record(instance, "pyvrp+ahs", routes_of(plan), time.monotonic() - started,
                         checker=[str(v) for v in check_plan(problem, plan)[:3]],
                         warm_distance=first.get("distance"), unassigned=len(plan.unassigned))


PEERS: dict[str, Callable[[Instance, float, int], Row]] = {
    "ortools-pca": lambda inst, s, seed: solve_ortools(inst, s, "path_cheapest_arc", seed),
    "ortools-pci": lambda inst, s, seed: solve_ortools(inst, s, "parallel_cheapest_insertion", seed),
    "pyvrp": solve_pyvrp,
    "vroom-x5": lambda inst, s, seed: solve_vroom(inst, s, 5),
    "pyvrp+ahs": solve_pyvrp_then_ahs,
}
