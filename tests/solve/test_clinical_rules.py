"""Team visits and interval links on days known to have a complete plan."""

from __future__ import annotations

import time

import pytest
from feasible_days import feasible_day

from ahs_routing import SolveOptions, check_plan, solve


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_days_with_teams_and_links_are_planned_completely_within_ten_seconds(seed: int) -> None:
    """A day built from a feasible schedule (10 staff, ~85 visits, team visits, 'after' links) is complete."""
    problem, _ = feasible_day(n_staff=10, seed=seed, teams=5, links=8)
    assert any(v.staff_count == 2 for v in problem.visits)
    assert any(v.after is not None for v in problem.visits)
    started = time.monotonic()
    plan = solve(problem, SolveOptions(time_limit=10.0, seed=seed))
    assert time.monotonic() - started < 11.0
    assert check_plan(problem, plan) == []
    assert plan.status.value == "complete", [(u.visit, u.reason.value) for u in plan.unassigned]
