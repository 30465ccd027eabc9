"""What the service solves: day documents always, week documents when a week solver is installed.

`validate` runs in the HTTP server (every fault at once, as `InputError`); `solve_document` runs in a
worker process and returns the plan document with its `meta`, checked by the independent checker.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ahs_routing.check.checker import check_plan
from ahs_routing.errors import InputError
from ahs_routing.io.contract import json_schemas, plan_to_dict, problem_from_dict
from ahs_routing.service.jobs import SearchLimits
from ahs_routing.solve import SolveOptions, solve_with_stats
from ahs_routing.version import library_version

ProgressReport = Callable[[float, int, int], None]


@dataclass(frozen=True, slots=True)
class WeekSolver:
    """The week solver's parts, when the library has them (`ahs_routing.io.week`, `ahs_routing.solve.week`)."""

    parse: Callable[[Any], Any]
    options: Callable[[SolveOptions, int], Any]
    solve: Callable[..., Any]
    to_dict: Callable[..., dict[str, Any]]
    schemas: Callable[[], dict[str, Any]]


def week_solver() -> WeekSolver | None:
    """Return the week solver when this version of the library has one, else None."""
    try:
        week_io = importlib.import_module("ahs_routing.io.week")
        week_solve = importlib.import_module("ahs_routing.solve.week")
        return WeekSolver(week_io.week_from_dict, week_solve.week_options, week_solve.solve_week,
                          week_io.week_plan_to_dict, week_io.week_json_schemas)
    except (ImportError, AttributeError):
        return None


def document_schemas() -> dict[str, Any]:
    """Return the JSON Schemas of the documents the service reads and writes, by name."""
    solver = week_solver()
    return json_schemas() | (solver.schemas() if solver is not None else {})


def document_kind(data: Any) -> str:
    """Return "day" or "week" for a problem document; anything else is an `InputError` at `kind`."""
    if not isinstance(data, dict):
        raise InputError(f"the problem document must be a JSON object, got {type(data).__name__}")
    kind = data.get("kind")
    if kind is None:
        return "day"
    if kind == "week":
        if week_solver() is None:
            raise InputError("week documents are not supported by this version of ahs_routing "
                             "(no week solver installed); send one day at a time", path="kind")
        return "week"
    raise InputError(f"unknown document kind {kind!r}: a day document has no `kind`, a week one has \"week\"",
                     path="kind")


def validate(data: Any) -> str:
    """Return the document's kind after validating it (every fault at once, as `InputError`)."""
    kind = document_kind(data)
    if kind == "day":
        problem_from_dict(data)
    else:
        solver = week_solver()
        assert solver is not None
        solver.parse(data)
    return kind


def solve_document(
    data: Any, limits: SearchLimits, progress: ProgressReport, should_stop: Callable[[], bool],
) -> tuple[dict[str, Any], str]:
    """Return the plan document for a problem document and what stopped its search ("cancelled", ...)."""
    options = SolveOptions(time_limit=limits.time_limit, seed=limits.seed, solution_limit=limits.solution_limit)
    if limits.patience is not None:
        options = replace(options, patience=limits.patience)
    if document_kind(data) == "week":
        return _solve_week(data, options, progress, should_stop)
    problem = problem_from_dict(data)
    plan, stats = solve_with_stats(problem, options, progress=progress, should_stop=should_stop)
    violations = check_plan(problem, plan)
    if violations:
        # Never expected (solve repairs until the checker agrees); a wrong plan is never handed out.
        raise RuntimeError(f"the plan failed the checker: {violations[0].rule}")
    return plan_to_dict(plan), stats.stopped_by


def _solve_week(
    data: Any, options: SolveOptions, progress: ProgressReport, should_stop: Callable[[], bool],
) -> tuple[dict[str, Any], str]:
    """Return the week plan document, its whole week capped by the time limit.

    The hooks are passed only if the week solver takes them; one that does not runs to its end,
    and a cancel asked meanwhile marks the job cancelled with that plan.
    """
    solver = week_solver()
    assert solver is not None
    week = solver.parse(data)
    accepted = inspect.signature(solver.solve).parameters
    extras = {name: hook for name, hook in (("progress", progress), ("should_stop", should_stop))
              if name in accepted}
    plan = solver.solve(week, solver.options(options, len(week.dates)), **extras)
    stopped_by = "cancelled" if should_stop() else "completed"
    meta = {"library_version": library_version(), "seed": options.seed, "time_limit": options.time_limit,
            "solution_limit": options.solution_limit,
            "solved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "stopped_by": stopped_by}
    return solver.to_dict(plan, meta=meta), stopped_by
