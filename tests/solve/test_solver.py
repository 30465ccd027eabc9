"""End-to-end solves of hand-checkable days; every plan is asserted through the checker."""

from __future__ import annotations

import time

import pytest
from builders import day, hm, minutes, nurse, patient, visit

from ahs_routing import (
    After,
    Break,
    Mode,
    Plan,
    Priority,
    Problem,
    SolveOptions,
    UnassignedReason,
    check_plan,
    solve,
    solve_with_stats,
)
from ahs_routing.solve import SolveHints
from ahs_routing.studies.scenarios import generate_day
from ahs_routing.travel import travel_matrix

FAST = SolveOptions(time_limit=1.0)


def solved(problem: Problem, options: SolveOptions = FAST, **kwargs: object) -> Plan:
    plan = solve(problem, options, **kwargs)  # type: ignore[arg-type]
    assert check_plan(problem, plan) == []
    return plan


def staff_of(plan: Plan, visit_id: str) -> list[str]:
    return sorted(r.staff for r in plan.routes for s in r.stops if s.visit == visit_id)


def stop_of(plan: Plan, visit_id: str):  # type: ignore[no-untyped-def]
    return next(s for r in plan.routes for s in r.stops if s.visit == visit_id)


def reason_of(plan: Plan, visit_id: str) -> UnassignedReason:
    return next(u.reason for u in plan.unassigned if u.visit == visit_id)


def test_single_visit_times_are_exact() -> None:
    """Leave at 09:50, drive 10 min, start at the window's 10:00, 30 + 5 parking min, back 10:45."""
    problem = day([nurse("n1")], [patient("p1", parking=minutes(5))],
                  [visit("v1", "p1", 30, [("10:00", "11:00")])], {"p1": 10})
    plan = solved(problem)
    route = plan.routes[0]
    stop = route.stops[0]
    assert (stop.travel, stop.arrival, stop.start, stop.end) == (minutes(10), hm("10:00"), hm("10:00"), hm("10:35"))
    assert (route.start, route.end, route.travel) == (hm("09:50"), hm("10:45"), minutes(20))
    assert plan.status.value == "complete"


def test_skills_decide_who_goes() -> None:
    """Only the nurse with 'chemotherapy' may take the chemotherapy visit, although she is the further one."""
    problem = day(
        [nurse("n1"), nurse("n2", skills=frozenset({"chemotherapy"}))],
        [patient("p1")],
        [visit("v1", "p1", skills=frozenset({"chemotherapy"}))],
        {"p1": 10},
    )
    assert staff_of(solved(problem), "v1") == ["n2"]


def test_avoid_and_excluded_staff_are_respected() -> None:
    """n1 avoids dogs (p1 has one) and p2 excludes n2: each visit goes to the other nurse."""
    problem = day(
        [nurse("n1", avoid=frozenset({"dog"})), nurse("n2")],
        [patient("p1", attributes=frozenset({"dog"})), patient("p2", excluded_staff=frozenset({"n2"}))],
        [visit("v1", "p1"), visit("v2", "p2")],
        {"p1": 10, "p2": 12},
    )
    plan = solved(problem)
    assert staff_of(plan, "v1") == ["n2"]
    assert staff_of(plan, "v2") == ["n1"]


def test_pinned_staff_serves_the_visit() -> None:
    """A visit pinned to n2 goes to n2 even though n1 alone would do both visits at no extra travel."""
    problem = day([nurse("n1"), nurse("n2")], [patient("p1")],
                  [visit("v1", "p1"), visit("v2", "p1", pinned_staff="n2")], {"p1": 10})
    plan = solved(problem)
    assert staff_of(plan, "v2") == ["n2"]


def test_several_windows_the_later_one_is_used_when_needed() -> None:
    """v2 may start 08:00-08:10 or 13:00-14:00; v1 fills 08:00-09:00 at the same home, so v2 starts 13:00."""
    problem = day(
        [nurse("n1")], [patient("p1")],
        [visit("v1", "p1", 60, [("08:10", "08:10")]), visit("v2", "p1", 30, [("08:00", "08:05"), ("13:00", "14:00")])],
        {"p1": 10},
    )
    plan = solved(problem)
    assert stop_of(plan, "v2").start == hm("13:00")


