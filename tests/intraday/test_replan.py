"""Re-planning during the day: the state at a moment, each event kind, and what may not change.

The morning plans are built by hand (the re-timer gives each order its earliest times) on the
line days of `builders`: a place x km east of the base is x minutes away, |x - y| from place y.
"""

from __future__ import annotations

import pytest
from builders import day, hm, minutes, nurse, patient, visit
from planned_days import five_visits, morning

from ahs_routing import (
    After,
    Break,
    InputError,
    Plan,
    Priority,
    SolveOptions,
    check_plan,
    travel_matrix,
)
from ahs_routing.domain.events import AddStaff, AddVisit, CancelVisit, SetDuration, StaffUnavailable
from ahs_routing.intraday.changes import ChangeKind, StaffNote, change_to_dict, plan_changes
from ahs_routing.intraday.rebuild import rest_of_day, updated_day
from ahs_routing.intraday.replan import Replan, ReplanOptions, replan, replan_to_dict
from ahs_routing.intraday.state import day_state
from ahs_routing.solve import solve
from ahs_routing.studies.scenarios import generate_day

QUICK = ReplanOptions(solve=SolveOptions(time_limit=2, seed=1, solution_limit=200))


def assert_replanned(old: Plan, result: Replan, now: int) -> None:
    """The new plan passes the checker; fixed stops keep staff and times; nothing new starts before `now`."""
    assert check_plan(result.problem, result.plan) == []
    new = {(r.staff, s.visit): s for r, s in result.plan.stops()}
    for route, stop in old.stops():
        if stop.visit in result.fixed_visits:
            kept = new[route.staff, stop.visit]
            assert (kept.travel, kept.arrival, kept.start) == (stop.travel, stop.arrival, stop.start)
    for route, stop in result.plan.stops():
        if stop.visit not in result.fixed_visits:
            assert stop.arrival - stop.travel >= now, (route.staff, stop)
    for route in old.routes:
        later = result.plan.route_of(route.staff)
        if later is not None:
            assert {(b.start, b.end) for b in route.breaks if b.end <= now} <= {(b.start, b.end) for b in later.breaks}


def kinds(result: Replan) -> list[tuple[str, str | None]]:
    return [(c.kind.value, c.visit) for c in result.changes]


def stops_of(plan: Plan, staff_id: str) -> list[tuple[str, str]]:
    route = plan.route_of(staff_id)
    from ahs_routing.times import format_clock

    return [] if route is None else [(s.visit, format_clock(s.start)) for s in route.stops]


# State of the day ----------------------------------------------------------------------------


def test_state_fixes_visits_started_or_set_off_for() -> None:
    """At 09:15 n1 has done v1 and waits at b's door for v2 (left a at 09:00): both fixed, free at b
    from 10:00. n2 is in v4 (09:00-09:30) and has not left for v5: v4 fixed, free at d from 09:30."""
    problem, plan = five_visits()
    state = day_state(problem, plan, hm("09:15"))
    assert state.fixed_visits == {"v1", "v2", "v4"}
    n1, n2 = state.staff["n1"], state.staff["n2"]
    assert (n1.place, n1.free_from, n1.route_start) == ("b", hm("10:00"), hm("08:20"))
    assert (n2.place, n2.free_from) == ("d", hm("09:30"))
    before_day = day_state(problem, plan, hm("07:00"))
    assert before_day.fixed_visits == set() and before_day.staff["n1"].place == "base"


