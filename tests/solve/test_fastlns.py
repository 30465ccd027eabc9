"""The compiled core of the group moves: linked visits kept together, breaks and windows kept, every plan checked."""

from __future__ import annotations

import pytest
from builders import day, hm, minutes, nurse, patient, visit
from feasible_days import feasible_day
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ahs_routing import After, Break, SolveOptions, check_plan, solve_with_stats, travel_matrix
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.links import coupled_visits
from ahs_routing.domain.model import Problem
from ahs_routing.domain.plan import Route, Unassigned, UnassignedReason
from ahs_routing.schedule.timing import retime_route
from ahs_routing.solve import fastlns, lns
from ahs_routing.solve.lns import LnsOutcome, LnsSettings
from ahs_routing.travel import TravelMatrix

pytestmark = pytest.mark.skipif(not fastlns.available(), reason="the compiled core is not built")


def _team_day() -> Problem:
    """Two nurses; 'duo' needs both at 10:00-10:30 at 20 min; 'later' 60-90 min after 'first'."""
    return day(
        [nurse("n1"), nurse("n2")],
        [patient(p) for p in ("a", "b", "c", "d", "e")],
        [visit("va", "a", 30, [("08:00", "12:00")]), visit("duo", "b", 30, [("10:00", "10:30")], staff_count=2),
         visit("first", "c", 20, [("08:00", "09:00")]), visit("vd", "d", 30),
         visit("later", "e", 20, after=After("first", hm("01:00"), hm("01:30")))],
        {"a": 10, "b": 20, "c": 30, "d": 5, "e": 30},
    )


def _everyone(problem: Problem) -> dict[str, list[str]]:
    return {v.id: [s.id for s in problem.staff] for v in problem.visits}


def _bad_plan(problem: Problem, orders: dict[str, list[str]]) -> dict[str, Route]:
    travel = travel_matrix(problem)
    routes = {}
    for staff, order in orders.items():
        route = retime_route(problem, travel, problem.staff_by_id[staff], order)
        assert route is not None
        routes[staff] = route
    return routes


def _settings(iterations: int = 10**9, seed: int = 1, work: int | None = None) -> LnsSettings:
    return LnsSettings(iterations=iterations, seed=seed, overtime_weight=4, lateness_weight=2,
                       time_limit_seconds=600, work=work)


def _violations(problem: Problem, travel: TravelMatrix, found: LnsOutcome) -> list[object]:
    left = {v: Unassigned(v, UnassignedReason.CAPACITY) for v in found.dropped}
    plan = assemble_plan(problem, list(found.routes.values()), left, [], has_km=travel.has_km)
    return list(check_plan(problem, plan, travel))


def _improve(problem: Problem, routes: dict[str, Route], settings: LnsSettings, module: object = fastlns,
             ) -> tuple[LnsOutcome, TravelMatrix]:
    travel = travel_matrix(problem)
    found = module.improve(problem, travel, routes, _everyone(problem), settings,  # type: ignore[attr-defined]
                           held=frozenset(coupled_visits(problem)))
    return found, travel


def test_the_core_keeps_a_team_visit_at_one_minute_and_an_after_gap_and_improves_a_wasteful_plan() -> None:
    problem = _team_day()
    routes = _bad_plan(problem, {"n1": ["vd", "duo", "va"], "n2": ["first", "duo", "later"]})
    found, travel = _improve(problem, routes, _settings(iterations=2000, seed=3))
    assert _violations(problem, travel, found) == []
    assert not found.dropped and found.new_bests >= 1 and found.iterations == 2000
    assert sum(r.travel for r in found.routes.values()) < sum(r.travel for r in routes.values())
    starts: dict[str, list[int]] = {}
    for route in found.routes.values():
        for stop in route.stops:
            starts.setdefault(stop.visit, []).append(stop.start)
    assert len(starts["duo"]) == 2 and starts["duo"][0] == starts["duo"][1]
    assert hm("10:00") <= starts["duo"][0] <= hm("10:30")
    assert hm("01:00") <= starts["later"][0] - starts["first"][0] <= hm("01:30")
    # Priced as the Python search prices: travel, overtime x4, lateness x2 (no overtime or lateness here).
    assert found.price == sum(r.travel for r in found.routes.values())