def test_break_is_taken_inside_its_window_and_off_the_road() -> None:
    """A 30 min break due 11:00-12:00 fits in the gap between two visits, without overlapping travel."""
    problem = day(
        [nurse("n1", breaks=(Break(hm("11:00"), hm("12:00"), minutes(30)),))],
        [patient("p1"), patient("p2")],
        [visit("v1", "p1", 60, [("10:00", "10:00")]), visit("v2", "p2", 30, [("11:50", "12:00")])],
        {"p1": 10, "p2": 30},
    )
    plan = solved(problem)
    (brk,) = plan.routes[0].breaks
    assert hm("11:00") <= brk.start and brk.end <= hm("12:00") and brk.end - brk.start == minutes(30)


def test_overtime_only_when_a_visit_needs_it() -> None:
    """A visit ending 16:10 (back 16:20) is served with 30 min overtime allowed; the plan reports 20 min."""
    problem = day([nurse("n1", end="16:00", overtime=minutes(30))], [patient("p1")],
                  [visit("v1", "p1", 40, [("15:30", "15:30")])], {"p1": 10})
    plan = solved(problem)
    assert plan.kpis.visits_served == 1
    assert plan.kpis.overtime_seconds == minutes(20)
    without = day([nurse("n1", end="16:00")], [patient("p1")], [visit("v1", "p1", 40, [("15:30", "15:30")])],
                  {"p1": 10})
    assert solved(without).kpis.visits_served == 0


def test_priorities_are_lexicographic() -> None:
    """With time for one 3-hour visit only, the critical one is kept over two normal ones."""
    problem = day(
        [nurse("n1", start="08:00", end="11:30")], [patient("p1"), patient("p2")],
        [visit("crit", "p1", 180, priority=Priority.CRITICAL),
         visit("n-a", "p2", 90), visit("n-b", "p2", 90)],
        {"p1": 5, "p2": 5},
    )
    plan = solved(problem)
    assert staff_of(plan, "crit") == ["n1"]
    assert {u.visit for u in plan.unassigned} == {"n-a", "n-b"}
    assert reason_of(plan, "n-a") is UnassignedReason.CAPACITY


def test_remote_visit_is_done_at_the_base_without_parking() -> None:
    """A video follow-up is carried out from the base: no travel, no parking minutes."""
    problem = day([nurse("n1")], [patient("p1", parking=minutes(10))],
                  [visit("v1", "p1", 20, [("09:00", "09:00")], mode=Mode.REMOTE)], {"p1": 40})
    plan = solved(problem)
    stop = plan.routes[0].stops[0]
    assert (stop.travel, stop.end - stop.start) == (0, minutes(20))
    assert plan.routes[0].travel == 0


def test_capacity_and_travel_cap_bind() -> None:
    """Capacity 2 takes two 1-unit visits; a 30-min travel cap keeps n1 off the 20-min-away home."""
    problem = day(
        [nurse("n1", capacity=2.0, max_travel=minutes(30)), nurse("n2")],
        [patient("p1"), patient("p2")],
        [visit("a", "p1", demand=1.0), visit("b", "p1", demand=1.0), visit("c", "p1", demand=1.0),
         visit("far", "p2")],
        {"p1": 5, "p2": 20},
    )
    plan = solved(problem)
    n1 = plan.route_of("n1")
    assert n1 is None or len(n1.stops) <= 2
    assert staff_of(plan, "far") == ["n2"]


def test_team_visit_needs_two_distinct_staff_at_the_same_minute() -> None:
    """A two-person visit is done by n1 and n2 together, starting at the same second, once n2 can be there."""
    problem = day([nurse("n1"), nurse("n2", start="09:00")], [patient("p1")],
                  [visit("t", "p1", 45, [("08:00", "12:00")], staff_count=2)], {"p1": 15})
    plan = solved(problem)
    (start,) = {s.start for r in plan.routes for s in r.stops if s.visit == "t"}
    assert staff_of(plan, "t") == ["n1", "n2"] and hm("09:15") <= start <= hm("12:00")


