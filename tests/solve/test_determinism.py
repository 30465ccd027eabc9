"""Contract rule 10 under load: the same day, seed and solution limit give the same plan in concurrent runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: Solves a 100-visit day with breaks, team visits and ten `after` links (the day of
#: test_generated_days) and prints the plan as the contract's JSON.
_RUN = """
import json, random, sys
from ahs_routing import After, SolveOptions, Visit, solve
from ahs_routing.io.contract import plan_to_dict
from ahs_routing.studies.scenarios import generate_day
problem = generate_day(100, seed=3)
firsts = random.Random(7).sample([v for v in problem.visits if v.staff_count == 1], 10)
later = tuple(Visit(f"{v.id}-later", v.patient, 1200, after=After(v.id, 7200, 14400)) for v in firsts)
problem = problem.replace(visits=problem.visits + later)
plan = solve(problem, SolveOptions(time_limit=300, seed=1, solution_limit=int(sys.argv[1]), lns_iterations=20))
print(json.dumps(plan_to_dict(plan), sort_keys=True))
"""


def test_two_concurrent_runs_with_the_same_seed_and_solution_limit_give_the_same_plan() -> None:
    """Before OR-Tools' LNS sub-searches lost their 100 ms clock limit, 3 runs side by side gave 3 plans here."""
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))
    runs = [subprocess.Popen([sys.executable, "-c", _RUN, "40"], stdout=subprocess.PIPE, env=env, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    assert all(run.returncode == 0 for run in runs)
    plans = [json.loads(output) for output in outputs]
    assert plans[0]["kpis"]["visits_served"] >= 100
    # `meta.solved_at` is when each run finished; everything else, provenance included, is equal.
    for plan in plans:
        plan["meta"].pop("solved_at")
    assert plans[0] == plans[1]
