"""Property tests: whatever comes in, only an InputError or a valid plan comes out."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ahs_routing import (
    InputError,
    SolveOptions,
    check_plan,
    plan_from_dict,
    plan_to_dict,
    problem_from_dict,
    solve,
)

EXAMPLE = json.loads((Path(__file__).resolve().parents[1] / "examples" / "trondheim_weekday.json").read_text())
QUICK = SolveOptions(time_limit=0.3, solution_limit=30)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8) | st.sampled_from(["08:00", "25:00", "7:5", "", "p01", "sn-anna", "home", "remote"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*prefix, i))
    return found


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    """The example problem with a few random edits: values replaced, keys dropped or added."""
    document = copy.deepcopy(EXAMPLE)
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(document) if p]
        path = draw(st.sampled_from(paths))
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=6))] = draw(json_values)
        else:
            parent.append(draw(json_values))
    return document


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_random_json_is_an_input_error(document: Any) -> None:
    """Arbitrary JSON is never a problem document, and never crashes the parser."""
    try:
        problem_from_dict(document)
    except InputError as error:
        assert error.problems and all(str(p) for p in error.problems)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_mutated_documents_give_input_errors_with_paths_or_valid_problems(document: Any) -> None:
    """A damaged document is rejected with located messages, or (if still valid) parses cleanly."""
    try:
        problem = problem_from_dict(document)
    except InputError as error:
        assert error.problems
        for item in error.problems:
            assert item.message
    else:
        assert problem.visits is not None


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_valid_mutations_solve_to_checked_plans(document: Any) -> None:
    """Whatever still parses is planned, and the plan passes the checker."""
    try:
        problem = problem_from_dict(document)
    except InputError:
        return
    plan = solve(problem, QUICK)
    assert check_plan(problem, plan) == []


@st.composite
def small_days(draw: st.DrawFn) -> Any:
    """Random valid days: subsets of the example's staff and visits, with shifted windows and durations."""
    document = copy.deepcopy(EXAMPLE)
    staff = draw(st.lists(st.sampled_from(document["staff"]), min_size=1, max_size=4, unique_by=lambda s: s["id"]))
    visits = draw(st.lists(st.sampled_from(document["visits"]), min_size=0, max_size=10,
                           unique_by=lambda v: v["id"]))
    ids = {v["id"] for v in visits}
    for visit in visits:
        if visit["after"] is not None and visit["after"]["visit"] not in ids:
            visit["after"] = None
        visit["duration_minutes"] = draw(st.integers(0, 120))
        visit["pinned_staff"] = None
        if draw(st.booleans()):
            visit["staff_count"] = draw(st.integers(1, 3))
    for patient in document["patients"]:
        patient["preferred_staff"] = [s for s in patient["preferred_staff"] if s in {x["id"] for x in staff}]
        patient["excluded_staff"] = [s for s in patient["excluded_staff"] if s in {x["id"] for x in staff}]
    document["staff"], document["visits"] = staff, visits
    return document


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_days())
def test_random_days_give_checked_plans_that_round_trip(document: Any) -> None:
    """Random valid days are planned validly; the plan document survives reading and writing unchanged."""
    problem = problem_from_dict(document)
    plan = solve(problem, QUICK)
    assert check_plan(problem, plan) == []
    written = json.loads(json.dumps(plan_to_dict(plan)))
    reread = plan_from_dict(written)
    assert plan_to_dict(reread) == written
    assert check_plan(problem, reread) == []


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_days(), st.integers(1, 30), st.data())
def test_checker_catches_a_start_moved_before_arrival(document: Any, shift: int, data: st.DataObject) -> None:
    """Moving any stop's start before its arrival is always reported."""
    problem = problem_from_dict(document)
    plan = solve(problem, QUICK)
    stops = [(r, s) for r in plan.routes for s in r.stops]
    if not stops:
        return
    route, target = data.draw(st.sampled_from(stops))
    moved = replace(target, start=target.arrival - shift * 60)
    routes = tuple(replace(r, stops=tuple(moved if s is target else s for s in r.stops)) if r is route else r
                   for r in plan.routes)
    assert check_plan(problem, replace(plan, routes=routes))