def test_team_visit_with_one_qualified_nurse_is_unassigned() -> None:
    """Two staff with 'palliative' are needed but only one has it: no_qualified_staff, never half-served."""
    problem = day([nurse("n1", skills=frozenset({"palliative"})), nurse("n2")], [patient("p1")],
                  [visit("t", "p1", skills=frozenset({"palliative"}), staff_count=2)], {"p1": 10})
    plan = solved(problem)
    assert reason_of(plan, "t") is UnassignedReason.NO_QUALIFIED_STAFF
    assert plan.routes == ()


def test_after_link_holds_to_the_minute() -> None:
    """Medication every 8 hours with 15 min tolerance: the second dose starts 7:45-8:15 after the first."""
    problem = day(
        [nurse("n1", start="07:00", end="12:00"), nurse("n2", start="13:00", end="20:00")], [patient("p1")],
        [visit("dose1", "p1", 10, [("07:30", "09:00")]),
         visit("dose2", "p1", 10, after=After("dose1", minutes(465), minutes(495)))],
        {"p1": 20},
    )
    plan = solved(problem)
    gap = stop_of(plan, "dose2").start - stop_of(plan, "dose1").start
    assert minutes(465) <= gap <= minutes(495)
    assert staff_of(plan, "dose1") == ["n1"] and staff_of(plan, "dose2") == ["n2"]


def test_after_link_is_all_or_none() -> None:
    """If the treatment cannot be served (no one has the skill), its blood test is not served alone either."""
    problem = day([nurse("n1")], [patient("p1")],
                  [visit("blood", "p1", 15),
                   visit("chemo", "p1", 60, skills=frozenset({"chemotherapy"}),
                         after=After("blood", minutes(120)))],
                  {"p1": 10})
    plan = solved(problem)
    assert reason_of(plan, "chemo") is UnassignedReason.NO_QUALIFIED_STAFF
    assert reason_of(plan, "blood") is UnassignedReason.LINKED_VISIT_UNSERVED


def test_continuity_prefers_the_known_nurse_when_slightly_further() -> None:
    """p1 knows n2, who starts 5 min further away: n2 goes (by default a stranger costs 10 min)."""
    problem = day(
        [nurse("n1"), nurse("n2", start_location=None)],
        [patient("p1", preferred_staff=("n2",)), patient("p2")],
        [visit("v1", "p1", 30), visit("v2", "p2", 30)],
        {"p1": 10, "p2": 10},
    )
    plan = solved(problem)
    assert staff_of(plan, "v1") == ["n2"]
    assert plan.kpis.continuity_rate == 1.0


def test_continuity_weight_zero_turns_it_off() -> None:
    """With continuity off, one nurse does both visits at the same home (cheaper) regardless of preference."""
    problem = day([nurse("n1"), nurse("n2")], [patient("p1", preferred_staff=("n2",))],
                  [visit("v1", "p1", 30), visit("v2", "p1", 30)], {"p1": 10})
    with_continuity = solved(problem)
    assert staff_of(with_continuity, "v1") == staff_of(with_continuity, "v2") == ["n2"]


def test_late_tolerance_serves_a_visit_late_rather_than_not_at_all() -> None:
    """v2's window ends 09:00 but n1 is busy until 09:20: with 30 late minutes allowed it starts 09:30."""
    def build(late: int) -> Problem:
        return day([nurse("n1", start="08:00")], [patient("p1"), patient("p2")],
                   [visit("v1", "p1", 70, [("08:10", "08:10")], priority=Priority.HIGH),
                    visit("v2", "p2", 20, [("08:30", "09:00")], late=late)],
                   {"p1": 10, "p2": 20})
    strict = solved(build(0))
    assert reason_of(strict, "v2") is UnassignedReason.CAPACITY
    tolerant = solved(build(minutes(30)))
    assert stop_of(tolerant, "v2").start == hm("09:30")


