"""Generated Trondheim-region home-care days: time to first plan, travel by budget, peak memory.

Days of 30/100/300/1000 visits come from `ahs_routing.studies.scenarios.generate_day`: homes around
Trondheim and its neighbours, a base at the hospital, staff = visits / 7.5 on 08:00-16:00
shifts with a 30-minute break, 60% of visits with a two-hour window, some needing a skill, a
few for two staff. Travel is the library's
default geodesic provider. Each size runs in its own process so that its peak memory
(ru_maxrss) is its own.

    python benchmarks/home_days.py --sizes 30 100 300 1000 --budgets 1 5 10 30 60
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ahs_routing import SolveOptions, check_plan, solve_with_stats
from ahs_routing.studies.scenarios import generate_day

MINUTE = 60


def measure(visits: int, budgets: Sequence[float], seed: int = 1, breaks: bool = True,
            teams: bool = True) -> dict[str, object]:
    """Return, for one size: time to first plan, then travel and served visits per budget."""
    problem = generate_day(visits, seed, breaks=breaks, teams=teams)
    row: dict[str, object] = {"visits": visits, "staff": len(problem.staff), "breaks": breaks, "teams": teams}
    runs: list[dict[str, object]] = []
    for budget in budgets:
        first: list[float] = []
        started = time.monotonic()

        def progress(elapsed: float, objective: int, served: int, first: list[float] = first,
                     started: float = started) -> None:
            if not first:
                first.extend([time.monotonic() - started, served])

        plan, _ = solve_with_stats(problem, SolveOptions(time_limit=budget, seed=seed),
                                       progress=progress)
        seconds = time.monotonic() - started
        violations = check_plan(problem, plan)
        runs.append({
            "budget": budget,
            "first_plan_seconds": round(first[0], 2) if first else None,
            "served": plan.kpis.visits_served,
            "of": plan.kpis.visits,
            "travel_minutes": round(sum(r.travel for r in plan.routes) / MINUTE, 1),
            "staff_used": len(plan.routes),
            "checker_violations": len(violations),
            "seconds": round(seconds, 2),
        })
    row["runs"] = runs
    row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return row


def table(rows: Sequence[dict[str, object]]) -> str:
    """Return a Markdown table: per size and budget, first-plan time, served visits, travel, checker."""
    lines = ["| visits | staff | breaks, teams | budget s | first plan s | served | travel min | staff used | "
             "checker | peak RSS MB |", "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        extras = "yes" if row.get("breaks", True) and row.get("teams", True) else (
            f"breaks {'yes' if row.get('breaks', True) else 'no'}, teams {'yes' if row.get('teams', True) else 'no'}")
        for run in row["runs"]:  # type: ignore[attr-defined]
            first = "none" if run["first_plan_seconds"] is None or not run["served"] else run["first_plan_seconds"]
            lines.append(f"| {row['visits']} | {row['staff']} | {extras} | {run['budget']:g} | {first} | "
                         f"{run['served']}/{run['of']} | {run['travel_minutes']} | {run['staff_used']} | "
                         f"{'ok' if not run['checker_violations'] else run['checker_violations']} | "
                         f"{row['peak_rss_mb']} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure each size in its own process and print one JSON line per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 100, 300, 1000])
    parser.add_argument("--budgets", type=float, nargs="+", default=[1, 5, 10, 30, 60])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-breaks", action="store_true", help="staff without the 30-minute break")
    parser.add_argument("--no-teams", action="store_true", help="no visits for two staff")
    parser.add_argument("--inline", action="store_true", help="measure in this process (one size)")
    parser.add_argument("--report", type=Path, default=None, help="print the table of a JSON-lines file and stop")
    args = parser.parse_args(argv)
    if args.report is not None:
        print(table([json.loads(line) for line in args.report.read_text().splitlines() if line.strip()]))
        return 0
    if args.inline:
        for size in args.sizes:
            row = measure(size, args.budgets, args.seed, not args.no_breaks, not args.no_teams)
            print(json.dumps(row), flush=True)
        return 0
    flags = [flag for flag, on in (("--no-breaks", args.no_breaks), ("--no-teams", args.no_teams)) if on]
    for size in args.sizes:
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--inline", "--sizes", str(size),
                        "--seed", str(args.seed), "--budgets", *map(str, args.budgets), *flags], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
