"""The one insertion engine: every position, re-timed exactly, within limits, priced, on a line day.

n1's route is base -> a (10 min out) -> c (30 min out), 30-min visits: leave 08:00, a 08:10-08:40,
c 09:00-09:30, home 10:00, 60 min of travel. The new visit is at b, 20 min out.
"""

from __future__ import annotations

from builders import day, hm, minutes, nurse, patient, visit

from ahs_routing import travel_matrix
from ahs_routing.schedule.insertion import Budget, Insertion, from_the_start, insertions
from ahs_routing.schedule.objective import insertion_price
from ahs_routing.schedule.timing import Head, retime_route


def _day(**person: object):  # type: ignore[no-untyped-def]
    problem = day([nurse("n1", **person)], [patient("a"), patient("b"), patient("c")],
                  [visit("va", "a", 30, demand=1.0), visit("vc", "c", 30, demand=1.0),
                   visit("vb", "b", 30, [("08:00", "09:00")], late=minutes(60), demand=1.0)],
                  {"a": 10, "b": 20, "c": 30})
    travel = travel_matrix(problem)
    person_ = problem.staff[0]
    route = retime_route(problem, travel, person_, ["va", "vc"])
    assert route is not None and (route.start, route.end, route.travel) == (hm("08:00"), hm("10:00"), minutes(60))
    return problem, travel, person_, route


def _shown(found: list[Insertion]) -> list[tuple[int, str, int, int]]:
    return [(f.position, f"{f.start // 3600:02d}:{f.start % 3600 // 60:02d}", f.added_travel // 60, f.price // 60)
            for f in found]


def test_every_position_is_tried_and_priced_with_overtime_and_lateness() -> None:
    """Shift to 10:00 with an hour of overtime. First: b 08:20, +20 min travel, home 10:50 (50 min
    overtime x 4): 220. Between a and c: b 08:50, no added travel, home 10:30: 120. Last: b 09:40,
    40 min late x 2, home 10:30: 200."""
    problem, travel, person, route = _day(end="10:00", overtime=minutes(60))
    found = insertions(problem, travel, person, route, problem.visit_by_id["vb"])
    assert _shown(found) == [(0, "08:20", 20, 220), (1, "08:50", 0, 120), (2, "09:40", 0, 200)]
    assert [(f.overtime // 60, f.lateness // 60) for f in found] == [(50, 0), (30, 0), (30, 40)]
    assert found[1].route.visit_ids == ["va", "vb", "vc"]


def test_announced_stops_are_not_moved_earlier_and_their_delay_is_priced() -> None:
    """Announced, c cannot start before 09:00, a before 08:10. In the middle b pushes c to 09:30
    (30 min, moved); first, it pushes a to 09:00 and c to 09:50 (50 + 50 min). At a price of 1 per second."""
    problem, travel, person, route = _day()
    found = insertions(problem, travel, person, route, problem.visit_by_id["vb"], announced=True, delay_weight=1.0)
    assert [(f.position, f.delay // 60, f.moved) for f in found] == [(0, 100, ("va", "vc")), (1, 30, ("vc",)),
                                                                     (2, 0, ())]
    assert [f.price // 60 for f in found] == [20 + 100, 30, 2 * 40]


def test_held_stops_keep_their_start_and_limits_rule_out_the_rest() -> None:
    """c held at 09:00 leaves only the last position. A capacity of 2 takes no third visit; a
    travel limit of 60 min rules out the first position (80 min)."""
    problem, travel, person, route = _day()
    vb = problem.visit_by_id["vb"]
    assert [f.position for f in insertions(problem, travel, person, route, vb, held={"vc"})] == [2]
    _, _, small, _ = _day(capacity=2.0)
    assert insertions(problem, travel, small, route, vb) == []
    _, _, limited, _ = _day(max_travel=minutes(60))
    assert [f.position for f in insertions(problem, travel, limited, route, vb)] == [1, 2]


def test_unreachable_positions_cost_no_budget_and_a_spent_budget_stops_the_search() -> None:
    """With b's start by 08:15 (reached at 08:20 at best) nothing is tried; one evaluation tries position 0 only."""
    problem, travel, person, route = _day()
    vb = problem.visit_by_id["vb"]
    budget = Budget(5)
    assert insertions(problem, travel, person, route, vb, ranges=[(hm("08:00"), hm("08:15"))], budget=budget) == []
    assert budget.left == 5
    one = Budget(1)
    assert [f.position for f in insertions(problem, travel, person, route, vb, budget=one)] == [0]
    assert one.left == 0 and not one.spend()


def test_a_kept_head_stays_as_it_is() -> None:
    """Keeping a as done (n1 free at a from 08:40), only the position after it is tried: b 08:50,
    the route still leaves at 08:00. With no route, the visit is the whole day: leave 08:00, b 08:20."""
    problem, travel, person, route = _day()
    vb = problem.visit_by_id["vb"]
    head = Head("a", hm("08:40"), (), route.stops[:1], (), route.start)
    [found] = insertions(problem, travel, person, route, vb, heads=[(1, head)])
    assert (found.position, found.start, found.route.start, found.route.stops[0]) == (1, hm("08:50"), hm("08:00"),
                                                                                      route.stops[0])
    [alone] = insertions(problem, travel, person, None, vb)
    assert (alone.start, alone.route.start, alone.added_travel) == (hm("08:20"), hm("08:00"), minutes(40))
    assert [p for p, _ in from_the_start(problem, person, route)] == [0, 1, 2]


def test_the_price_is_travel_plus_weighted_overtime_lateness_and_extras() -> None:
    """60 s of travel, 10 s overtime (x4), 5 s late (x2), 2.4 s of extra: 112 s."""
    assert insertion_price(60, 10, 5, 2.4) == 112
