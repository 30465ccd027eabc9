"""The issue-7 repro days: children_home_hospital(15).day(i, 7), default options, seed 1, 10 s.

Usage: `python issue7_days.py N` prints the first N days: served visits, linked pairs served, reasons.
"""

import sys

from ahs_routing import check_plan
from ahs_routing.solve import SolveOptions, solve_with_stats
from ahs_routing.studies.scenarios import children_home_hospital

scenario = children_home_hospital(15)
for index in range(int(sys.argv[1])):
    problem = scenario.day(index, 7)
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=10, seed=1))
    served = {s.visit for _, s in plan.stops()}
    pairs = [(v.id, v.after.visit) for v in problem.visits if v.after is not None]
    both = sum(1 for a, b in pairs if a in served and b in served)
    print(f"day {index}: {plan.kpis.visits_served} of {plan.kpis.visits} served; after-linked pairs served "
          f"{both} of {len(pairs)}; unassigned {[(u.visit, u.reason.value) for u in plan.unassigned]}; "
          f"violations {len(check_plan(problem, plan))}; stopped by {stats.stopped_by}, {stats.seconds:.1f} s")
