"""What the service solves: day documents always; week documents only when a week solver is installed."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
from planned_days import five_visits

from ahs_routing import InputError, check_plan, plan_from_dict, problem_to_dict
from ahs_routing.service.jobs import SearchLimits
from ahs_routing.service.solving import document_kind, document_schemas, solve_document, validate

WEEK_MODULES = ("ahs_routing.io.week", "ahs_routing.solve.week")


def _no_week_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in WEEK_MODULES:
        monkeypatch.setitem(sys.modules, name, None)  # importing it now raises ImportError


def _fake_week_solver(monkeypatch: pytest.MonkeyPatch, calls: list[Any]) -> None:
    """A stand-in with the week solver's API (week_from_dict, week_options, solve_week, week_plan_to_dict)."""
    week_io = types.ModuleType("ahs_routing.io.week")
    week_solve = types.ModuleType("ahs_routing.solve.week")

    def week_from_dict(data: Any) -> Any:
        if "dates" not in data:
            raise InputError("required", path="dates")
        return types.SimpleNamespace(dates=data["dates"])

    def week_options(options: Any, dates: int) -> Any:
        calls.append(("options", options.time_limit, dates))
        return "week-options"

    def solve_week(week: Any, options: Any) -> Any:
        calls.append(("solve", options))
        return "week-plan"

    week_io.week_from_dict = week_from_dict  # type: ignore[attr-defined]
    week_io.week_plan_to_dict = lambda plan, meta=None: {"kind": "week_plan", "plan": plan, "meta": meta}  # type: ignore[attr-defined]
    week_io.week_json_schemas = lambda: {"week": {"title": "WeekDoc"}}  # type: ignore[attr-defined]
    week_solve.week_options = week_options  # type: ignore[attr-defined]
    week_solve.solve_week = solve_week  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, WEEK_MODULES[0], week_io)
    monkeypatch.setitem(sys.modules, WEEK_MODULES[1], week_solve)


def test_a_day_document_is_solved_and_checked() -> None:
    problem, _ = five_visits()
    limits = SearchLimits(2.0, seed=1, patience=1000, solution_limit=20)
    document, stopped_by = solve_document(problem_to_dict(problem), limits, lambda *_: None, lambda: False)
    assert stopped_by == document["meta"]["stopped_by"] == "solution_limit"
    assert check_plan(problem, plan_from_dict(document)) == []


def test_without_a_week_solver_a_week_document_is_refused_at_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_week_solver(monkeypatch)
    with pytest.raises(InputError) as error:
        validate({"kind": "week"})
    assert [p.path for p in error.value.problems] == ["kind"]
    assert set(document_schemas()) == {"problem", "plan"}
    with pytest.raises(InputError) as error:
        document_kind({"kind": "month"})
    assert "unknown document kind" in str(error.value)


def test_with_a_week_solver_week_documents_go_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    _fake_week_solver(monkeypatch, calls)
    assert validate({"kind": "week", "dates": ["2026-11-23", "2026-11-24"]}) == "week"
    with pytest.raises(InputError) as error:
        validate({"kind": "week"})
    assert [p.path for p in error.value.problems] == ["dates"]
    week = {"kind": "week", "dates": ["2026-11-23", "2026-11-24"]}
    document, stopped_by = solve_document(week, SearchLimits(30.0, seed=2), lambda *_: None, lambda: False)
    assert calls == [("options", 30.0, 2), ("solve", "week-options")]
    assert stopped_by == "completed" and document["plan"] == "week-plan"
    assert (document["meta"]["seed"], document["meta"]["time_limit"], document["meta"]["stopped_by"]) == (
        2, 30.0, "completed")
    cancelled = solve_document(week, SearchLimits(30.0), lambda *_: None, lambda: True)
    assert cancelled[1] == "cancelled"
    assert document_schemas()["week"] == {"title": "WeekDoc"}