def test_rest_of_day_starts_each_staff_member_where_they_are() -> None:
    """At 09:15 the rest of the day holds v3 and v5; n1 starts at b at 10:00. Unavailable from 09:15,
    n1 keeps a shift to 10:20 (back from b after v2, 20 min) and has no rest of the day."""
    problem, plan = five_visits()
    matrix = travel_matrix(problem)
    state = day_state(problem, plan, hm("09:15"))
    day_now, notes = updated_day(problem, {}, state, matrix)
    assert day_now.staff == problem.staff and notes == []
    rest = rest_of_day(day_now, plan, state, {}, matrix)
    assert [v.id for v in rest.problem.visits] == ["v3", "v5"] and not rest.outside and not rest.copies
    n1 = rest.problem.staff_by_id["n1"]
    assert n1.shift.start == hm("10:00") and n1.start_location is not None and n1.start_location.id == "b"
    cut, notes = updated_day(problem, {"n1": hm("09:15")}, state, matrix)
    assert cut.staff_by_id["n1"].latest_end == hm("10:20") and notes == []
    assert [s.id for s in rest_of_day(cut, plan, state, {"n1": hm("09:15")}, matrix).problem.staff] == ["n2"]


def test_plan_changes_are_listed_by_time() -> None:
    """v3 moves to n2 (10:30 both times), which pushes v5 from 10:00 to 11:05; a staff note comes first."""
    problem, plan = five_visits()
    other = morning(problem, {"n1": ["v1", "v2"], "n2": ["v4", "v3", "v5"]})
    note = StaffNote(ChangeKind.OVERTIME, "n2", "n2 cannot be back before 17:00")
    changes = plan_changes(plan, problem, other, frozenset(), [note], minutes(15))
    assert [(c.kind.value, c.visit) for c in changes] == [("overtime", None), ("shifted", "v5"), ("moved", "v3")]
    assert changes[1].shift == minutes(65)
    assert change_to_dict(changes[2]) == {"change": "moved", "visit": "v3", "staff_before": ["n1"],
                                          "staff_after": ["n2"], "start_before": "10:30", "start_after": "10:30",
                                          "detail": "n1 -> n2, 10:30 -> 10:30"}


# Events, one by one --------------------------------------------------------------------------


def test_urgent_visit_goes_where_it_disturbs_nobody() -> None:
    """Urgent 20 min at c between 09:30 and 10:15 at 09:15. n1 is free at b at 10:00, 10 min from c:
    starts 10:10, ends 10:30 at c, exactly when v3 (also at c) starts. No other visit changes."""
    problem, plan = five_visits()
    urgent = visit("u", "c", 20, [("09:30", "10:15")], priority=Priority.CRITICAL)
    result = replan(problem, plan, [AddVisit(urgent)], hm("09:15"), QUICK)
    assert_replanned(plan, result, hm("09:15"))
    assert stops_of(result.plan, "n1") == [("v1", "08:30"), ("v2", "09:30"), ("u", "10:10"), ("v3", "10:30")]
    assert kinds(result) == [("added", "u")]
    assert result.changes[0].staff_after == ("n1",) and result.changes[0].detail == "new visit; n1 at 10:10"
    assert result.plan.meta["seed"] == 1 and result.plan.meta["solution_limit"] == 200  # the re-plan's provenance


def test_cancel_shortens_the_route_and_cannot_undo_the_past() -> None:
    """v3 cancelled at 09:15: n1 goes home from b after v2, back 10:20. v1 (08:30) cannot be cancelled."""
    problem, plan = five_visits()
    result = replan(problem, plan, [CancelVisit("v3")], hm("09:15"), QUICK)
    assert_replanned(plan, result, hm("09:15"))
    assert "v3" not in result.problem.visit_by_id
    route = result.plan.route_of("n1")
    assert route is not None and route.visit_ids == ["v1", "v2"] and route.end == hm("10:20")
    assert kinds(result) == [("cancelled", "v3")]
    with pytest.raises(InputError) as caught:
        replan(problem, plan, [CancelVisit("v1")], hm("09:15"), QUICK)
    assert str(caught.value) == ("events[0].visit: 'v1' started at 08:30, before 09:15; "
                                 "a visit under way cannot be cancelled")


