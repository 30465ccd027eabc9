"""Turning an order of visits into clock times: placing trips and breaks."""

from __future__ import annotations

from builders import day, hm, minutes, nurse, patient, visit

from ahs_routing import Break, Mode, Plan, PlanStatus, check_plan, travel_matrix
from ahs_routing.domain.kpis import compute_kpis
from ahs_routing.schedule.timing import RouteSketch, realise_route, retime_route


def _as_plan(problem, routes) -> Plan:  # type: ignore[no-untyped-def]
    matrix = travel_matrix(problem)
    kpis = compute_kpis(problem, routes, has_km=matrix.has_km)
    return Plan(problem.date, PlanStatus.COMPLETE, tuple(routes), (), (), kpis)


def test_retime_puts_the_break_at_the_door_when_it_cannot_come_before_the_drive() -> None:
    """Visit at p (44 min out) ends 13:49; break due 14:11-14:42; remote visit at base 14:55.

    Leaving at once and resting at the base door (14:33-14:48) ends too late, and resting
    first leaves too late: no valid times for this order, so the re-timer says None.
    With the home visit allowed from 12:58 it starts then, ends 13:28, the drive ends 14:12
    and the break is taken at the base's door, 14:12-14:27, before the 14:55 video call.
    """
    lunch = (Break(hm("14:11"), hm("14:42"), minutes(15)),)
    problem = day([nurse("n1", start="12:00", end="16:00", breaks=lunch)], [patient("p")],
                  [visit("home", "p", 30, [("13:19", "14:58")]),
                   visit("video", "p", 30, [("14:55", "14:55")], mode=Mode.REMOTE)],
                  {"p": 44})
    matrix = travel_matrix(problem)
    assert retime_route(problem, matrix, problem.staff[0], ["home", "video"]) is None
    earlier = problem.replace(visits=(visit("home", "p", 30, [("12:58", "14:58")]), problem.visits[1]))
    route = retime_route(earlier, travel_matrix(earlier), earlier.staff[0], ["home", "video"])
    assert route is not None
    assert [(b.start, b.end) for b in route.breaks] == [(hm("14:12"), hm("14:27"))]
    assert [(s.start, s.end) for s in route.stops] == [(hm("12:58"), hm("13:28")), (hm("14:55"), hm("15:25"))]
    assert check_plan(earlier, _as_plan(earlier, [route])) == []


def test_retime_leaves_as_late_as_the_first_visit_allows() -> None:
    """A single 10:00 visit 10 min away: leave 09:50, back 10:40."""
    problem = day([nurse("n1")], [patient("p")], [visit("v", "p", 30, [("10:00", "11:00")])], {"p": 10})
    route = retime_route(problem, travel_matrix(problem), problem.staff[0], ["v"])
    assert route is not None and (route.start, route.end) == (hm("09:50"), hm("10:40"))


def test_realise_moves_a_break_off_the_road() -> None:
    """The search put a 30 min break 10:10-10:40 inside a 20 min drive; it is moved after the drive."""
    lunch = (Break(hm("10:00"), hm("11:00"), minutes(30)),)
    problem = day([nurse("n1", breaks=lunch)], [patient("a"), patient("b")],
                  [visit("v1", "a", 60, [("09:00", "09:00")]), visit("v2", "b", 30, [("10:50", "11:00")])],
                  {"a": 10, "b": 30})
    sketch = RouteSketch(hm("08:50"), hm("11:50"), [("v1", hm("09:00")), ("v2", hm("10:50"))],
                         [(hm("10:10"), hm("10:40"))])
    route = realise_route(problem, travel_matrix(problem), problem.staff[0], sketch)
    assert check_plan(problem, _as_plan(problem, [route])) == []
    (brk,) = route.breaks
    assert brk.start >= route.stops[1].arrival or brk.end <= route.stops[1].arrival - route.stops[1].travel
