"""How fast each counted part of the search goes on this machine: the rates behind `solve/work.py`.

Runs each day with the clock alone deciding (no counted budget), then prints what every part
counted per second: OR-Tools solutions per second times the model's visit copies, the group
moves' iterations and work per second (the compiled core's work where it ran, else the Python
search's route evaluations; `--python-lns` runs the Python search), PyVRP's iterations per second
times its clients. The upper quartiles (so that a time limit is spent on most days) are the
constants of `ahs_routing.solve.work` (which documents the machine they came from); run on an
idle machine, one process at a time.

    python benchmarks/calibrate_work.py --seconds 10 [--json] [--python-lns]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import hhcrsp
import linked_days
import vrptw

from ahs_routing import Problem, SolveOptions, solve_with_stats
from ahs_routing.solve.work import UNLIMITED

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
MANKOWSKA = [f"InstanzCPLEX_HCSRP_{n}_2" for n in (10, 25, 50, 75)] + [f"InstanzVNS_HCSRP_{n}_2" for n in (100, 200)]
SOLOMON = ["C101", "R105", "RC201"]


def days() -> list[tuple[str, Problem]]:
    """Return the calibration days: development sets only (Mankowska, Solomon) and generated days."""
    out = [(name, hhcrsp.to_problem(hhcrsp.read_json(SHARED / "hhc" / "mankowska2014" / "instances_json"
                                                     / f"{name}.json.gz"), "hard")) for name in MANKOWSKA]
    for name in SOLOMON:
        path = next((SHARED / "solomon" / "instances").glob(f"{name}.*"))
        out.append((name, vrptw.to_problem(vrptw.read_instance(path))))
    out.append(("linked_day_300", linked_days.linked_day(300, 1)))
    return out


def measure(name: str, problem: Problem, seconds: float) -> dict[str, object]:
    """Return the counts per second of one solve whose clock alone stops every part."""
    copies = sum(v.staff_count for v in problem.visits)
    options = SolveOptions(time_limit=seconds, seed=1, work=UNLIMITED)
    started = time.monotonic()
    _, stats = solve_with_stats(problem, options)
    used = time.monotonic() - started
    done = stats.work_done
    return {"day": name, "copies": copies, "seconds": round(used, 2), "solutions": done.ortools_solutions,
            "ortools_seconds": round(done.ortools_seconds, 2), "iterations": done.lns_iterations,
            "lns_work": done.lns_work, "lns_seconds": round(done.lns_seconds, 2),
            "pyvrp_iterations": done.pyvrp_iterations, "pyvrp_seconds": round(done.pyvrp_seconds, 2),
            "solution_work_per_ms": round(done.ortools_solutions * copies / max(done.ortools_seconds, 1e-3) / 1000, 3),
            "lns_compiled": done.lns_compiled,
            "lns_work_per_ms": round(done.lns_work / max(done.lns_seconds, 1e-3) / 1000, 3),
            "pyvrp_work_per_ms": round(done.pyvrp_iterations * copies / max(done.pyvrp_seconds, 1e-3) / 1000, 3)}


def main(argv: Sequence[str] | None = None) -> int:
    """Measure every calibration day and print a row each, then each rate's median and upper quartile."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--python-lns", action="store_true",
                        help="group moves in Python (AHS_ROUTING_LNS_CORE=0): LNS_RATE; else the core: CORE_RATE")
    args = parser.parse_args(argv)
    if args.python_lns:
        os.environ["AHS_ROUTING_LNS_CORE"] = "0"
    rows = []
    for name, problem in days():
        row = measure(name, problem, args.seconds)
        rows.append(row)
        print(json.dumps(row) if args.json else " ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    for key, part, label in (("solution_work_per_ms", "solutions", "solution_work_per_ms"),
                             ("lns_work_per_ms", "lns_work", "lns_work_per_ms (Python: LNS_RATE)"),
                             ("lns_work_per_ms", "core_work", "core_work_per_ms (compiled: CORE_RATE)"),
                             ("pyvrp_work_per_ms", "pyvrp_iterations", "pyvrp_work_per_ms")):
        if part in ("lns_work", "core_work"):
            values = [float(r[key]) for r in rows  # type: ignore[arg-type]
                      if r["lns_work"] and r["lns_compiled"] == (part == "core_work")]
        else:
            values = [float(r[key]) for r in rows if r[part]]  # type: ignore[arg-type]
        if values:
            upper = statistics.quantiles(values, n=4)[2] if len(values) > 1 else values[0]
            print(f"{label}: upper quartile {upper:.3f}, median {statistics.median(values):.3f} over "
                  f"{len(values)} days (min {min(values):.3f}, max {max(values):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