def test_a_visit_running_long_pushes_what_follows() -> None:
    """v4 (started 09:00) takes 70 min: it ends 10:10, n2 reaches e at 10:20 and v5 starts then,
    20 min after its announced 10:00: a shift beyond the 15-minute tolerance, reported."""
    problem, plan = five_visits()
    result = replan(problem, plan, [SetDuration("v4", minutes(70))], hm("09:45"), QUICK)
    assert_replanned(plan, result, hm("09:45"))
    assert stops_of(result.plan, "n2") == [("v4", "09:00"), ("v5", "10:20")]
    route = result.plan.route_of("n2")
    assert route is not None and route.stops[0].end == hm("10:10")
    assert kinds(result) == [("shifted", "v5")]
    assert result.changes[0].shift == minutes(20)


def test_a_sick_nurse_hands_over_what_she_had_not_started() -> None:
    """n1 is unavailable from 09:15. v1 is done; v2 (09:30 sharp at b) was not started, and n2 cannot
    be there in time. v3 (10:30 at c) goes to n2 before v5, which moves to 11:05: serving v3 beats
    keeping v5's time. n1 goes home from a: back 09:25."""
    problem, plan = five_visits()
    result = replan(problem, plan, [StaffUnavailable("n1", hm("09:15"))], hm("09:15"), QUICK)
    assert_replanned(plan, result, hm("09:15"))
    assert stops_of(result.plan, "n1") == [("v1", "08:30")]
    route = result.plan.route_of("n1")
    assert route is not None and route.end == hm("09:25")
    assert stops_of(result.plan, "n2") == [("v4", "09:00"), ("v3", "10:30"), ("v5", "11:05")]
    assert kinds(result) == [("unassigned", "v2"), ("shifted", "v5"), ("moved", "v3")]
    assert result.problem.staff_by_id["n1"].latest_end == hm("09:25")


def test_an_added_nurse_takes_over_instead_of_moving_others() -> None:
    """As above, but n3 joins at 09:15 from the base: she takes v3 (60 min of driving and a move)
    rather than n2 taking it and shifting v5 by 65 minutes."""
    problem, plan = five_visits()
    events = [StaffUnavailable("n1", hm("09:15")), AddStaff(nurse("n3", start="09:15", end="16:00"))]
    result = replan(problem, plan, events, hm("09:15"), QUICK)
    assert_replanned(plan, result, hm("09:15"))
    assert stops_of(result.plan, "n3") == [("v3", "10:30")]
    assert stops_of(result.plan, "n2") == [("v4", "09:00"), ("v5", "10:00")]
    assert kinds(result) == [("unassigned", "v2"), ("moved", "v3")]


def test_an_unassigned_visit_is_served_when_room_appears() -> None:
    """v6 (at a, 10:40-10:50) did not fit the morning plan; once v3 is cancelled n1 takes it at 10:40."""
    problem = day([nurse("n1")], [patient("a"), patient("b"), patient("c")],
                  [visit("v2", "b", 30, [("09:30", "09:30")]), visit("v3", "c", 30, [("10:30", "10:30")]),
                   visit("v6", "a", 30, [("10:40", "10:50")])], {"a": 10, "b": 20, "c": 30})
    plan = morning(problem, {"n1": ["v2", "v3"]})
    result = replan(problem, plan, [CancelVisit("v3")], hm("09:15"), QUICK)
    assert_replanned(plan, result, hm("09:15"))
    assert stops_of(result.plan, "n1") == [("v2", "09:30"), ("v6", "10:40")]
    assert kinds(result) == [("cancelled", "v3"), ("added", "v6")]
    assert result.changes[1].detail == "was unassigned; n1 at 10:40"


# Links, breaks and the limits of the day -----------------------------------------------------------


