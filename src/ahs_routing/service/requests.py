"""The synchronous requests: check a plan, suggest where a visit fits, re-plan the rest of the day.

Each takes the request's JSON object and returns the answer's; bad input raises `InputError` with
every fault under the request's own keys (`problem.visits[3]...`, `plan.routes[0]...`,
`events[1].visit...`). They hold no state, so they run in any thread or process.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ahs_routing.check.checker import check_plan
from ahs_routing.domain.model import Problem
from ahs_routing.domain.plan import Plan
from ahs_routing.errors import InputError, InputProblem, ProblemCollector
from ahs_routing.intraday.replan import DEFAULT_REPLAN_SECONDS, ReplanOptions, replan_to_dict
from ahs_routing.intraday.replan import replan as replan_day
from ahs_routing.intraday.suggest import suggest as suggest_visit
from ahs_routing.io.contract import plan_from_dict, problem_from_dict, problem_to_dict
from ahs_routing.io.events import events_from_list, visit_from_dict
from ahs_routing.io.timestamps import timestamp_seconds
from ahs_routing.solve import SolveOptions
from ahs_routing.times import format_clock, parse_clock, seconds_to_minutes

T = TypeVar("T")


def check(data: Any) -> dict[str, Any]:
    """Return `{"valid", "violations"}` for `{"problem", "plan"}`: every hard rule the plan breaks."""
    request = _object(data, ("problem", "plan"), ())
    problem, plan = _problem_and_plan(request)
    assert problem is not None and plan is not None  # else raised
    violations = check_plan(problem, plan)
    return {"valid": not violations,
            "violations": [{"rule": v.rule, "message": v.message, "staff": v.staff, "visit": v.visit,
                            "minutes": v.minutes} for v in violations]}


def suggest(data: Any) -> dict[str, Any]:
    """Return `{"suggestions": [...]}`, best first, for `{"problem", "plan", "visit"}` (+ `k`, `now`, `per_staff`)."""
    request = _object(data, ("problem", "plan", "visit"), ("k", "now", "per_staff"))
    collector = ProblemCollector()
    problem, plan = _problem_and_plan(request, collector)
    visit = _part(collector, "visit", visit_from_dict, request["visit"])
    k = _whole(collector, request, "k", 5)
    per_staff = _whole(collector, request, "per_staff", 1)
    now = _part(collector, "now", lambda value: _clock(value, problem), request.get("now"))
    collector.raise_if_any()
    assert problem is not None and plan is not None and visit is not None
    found = suggest_visit(problem, plan, visit, k, now=now, per_staff=per_staff)
    return {"suggestions": [
        {"staff": s.staff, "start": format_clock(s.start), "added_travel_minutes": seconds_to_minutes(s.added_travel),
         "moved_visits": list(s.moved_visits), "delay_minutes": seconds_to_minutes(s.delay)}
        for s in found]}


def replan(data: Any) -> dict[str, Any]:
    """Return the new plan (with `changes`) and the day as it now stands, for `{"problem", "plan", "events", "now"}`.

    Optional: `time_limit` (seconds, default 2), `seed` and `solution_limit`.
    """
    request = _object(data, ("problem", "plan", "events", "now"), ("time_limit", "seed", "solution_limit"))
    collector = ProblemCollector()
    problem, plan = _problem_and_plan(request, collector)
    # Its paths begin with "events"; timestamps in them are read with the problem's date and timezone.
    events = _part(collector, "", lambda value: events_from_list(value, *_date_and_zone(problem)), request["events"])
    now = _part(collector, "now", lambda value: _clock(value, problem), request["now"])
    if now is None and request["now"] is None:
        collector.add("now", "required: the time now, \"HH:MM\"")
    options = _part(collector, "", lambda r: SolveOptions(time_limit=r.get("time_limit", DEFAULT_REPLAN_SECONDS),
                                                          seed=r.get("seed", 0),
                                                          solution_limit=r.get("solution_limit")), request)
    collector.raise_if_any()
    assert problem is not None and plan is not None and events is not None and now is not None
    assert options is not None
    result = replan_day(problem, plan, events, now, ReplanOptions(solve=options))
    return {"plan": replan_to_dict(result), "problem": problem_to_dict(result.problem)}


def _object(data: Any, required: tuple[str, ...], optional: tuple[str, ...]) -> Mapping[str, Any]:
    """Return the request object, or raise `InputError` naming each missing or unknown key."""
    if not isinstance(data, dict):
        raise InputError(f"the request must be a JSON object, got {type(data).__name__}")
    problems = [InputProblem(key, "required") for key in required if key not in data]
    problems += [InputProblem(key, "unknown key") for key in data if key not in required + optional]
    if problems:
        raise InputError(problems)
    return data


def _part(collector: ProblemCollector, path: str, parse: Callable[[Any], T], value: Any) -> T | None:
    """Return `parse(value)`, or None with its faults recorded under `path`."""
    try:
        with collector.at(path):
            return parse(value)
    except TypeError as error:  # a wrong JSON type where a number was expected
        collector.add(path, str(error))
    return None


def _problem_and_plan(
    request: Mapping[str, Any], collector: ProblemCollector | None = None,
) -> tuple[Problem | None, Plan | None]:
    """Return the request's problem and plan; faults go to `collector` (raised at once when there is none)."""
    own = collector is None
    collector = collector or ProblemCollector()
    problem = _part(collector, "problem", problem_from_dict, request["problem"])
    plan = _part(collector, "plan", plan_from_dict, request["plan"])
    if own:
        collector.raise_if_any()
    return problem, plan


def _whole(collector: ProblemCollector, request: Mapping[str, Any], key: str, default: int) -> int:
    value = request.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        collector.add(key, f"must be a whole number >= 1, got {value!r}")
        return default
    return value


def _clock(value: Any, problem: Problem | None) -> int | None:
    """Return "HH:MM" (or, with the problem at hand, a date and time converted with its `timezone`) in seconds."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"must be a time \"HH:MM\", got {value!r}")
    if problem is None:
        return parse_clock(value)
    return timestamp_seconds(value, problem.date, problem.timezone)


def _date_and_zone(problem: Problem | None) -> tuple[dt.date | None, str | None]:
    return (None, None) if problem is None else (problem.date, problem.timezone)