def test_balance_spreads_work() -> None:
    """Four visits at one home: alone one nurse does all; with balance on, both nurses work."""
    problem = day([nurse("n1"), nurse("n2")], [patient("p1")],
                  [visit(f"v{i}", "p1", 60) for i in range(4)], {"p1": 10})
    assert len(solved(problem).routes) == 1
    balanced = solved(problem, SolveOptions(time_limit=1.0, balance_weight=5))
    assert len(balanced.routes) == 2


def test_ineligible_patient_visits_are_not_routed() -> None:
    """A home 75 min away (limit 60) and a 19-year-old are ineligible; their visits are patient_ineligible."""
    problem = day([nurse("n1")], [patient("far"), patient("old", age_years=19), patient("ok", age_years=5)],
                  [visit("v1", "far"), visit("v2", "old"), visit("v3", "ok")],
                  {"far": 75, "old": 5, "ok": 5})
    plan = solved(problem)
    assert {(p.patient, p.reason.value) for p in plan.ineligible_patients} == {
        ("far", "travel_limit"), ("old", "age_limit")}
    assert reason_of(plan, "v1") is UnassignedReason.PATIENT_INELIGIBLE
    assert reason_of(plan, "v2") is UnassignedReason.PATIENT_INELIGIBLE
    assert plan.status.value == "complete"


def test_unreachable_in_shift() -> None:
    """A visit whose window closes before anyone can get there is unreachable_in_shift."""
    problem = day([nurse("n1", start="09:00")], [patient("p1")],
                  [visit("v1", "p1", 30, [("08:00", "09:05")])], {"p1": 10})
    plan = solved(problem)
    assert reason_of(plan, "v1") is UnassignedReason.UNREACHABLE_IN_SHIFT


def test_no_compatible_staff_detail_names_the_conflict() -> None:
    """The only chemo nurse avoids dogs and this home has one: the sentence says so."""
    problem = day([nurse("s1", skills=frozenset({"chemotherapy"}), avoid=frozenset({"dog"})), nurse("s2")],
                  [patient("p1", attributes=frozenset({"dog"}))],
                  [visit("v1", "p1", skills=frozenset({"chemotherapy"}))], {"p1": 10})
    plan = solved(problem)
    (item,) = plan.unassigned
    assert item.reason is UnassignedReason.NO_COMPATIBLE_STAFF
    assert "'chemotherapy'" in item.detail and "s1 avoids 'dog'" in item.detail


def test_same_seed_same_plan() -> None:
    """Two solves with the same seed and limit give the same plan."""
    positions = {f"p{i}": float(5 + (i * 7) % 40) for i in range(12)}
    problem = day([nurse(f"n{i}") for i in range(3)], [patient(p) for p in positions],
                  [visit(f"v{i}", f"p{i}", 30 + i % 3 * 15, [("08:00", "15:00")]) for i in range(12)], positions)
    options = SolveOptions(time_limit=1.0, seed=7)
    assert solved(problem, options) == solved(problem, options)


def test_time_limit_is_honoured() -> None:
    """A 1 s limit on a 60-visit day returns within 1.5 s of wall-clock time, with a valid plan."""
    positions = {f"p{i}": float(3 + (i * 13) % 50) for i in range(60)}
    problem = day([nurse(f"n{i}") for i in range(6)], [patient(p) for p in positions],
                  [visit(f"v{i}", f"p{i}", 20 + i % 4 * 10, [("08:00", "15:00")]) for i in range(60)], positions)
    started = time.monotonic()
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=1.0))
    assert time.monotonic() - started < 1.5
    assert check_plan(problem, plan) == []
    assert stats.first_solution_seconds is not None and stats.first_solution_seconds < 1.0


