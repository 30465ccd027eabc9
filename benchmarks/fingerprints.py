"""Fingerprints of plans under a deterministic budget: did a refactoring change any plan?

Solves the Solomon peers12 instances and generated home-care days (with and without breaks,
no linked visits: those are only reproducible by solution count once issue 14 lands) with a
`solution_limit`, so each plan depends on the code alone, not on the clock, and prints one
row per day: served visits, travel, and a digest of the plan's JSON. Run it before and after
a change and compare the files:

    python benchmarks/fingerprints.py --out before.jsonl
    python benchmarks/fingerprints.py --out after.jsonl --compare before.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from run_solomon import SETS
from vrptw import read_instance, to_problem

from ahs_routing import Problem, SolveOptions, check_plan, dumps, plan_to_dict, solve
from ahs_routing.studies.scenarios import generate_day

Row = dict[str, object]


def days(solomon: bool = True, home: bool = True) -> Iterator[tuple[str, Problem]]:
    """Yield (name, problem) for every day fingerprinted."""
    if solomon:
        for path in SETS["peers12"]:
            yield path.stem, to_problem(read_instance(path), "dimacs")
    if home:
        for visits in (30, 100):
            for breaks in (False, True):
                yield f"home{visits}{'-breaks' if breaks else ''}", generate_day(visits, 1, breaks=breaks, teams=False)


def fingerprint(name: str, problem: Problem, solutions: int, seed: int) -> Row:
    """Return the row of one day: served, travel, checker faults and the plan's digest."""
    options = SolveOptions(time_limit=600, seed=seed, patience=None, solution_limit=solutions, warm_start="none")
    started = time.monotonic()
    plan = solve(problem, options)
    seconds = time.monotonic() - started
    # `meta` says when and by which version the plan was made: provenance, not the plan.
    text = dumps({key: value for key, value in plan_to_dict(plan).items() if key != "meta"})
    return {
        "day": name,
        "served": plan.kpis.visits_served,
        "travel": plan.kpis.travel_seconds,
        "faults": len(check_plan(problem, plan)),
        "digest": hashlib.sha256(text.encode()).hexdigest()[:16],
        "seconds": round(seconds, 2),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Print one row per day; with --compare, exit 1 when any digest differs from the file's."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--solutions", type=int, default=200, help="solution limit per day (default 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=("solomon", "home"), default=None)
    parser.add_argument("--out", type=Path, default=None, help="write the rows as JSON lines")
    parser.add_argument("--compare", type=Path, default=None, help="rows of an earlier run to compare with")
    args = parser.parse_args(argv)
    earlier = {}
    if args.compare is not None:
        earlier = {r["day"]: r for r in map(json.loads, args.compare.read_text().splitlines())}
    rows = []
    print(f"{'day':<16} {'served':>6} {'travel':>7} {'faults':>6} {'digest':<16} {'s':>6}  same")
    for name, problem in days(args.only != "home", args.only != "solomon"):
        row = fingerprint(name, problem, args.solutions, args.seed)
        rows.append(row)
        same = "" if name not in earlier else ("yes" if earlier[name]["digest"] == row["digest"] else "NO")
        print(f"{name:<16} {row['served']:>6} {row['travel']:>7} {row['faults']:>6} {row['digest']:<16} "
              f"{row['seconds']:>6}  {same}", flush=True)
    if args.out is not None:
        args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    changed = [r["day"] for r in rows if r["day"] in earlier and earlier[r["day"]]["digest"] != r["digest"]]
    if changed:
        print(f"changed: {', '.join(changed)}")
    return 1 if changed or any(r["faults"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
