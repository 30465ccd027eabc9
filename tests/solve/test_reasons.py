"""Why a visit was left out: the search's limits are named, `capacity` keeps its meaning."""

from __future__ import annotations

from ahs_routing import SolveOptions, UnassignedReason, check_plan, solve_with_stats
from ahs_routing.solve.pipeline import left_out_detail
from ahs_routing.studies.scenarios import generate_day


def test_the_detail_names_what_stopped_the_search() -> None:
    """Time and solution limits say a longer search may fit it; a converged search says it did not fit."""
    options = SolveOptions(time_limit=7, solution_limit=12)
    assert "time limit of 7 s" in left_out_detail(True, "time_limit", options)
    assert "limit of 12 solutions" in left_out_detail(True, "solution_limit", options)
    assert left_out_detail(True, "converged", options).startswith("could be served on its own, but not together")
    assert "found no plan" in left_out_detail(False, "time_limit", options)


def test_visits_left_out_at_the_solution_limit_say_so() -> None:
    """Two staff for 100 visits, stopped at the first solution: every left-out visit names the limit."""
    problem = generate_day(100, seed=5, staff=2, breaks=False, teams=False)
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=30, seed=1, solution_limit=1, warm_start="none"))
    assert check_plan(problem, plan) == []
    assert stats.stopped_by == "solution_limit"
    left = [u for u in plan.unassigned if u.reason is UnassignedReason.CAPACITY]
    assert left
    assert all("limit of 1 solutions" in u.detail for u in left), left[0]