def test_progress_callback_reports_improvements() -> None:
    """The progress callback sees elapsed time, objective and visits served, improving over time."""
    positions = {f"p{i}": float(5 + i) for i in range(8)}
    problem = day([nurse("n1"), nurse("n2")], [patient(p) for p in positions],
                  [visit(f"v{i}", f"p{i}") for i in range(8)], positions)
    seen: list[tuple[float, int, int]] = []
    solved(problem, progress=lambda t, obj, served: seen.append((t, obj, served)))
    assert seen and seen[-1][2] == 8
    objectives = [o for _, o, _ in seen]
    assert objectives == sorted(objectives, reverse=True)


def test_hints_keep_a_visit_with_its_staff() -> None:
    """Re-planning hint: v1 should stay with n2 although n1 is as good; it stays."""
    problem = day([nurse("n1"), nurse("n2")], [patient("p1")], [visit("v1", "p1")], {"p1": 10})
    plan = solved(problem, hints=SolveHints(preferred_staff={"v1": frozenset({"n2"})}))
    assert staff_of(plan, "v1") == ["n2"]


@pytest.mark.parametrize("bad", [{"time_limit": 0}, {"first_solution": "magic"}, {"overtime_weight": -1}])
def test_bad_options_raise_input_error(bad: dict[str, object]) -> None:
    """Invalid solve options are InputErrors naming the option."""
    from ahs_routing import InputError

    with pytest.raises(InputError) as error:
        SolveOptions(**bad)  # type: ignore[arg-type]
    assert next(iter(bad)) in str(error.value)


def test_drop_penalties_are_lexicographic_and_never_overflow() -> None:
    """Each class's penalty exceeds every cost plus all lower classes together; huge days degrade, not crash."""
    from ahs_routing.solve.penalties import drop_penalties

    counts = {Priority.LOW: 3, Priority.NORMAL: 2, Priority.HIGH: 1, Priority.CRITICAL: 1}
    p = drop_penalties(counts, 100)
    assert p[Priority.NORMAL] > 100 + 3 * p[Priority.LOW]
    assert p[Priority.HIGH] > 100 + 3 * p[Priority.LOW] + 2 * p[Priority.NORMAL]
    assert p[Priority.CRITICAL] > 100 + 3 * p[Priority.LOW] + 2 * p[Priority.NORMAL] + p[Priority.HIGH]
    huge = drop_penalties(dict.fromkeys(Priority, 100_000), 10**8)
    assert sum(100_000 * v for v in huge.values()) < 2**63
    assert huge[Priority.CRITICAL] > huge[Priority.HIGH] > huge[Priority.NORMAL] > huge[Priority.LOW] > 10**8


def test_unreachable_pairs_encoded_as_huge_travel_times_are_handled() -> None:
    """A matrix that says 99999 minutes for 'no road' neither crashes nor routes that trip."""
    from dataclasses import replace

    problem = day([nurse("n1")], [patient("p1"), patient("island")], [visit("v1", "p1"), visit("v2", "island")],
                  {"p1": 10, "island": 20})
    names = list(problem.travel.locations or ())
    minutes_table = [list(row) for row in problem.travel.minutes or ()]
    island = names.index("island")
    for i in range(len(names)):
        if i != island:
            minutes_table[i][island] = minutes_table[island][i] = 99999
    cut_off = problem.replace(policy=replace(problem.policy, max_travel_minutes_from_base=None),
                              travel=replace(problem.travel, minutes=tuple(map(tuple, minutes_table))))
    plan = solved(cut_off)
    assert staff_of(plan, "v1") == ["n1"]
    assert reason_of(plan, "v2") is UnassignedReason.UNREACHABLE_IN_SHIFT


def test_two_workers_give_a_valid_reproducible_plan() -> None:
    """A portfolio of two searches returns the better plan, the same on every run with a solution limit."""
    positions = {f"p{i}": float(5 + (i * 11) % 40) for i in range(16)}
    problem = day([nurse(f"n{i}") for i in range(3)], [patient(p) for p in positions],
                  [visit(f"v{i}", f"p{i}", 30, [("08:00", "15:00")]) for i in range(16)], positions)
    options = SolveOptions(time_limit=3.0, workers=2, solution_limit=40)
    first, second = solved(problem, options), solved(problem, options)
    assert first == second
    assert first.kpis.visits_served == 16