def test_the_core_fills_an_empty_day_and_keeps_the_break_and_the_windows() -> None:
    lunch = Break(hm("11:00"), hm("12:30"), minutes(30))
    problem = day(
        [nurse("n1", end="14:00", breaks=(lunch,)), nurse("n2", end="14:00")],
        [patient(p) for p in ("a", "b", "c", "d")],
        [visit("va", "a", 60, [("08:00", "09:30")]), visit("vb", "b", 60, [("10:00", "11:00")]),
         visit("vc", "c", 45, [("11:30", "12:30")]), visit("team", "d", 30, [("12:45", "13:00")], staff_count=2)],
        {"a": 10, "b": 12, "c": 15, "d": 5},
    )
    found, travel = _improve(problem, {}, _settings(iterations=500))
    assert _violations(problem, travel, found) == []
    assert not found.dropped
    n1 = found.routes["n1"]
    assert len(n1.breaks) == 1 and n1.breaks[0].end - n1.breaks[0].start == minutes(30)
    assert lunch.earliest_start <= n1.breaks[0].start and n1.breaks[0].end <= lunch.latest_end
    for route in found.routes.values():
        for stop in route.stops:
            v = problem.visit_by_id[stop.visit]
            assert any(w.start <= stop.start <= w.end for w in v.windows)


def test_same_seed_and_work_give_the_same_plan() -> None:
    problem, _ = feasible_day(n_staff=4, seed=5, teams=2, links=3)
    runs = [_improve(problem, {}, _settings(seed=7, work=200_000))[0] for _ in range(2)]
    assert runs[0] == runs[1]
    assert runs[0].stopped_by == "work" and runs[0].work >= 200_000
    other = _improve(problem, {}, _settings(seed=8, work=200_000))[0]
    assert other.work >= 200_000


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_core_serves_at_least_what_the_python_search_serves(seed: int) -> None:
    problem, _ = feasible_day(n_staff=4, seed=seed, teams=2, links=3, window=30)
    python, travel = _improve(problem, {}, _settings(iterations=40, seed=seed), lns)
    core, _ = _improve(problem, {}, _settings(iterations=4000, seed=seed))
    assert _violations(problem, travel, python) == []
    assert _violations(problem, travel, core) == []
    assert len(core.dropped) <= len(python.dropped)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_staff=st.integers(2, 4), window=st.sampled_from([20, 40, 90]),
       search_seed=st.integers(0, 100))
def test_the_cores_routes_always_pass_the_checker(seed: int, n_staff: int, window: int, search_seed: int) -> None:
    problem, _ = feasible_day(n_staff=n_staff, seed=seed, teams=2, links=3, window=window)
    found, travel = _improve(problem, {}, _settings(iterations=300, seed=search_seed))
    assert _violations(problem, travel, found) == []


def test_a_day_with_links_uses_the_core_in_the_pipeline_and_the_plan_is_checked() -> None:
    problem = _team_day()
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=5, seed=1, work=2000))
    assert check_plan(problem, plan) == []
    assert plan.kpis.visits_served == plan.kpis.visits
    assert stats.work_done.lns_compiled


def test_without_the_core_the_python_search_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AHS_ROUTING_LNS_CORE", "0")
    problem = _team_day()
    assert fastlns.unsupported(problem, travel_matrix(problem), {}, _everyone(problem)) is not None
    with pytest.raises(fastlns.Unsupported):
        _improve(problem, {}, _settings(iterations=10))
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=5, seed=1, work=2000))
    assert check_plan(problem, plan) == []
    assert not stats.work_done.lns_compiled


def test_without_the_extension_the_library_still_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastlns, "_Search", None)
    problem = _team_day()
    assert not fastlns.available()
    assert "not built" in (fastlns.unsupported(problem, travel_matrix(problem), {}, _everyone(problem)) or "")
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=5, seed=1, work=2000))
    assert check_plan(problem, plan) == []
    assert not stats.work_done.lns_compiled and stats.work_done.lns_iterations > 0