def test_a_link_to_a_visit_already_made_becomes_a_window() -> None:
    """v6 (window from 10:40) follows v1 (08:30) by 120-150 min. v1 is done when n1 falls ill at 09:00,
    so v6 gets the window 10:40-11:00 on its own; n2 serves it there, and the gap to v1 still holds."""
    problem = day([nurse("n1"), nurse("n2")], [patient("a")],
                  [visit("v1", "a", 30, [("08:30", "08:30")]),
                   visit("v6", "a", 30, [("10:40", "12:00")], after=After("v1", minutes(120), minutes(150)))],
                  {"a": 10})
    plan = morning(problem, {"n1": ["v1", "v6"]})
    result = replan(problem, plan, [StaffUnavailable("n1", hm("09:00"))], hm("09:00"), QUICK)
    assert_replanned(plan, result, hm("09:00"))
    frozen = result.problem.visit_by_id["v6"]
    assert frozen.after is None and [(w.start, w.end) for w in frozen.windows] == [(hm("10:40"), hm("11:00"))]
    (moved,) = result.changes
    assert moved.kind is ChangeKind.MOVED and moved.staff_after == ("n2",)
    assert moved.start_after is not None and hm("10:40") <= moved.start_after <= hm("11:00")


def test_breaks_taken_stay_and_a_break_that_no_longer_fits_is_reported() -> None:
    """Lunch 30 min between 10:00 and 11:00. v1 at a 09:00-10:00, then the break at a 10:00-10:30.
    At 10:45 the break is taken and stays. If at 09:30 v1 is said to last 100 min (to 10:40),
    the break cannot end by 11:00 any more: dropped from the day and reported."""
    lunch = (Break(hm("10:00"), hm("11:00"), minutes(30)),)
    problem = day([nurse("n1", breaks=lunch)], [patient("a"), patient("b")],
                  [visit("v1", "a", 60, [("09:00", "09:00")]), visit("v2", "b", 30, [("12:00", "13:00")])],
                  {"a": 10, "b": 20})
    plan = morning(problem, {"n1": ["v1", "v2"]})
    later = replan(problem, plan, [], hm("10:45"), QUICK)
    assert_replanned(plan, later, hm("10:45"))
    assert later.changes == ()
    longer = replan(problem, plan, [SetDuration("v1", minutes(100))], hm("09:30"), QUICK)
    assert_replanned(plan, longer, hm("09:30"))
    assert longer.problem.staff_by_id["n1"].breaks == ()
    assert [(c.kind, c.staff_before) for c in longer.changes] == [(ChangeKind.BREAK_DROPPED, ("n1",))]


def test_a_visit_running_past_the_shift_is_overtime_not_a_broken_plan() -> None:
    """n1's shift ends 10:00; v1 (09:00 at a) runs to 10:20: she is back 10:30, reported as overtime."""
    problem = day([nurse("n1", end="10:00")], [patient("a")], [visit("v1", "a", 30, [("09:00", "09:00")])],
                  {"a": 10})
    plan = morning(problem, {"n1": ["v1"]})
    result = replan(problem, plan, [SetDuration("v1", minutes(80))], hm("09:50"), QUICK)
    assert_replanned(plan, result, hm("09:50"))
    route = result.plan.route_of("n1")
    assert route is not None and route.end == hm("10:30")
    assert [c.kind for c in result.changes] == [ChangeKind.OVERTIME]


