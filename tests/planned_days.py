"""Small days with a morning plan, for the re-planning, suggestion and CLI tests (hand-checkable)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from builders import day, nurse, patient, visit

from ahs_routing import Location, Plan, Problem, Unassigned, UnassignedReason, check_plan, travel_matrix
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.schedule.timing import retime_route

POSITIONS = {"a": 10, "b": 20, "c": 30, "d": 15, "e": 25}


def morning(problem: Problem, orders: Mapping[str, Sequence[str]]) -> Plan:
    """The plan that serves each staff member's visits in this order at their earliest times."""
    matrix = travel_matrix(problem)
    routes = []
    for staff_id, order in orders.items():
        route = retime_route(problem, matrix, problem.staff_by_id[staff_id], list(order))
        assert route is not None, staff_id
        routes.append(route)
    routed = {v for order in orders.values() for v in order}
    left = {v.id: Unassigned(v.id, UnassignedReason.CAPACITY, "") for v in problem.visits if v.id not in routed}
    plan = assemble_plan(problem, routes, left, [], has_km=matrix.has_km)
    assert check_plan(problem, plan) == []
    return plan


def five_visits(**nurse_fields: object) -> tuple[Problem, Plan]:
    """n1: v1 a 08:30, v2 b 09:30 (left a at 09:00), v3 c 10:30 (leaves b at 10:00), home 11:30.
    n2: v4 d 09:00-09:30, v5 e 10:00 (window to 12:00; arrives 09:40), home 10:55."""
    problem = day(
        [nurse("n1", **nurse_fields), nurse("n2", **nurse_fields)],
        [patient(p) for p in POSITIONS],
        [visit("v1", "a", 30, [("08:30", "08:30")]), visit("v2", "b", 30, [("09:30", "09:30")]),
         visit("v3", "c", 30, [("10:30", "10:30")]), visit("v4", "d", 30, [("09:00", "09:00")]),
         visit("v5", "e", 30, [("10:00", "12:00")])],
        POSITIONS,
    )
    return problem, morning(problem, {"n1": ["v1", "v2", "v3"], "n2": ["v4", "v5"]})


HOMES = {"a": Location(63.43, 10.41), "b": Location(63.44, 10.35), "c": Location(63.41, 10.45)}


def three_homes() -> tuple[Problem, Plan]:
    """Homes at distinct coordinates (for exports): n1 serves v1 at a (08:30) then v2 at b (09:10); n2 v3 at c."""
    problem = day([nurse("n1"), nurse("n2")], [patient(p, location=where) for p, where in HOMES.items()],
                  [visit("v1", "a", 30, [("08:30", "09:00")], kind="blood_sample"), visit("v2", "b", 45),
                   visit("v3", "c", 30, [("10:00", "11:00")], kind="iv_antibiotics")],
                  {"a": 10, "b": 20, "c": 15})
    return problem, morning(problem, {"n1": ["v1", "v2"], "n2": ["v3"]})
