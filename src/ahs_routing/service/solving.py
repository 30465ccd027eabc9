"""What the service solves: day and week problem documents.

`validate` runs in the HTTP server (every fault at once, as `InputError`); `solve_document` runs in a
worker process and returns the plan document with its `meta`; `solve` and `solve_week` return only plans
the independent checker accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ahs_routing.errors import InputError
from ahs_routing.io.contract import json_schemas, plan_to_dict, problem_from_dict
from ahs_routing.io.week import week_from_dict, week_json_schemas, week_plan_to_dict
from ahs_routing.service.jobs import SearchLimits
from ahs_routing.solve import SolveOptions, solve_with_stats
from ahs_routing.solve.week import solve_week
from ahs_routing.solve.week_options import week_options

ProgressReport = Callable[[float, int, int], None]


def document_schemas() -> dict[str, Any]:
    """Return the JSON Schemas of the documents the service reads and writes, by name."""
    return json_schemas() | week_json_schemas()


def document_kind(data: Any) -> str:
    """Return "day" or "week" for a problem document; anything else is an `InputError` at `kind`."""
    if not isinstance(data, dict):
        raise InputError(f"the problem document must be a JSON object, got {type(data).__name__}")
    kind = data.get("kind")
    if kind is None:
        return "day"
    if kind == "week":
        return "week"
    raise InputError(f"unknown document kind {kind!r}: a day document has no `kind`, a week one has \"week\"",
                     path="kind")


def validate(data: Any) -> str:
    """Return the document's kind after validating it (every fault at once, as `InputError`)."""
    kind = document_kind(data)
    if kind == "day":
        problem_from_dict(data)
    else:
        week_from_dict(data)
    return kind


def solve_document(
    data: Any, limits: SearchLimits, progress: ProgressReport, should_stop: Callable[[], bool],
) -> tuple[dict[str, Any], str]:
    """Return the plan document for a problem document and what stopped its search ("cancelled", ...)."""
    options = SolveOptions(time_limit=limits.time_limit, seed=limits.seed, solution_limit=limits.solution_limit,
                           work=limits.work)
    if limits.patience is not None:
        options = replace(options, patience=limits.patience)
    if document_kind(data) == "week":
        return _solve_week(data, options, should_stop)
    problem = problem_from_dict(data)
    # `solve_with_stats` returns only plans the checker accepts (it repairs until it does).
    plan, stats = solve_with_stats(problem, options, progress=progress, should_stop=should_stop)
    return plan_to_dict(plan), stats.stopped_by


def _solve_week(data: Any, options: SolveOptions, should_stop: Callable[[], bool]) -> tuple[dict[str, Any], str]:
    """Return the week plan document (checked by `solve_week`), its whole week capped by the time limit."""
    week = week_from_dict(data)
    plan = solve_week(week, week_options(options, len(week.dates)), should_stop=should_stop)
    return week_plan_to_dict(plan), str(plan.meta["stopped_by"])
