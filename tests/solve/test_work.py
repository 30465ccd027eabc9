"""The work budget: how a time limit becomes counts, and how a solve reports what ended it."""

from __future__ import annotations

import pytest
from builders import day, nurse, patient, visit

from ahs_routing import SolveOptions, check_plan, solve_with_stats
from ahs_routing.errors import InputError
from ahs_routing.solve.work import ORTOOLS_RATE, lns_work, ortools_solutions, pyvrp_iterations, work_of


def test_a_time_limit_alone_becomes_its_milliseconds_of_work() -> None:
    assert work_of(10.0, None, 0.95) == 9500
    assert work_of(10.0, 1234, 0.95) == 1234


def test_work_buys_counts_at_the_calibrated_rates() -> None:
    assert ortools_solutions(1000, 100) == int(1000 * ORTOOLS_RATE / 100)
    # More visit copies, fewer solutions for the same work; never none.
    assert ortools_solutions(1000, 1000) < ortools_solutions(1000, 10)
    assert ortools_solutions(0, 10**6) == 1
    assert lns_work(1000, compiled=False) >= 1
    assert pyvrp_iterations(1000, 100) >= 1


@pytest.mark.parametrize("work", [0, -5, 2.5])
def test_a_work_budget_must_be_a_positive_whole_number(work: object) -> None:
    with pytest.raises(InputError, match="work"):
        SolveOptions(work=work)  # type: ignore[arg-type]


def test_patience_is_not_a_default_stop() -> None:
    assert SolveOptions().patience is None


def test_a_small_work_budget_ends_the_search_well_before_a_generous_clock() -> None:
    problem = day([nurse("n1")], [patient("a"), patient("b")],
                  [visit("va", "a", 60, [("08:00", "12:00")]), visit("vb", "b", 60, [("08:00", "12:00")])],
                  {"a": 10, "b": 10})
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=60, seed=1, work=50))
    assert stats.stopped_by == "work"
    assert stats.seconds < 30
    assert plan.meta["work"] == 50
    assert not plan.unassigned
    assert check_plan(problem, plan) == []
