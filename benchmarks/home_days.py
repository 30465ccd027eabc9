"""Generated Trondheim-region home-care days: time to first plan, travel by budget, peak memory.

Days of 30/100/300/1000 visits are generated here (a small stand-in until
`ahs_routing.scenarios` exists): homes around Trondheim and its neighbours, a base at the
hospital, staff = visits / 7.5 on 08:00-16:00 shifts with a 30-minute break, 60% of visits
with a two-hour window, some needing a skill, a few for two staff. Travel is the library's
default geodesic provider. Each size runs in its own process so that its peak memory
(ru_maxrss) is its own.

    python benchmarks/home_days.py --sizes 30 100 300 1000 --budgets 1 5 10 30 60
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ahs_routing import (
    Base,
    Break,
    Location,
    Patient,
    Problem,
    Shift,
    SolveOptions,
    Staff,
    TimeWindow,
    Visit,
    check_plan,
    solve_with_stats,
)

HOUR, MINUTE = 3600, 60
#: Population centres (lat, lon, share of homes, spread in degrees of latitude).
CENTRES = (
    (63.4305, 10.3951, 0.55, 0.020),  # Trondheim centre
    (63.3600, 10.3700, 0.15, 0.025),  # Tiller / Heimdal
    (63.4400, 10.6000, 0.10, 0.030),  # Malvik / Hommelvik
    (63.2900, 10.2700, 0.10, 0.030),  # Melhus
    (63.3000, 10.4900, 0.10, 0.025),  # Klæbu
)


def generate_day(visits: int, seed: int = 1, staff: int | None = None, breaks: bool = True,
                 teams: bool = True) -> Problem:
    """Return a reproducible home-care day with `visits` visits (one per patient)."""
    rng = random.Random(seed)
    base = Base("base", Location(63.4210, 10.3880), name="St. Olavs hospital")
    count = staff if staff is not None else max(2, round(visits / 7.5))
    team = []
    for k in range(count):
        skills = frozenset({"nurse"} | ({"iv"} if k % 3 == 0 else set()))
        team.append(Staff(f"s{k + 1}", Shift(8 * HOUR, 16 * HOUR), skills=skills,
                          breaks=(Break(11 * HOUR, 13 * HOUR, 30 * MINUTE),) if breaks else ()))
    patients, day = [], []
    for i in range(visits):
        lat, lon = _home(rng)
        pid = f"p{i + 1}"
        patients.append(Patient(pid, Location(lat, lon), age_years=rng.uniform(0, 17.9)))
        windows: tuple[TimeWindow, ...] = ()
        if rng.random() < 0.6:
            start = rng.randrange(8 * HOUR, 14 * HOUR, 15 * MINUTE)
            windows = (TimeWindow(start, start + 2 * HOUR),)
        day.append(Visit(f"v{i + 1}", pid, duration=rng.choice((15, 20, 30, 30, 45, 60)) * MINUTE,
                         windows=windows, skills=frozenset({"iv"}) if rng.random() < 0.1 else frozenset(),
                         staff_count=2 if rng.random() < 0.03 and teams else 1))
    return Problem(dt.date(2026, 3, 2), base, tuple(team), tuple(patients), tuple(day))


def _home(rng: random.Random) -> tuple[float, float]:
    pick = rng.random()
    for lat, lon, share, spread in CENTRES:
        if pick < share:
            return rng.gauss(lat, spread), rng.gauss(lon, spread * 2.2)
        pick -= share
    lat, lon, _, spread = CENTRES[0]
    return rng.gauss(lat, spread), rng.gauss(lon, spread * 2.2)


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

        plan, _ = solve_with_stats(problem, SolveOptions(time_limit=budget, seed=seed, patience=None),
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
