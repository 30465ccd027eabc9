"""Solve a Solomon or Gehring–Homberger VRPTW instance with ahs_routing, the way a user would.

The instance becomes the library's own `Problem`: the depot is the base, each vehicle a
`Staff` whose shift is the depot window (no breaks), each customer a patient with one
visit (window = [ready, due] for the start of service, `duration` = service time,
`demand`/`capacity` for the load), `Policy(None, None)`, and travel given by the `matrix`
provider in minutes. One instance time unit is one minute; instance time 0 is 00:00.

Distance conventions (`--convention`):
- ``dimacs`` (default): Euclidean distance truncated to one decimal, used as distance and
  travel time, as in the DIMACS 2021 / CVRPLIB best-known solutions of ``bks.csv``. The
  truncated minutes are whole multiples of 6 seconds, so the library's seconds hold them exactly.
- ``real``: real-valued Euclidean distance; the library stores seconds rounded up, so a
  plan feasible for the solver is feasible with exact distances (travel 1/60 precision).

Every result reports both the DIMACS and the real-valued Euclidean length of its routes;
the gap is taken in the convention solved (``real`` gaps against DIMACS records are pessimistic).

    python benchmarks/vrptw.py FILE --seconds S --json
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ahs_routing import (
    Base,
    Location,
    Patient,
    Plan,
    Policy,
    Problem,
    Shift,
    SolveOptions,
    Staff,
    TimeWindow,
    TravelModel,
    Visit,
    check_plan,
    solve_with_stats,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
CONVENTIONS = ("dimacs", "real")
BASE_ID = "depot"


@dataclass(frozen=True)
class Instance:
    """A VRPTW instance in the Solomon text format; row 0 is the depot."""

    name: str
    vehicles: int
    capacity: int
    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    demand: npt.NDArray[np.int64]
    ready: npt.NDArray[np.int64]
    due: npt.NDArray[np.int64]
    service: npt.NDArray[np.int64]

    @property
    def customers(self) -> int:
        return len(self.x) - 1

    def cut(self, customers: int) -> Instance:
        """Return the instance with only its first `customers` customers (for smoke tests)."""
        keep = slice(0, customers + 1)
        # A new name: the cut instance has no best-known distance.
        return Instance(f"{self.name}-{customers}", self.vehicles, self.capacity, self.x[keep], self.y[keep],
                        self.demand[keep], self.ready[keep], self.due[keep], self.service[keep])


def read_instance(path: str | Path) -> Instance:
    """Return the instance a Solomon / Gehring–Homberger text file describes."""
    lines = [line.split() for line in Path(path).read_text().splitlines()]
    name = lines[0][0] if lines and lines[0] else Path(path).stem
    numeric = [row for row in lines if row and all(_is_number(v) for v in row)]
    vehicles, capacity = (int(v) for v in numeric[0])
    rows = np.array([[float(v) for v in row] for row in numeric[1:] if len(row) == 7])
    return Instance(
        name=name.upper(),
        vehicles=vehicles,
        capacity=capacity,
        x=rows[:, 1],
        y=rows[:, 2],
        demand=rows[:, 3].astype(np.int64),
        ready=rows[:, 4].astype(np.int64),
        due=rows[:, 5].astype(np.int64),
        service=rows[:, 6].astype(np.int64),
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def euclidean(instance: Instance) -> npt.NDArray[np.float64]:
    """Return the real-valued Euclidean distance between all points (depot first)."""
    dx = instance.x[:, None] - instance.x[None, :]
    dy = instance.y[:, None] - instance.y[None, :]
    distance: npt.NDArray[np.float64] = np.sqrt(dx * dx + dy * dy)
    return distance


def dimacs(instance: Instance) -> npt.NDArray[np.int64]:
    """Return distances in tenths, truncated (DIMACS 2021 / CVRPLIB convention)."""
    tenths: npt.NDArray[np.int64] = np.floor(euclidean(instance) * 10 + 1e-9).astype(np.int64)
    return tenths


def travel_minutes(instance: Instance, convention: str) -> npt.NDArray[np.float64]:
    """Return the travel time in minutes (= distance) the solver sees under a convention."""
    if convention == "dimacs":
        minutes: npt.NDArray[np.float64] = dimacs(instance) / 10.0
        return minutes
    if convention == "real":
        return euclidean(instance)
    raise ValueError(f"unknown convention {convention!r}; expected one of {CONVENTIONS}")


def customer_id(number: int) -> str:
    """Return the visit/patient id of a customer number."""
    return f"c{number}"


def to_problem(instance: Instance, convention: str = "dimacs") -> Problem:
    """Return the library's `Problem` for an instance (user code path: public dataclasses)."""
    minute = 60
    # Coordinates are only needed by the model's type; travel comes from the matrix.
    nowhere = Location(0.0, 0.0)
    base = Base(BASE_ID, nowhere, name=instance.name)
    shift = Shift(int(instance.ready[0]) * minute, int(instance.due[0]) * minute)
    staff = tuple(Staff(f"v{k + 1}", shift, capacity=float(instance.capacity)) for k in range(instance.vehicles))
    numbers = range(1, instance.customers + 1)
    patients = tuple(Patient(customer_id(i), nowhere) for i in numbers)
    visits = tuple(
        Visit(
            customer_id(i),
            customer_id(i),
            duration=int(instance.service[i]) * minute,
            windows=(TimeWindow(int(instance.ready[i]) * minute, int(instance.due[i]) * minute),),
            demand=float(instance.demand[i]),
        )
        for i in numbers
    )
    minutes = travel_minutes(instance, convention)
    travel = TravelModel(
        provider="matrix",
        locations=(BASE_ID, *(customer_id(i) for i in numbers)),
        minutes=tuple(tuple(float(v) for v in row) for row in minutes),
    )
    return Problem(dt.date(2026, 1, 5), base, staff, patients, visits, policy=Policy(None, None), travel=travel)


