"""Generated home-care days with team visits, `after` links and breaks: served visits, travel, memory.

The day is `generate_day(visits)` (breaks for everyone, 3% team visits) with a 20-minute
follow-up visit 2-4 hours after the first for one patient in ten (an `after` link each).
One size per process, so that peak memory (ru_maxrss) is its own.

    python benchmarks/linked_days.py --visits 300 --seconds 5 [--work N]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from collections.abc import Sequence

from ahs_routing import After, Problem, SolveOptions, Visit, check_plan, solve_with_stats, travel_matrix
from ahs_routing.solve.diagnosis import diagnose
from ahs_routing.studies.scenarios import generate_day

HOUR = 3600


def linked_day(visits: int, seed: int) -> Problem:
    """Return the generated day with a follow-up visit 2-4 h after the first for one patient in ten."""
    problem = generate_day(visits, seed)
    singles = [v for v in problem.visits if v.staff_count == 1]
    firsts = random.Random(seed).sample(singles, len(problem.visits) // 10)
    later = tuple(Visit(f"{v.id}-later", v.patient, 20 * 60, after=After(v.id, 2 * HOUR, 4 * HOUR)) for v in firsts)
    return problem.replace(visits=problem.visits + later)


def measure(visits: int, seconds: float, seed: int, work: int | None = None) -> dict[str, object]:
    """Return one row: visits, links, servable (not set aside before the search), served, travel, first plan,
    time, what stopped it, peak memory, checker.

    Default options with this time limit (and `work`, the CLI's --work, when given).
    """
    problem = linked_day(visits, seed)
    started = time.monotonic()
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=seconds, seed=seed, work=work))
    return {
        "visits": len(problem.visits),
        "team_visits": sum(1 for v in problem.visits if v.staff_count > 1),
        "after_links": sum(1 for v in problem.visits if v.after is not None),
        "seconds_limit": seconds,
        "work": stats.work,
        "servable": len(problem.visits) - len(diagnose(problem, travel_matrix(problem), {})[1]),
        "served": plan.kpis.visits_served,
        "travel_minutes": plan.kpis.travel_minutes,
        "first_plan_seconds": stats.first_solution_seconds,
        "seconds": round(time.monotonic() - started, 2),
        "stopped_by": stats.stopped_by,
        "group_move_iterations": getattr(stats, "iterations", None),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "checker": [str(v) for v in check_plan(problem, plan)[:3]],
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Print one JSON row; exit 1 if the plan fails the checker."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--visits", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=int, default=None, help="work budget (reference ms), as the CLI's --work")
    args = parser.parse_args(argv)
    row = measure(args.visits, args.seconds, args.seed, args.work)
    print(json.dumps(row), flush=True)
    return 1 if row["checker"] else 0


if __name__ == "__main__":
    sys.exit(main())
