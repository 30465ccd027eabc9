"""What each clinical rule costs the solver on a 100-visit day: first plan, solutions, travel.

One generated day (`ahs_routing.studies.scenarios.generate_day`, 100 visits, 13 staff) is solved
plain (windows and skills only) and then with one rule added at a time, and with all of
them, each for the same budget with default options (the time limit's work budget):

- breaks: a 30-minute break between 11:00 and 13:00 for everyone;
- teams: 3% of visits need two staff at the same minute;
- after: ten patients get a second visit 2-4 hours after the first (start to start);
- continuity: every patient prefers one staff member (the default 10-minute weight);
- lateness: windowed visits may start up to 30 minutes late, at a cost;
- balance: workload balance term (1 per second above the team's mean).

    python benchmarks/rule_costs.py --seconds 10
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
from collections.abc import Callable, Sequence

from ahs_routing import After, Problem, SolveOptions, Visit, check_plan, solve_with_stats
from ahs_routing.studies.scenarios import generate_day

HOUR, MINUTE = 3600, 60


def _with_after(problem: Problem) -> Problem:
    rng = random.Random(7)
    extra = []
    for first in (rng.sample([v for v in problem.visits if v.staff_count == 1], 10)):
        extra.append(Visit(f"{first.id}-later", first.patient, 20 * MINUTE,
                           after=After(first.id, 2 * HOUR, 4 * HOUR)))
    return problem.replace(visits=problem.visits + tuple(extra))


def _with_continuity(problem: Problem) -> Problem:
    rng = random.Random(8)
    staff = [s.id for s in problem.staff]
    return problem.replace(patients=tuple(dataclasses.replace(p, preferred_staff=(rng.choice(staff),))
                                          for p in problem.patients))


def _with_lateness(problem: Problem) -> Problem:
    return problem.replace(visits=tuple(dataclasses.replace(v, late=30 * MINUTE) if v.windows else v
                                        for v in problem.visits))


Variant = tuple[str, Callable[[], Problem], dict[str, object]]


def variants(seed: int) -> list[Variant]:
    """Return (name, day builder, option changes) for the plain day, each rule, and all rules."""
    plain = lambda: generate_day(100, seed, breaks=False, teams=False)  # noqa: E731
    full = lambda: _with_lateness(_with_continuity(_with_after(generate_day(100, seed))))  # noqa: E731
    return [
        ("plain", plain, {}),
        ("+ breaks", lambda: generate_day(100, seed, breaks=True, teams=False), {}),
        ("+ teams", lambda: generate_day(100, seed, breaks=False, teams=True), {}),
        ("+ after links", lambda: _with_after(plain()), {}),
        ("+ continuity", lambda: _with_continuity(plain()), {}),
        ("+ lateness", lambda: _with_lateness(plain()), {}),
        ("+ balance", plain, {"balance_weight": 1}),
        ("all rules", full, {"balance_weight": 1}),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Solve each variant once and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"| rule | visits | first plan s | solutions in {args.seconds:g} s | served | travel min | checker |")
    print("|---|---|---|---|---|---|---|")
    for name, build, changes in variants(args.seed):
        problem = build()
        options = dataclasses.replace(SolveOptions(time_limit=args.seconds, seed=1), **changes)
        plan, stats = solve_with_stats(problem, options)
        travel = round(sum(r.travel for r in plan.routes) / MINUTE)
        first = "none" if stats.first_solution_seconds is None else f"{stats.first_solution_seconds:.2f}"
        ok = "ok" if not check_plan(problem, plan) else "FAILED"
        print(f"| {name} | {len(problem.visits)} | {first} | {stats.solutions} | {plan.kpis.visits_served} | "
              f"{travel} | {ok} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