def _plain_day(breaks: bool) -> Problem:
    from ahs_routing import Break

    lunch = (Break(hm("11:00"), hm("13:00"), minutes(30)),) if breaks else ()
    positions = {f"p{i}": float(5 + (i * 7) % 35) for i in range(14)}
    return day([nurse(f"n{i}", breaks=lunch) for i in range(3)], [patient(p) for p in positions],
               [visit(f"v{i}", f"p{i}", 30, [("08:00", "15:00")]) for i in range(14)], positions)


def test_pyvrp_warm_starts_days_it_expresses_exactly() -> None:
    """A day without breaks, teams, links or restrictions is warm-started by PyVRP and still checked."""
    pytest.importorskip("pyvrp")
    problem = _plain_day(breaks=False)
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=2.0))
    assert stats.warm_started
    assert check_plan(problem, plan) == [] and plan.kpis.visits_served == 14


def test_no_pyvrp_warm_start_when_staff_have_breaks() -> None:
    """PyVRP has no breaks, so a day with them is planned by OR-Tools alone."""
    problem = _plain_day(breaks=True)
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=1.0))
    assert not stats.warm_started
    assert check_plan(problem, plan) == []
    off = solve_with_stats(_plain_day(breaks=False), SolveOptions(time_limit=1.0, warm_start="none"))[1]
    assert not off.warm_started


def test_solving_leaves_no_routing_model_behind() -> None:
    """A service solves day after day: each OR-Tools model must be freed once its plan is read."""
    import gc

    from ortools.constraint_solver import pywrapcp

    problem = generate_day(30, 2)
    for seed in (1, 2):
        solve(problem, SolveOptions(time_limit=0.3, seed=seed))
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, pywrapcp.RoutingModel)]


def test_a_leg_that_must_hand_over_stops_at_its_first_plan_after_the_share() -> None:
    """hand_over_after_seconds=0: the search stops at its first solution, long before its 30 s limit."""
    from ahs_routing.solve import _ortools
    from ahs_routing.solve.diagnosis import diagnose

    problem = generate_day(30, 2)
    travel = travel_matrix(problem)
    candidates, _ = diagnose(problem, travel, {})
    settings = _ortools.SearchSettings(time_limit_seconds=30, seed=1, first_solution="parallel_cheapest_insertion",
                                       metaheuristic="guided_local_search", overtime_weight=4,
                                       hand_over_after_seconds=0.0)
    started = time.monotonic()
    outcome = _ortools.search(problem, travel, {v: c.staff for v, c in candidates.items()}, settings)
    assert outcome.found and outcome.stopped_by == "handed_over" and outcome.solutions == 1
    assert time.monotonic() - started < 5


def test_search_clock_never_leaves_less_than_a_search_needs() -> None:
    """The clock counts from the solve's start; past the search time, a search still gets 0.05 s."""
    from ahs_routing.solve.strategies import SearchClock

    fresh = SearchClock(time.monotonic(), 100.0)
    assert 0 <= fresh.elapsed_seconds() < 1 and 99 < fresh.left_seconds() <= 100
    assert SearchClock(time.monotonic() - 10, 5.0).left_seconds() == 0.05


def _one_route(problem: Problem, staff_id: str, visits: list[tuple[str, int]]) -> list:  # type: ignore[type-arg]
    from ahs_routing.schedule.timing import RouteSketch, realise_route

    person = problem.staff_by_id[staff_id]
    travel = travel_matrix(problem)
    return [realise_route(problem, travel, person, RouteSketch(person.shift.start, 0, visits, []))]


