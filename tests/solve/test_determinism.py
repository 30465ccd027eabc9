"""Contract rule 10 under load: the same day, seed and counted budget give the same plan in concurrent runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

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
budget = json.loads(sys.argv[1])
plan = solve(problem, SolveOptions(time_limit=300, seed=1, **budget))
print(json.dumps(plan_to_dict(plan), sort_keys=True))
"""


#: Keeps one core busy for as long as it runs: the load the runs share the machine with.
_LOAD = "while True: pass"


def _concurrent_plans(budget: dict[str, int], load: bool = False) -> list[dict[str, Any]]:
    """Return the plans of two runs side by side with this budget (and a busy loop beside them, if `load`)."""
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))
    hog = subprocess.Popen([sys.executable, "-c", _LOAD]) if load else None
    try:
        runs = [subprocess.Popen([sys.executable, "-c", _RUN, json.dumps(budget)], stdout=subprocess.PIPE, env=env,
                                 text=True) for _ in range(2)]
        outputs = [run.communicate(timeout=600)[0] for run in runs]
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()
    assert all(run.returncode == 0 for run in runs)
    plans = [json.loads(output) for output in outputs]
    # `meta.solved_at` is when each run finished; everything else, provenance included, is equal.
    for plan in plans:
        plan["meta"].pop("solved_at")
    return plans


def test_two_concurrent_runs_with_the_same_seed_and_solution_limit_give_the_same_plan() -> None:
    """Before OR-Tools' LNS sub-searches lost their 100 ms clock limit, 3 runs side by side gave 3 plans here."""
    plans = _concurrent_plans({"solution_limit": 40, "lns_iterations": 20})
    assert plans[0]["kpis"]["visits_served"] >= 100
    assert plans[0] == plans[1]


def test_two_concurrent_runs_with_the_same_seed_and_work_give_the_same_plan_under_load() -> None:
    """The work budget alone (no solution or iteration limit) decides, with a third process loading the machine."""
    plans = _concurrent_plans({"work": 4000}, load=True)
    assert plans[0]["meta"]["stopped_by"] == "work"
    assert plans[0]["meta"]["work"] == 4000
    assert plans[0]["kpis"]["visits_served"] >= 100
    assert plans[0] == plans[1]
