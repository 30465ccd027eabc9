"""Replay a week of historical days and show what the optimised plans would have saved.

A notebook-style script (run it whole, or cell by cell in an editor that knows `# %%`):

    python examples/replay_week.py                              # a week of 30-visit days, 3 s per day
    python examples/replay_week.py --days 20 --time-limit 10    # the 20-day measurement in docs/HISTORY.md

The history is generated (`ahs_routing.studies.history`): each nurse keeps their own area and
patients, visits come in the order the families asked for, and the day is driven with
delays. Nothing here is real patient data.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence

from ahs_routing import SolveOptions
from ahs_routing.analysis.compare import compare_days
from ahs_routing.analysis.replay import replay
from ahs_routing.studies.history import historical_days


def main(argv: Sequence[str] | None = None) -> None:
    """Replay the days, compare each with its optimised plan, and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--days", type=int, default=5, help="how many days (a week is five)")
    parser.add_argument("--visits", type=int, default=30, help="visits per day")
    parser.add_argument("--time-limit", type=float, default=3.0, help="search seconds per day")
    parser.add_argument("--workers", type=int, default=None, help="parallel days (default: every core)")
    args = parser.parse_args(argv)
    started = time.monotonic()

    # %% A week of history: the problem of each day and the plan as it was driven.
    week = historical_days(args.days, visits=args.visits)
    first = week[0]
    print(f"{len(week)} days of {args.visits} visits; {first.name} as driven:")
    print(first.driven.summary())

    # %% One day replayed from its visit log: the same KPIs as a library plan, and every broken rule.
    as_driven = replay(first.problem, first.log())
    print("\nKPIs as driven:", as_driven.score.to_dict())
    print("rules broken (minutes per rule):", as_driven.minutes_by_rule())
    for violation in as_driven.violations:
        print(f"  {violation}  [{violation.minutes} min]")

    # %% The whole week re-planned, one day per core: one row per day and the totals.
    options = SolveOptions(time_limit=args.time_limit, seed=1)
    with tempfile.TemporaryDirectory() as folder:
        # Half the days come as plan documents and half as visit logs, the two ways history arrives.
        for k, day in enumerate(week):
            day.save(folder, as_log=k % 2 == 1)
        result = compare_days(folder, options, workers=args.workers)

    # %% The first day side by side: per KPI and per staff member.
    print()
    print(result.comparisons[0].table())

    # %% The week.
    print()
    print(result.table())
    totals = result.totals()
    print(f"\ntotals over {totals['days']} days: visits served {totals['served']['historical']} -> "
          f"{totals['served']['optimised']}, travel {totals['travel_minutes']['historical']} -> "
          f"{totals['travel_minutes']['optimised']} min, overtime {totals['overtime_minutes']['historical']} -> "
          f"{totals['overtime_minutes']['optimised']} min, late starts {totals['late_minutes']['historical']} -> "
          f"{totals['late_minutes']['optimised']} min; days where the plan serves fewer: "
          f"{totals['days_serving_fewer']}")
    print(f"({time.monotonic() - started:.0f} s, {args.time_limit:g} s search per day)")


if __name__ == "__main__":
    main()
