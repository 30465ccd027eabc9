"""What would make a left-out visit fit: as-is insertions, overtime and widened windows, on line days."""

from __future__ import annotations

from builders import day, hm, minutes, nurse, patient, visit

from ahs_routing import SolveOptions, UnassignedReason, check_plan, solve, travel_matrix
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.plan import Unassigned
from ahs_routing.schedule.insertion import Budget
from ahs_routing.schedule.timing import retime_route
from ahs_routing.solve.fitting import ways_to_fit


def test_overtime_hint_names_the_staff_member_and_the_minutes() -> None:
    """Two 60-minute visits 10 min out fit a 08:00-10:00 shift only with 20 min more: the plan says so."""
    problem = day([nurse("n1", "08:00", "10:00")], [patient("a"), patient("b")],
                  [visit("va", "a", 60), visit("vb", "b", 60)], {"a": 10, "b": 10})
    plan = solve(problem, SolveOptions(time_limit=2, seed=1))
    assert check_plan(problem, plan) == []
    [left] = plan.unassigned
    assert left.reason is UnassignedReason.CAPACITY
    # Either order works on the line, so the first position (before the other visit) is named.
    assert "n1 could take it at 08:10 with 20 min more overtime" in left.detail
    assert "window" not in left.detail.split(";", 1)[1]


def test_window_hint_names_the_time_it_could_start() -> None:
    """Both visits must start by 09:00; the second could start at 09:10 if its window were wider."""
    problem = day([nurse("n1")], [patient("a"), patient("b")],
                  [visit("va", "a", 60, [("08:00", "09:00")]), visit("vb", "b", 60, [("08:00", "09:00")])],
                  {"a": 10, "b": 10})
    plan = solve(problem, SolveOptions(time_limit=2, seed=1))
    assert check_plan(problem, plan) == []
    [left] = plan.unassigned
    assert left.reason is UnassignedReason.CAPACITY
    assert "n1 could take it at 09:10 if its window (08:00-09:00) were widened to that time" in left.detail
    assert "overtime" not in left.detail


def test_no_hint_when_two_rules_would_have_to_give_way() -> None:
    """Widening the window alone runs past the shift, overtime alone misses the window: no sentence."""
    problem = day([nurse("n1", "08:00", "10:00")], [patient("a"), patient("b")],
                  [visit("va", "a", 60, [("08:00", "09:00")]), visit("vb", "b", 60, [("08:00", "09:00")])],
                  {"a": 10, "b": 10})
    plan = solve(problem, SolveOptions(time_limit=2, seed=1))
    [left] = plan.unassigned
    assert left.detail == "could be served on its own, but not together with the rest of the day's visits"


def test_a_visit_that_fits_as_it_is_gets_the_cheapest_position() -> None:
    """Route base -> a(10) -> c(30); b at 20 fits between them and adds no travel on the line."""
    problem = day([nurse("n1"), nurse("n2")], [patient("a"), patient("b"), patient("c")],
                  [visit("va", "a", 30), visit("vb", "b", 30), visit("vc", "c", 30)], {"a": 10, "b": 20, "c": 30})
    travel = travel_matrix(problem)
    route = retime_route(problem, travel, problem.staff_by_id["n1"], ["va", "vc"])
    assert route is not None
    left = {"vb": Unassigned("vb", UnassignedReason.CAPACITY)}
    plan = assemble_plan(problem, [route], left, [], has_km=travel.has_km)
    fits = ways_to_fit(problem, travel, plan, "vb")
    best = fits[0]
    assert (best.staff, best.position, best.added_travel, best.as_is) == ("n1", 1, 0, True)
    assert best.start == hm("08:50")  # leave 08:00, a 08:10-08:40, b 08:50
    assert best.route is not None and best.route.visit_ids == ["va", "vb", "vc"]
    # n2 has an empty day: a round trip of 40 minutes.
    assert [(f.staff, f.added_travel) for f in fits] == [("n1", 0), ("n2", minutes(40))]


def test_the_budget_bounds_the_work() -> None:
    """With no evaluations left nothing is tried, so nothing is found."""
    problem = day([nurse("n1")], [patient("a")], [visit("va", "a", 30)], {"a": 10})
    travel = travel_matrix(problem)
    plan = assemble_plan(problem, [], {"va": Unassigned("va", UnassignedReason.CAPACITY)}, [], has_km=travel.has_km)
    assert ways_to_fit(problem, travel, plan, "va", budget=Budget(0)) == []
    assert len(ways_to_fit(problem, travel, plan, "va", budget=Budget(1))) == 1
