"""Turning an order of visits into clock times: placing trips and breaks."""

from __future__ import annotations

from builders import day, hm, minutes, nurse, patient, visit

from ahs_routing import Break, Mode, Plan, PlanStatus, check_plan, travel_matrix
from ahs_routing.domain.kpis import compute_kpis
from ahs_routing.domain.plan import BreakTaken, Stop
from ahs_routing.schedule.timing import (
    Head,
    Item,
    RouteSketch,
    assemble_route,
    best_timing,
    break_start,
    due_break,
    earliest_start,
    first_drive,
    forward_pass,
    free_stretches,
    leave_late,
    realise_route,
    retime_route,
    retime_tail,
    shift_range,
    start_in,
)


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


def test_a_break_waits_for_its_window_and_must_end_in_it() -> None:
    """Lunch 30 min in 11:00-13:00: from 10:00 it starts 11:00; from 12:40 it would end too late;
    a deadline of 11:20 (say, the departure) rules it out too."""
    lunch = Break(hm("11:00"), hm("13:00"), minutes(30))
    assert break_start(hm("10:00"), lunch) == hm("11:00")
    assert break_start(hm("12:30"), lunch) == hm("12:30")
    assert break_start(hm("12:40"), lunch) is None
    assert break_start(hm("10:00"), lunch, deadline=hm("11:20")) is None


def test_a_break_falls_due_when_it_could_no_longer_start_after_the_visit() -> None:
    """Its latest start is 12:30: a visit ending 12:30 leaves time for it after, one ending 12:31 does not."""
    lunch = Break(hm("11:00"), hm("13:00"), minutes(30))
    assert due_break([lunch], hm("12:30")) is None
    assert due_break([lunch], hm("12:31")) is lunch
    assert due_break([], hm("15:00")) is None


def test_leave_late_unless_a_break_comes_first() -> None:
    """A 10:00 visit 20 min away: leave 09:40. A break 09:00-09:30 before it keeps the early departure,
    unless only breaks on the road count; one 09:45-10:00 is on the road either way."""
    assert leave_late(hm("08:00"), hm("10:00"), minutes(20)) == hm("09:40")
    assert leave_late(hm("09:50"), hm("10:00"), minutes(20)) == hm("09:50")
    early = [(hm("09:00"), hm("09:30"))]
    assert leave_late(hm("08:00"), hm("10:00"), minutes(20), early) == hm("08:00")
    assert leave_late(hm("08:00"), hm("10:00"), minutes(20), early, road_only=True) == hm("09:40")
    on_road = [(hm("09:45"), hm("10:00"))]
    assert leave_late(hm("08:00"), hm("10:00"), minutes(20), on_road, road_only=True) == hm("08:00")


def test_drives_go_around_busy_times() -> None:
    """Free 08:00-10:00 but for 08:30-09:00: a 20 min drive leaves 08:00, a 40 min one at 09:00;
    an 80 min one does not fit. The free stretches are 08:00-08:30 and 09:00-10:00."""
    busy = [(hm("08:30"), hm("09:00"))]
    assert first_drive(hm("08:00"), hm("10:00"), minutes(20), busy) == hm("08:00")
    assert first_drive(hm("08:00"), hm("10:00"), minutes(40), busy) == hm("09:00")
    assert first_drive(hm("08:00"), hm("10:00"), minutes(80), busy) is None
    assert free_stretches(hm("08:00"), hm("10:00"), busy) == [(hm("08:00"), hm("08:30")), (hm("09:00"), hm("10:00"))]


def test_an_item_starts_in_its_ranges_not_before_its_announced_start_and_held_exactly() -> None:
    """Window 09:00-10:00: arriving 08:30 it starts 09:00; announced 09:20, it starts 09:20; held at
    09:20, arriving after 09:20 it cannot start at all."""
    person = nurse("n1")
    v = visit("v", "p", 30, [("09:00", "10:00")])
    assert start_in(Item.of(v, person).ranges, hm("08:30")) == hm("09:00")
    announced = Item.of(v, person, hm("09:20"), announced=True)
    assert announced.announced == hm("09:20") and announced.ranges == [(hm("09:00"), hm("10:00"))]
    held = Item.of(v, person, hm("09:20"), held=True)
    assert held.ranges == ((hm("09:20"), hm("09:20")),) and start_in(held.ranges, hm("09:25")) is None
    assert Item.of(visit("w", "p"), person).ranges == shift_range(person) == [(hm("08:00"), hm("16:00"))]
    assert earliest_start(v, hm("10:01"), person) is None


