"""Generated days from 10 to 300 visits: always a checked plan, within the time limit plus 10%."""

from __future__ import annotations

import dataclasses
import random
import time

import pytest

from ahs_routing import After, Problem, SolveOptions, Visit, check_plan, solve_with_stats, travel_matrix
from ahs_routing.studies.scenarios import generate_day

LIMIT = 2.0


@pytest.mark.parametrize(("visits", "seed"), [(10, 1), (30, 2), (100, 3), (300, 4)])
def test_generated_day_gives_a_checked_plan_within_the_time_limit(visits: int, seed: int) -> None:
    """Breaks, skills, windows and team visits included; the clock covers travel, model and plan."""
    problem = generate_day(visits, seed)
    started = time.monotonic()
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=LIMIT, seed=seed))
    elapsed = time.monotonic() - started
    assert elapsed <= LIMIT * 1.1, f"{visits} visits took {elapsed:.2f} s for a {LIMIT} s limit"
    assert check_plan(problem, plan, travel_matrix(problem)) == []
    assert plan.kpis.visits == visits
    assert plan.kpis.visits_served >= 0.95 * visits, stats


def test_tight_day_with_too_few_staff_still_gives_a_checked_plan() -> None:
    """Two staff for 100 visits: most go unassigned as capacity, the plan is still valid and on time."""
    problem = generate_day(100, seed=5, staff=2)
    started = time.monotonic()
    plan, _ = solve_with_stats(problem, SolveOptions(time_limit=LIMIT, seed=5))
    assert time.monotonic() - started <= LIMIT * 1.1
    assert check_plan(problem, plan) == []
    assert plan.unassigned and all(u.reason.value in {"capacity", "no_qualified", "unreachable_in_shift",
                                                         "linked_visit_unserved"} for u in plan.unassigned)


def test_a_nearly_full_day_with_teams_and_breaks_is_not_left_empty() -> None:
    """Parallel cheapest insertion found no plan here in 5 s (7 of 100 visits); the fallback serves most."""
    problem = generate_day(100, seed=3, staff=9)
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=3, seed=1))
    assert check_plan(problem, plan) == []
    assert stats.solutions > 0
    assert plan.kpis.visits_served >= 85


def _with_later_visits(problem: Problem, count: int = 10) -> Problem:
    """Give `count` patients a second 20-minute visit 2-4 hours after their first (start to start)."""
    rng = random.Random(7)
    firsts = rng.sample([v for v in problem.visits if v.staff_count == 1], count)
    later = tuple(Visit(f"{v.id}-later", v.patient, 20 * 60, after=After(v.id, 2 * 3600, 4 * 3600)) for v in firsts)
    return problem.replace(visits=problem.visits + later)


def test_after_links_do_not_stop_the_first_plan() -> None:
    """With 'all or none' as a hard rule, insertion found no plan in 8 s here; the relaxed first leg does."""
    problem = _with_later_visits(generate_day(100, seed=3, breaks=False, teams=False))
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=3, seed=1))
    assert check_plan(problem, plan) == []
    assert stats.first_solution_seconds is not None and stats.first_solution_seconds < 1.5
    assert plan.kpis.visits_served >= 105


def test_every_rule_at_once_stays_within_the_time_limit() -> None:
    """Breaks, teams, links, continuity and lateness: the warm start between legs once hung for 20 minutes."""
    problem = _with_later_visits(generate_day(100, seed=3))
    problem = problem.replace(
        visits=tuple(dataclasses.replace(v, late=30 * 60) if v.windows else v for v in problem.visits),
        patients=tuple(dataclasses.replace(p, preferred_staff=(f"s{1 + i % 13}",))
                       for i, p in enumerate(problem.patients)),
    )
    started = time.monotonic()
    plan, _ = solve_with_stats(problem, SolveOptions(time_limit=LIMIT, seed=1, balance_weight=1))
    assert time.monotonic() - started <= LIMIT * 1.1
    assert check_plan(problem, plan) == []
    assert plan.kpis.visits_served >= 90
