"""A nurse who goes home: with `staff_unavailable` from T announced at `now`, only a visit already
started at `now` may run past T (docs/REPLAN.md, "A staff member who becomes unavailable").

The day is `planned_days.five_visits`: n1 does v1 at a 08:30-09:00, leaves at 09:00 for v2 at b
09:30-10:00 (arrives 09:10), leaves b at 10:00 for v3 at c 10:30-11:00, home 11:30. n2 does v4 at
d 09:00-09:30 and v5 at e from 10:00; from d, b is 5 minutes away (09:35: too late for v2's
09:30 sharp).
"""

from __future__ import annotations

from builders import hm
from planned_days import five_visits
from test_replan import QUICK, assert_replanned, stops_of

from ahs_routing.domain.events import StaffUnavailable
from ahs_routing.intraday.replan import replan


def test_a_visit_started_before_now_is_kept_and_may_run_past_from() -> None:
    """At 09:45 n1 is on v2 (started 09:30), unavailable from 09:50: she finishes it (10:00), goes
    home (back 10:20); v3 is taken from her (n2, on v5 at e 10:00-10:30, cannot reach c by 10:30) and
    the change says why."""
    problem, plan = five_visits()
    result = replan(problem, plan, [StaffUnavailable("n1", hm("09:50"))], hm("09:45"), QUICK)
    assert_replanned(plan, result, hm("09:45"))
    assert stops_of(result.plan, "n1") == [("v1", "08:30"), ("v2", "09:30")]
    route = result.plan.route_of("n1")
    assert route is not None and route.end == hm("10:20")
    [v3] = [c for c in result.changes if c.visit == "v3"]
    assert v3.kind.value == "unassigned" and v3.detail.startswith("n1 unavailable from 09:50; unreachable_in_shift")


def test_a_visit_starting_before_from_but_ending_after_it_is_taken_away() -> None:
    """At 09:05 n1 is driving to v2 (09:30-10:00) and goes home at 09:50: she cannot finish it, so it
    is taken from her although it starts before 09:50. n2 cannot reach b by 09:30: v2 is unassigned,
    and `changes` says n1 went home and v2 had not started. n1 is home by 09:50."""
    problem, plan = five_visits()
    result = replan(problem, plan, [StaffUnavailable("n1", hm("09:50"))], hm("09:05"), QUICK)
    assert_replanned(plan, result, hm("09:05"))
    assert "v2" not in result.fixed_visits
    assert stops_of(result.plan, "n1") == [("v1", "08:30")]
    route = result.plan.route_of("n1")
    assert route is not None and route.end <= hm("09:50")
    assert "v2" in {u.visit for u in result.plan.unassigned}
    [v2] = [c for c in result.changes if c.visit == "v2"]
    assert v2.kind.value == "unassigned" and v2.staff_before == ("n1",)
    assert v2.detail.startswith("n1 unavailable from 09:50; the visit 09:30-10:00 had not started at 09:05")
    assert result.problem.staff_by_id["n1"].latest_end <= hm("09:50")


def test_a_visit_ending_by_from_stays_and_one_starting_after_it_moves() -> None:
    """At 09:05, unavailable from 10:00: v2 (driving to it, 09:30-10:00) ends by 10:00 and stays with
    n1; v3 (10:30) starts after 10:00 and moves to n2, saying why."""
    problem, plan = five_visits()
    result = replan(problem, plan, [StaffUnavailable("n1", hm("10:00"))], hm("09:05"), QUICK)
    assert_replanned(plan, result, hm("09:05"))
    assert stops_of(result.plan, "n1") == [("v1", "08:30"), ("v2", "09:30")]
    [v3] = [c for c in result.changes if c.visit == "v3"]
    assert v3.kind.value == "moved" and v3.detail.startswith("n1 unavailable from 10:00; n1 -> n2")
