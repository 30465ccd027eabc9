"""Plans carry their provenance (`meta`), and a solve stops early when its `should_stop` hook says so."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import logging
import pickle
import time
from dataclasses import replace

import pytest
from builders import day, nurse, patient, visit
from hypothesis import given, settings
from hypothesis import strategies as st
from planned_days import five_visits

import ahs_routing
from ahs_routing import SolveOptions, check_plan, plan_from_dict, plan_to_dict, solve, solve_with_stats
from ahs_routing.domain.plan import UnassignedReason
from ahs_routing.solve import _pyvrp
from ahs_routing.studies.scenarios import generate_day

_PLAN = five_visits()[1]


def _small_day() -> ahs_routing.Problem:
    positions = {"p1": 5.0, "p2": 9.0}
    return day([nurse("n1")], [patient(p) for p in positions],
               [visit("v1", "p1", 30, [("08:00", "10:00")]), visit("v2", "p2", 30, [("09:00", "12:00")])], positions)


def test_a_solved_plan_names_what_produced_it() -> None:
    problem = _small_day()
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=1.0, seed=7, solution_limit=20))
    meta = plan.meta
    assert meta["library_version"] == ahs_routing.__version__
    assert (meta["seed"], meta["time_limit"], meta["solution_limit"]) == (7, 1.0, 20)
    assert meta["travel_provider"] == "matrix"
    assert meta["stopped_by"] == stats.stopped_by
    assert meta["warm_started"] is stats.warm_started
    assert meta["pyvrp_version"] is not None  # a core dependency
    solved_at = dt.datetime.fromisoformat(meta["solved_at"])
    assert meta["solved_at"].endswith("Z") and before <= solved_at <= dt.datetime.now(dt.UTC)


def test_meta_is_read_only_and_not_part_of_the_plans_content() -> None:
    problem = _small_day()
    options = SolveOptions(time_limit=1.0, solution_limit=20)
    first, second = solve(problem, options), solve(problem, options)
    assert first == second  # solved_at may differ; the plans are the same
    with pytest.raises(TypeError):
        first.meta["seed"] = 3  # type: ignore[index]
    # Plans cross process boundaries (worker pools, the service's workers) with their meta.
    assert dict(pickle.loads(pickle.dumps(first)).meta) == dict(first.meta)


def test_meta_survives_the_json_round_trip_and_is_absent_when_empty() -> None:
    plan = solve(_small_day(), SolveOptions(time_limit=1.0, solution_limit=20))
    document = plan_to_dict(plan)
    assert document["meta"] == dict(plan.meta)
    assert dict(plan_from_dict(document).meta) == dict(plan.meta)
    del document["meta"]
    unmarked = plan_from_dict(document)
    assert dict(unmarked.meta) == {} and "meta" not in plan_to_dict(unmarked)


def test_a_solve_stopped_before_the_search_lists_every_visit_with_a_reason() -> None:
    problem = _small_day()
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=5.0), should_stop=lambda: True)
    assert check_plan(problem, plan) == []
    assert stats.stopped_by == "cancelled" and plan.meta["stopped_by"] == "cancelled"
    assert plan.routes == ()
    assert {(u.visit, u.reason) for u in plan.unassigned} == {("v1", UnassignedReason.CAPACITY),
                                                               ("v2", UnassignedReason.CAPACITY)}
    assert all("cancelled" in u.detail for u in plan.unassigned)


def _plain_day(visits: int) -> ahs_routing.Problem:
    """A day PyVRP expresses exactly: no breaks, skills, teams, links or preferences."""
    positions = {f"p{i}": float(3 + (i * 7) % 41) for i in range(visits)}
    return day([nurse(f"n{i}") for i in range(4)], [patient(p) for p in positions],
               [visit(f"v{i}", f"p{i}", 20, [("08:00", "15:00")]) for i in range(visits)], positions)


@pytest.mark.parametrize("plain", [False, True], ids=["or-tools", "pyvrp-warm-start"])
def test_a_running_solve_stops_within_seconds_and_keeps_its_best_checked_plan(plain: bool) -> None:
    """With a 60 s limit and no patience, only the hook can end the search (and PyVRP's warm start) early."""
    problem = _plain_day(40) if plain else generate_day(60, seed=3, teams=False)
    started = time.monotonic()
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=60.0, patience=None),
                                   should_stop=lambda: time.monotonic() - started > 1.5)
    assert time.monotonic() - started < 10.0
    assert stats.stopped_by == "cancelled"
    assert check_plan(problem, plan) == []
    assert plan.kpis.visits_served > 0


_JSON_SCALARS = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20) \
    | st.floats(allow_nan=False, allow_infinity=False)
_JSON = st.recursive(_JSON_SCALARS, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


@settings(max_examples=60, deadline=None)
@given(meta=st.dictionaries(st.text(min_size=1, max_size=12), _JSON, max_size=6))
def test_any_json_meta_round_trips_through_the_plan_document(meta: dict[str, object]) -> None:
    plan = replace(_PLAN, meta=meta)
    document = json.loads(json.dumps(plan_to_dict(plan)))
    assert ("meta" in document) == bool(meta)
    reread = plan_from_dict(document)
    assert dict(reread.meta) == meta and reread == plan


def test_without_pyvrp_the_library_warns_once_and_plans_say_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    """pyvrp is a core dependency; if it is missing anyway (--no-deps), the warm start does not vanish silently."""
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "pyvrp" else real_find_spec(name, *args))
    monkeypatch.setattr(_pyvrp, "installed_version", lambda: None)
    _pyvrp.available.cache_clear()
    try:
        problem = _plain_day(6)
        with caplog.at_level(logging.WARNING, logger="ahs_routing.solve._pyvrp"):
            plans = [solve(problem, SolveOptions(time_limit=1.0, solution_limit=30)) for _ in range(2)]
    finally:
        _pyvrp.available.cache_clear()
    warnings = [r for r in caplog.records if "pyvrp is not installed" in r.getMessage()]
    assert len(warnings) == 1 and "pip install" in warnings[0].getMessage()
    assert all(p.meta["pyvrp_version"] is None and p.meta["warm_started"] is False for p in plans)
    assert all(check_plan(problem, p) == [] for p in plans)