def test_the_best_timing_delays_announced_visits_least_then_gets_home_first() -> None:
    """Two 30-min visits at a (10 min out); the second was announced for 09:00; lunch 30 min in 08:30-10:30.
    v1 08:10-08:40, v2 waits for 09:00. Lunch before v2 would delay it to 09:10; after it (09:30-10:00
    before the trip home, or 09:40-10:10 after it) delays nobody and both get home 10:10: the first wins."""
    lunch = Break(hm("08:30"), hm("10:30"), minutes(30))
    problem = day([nurse("n1", breaks=(lunch,))], [patient("a")],
                  [visit("v1", "a", 30), visit("v2", "a", 30)], {"a": 10})
    person = problem.staff[0]
    items = [Item.of(problem.visit_by_id["v1"], person),
             Item.of(problem.visit_by_id["v2"], person, hm("09:00"), announced=True)]
    legs = [minutes(10), 0, minutes(10)]
    timed = best_timing(problem, person, hm("08:00"), items, legs, person.breaks)
    assert timed is not None
    assert (timed.starts, timed.breaks, timed.delay) == ([hm("08:10"), hm("09:00")],
                                                         [(hm("09:30"), hm("10:00"))], 0)
    assert timed.end == hm("10:10")
    # Forced to take lunch before leaving, the first visit starts 09:10 and the second 09:40.
    forced = forward_pass(person, hm("08:00"), items, [minutes(30)] * 2, legs, [(0, lunch)])
    assert forced is not None and forced.starts == [hm("09:10"), hm("09:40")] and forced.delay == minutes(40)


def test_retime_tail_keeps_the_head_and_times_the_rest() -> None:
    """n1 did v1 at a (10 min out) 08:10-08:40 and stays there; v2 at b (20 min out) follows at once:
    arrives 08:50, starts 08:50; the route keeps its start, 08:00, and assembles travel 10+10+20."""
    problem = day([nurse("n1")], [patient("a"), patient("b")], [visit("v1", "a", 30), visit("v2", "b", 30)],
                  {"a": 10, "b": 20})
    matrix = travel_matrix(problem)
    person = problem.staff[0]
    first = retime_route(problem, matrix, person, ["v1"])
    assert first is not None and first.start == hm("08:00") and first.stops[0].start == hm("08:10")
    head = Head("a", first.stops[0].end, (), first.stops, (), first.start)
    route = retime_tail(problem, matrix, person, head, [Item.of(problem.visit_by_id["v2"], person)])
    assert route is not None
    assert [(s.visit, s.arrival, s.start) for s in route.stops] == [("v1", hm("08:10"), hm("08:10")),
                                                                     ("v2", hm("08:50"), hm("08:50"))]
    assert (route.start, route.end, route.travel) == (hm("08:00"), hm("09:40"), minutes(40))
    assert Head.at_start(problem, person) == Head("base", hm("08:00"), ())


def test_a_head_without_a_start_starts_with_its_first_kept_trip() -> None:
    """The head keeps v1 (left base 08:00, at a 08:10); v2's window opens at 10:00. Leaving late for v2
    would start the route at 09:50, after v1: the route must start when the kept trip did, 08:00."""
    problem = day([nurse("n1")], [patient("a"), patient("b")],
                  [visit("v1", "a", 30), visit("v2", "b", 30, [("10:00", "11:00")])], {"a": 10, "b": 20})
    matrix = travel_matrix(problem)
    person = problem.staff[0]
    first = retime_route(problem, matrix, person, ["v1"])
    assert first is not None
    head = Head("a", first.stops[0].end, (), first.stops, (), None)
    route = retime_tail(problem, matrix, person, head, [Item.of(problem.visit_by_id["v2"], person)])
    assert route is not None and route.start == hm("08:00")
    assert check_plan(problem, _as_plan(problem, [route])) == []


def test_assemble_route_starts_and_ends_with_what_comes_first_and_last() -> None:
    """A break 07:50-08:00 at the base before leaving 08:00 starts the day; home at 09:00 ends it."""
    problem = day([nurse("n1", start="07:30")], [patient("a")], [visit("v1", "a", 30)], {"a": 10})
    stops = [Stop("v1", "a", minutes(10), hm("08:10"), hm("08:10"), hm("08:40"))]
    route = assemble_route(problem, travel_matrix(problem), problem.staff[0], stops,
                           [(hm("07:50"), hm("08:00"))], hm("08:00"), hm("09:00"), minutes(10))
    assert (route.start, route.end, route.travel) == (hm("07:50"), hm("09:00"), minutes(20))
    assert route.breaks == (BreakTaken(hm("07:50"), hm("08:00")),)
