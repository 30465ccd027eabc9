"""What the service solves: day and week documents, each plan checked, a cancel honoured."""

from __future__ import annotations

import pytest
from planned_days import five_visits
from weeks import small_week

from ahs_routing import InputError, check_plan, plan_from_dict, problem_to_dict
from ahs_routing.check.week import check_week_plan
from ahs_routing.io.week import week_plan_from_dict, week_to_dict
from ahs_routing.service.jobs import SearchLimits
from ahs_routing.service.solving import document_kind, document_schemas, solve_document, validate


def test_a_day_document_is_solved_and_checked() -> None:
    problem, _ = five_visits()
    limits = SearchLimits(30.0, seed=1, patience=1000, solution_limit=20)  # the clock only as a cap: CI may be loaded
    document, stopped_by = solve_document(problem_to_dict(problem), limits, lambda *_: None, lambda: False)
    assert stopped_by == document["meta"]["stopped_by"] == "solution_limit"
    assert check_plan(problem, plan_from_dict(document)) == []


def test_a_work_budget_reaches_the_solve_and_ends_it() -> None:
    problem, _ = five_visits()
    document, stopped_by = solve_document(problem_to_dict(problem), SearchLimits(60.0, seed=1, work=300),
                                          lambda *_: None, lambda: False)
    assert document["meta"]["work"] == 300 and stopped_by == "work"
    assert check_plan(problem, plan_from_dict(document)) == []


def test_week_documents_are_validated_solved_and_cancelled() -> None:
    week = week_to_dict(small_week())
    assert validate(week) == "week"
    with pytest.raises(InputError) as error:
        validate({**week, "dates": ["2026-11-23", "2026-11-23"]})
    assert "dates[1]" in {p.path for p in error.value.problems}
    with pytest.raises(InputError) as error:
        document_kind({"kind": "month"})
    assert "unknown document kind" in str(error.value)
    limits = SearchLimits(20.0, seed=2, solution_limit=20)
    document, stopped_by = solve_document(week, limits, lambda *_: None, lambda: False)
    assert document["kind"] == "week_plan" and stopped_by == document["meta"]["stopped_by"] == "completed"
    assert (document["meta"]["seed"], document["meta"]["time_limit"]) == (2, 20.0)
    assert check_week_plan(small_week(), week_plan_from_dict(document)) == []
    # Cancelled from the start: every day solve stops at once, and the week plan is still a checked one.
    document, stopped_by = solve_document(week, limits, lambda *_: None, lambda: True)
    assert stopped_by == "cancelled" and check_week_plan(small_week(), week_plan_from_dict(document)) == []
    assert {"week", "week_plan", "problem", "plan"} <= set(document_schemas())