def routes_of(plan: Plan) -> list[list[int]]:
    """Return the plan's routes as lists of customer numbers."""
    return [[int(stop.visit[1:]) for stop in route.stops] for route in plan.routes if route.stops]


def route_length(routes: Sequence[Sequence[int]], matrix: npt.NDArray[np.generic]) -> float:
    """Return the total length of depot-to-depot routes over a distance matrix."""
    total = 0.0
    for route in routes:
        path = [0, *route, 0]
        total += float(sum(matrix[a, b] for a, b in itertools.pairwise(path)))
    return total


def check_routes(instance: Instance, routes: Sequence[Sequence[int]], convention: str = "dimacs") -> list[str]:
    """Return VRPTW rule violations of routes (an independent check, used for the peers too)."""
    problems: list[str] = []
    minutes = travel_minutes(instance, convention)
    seen = [c for route in routes for c in route]
    missing = set(range(1, instance.customers + 1)) - set(seen)
    if missing:
        problems.append(f"{len(missing)} customers unserved")
    if len(seen) != len(set(seen)):
        problems.append("a customer is served twice")
    if len([r for r in routes if r]) > instance.vehicles:
        problems.append(f"{len(routes)} routes for {instance.vehicles} vehicles")
    for k, route in enumerate(routes):
        if sum(int(instance.demand[c]) for c in route) > instance.capacity:
            problems.append(f"route {k} over capacity")
        clock, here = float(instance.ready[0]), 0
        for c in route:
            clock = max(clock + minutes[here, c], float(instance.ready[c]))
            if clock > instance.due[c] + 1e-6:
                problems.append(f"route {k}: customer {c} starts at {clock:.2f} after {instance.due[c]}")
            clock += float(instance.service[c])
            here = c
        if clock + minutes[here, 0] > instance.due[0] + 1e-6:
            problems.append(f"route {k} back at depot after {instance.due[0]}")
    return problems