def test_team_visits_keep_their_pair_and_time_unless_a_member_leaves() -> None:
    """T needs two staff at b (10:30, window 10:00-12:00), planned for n1 and n2; n3 is idle.
    An urgent visit at 09:15 leaves T with n1 and n2 at 10:30. When n2 falls ill instead, T goes
    to n1 and n3, still inside its window."""
    problem = day([nurse("n1"), nurse("n2"), nurse("n3")], [patient("a"), patient("b")],
                  [visit("v1", "a", 30, [("09:00", "09:00")]),
                   visit("T", "b", 30, [("10:00", "12:00")], staff_count=2)], {"a": 10, "b": 20})
    plan = morning(problem, {"n1": ["v1", "T"], "n2": ["T"]})
    team_start = next(s.start for _, s in plan.stops() if s.visit == "T")
    urgent = visit("u", "a", 20, [("09:30", "10:00")], priority=Priority.CRITICAL)
    result = replan(problem, plan, [AddVisit(urgent)], hm("09:15"), QUICK)
    assert_replanned(plan, result, hm("09:15"))
    assert sorted((r.staff, s.start) for r, s in result.plan.stops() if s.visit == "T") == [
        ("n1", team_start), ("n2", team_start)]
    assert kinds(result) == [("added", "u")]
    sick = replan(problem, plan, [StaffUnavailable("n2", hm("09:15"))], hm("09:15"), QUICK)
    assert_replanned(plan, sick, hm("09:15"))
    (moved,) = sick.changes
    assert (moved.kind, moved.visit, moved.staff_after) == (ChangeKind.MOVED, "T", ("n1", "n3"))


@pytest.mark.parametrize(("events", "expected"), [
    ([CancelVisit("v9")], "events[0].visit: unknown visit 'v9'"),
    ([CancelVisit("v3"), SetDuration("v3", 60)], "events[1].visit: unknown visit 'v3' (cancelled by an earlier event)"),
    ([AddVisit(visit("v2", "a"))], "events[0].visit.id: visit 'v2' already exists"),
    ([AddVisit(visit("u", "zz"))], "events[0].visit.patient: unknown patient 'zz'; give the new patient as the "
                                   "event's 'patient'"),
    # a new patient must be in the travel matrix of a matrix day
    ([AddVisit(visit("u", "zz"), patient("zz"))], "events[0].patient.id: 'zz' is not in travel.locations"),
    ([AddVisit(visit("u", "a", after=After("v99")))], "events[0].visit.after.visit: unknown visit 'v99'"),
    ([StaffUnavailable("n7", 0)], "events[0].staff: unknown staff 'n7'"),
    ([AddStaff(nurse("n2"))], "events[0].staff.id: staff 'n2' already exists"),
])
def test_events_that_do_not_fit_the_day_name_the_event(events: list[object], expected: str) -> None:
    """References are checked against the day and the earlier events."""
    problem, plan = five_visits()
    with pytest.raises(InputError) as caught:
        replan(problem, plan, events, hm("09:15"), QUICK)  # type: ignore[arg-type]
    assert str(caught.value) == expected


def test_a_plan_for_another_day_is_refused() -> None:
    """The plan must pass the checker for the problem it is re-planned with."""
    problem, plan = five_visits()
    other = problem.replace(visits=tuple(v for v in problem.visits if v.id != "v5"))
    with pytest.raises(InputError, match="plan: does not fit the problem"):
        replan(other, plan, [], hm("09:15"), QUICK)


# A generated day ---------------------------------------------------------------------------------


def test_generated_day_urgent_visit_and_sick_nurse_keep_the_past() -> None:
    """40 visits with breaks and team visits: an urgent visit, then a nurse falling ill, at 11:00."""
    problem = generate_day(40, seed=3)
    plan = solve(problem, SolveOptions(time_limit=2, seed=1, solution_limit=300))
    now = hm("11:00")
    urgent = visit("urgent", "p5", 30, [("11:00", "13:00")], priority=Priority.CRITICAL)
    result = replan(problem, plan, [AddVisit(urgent)], now, QUICK)
    assert_replanned(plan, result, now)
    assert "urgent" in {s.visit for _, s in result.plan.stops()}
    busiest = max(plan.routes, key=lambda r: len(r.stops)).staff
    sick = replan(result.problem, result.plan, [StaffUnavailable(busiest, now)], now, QUICK)
    assert_replanned(result.plan, sick, now)
    document = replan_to_dict(sick)
    assert {c["change"] for c in document["changes"]} <= {"moved", "shifted", "unassigned", "added"}
