"""The group moves: linked visits put back whole, exactly timed; a counted, seeded search that stops when asked."""

from __future__ import annotations

from builders import day, hm, nurse, patient, visit

from ahs_routing import After, SolveOptions, check_plan, solve_with_stats, travel_matrix
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.links import coupled_visits
from ahs_routing.domain.model import Problem
from ahs_routing.domain.plan import Route, Unassigned, UnassignedReason
from ahs_routing.schedule.insertion import Budget
from ahs_routing.schedule.timing import retime_route
from ahs_routing.solve.groups import Pricing, day_groups, place
from ahs_routing.solve.lns import LnsSettings, improve


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


def _everything_candidates(problem: Problem) -> dict[str, list[str]]:
    return {v.id: [s.id for s in problem.staff] for v in problem.visits}


def test_a_team_visit_is_placed_on_two_routes_at_one_minute() -> None:
    problem = _team_day()
    travel = travel_matrix(problem)
    pricing = Pricing.of_day(problem, 4, 2, frozenset(coupled_visits(problem)))
    [duo] = day_groups(problem, {"duo"})
    found = place(problem, travel, {}, duo, _everything_candidates(problem), pricing, Budget(1000))
    assert found is not None
    starts = {staff: [s.start for s in route.stops if s.visit == "duo"] for staff, route in found.routes.items()
              if route is not None}
    assert sorted(starts) == ["n1", "n2"]
    assert starts["n1"] == starts["n2"] == [hm("10:00")]


def test_an_after_pair_is_placed_within_its_gap() -> None:
    problem = _team_day()
    travel = travel_matrix(problem)
    pricing = Pricing.of_day(problem, 4, 2, frozenset(coupled_visits(problem)))
    [pair] = day_groups(problem, {"first", "later"})
    assert [v.id for v in pair.members] == ["first", "later"]
    found = place(problem, travel, {}, pair, _everything_candidates(problem), pricing, Budget(1000))
    assert found is not None
    start = {s.visit: s.start for r in found.routes.values() if r is not None for s in r.stops}
    assert hm("01:00") <= start["later"] - start["first"] <= hm("01:30")


def _bad_plan(problem: Problem) -> dict[str, Route]:
    """n1 drives out and back twice; n2 serves the pair. A checked but wasteful start."""
    travel = travel_matrix(problem)
    n1, n2 = problem.staff_by_id["n1"], problem.staff_by_id["n2"]
    r1 = retime_route(problem, travel, n1, ["vd", "duo", "va"])
    r2 = retime_route(problem, travel, n2, ["first", "duo", "later"])
    assert r1 is not None and r2 is not None
    return {"n1": r1, "n2": r2}


def test_the_search_improves_a_wasteful_plan_reproducibly_and_the_checker_accepts_it() -> None:
    problem = _team_day()
    travel = travel_matrix(problem)
    routes = _bad_plan(problem)
    settings = LnsSettings(iterations=60, seed=3, overtime_weight=4, lateness_weight=2, time_limit_seconds=60)
    held = frozenset(coupled_visits(problem))
    runs = [improve(problem, travel, routes, _everything_candidates(problem), settings, held=held)
            for _ in range(2)]
    assert runs[0] == runs[1]
    best = runs[0]
    assert best.stopped_by == "iterations" and best.iterations == 60
    before = sum(r.travel for r in routes.values())
    assert sum(r.travel for r in best.routes.values()) < before
    left = {v: Unassigned(v, UnassignedReason.CAPACITY) for v in best.dropped}
    plan = assemble_plan(problem, list(best.routes.values()), left, [], has_km=travel.has_km)
    assert check_plan(problem, plan, travel) == []
    assert not best.dropped


def test_the_search_stops_when_asked() -> None:
    problem = _team_day()
    travel = travel_matrix(problem)
    settings = LnsSettings(iterations=1000, seed=1, overtime_weight=4, lateness_weight=2, time_limit_seconds=60)
    stopped = improve(problem, travel, _bad_plan(problem), _everything_candidates(problem), settings,
                      held=frozenset(coupled_visits(problem)), should_stop=lambda: True)
    assert stopped.stopped_by == "stopped" and stopped.iterations == 0


def test_a_day_with_links_is_solved_with_group_moves_and_checked() -> None:
    problem = _team_day()
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=5, seed=1, lns_iterations=50))
    assert check_plan(problem, plan) == []
    assert plan.kpis.visits_served == plan.kpis.visits
    assert stats.iterations > 0
