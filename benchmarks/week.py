"""Planning a week: the week solver against the obvious baseline on the example weeks.

The baseline puts each recurring visit on its first allowed dates (keeping the spacing) and
plans each day on its own (`ahs_routing.solve.week.baseline_options`). Both plans are held to
the week checker; the table gives occurrences served, travel, overtime, staff per patient and
wall time. `--repeat 2` solves the week twice and says whether the plans are identical (W5).

    python benchmarks/week.py --day-seconds 5 --solution-limit 50 --seed 1
    python benchmarks/week.py examples/homecare_week.json --day-seconds 8 --solution-limit 100
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ahs_routing import SolveOptions, check_week_plan, read_week, solve_week, week_plan_to_dict
from ahs_routing.solve.week_options import WeekOptions, baseline_options

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
DEFAULT_WEEKS = (EXAMPLES / "trondheim_week.json", EXAMPLES / "homecare_week.json")


def _content(document: dict[str, Any]) -> dict[str, Any]:
    """The week plan document without `meta` (provenance: when it was solved differs on every run)."""
    days = [day | {"plan": {k: v for k, v in day["plan"].items() if k != "meta"}} for day in document["days"]]
    return {k: v for k, v in document.items() if k != "meta"} | {"days": days}


def measure(path: Path, options: WeekOptions, repeat: int = 1) -> dict[str, Any]:
    """Return the figures of one week solved with `options` (and whether repeats gave the same plan)."""
    week = read_week(path)
    digests, seconds = [], []
    plan = None
    for _ in range(repeat):
        started = time.monotonic()
        plan = solve_week(week, options)
        seconds.append(time.monotonic() - started)
        content = json.dumps(_content(week_plan_to_dict(plan)), sort_keys=True)
        digests.append(hashlib.sha256(content.encode()).hexdigest())
    assert plan is not None
    k = plan.kpis
    return {
        "week": path.stem, "dates": len(week.dates), "staff": len(week.staff), "patients": len(week.patients),
        "occurrences": k.visits, "served": k.visits_served,
        "missing": sum(u.missing for u in plan.unassigned),
        "travel_minutes": k.travel_minutes, "overtime_minutes": k.overtime_minutes,
        "staff_per_patient": None if k.staff_per_patient is None else round(k.staff_per_patient, 3),
        "continuity_rate": None if k.continuity_rate is None else round(k.continuity_rate, 3),
        "checker_violations": len(check_week_plan(week, plan)),
        "seconds": round(max(seconds), 1), "identical_repeats": len(set(digests)) == 1, "digest": digests[0][:12],
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Run the comparison and print a table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("weeks", nargs="*", type=Path, default=list(DEFAULT_WEEKS))
    parser.add_argument("--day-seconds", type=float, default=5.0, help="time limit of each day solve (a cap)")
    parser.add_argument("--solution-limit", type=int, default=50, help="solution budget of each day solve")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="improvement rounds of the week solver")
    parser.add_argument("--repeat", type=int, default=1, help="solve each week this often; report if plans match")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    day = SolveOptions(time_limit=args.day_seconds, seed=args.seed, solution_limit=args.solution_limit)
    rows = []
    for path in args.weeks:
        for method, options in (("baseline", baseline_options(day)),
                                ("week solver", WeekOptions(day=day, improvement_rounds=args.rounds))):
            rows.append({"method": method} | measure(path, options, args.repeat))
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print("| week | method | served / occurrences | travel min | overtime min | staff per patient | "
          "preferred staff share | violations | seconds | same plan twice |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        same = "-" if args.repeat < 2 else ("yes" if r["identical_repeats"] else "NO")
        print(f"| {r['week']} ({r['dates']} dates, {r['patients']} patients, {r['staff']} staff) | {r['method']} | "
              f"{r['served']} / {r['occurrences']} | {r['travel_minutes']} | {r['overtime_minutes']} | "
              f"{r['staff_per_patient']} | {r['continuity_rate'] if r['continuity_rate'] is not None else '-'} | "
              f"{r['checker_violations']} | {r['seconds']} | {same} |")


if __name__ == "__main__":
    main()
