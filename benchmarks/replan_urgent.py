"""An urgent call at 11:00 on generated 100-visit days: re-plan time, visits disturbed, suggest() latency.

For each seed: `generate_day(100, seed)` is planned in the morning (`--morning` seconds); at
`--now` a critical 30-minute visit for one of the day's patients arrives, to start within two
hours. `replan` (default options: 2 s search, moving a visit costs 30 min of travel, starts
may move 15 min for free) gives the new plan, which must pass the checker; we count the
*other* visits it changes (moved to other staff, shifted by more than 15 min, unassigned,
newly served). `suggest` ranks 5 insertions of the same visit into the morning plan, with
the morning up to `--now` fixed; its time includes checking each suggestion applied.

    python benchmarks/replan_urgent.py --days 10
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ahs_routing import Priority, SolveOptions, TimeWindow, Visit, check_plan, solve, travel_matrix
from ahs_routing.domain.events import AddVisit
from ahs_routing.intraday.changes import ChangeKind
from ahs_routing.intraday.replan import ReplanOptions, replan
from ahs_routing.intraday.suggest import suggest
from ahs_routing.studies.scenarios import generate_day
from ahs_routing.times import format_clock, parse_clock

HOUR, MINUTE = 3600, 60


def measure(seed: int, visits: int, now: int, morning: float, replan_seconds: float) -> dict[str, object]:
    """Return one day's figures: re-plan time and changes, suggest latency."""
    problem = generate_day(visits, seed)
    plan = solve(problem, SolveOptions(time_limit=morning, seed=seed))
    patient = random.Random(seed).choice(problem.patients).id
    urgent = Visit("urgent", patient, 30 * MINUTE, windows=(TimeWindow(now, now + 2 * HOUR),),
                   priority=Priority.CRITICAL)
    options = ReplanOptions(solve=SolveOptions(time_limit=replan_seconds, seed=seed))
    started = time.monotonic()
    result = replan(problem, plan, [AddVisit(urgent)], now, options)
    seconds = time.monotonic() - started
    violations = check_plan(result.problem, result.plan)
    others = [c for c in result.changes if c.visit != "urgent"]
    served = {s.visit: (r.staff, s.start) for r, s in result.plan.stops()}
    matrix = travel_matrix(problem.replace(visits=(*problem.visits, urgent)))
    latencies = []
    for _ in range(5):
        begun = time.monotonic()
        found = suggest(problem, plan, urgent, 5, now=now, travel=matrix)
        latencies.append(time.monotonic() - begun)
    return {
        "seed": seed, "visits": visits, "staff": len(problem.staff), "now": format_clock(now),
        "morning_served": plan.kpis.visits_served, "fixed": len(result.fixed_visits),
        "replan_seconds": round(seconds, 3), "checker_violations": len(violations),
        "urgent_served": "urgent" in served,
        "urgent_start": format_clock(served["urgent"][1]) if "urgent" in served else None,
        "other_changes": len(others),
        "by_kind": {k.value: sum(1 for c in others if c.kind is k) for k in ChangeKind
                    if any(c.kind is k for c in others)},
        "suggestions": len(found), "suggest_ms_median": round(1000 * statistics.median(latencies), 1),
        "suggest_ms_max": round(1000 * max(latencies), 1),
        "best_suggestion": None if not found else {"staff": found[0].staff, "start": format_clock(found[0].start),
                                                   "added_travel_minutes": found[0].added_travel / MINUTE,
                                                   "moved": len(found[0].moved_visits)},
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print one JSON row per day and a summary; exit 1 if any plan failed the checker."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--visits", type=int, default=100)
    parser.add_argument("--now", default="11:00")
    parser.add_argument("--morning", type=float, default=5.0, help="seconds to plan each morning")
    parser.add_argument("--replan-seconds", type=float, default=2.0)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "replan_urgent.jsonl")
    args = parser.parse_args(argv)
    rows = [measure(seed, args.visits, parse_clock(args.now), args.morning, args.replan_seconds)
            for seed in range(1, args.days + 1)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    for row in rows:
        print(json.dumps(row))
    times = [float(r["replan_seconds"]) for r in rows]  # type: ignore[arg-type]
    changes = [int(r["other_changes"]) for r in rows]  # type: ignore[call-overload]
    latency = [float(r["suggest_ms_median"]) for r in rows]  # type: ignore[arg-type]
    print(f"\n{len(rows)} days of {args.visits} visits, urgent visit at {args.now}:")
    print(f"  replan: median {statistics.median(times):.2f} s, max {max(times):.2f} s; "
          f"urgent served on {sum(bool(r['urgent_served']) for r in rows)}/{len(rows)} days")
    print(f"  other visits changed: mean {statistics.mean(changes):.1f}, max {max(changes)} "
          f"(per day: {changes})")
    print(f"  suggest (k=5, incl. checking each): median {statistics.median(latency):.0f} ms, "
          f"max of medians {max(latency):.0f} ms, max single {max(float(r['suggest_ms_max']) for r in rows):.0f} ms")  # type: ignore[arg-type]
    failed = sum(int(r["checker_violations"]) for r in rows)  # type: ignore[call-overload]
    print(f"  checker violations: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
