"""Iterations per second of the group moves: the Python search (`solve.lns`) against the compiled core.

Both start from the same checked plan (OR-Tools alone, no group moves, a fixed work budget) and
search for the same seconds with the clock alone deciding; each row prints iterations, iterations
per second, the price each reached, visits left out, the checker's violations (0: accepted), and
the ratio of the rates. They run in one process, one after the other, so the machine's load is
about the same for both.

    python benchmarks/lns_speed.py INSTANCE.json.gz ... --seconds 20 [--start-work 10000]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import hhcrsp

from ahs_routing import SolveOptions, check_plan, solve_with_stats
from ahs_routing.check.eligibility import ineligible_patients
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.links import coupled_visits
from ahs_routing.domain.plan import Unassigned, UnassignedReason
from ahs_routing.solve import fastlns, lns
from ahs_routing.solve.diagnosis import diagnose
from ahs_routing.solve.lns import LnsSettings
from ahs_routing.travel import travel_matrix


def race(path: str, seconds: float, start_work: int, seed: int) -> dict[str, object]:
    """Return one row: both searches from one starting plan for `seconds` each."""
    problem = hhcrsp.to_problem(hhcrsp.read_json(path), "hard")
    travel = travel_matrix(problem)
    plan, _ = solve_with_stats(problem, SolveOptions(time_limit=600, seed=seed, work=start_work, lns_iterations=0),
                               travel=travel)
    assert check_plan(problem, plan, travel) == []
    assert not ineligible_patients(problem, travel)
    candidates = {v: c.staff for v, c in diagnose(problem, travel, {})[0].items()}
    routes = {r.staff: r for r in plan.routes}
    held = frozenset(coupled_visits(problem))
    row: dict[str, object] = {"instance": hhcrsp.instance_name(path), "visits": len(problem.visits),
                              "start_served": plan.kpis.visits_served}
    for name, module in (("python", lns), ("core", fastlns)):
        settings = LnsSettings(iterations=10**9, seed=seed, overtime_weight=4, lateness_weight=2,
                               time_limit_seconds=seconds)
        started = time.monotonic()
        found = module.improve(problem, travel, routes, candidates, settings, held=held)
        used = time.monotonic() - started
        row[f"{name}_iterations"] = found.iterations
        row[f"{name}_per_s"] = round(found.iterations / used, 1)
        row[f"{name}_new_bests"] = found.new_bests
        row[f"{name}_price"] = found.price
        row[f"{name}_dropped"] = len(found.dropped)
        left = {v: Unassigned(v, UnassignedReason.CAPACITY) for v in found.dropped}
        checked = assemble_plan(problem, list(found.routes.values()), left, [], has_km=travel.has_km)
        row[f"{name}_checker"] = len(check_plan(problem, checked, travel))
    row["ratio"] = round(float(row["core_per_s"]) / max(float(row["python_per_s"]), 1e-9), 1)  # type: ignore[arg-type]
    return row


def main(argv: Sequence[str] | None = None) -> int:
    """Race both searches on each instance and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("instances", nargs="+")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--start-work", type=int, default=10_000, help="OR-Tools work for the starting plan")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not fastlns.available():
        print("the compiled core is not available", file=sys.stderr)
        return 1
    keys = ["instance", "visits", "start_served", "python_iterations", "python_per_s", "core_iterations",
            "core_per_s", "ratio", "python_price", "core_price", "python_dropped", "core_dropped",
            "python_checker", "core_checker"]
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for path in args.instances:
        row = race(path, args.seconds, args.start_work, args.seed)
        print("| " + " | ".join(str(row[k]) for k in keys) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