def test_checked_plan_retimes_a_route_the_checker_rejects() -> None:
    """A visit started after its window (10:00 for 09:00-09:30) is re-timed, not given up."""
    from ahs_routing.solve.repair import checked_plan

    problem = day([nurse("n1")], [patient("p1")], [visit("v1", "p1", 30, [("09:00", "09:30")])], {"p1": 10})
    plan, repaired = checked_plan(problem, travel_matrix(problem), _one_route(problem, "n1", [("v1", hm("10:00"))]),
                                  {}, [])
    assert repaired == 0 and check_plan(problem, plan) == []
    assert hm("09:00") <= stop_of(plan, "v1").start <= hm("09:30")


def test_checked_plan_gives_up_the_least_important_visit_that_cannot_fit() -> None:
    """Two 30-min visits both due 09:00-09:05 on one route: the normal-priority one is given up."""
    from ahs_routing.solve.repair import checked_plan

    problem = day([nurse("n1")], [patient("p1"), patient("p2")],
                  [visit("v1", "p1", 30, [("09:00", "09:05")], priority=Priority.CRITICAL),
                   visit("v2", "p2", 30, [("09:00", "09:05")])], {"p1": 10, "p2": 10})
    routes = _one_route(problem, "n1", [("v2", hm("09:00")), ("v1", hm("09:00"))])
    plan, repaired = checked_plan(problem, travel_matrix(problem), routes, {}, [])
    assert repaired == 1 and check_plan(problem, plan) == []
    assert [s.visit for _, s in plan.stops()] == ["v1"] and reason_of(plan, "v2") is UnassignedReason.CAPACITY


def test_after_search_inserts_a_left_out_visit_that_fits() -> None:
    """A visit the search left out that fits as it is goes into the plan, which still passes the checker."""
    from ahs_routing import Unassigned
    from ahs_routing.solve.diagnosis import diagnose
    from ahs_routing.solve.repair import after_search, checked_plan

    problem = day([nurse("n1")], [patient("p1"), patient("p2")],
                  [visit("v1", "p1", 30, [("09:00", "10:00")]), visit("v2", "p2", 30, [("11:00", "12:00")])],
                  {"p1": 10, "p2": 20})
    travel = travel_matrix(problem)
    candidates, _ = diagnose(problem, travel, {})
    left = {"v2": Unassigned("v2", UnassignedReason.CAPACITY, "left out")}
    plan, _ = checked_plan(problem, travel, _one_route(problem, "n1", [("v1", hm("09:00"))]), left, [])
    assert [u.visit for u in plan.unassigned] == ["v2"]
    filled = after_search(problem, travel, plan, candidates, [], 1.0)
    assert sorted(s.visit for _, s in filled.stops()) == ["v1", "v2"] and check_plan(problem, filled) == []


def test_node_graph_gives_a_team_visit_one_node_per_staff_slot_and_shares_depots() -> None:
    """Two nurses from the base, a single and a two-nurse visit: 3 visit nodes, one shared depot node."""
    from ahs_routing.solve._nodes import node_graph

    problem = day([nurse("n1"), nurse("n2")], [patient("p1"), patient("p2")],
                  [visit("v1", "p1", 30), visit("v2", "p2", 45, staff_count=2)], {"p1": 10, "p2": 20})
    graph = node_graph(problem, travel_matrix(problem), {"v1": ("n1", "n2"), "v2": ("n1", "n2")}, seed=0)
    assert graph.copies == {"v1": [0], "v2": [1, 2]} and graph.starts == graph.ends == [3, 3]
    assert graph.service == [minutes(30), minutes(45), minutes(45), 0] and graph.vehicle_of == {"n1": 0, "n2": 1}
    assert graph.travel[3, 1] == minutes(20) and graph.time[1, 3] == minutes(45) + minutes(20)


def test_loads_are_counted_in_thousandths_demand_up_capacity_down() -> None:
    """Both engines see these integers; float error in a whole number of thousandths does not round it away."""
    from ahs_routing.solve.scaling import capacity_units, demand_units

    assert (demand_units(1.0), capacity_units(200.0)) == (1000, 200_000)
    assert (demand_units(0.0004), capacity_units(0.0019)) == (1, 1)
    assert (demand_units(0.29), capacity_units(4.35), capacity_units(1.001)) == (290, 4350, 1001)