def best_known(name: str) -> float | None:
    """Return the best-known DIMACS distance of an instance (Solomon or GH), None if unknown."""
    for table in (SHARED / "solomon" / "bks.csv", SHARED / "gh" / "bks_dimacs.csv"):
        if not table.exists():
            continue
        with table.open() as handle:
            for row in csv.DictReader(handle):
                if row["instance"].upper() == name.upper() and row["distance"]:
                    return float(row["distance"])
    return None


def result_record(instance: Instance, solver: str, routes: list[list[int]] | None, seconds: float,
                  convention: str = "dimacs", **extra: object) -> dict[str, object]:
    """Return one benchmark row: vehicles, both distances, gap to the best-known, feasibility."""
    record: dict[str, object] = {"instance": instance.name, "solver": solver, "seconds": round(seconds, 2)}
    bks = best_known(instance.name)
    if routes is None:
        record.update(vehicles=None, distance=None, distance_real=None, gap=None, feasible=False, violations=[])
        record.update(extra)
        return record
    routes = [r for r in routes if r]
    violations = check_routes(instance, routes, convention)
    tenths = route_length(routes, dimacs(instance)) / 10.0
    real = route_length(routes, euclidean(instance))
    objective = tenths if convention == "dimacs" else real
    record.update(
        vehicles=len(routes),
        distance=round(objective, 2),
        distance_dimacs=round(tenths, 1),
        distance_real=round(real, 2),
        gap=None if bks is None else round(100.0 * (objective - bks) / bks, 3),
        feasible=not violations,
        violations=violations[:3],
        routes=routes,
    )
    record.update(extra)
    return record


def solve_instance(instance: Instance, seconds: float, seed: int = 1, convention: str = "dimacs",
                   **option_changes: object) -> dict[str, object]:
    """Return the benchmark row of ahs_routing on an instance (checked by `check_plan` too)."""
    started = time.monotonic()
    problem = to_problem(instance, convention)
    options = SolveOptions(time_limit=seconds, seed=seed, **option_changes)  # type: ignore[arg-type]
    plan, stats = solve_with_stats(problem, options)
    elapsed = time.monotonic() - started
    violations = check_plan(problem, plan)
    routes = routes_of(plan)
    return result_record(
        instance, "ahs_routing", routes, elapsed, convention,
        checker=[str(v) for v in violations[:3]],
        unassigned=len(plan.unassigned),
        first_plan_seconds=stats.first_solution_seconds,
        solutions=stats.solutions,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Solve one instance and print its row (exit 1 when the plan is not valid)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("file", help="Solomon / Gehring–Homberger instance file")
    parser.add_argument("--seconds", type=float, default=10.0, help="time limit (default 10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--convention", choices=CONVENTIONS, default="dimacs")
    parser.add_argument("--customers", type=int, default=None, help="keep only the first N customers")
    parser.add_argument("--first-solution", default=None)
    parser.add_argument("--metaheuristic", default=None)
    parser.add_argument("--json", action="store_true", help="print {instance, vehicles, distance, routes}")
    args = parser.parse_args(argv)
    instance = read_instance(args.file)
    if args.customers is not None:
        instance = instance.cut(args.customers)
    changes = {k: v for k, v in (("first_solution", args.first_solution), ("metaheuristic", args.metaheuristic))
               if v is not None}
    row = solve_instance(instance, args.seconds, args.seed, args.convention, **changes)
    valid = bool(row["feasible"]) and not row["checker"] and row["unassigned"] == 0
    if args.json:
        print(json.dumps({k: row[k] for k in ("instance", "vehicles", "distance", "routes")}))
    else:
        gap = "n/a" if row["gap"] is None else f"{row['gap']:.2f}%"
        print(f"{row['instance']}: {row['vehicles']} vehicles, distance {row['distance']} ({args.convention}; "
              f"real {row['distance_real']}), gap {gap}, checker {'ok' if not row['checker'] else row['checker']}, "
              f"unassigned {row['unassigned']}, {row['seconds']} s")
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())
