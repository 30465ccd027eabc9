"""Every hard rule of the contract, held by the checker alone: one satisfied / violated pair each.

The day (travel minutes = distance on a line): base at 0, home h1 at 10, home h2 at 20.
The valid plan, worked out by hand, for n1 (shift 08:00-12:00, lunch due 10:00-11:00):
leave 08:00, drive 10 -> v1 at h1 08:10-08:40 (30 min), drive 10 -> v2 at h2, arrive 08:50,
wait, 09:00-09:20, drive 20 -> back 09:40, lunch 10:00-10:30; route 08:00-10:30, travel 40.
No solver is involved: plans are built by hand.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from builders import day, hm, minutes, nurse, patient, visit
from hypothesis import given, settings
from hypothesis import strategies as st

from ahs_routing import (
    After,
    Break,
    BreakTaken,
    IneligiblePatient,
    IneligibleReason,
    Plan,
    PlanStatus,
    Policy,
    Problem,
    Route,
    Stop,
    Unassigned,
    UnassignedReason,
    check_plan,
    travel_matrix,
)
from ahs_routing.domain.kpis import compute_kpis

LUNCH = (Break(hm("10:00"), hm("11:00"), minutes(30)),)


def problem(**changes: object) -> Problem:
    base = day(
        [nurse("n1", end="12:00", skills=frozenset({"a"}), breaks=LUNCH), nurse("n2", end="12:00")],
        [patient("h1"), patient("h2")],
        [visit("v1", "h1", 30, [("08:00", "09:00")], skills=frozenset({"a"}), demand=1.0),
         visit("v2", "h2", 20, [("09:00", "10:00")], demand=1.0)],
        {"h1": 10, "h2": 20},
        policy=Policy(60, 18),
    )
    return base.replace(**changes) if changes else base


def stop(visit_id: str, patient_id: str, travel: int, arrival: str, start: str, end: str) -> Stop:
    return Stop(visit_id, patient_id, minutes(travel), hm(arrival), hm(start), hm(end))


def route_n1(**changes: object) -> Route:
    route = Route(
        staff="n1", start=hm("08:00"), end=hm("10:30"), travel=minutes(40), distance_km=None,
        stops=(stop("v1", "h1", 10, "08:10", "08:10", "08:40"), stop("v2", "h2", 10, "08:50", "09:00", "09:20")),
        breaks=(BreakTaken(hm("10:00"), hm("10:30")),),
    )
    return replace(route, **changes)  # type: ignore[arg-type]


def plan_of(problem_: Problem, routes: list[Route], unassigned: tuple[Unassigned, ...] = ()) -> Plan:
    served = {s.visit for r in routes for s in r.stops}
    complete = all(v.id in served for v in problem_.visits)
    return Plan(problem_.date, PlanStatus.COMPLETE if complete else PlanStatus.PARTIAL, tuple(routes), unassigned,
                (), compute_kpis(problem_, routes, has_km=travel_matrix(problem_).has_km))


def rules(problem_: Problem, plan: Plan) -> set[str]:
    return {v.rule for v in check_plan(problem_, plan)}


def test_the_hand_built_plan_is_valid() -> None:
    """The reference plan breaks no rule: each violated twin below differs in one thing only."""
    assert check_plan(problem(), plan_of(problem(), [route_n1()])) == []


# Rule 1: every visit routed (staff_count times, distinct staff) or unassigned, exactly once.

def test_visit_accounted_violated_when_a_visit_is_silently_dropped() -> None:
    """Leaving v2 out of both the routes and the unassigned list is reported."""
    plan = plan_of(problem(), [route_n1(stops=route_n1().stops[:1], end=hm("10:30"), travel=minutes(20))])
    assert "visit_accounted" in rules(problem(), plan)


def test_visit_accounted_satisfied_when_the_dropped_visit_is_listed() -> None:
    """The same route with v2 listed as unassigned is valid."""
    short = route_n1(stops=route_n1().stops[:1], travel=minutes(20))
    plan = plan_of(problem(), [short], (Unassigned("v2", UnassignedReason.CAPACITY, "no room"),))
    assert "visit_accounted" not in rules(problem(), plan)


def test_visit_accounted_violated_when_both_routed_and_unassigned() -> None:
    """A visit both on a route and in the unassigned list is reported."""
    plan = plan_of(problem(), [route_n1()], (Unassigned("v2", UnassignedReason.CAPACITY, ""),))
    assert "visit_accounted" in rules(problem(), plan)


# Rule 2: start inside a window; end = start + duration + parking.

def test_window_violated_by_a_start_outside_every_window() -> None:
    """v1 starting at 09:05, after its window closes at 09:00, is reported (and nothing else breaks)."""
    late = route_n1(stops=(stop("v1", "h1", 10, "08:10", "09:05", "09:35"),
                           stop("v2", "h2", 10, "09:45", "09:45", "10:05")),
                    end=hm("11:00"), breaks=(BreakTaken(hm("10:25"), hm("10:55")),))
    assert rules(problem(), plan_of(problem(), [late])) == {"window"}


def test_window_violated_by_a_wrong_end() -> None:
    """An end that is not start + duration + parking is reported."""
    wrong = route_n1(stops=(stop("v1", "h1", 10, "08:10", "08:10", "08:35"), route_n1().stops[1]))
    assert "window" in rules(problem(), plan_of(problem(), [wrong]))


def test_parking_minutes_count_in_the_end() -> None:
    """With 5 parking minutes at h1, v1 must end 08:45; 08:40 is then a violation."""
    parked = problem(patients=(patient("h1", parking=minutes(5)), patient("h2")))
    assert "window" in rules(parked, plan_of(parked, [route_n1()]))
    fixed = route_n1(stops=(stop("v1", "h1", 10, "08:10", "08:10", "08:45"),
                            stop("v2", "h2", 10, "08:55", "09:00", "09:20")))
    assert check_plan(parked, plan_of(parked, [fixed])) == []


# Rule 3: travel, arrival and waiting along a route.

def test_sequence_violated_by_arriving_too_early() -> None:
    """Arriving at h2 08:45, five minutes before the 10-minute drive from 08:40 can end, is reported."""
    early = route_n1(stops=(route_n1().stops[0], stop("v2", "h2", 10, "08:45", "09:00", "09:20")))
    assert "sequence" in rules(problem(), plan_of(problem(), [early]))


def test_sequence_violated_by_starting_before_arriving() -> None:
    """Starting v2 at 09:00 but arriving 09:05 is reported."""
    bad = route_n1(stops=(route_n1().stops[0], stop("v2", "h2", 10, "09:05", "09:00", "09:20")))
    assert "sequence" in rules(problem(), plan_of(problem(), [bad]))


def test_travel_model_violated_by_a_wrong_travel_time() -> None:
    """A stop claiming 9 minutes for the 10-minute drive is reported."""
    bad = route_n1(stops=(stop("v1", "h1", 9, "08:10", "08:10", "08:40"), route_n1().stops[1]), travel=minutes(39))
    assert "travel_model" in rules(problem(), plan_of(problem(), [bad]))


# Rule 4: shift and overtime.

def test_shift_violated_by_leaving_before_the_shift() -> None:
    """Leaving at 07:50 when the shift starts 08:00 is reported."""
    assert "shift" in rules(problem(), plan_of(problem(), [route_n1(start=hm("07:50"))]))


def test_shift_violated_by_ending_after_shift_and_overtime() -> None:
    """Ending 12:10 with a 12:00 shift end and no overtime is reported; 30 min overtime allows it."""
    late = route_n1(end=hm("12:10"))
    assert "shift" in rules(problem(), plan_of(problem(), [late]))
    overtime = problem(staff=(replace(problem().staff[0], overtime=minutes(30)), problem().staff[1]))
    assert "shift" not in rules(overtime, plan_of(overtime, [late]))


# Rule 5: skills, avoid/attributes, excluded, pinned, capacity, max travel.

def test_skills_violated_when_the_staff_member_lacks_one() -> None:
    """n2 has no skill 'a', which v1 needs."""
    moved = replace(route_n1(), staff="n2", breaks=())
    assert rules(problem(), plan_of(problem(), [moved])) == {"skills"}


def test_avoid_violated_at_a_home_with_the_attribute() -> None:
    """n1 avoids dogs; h1 has one."""
    p = problem(staff=(replace(problem().staff[0], avoid=frozenset({"dog"})), problem().staff[1]),
                patients=(patient("h1", attributes=frozenset({"dog"})), patient("h2")))
    assert rules(p, plan_of(p, [route_n1()])) == {"avoid"}
    cat = p.replace(patients=(patient("h1", attributes=frozenset({"cat"})), patient("h2")))
    assert check_plan(cat, plan_of(cat, [route_n1()])) == []


def test_excluded_staff_violated() -> None:
    """h2's family excludes n1."""
    p = problem(patients=(patient("h1"), patient("h2", excluded_staff=frozenset({"n1"}))))
    assert rules(p, plan_of(p, [route_n1()])) == {"excluded_staff"}


def test_pinned_staff_violated_and_satisfied() -> None:
    """v2 pinned to n2 but served by n1 is reported; pinned to n1 it is fine."""
    visits = problem().visits
    to_n2 = problem(visits=(visits[0], replace(visits[1], pinned_staff="n2")))
    assert rules(to_n2, plan_of(to_n2, [route_n1()])) == {"pinned_staff"}
    to_n1 = problem(visits=(visits[0], replace(visits[1], pinned_staff="n1")))
    assert check_plan(to_n1, plan_of(to_n1, [route_n1()])) == []


def test_capacity_violated_and_satisfied() -> None:
    """Two 1-unit visits exceed a capacity of 1.5 but not of 2."""
    small = problem(staff=(replace(problem().staff[0], capacity=1.5), problem().staff[1]))
    assert rules(small, plan_of(small, [route_n1()])) == {"capacity"}
    enough = problem(staff=(replace(problem().staff[0], capacity=2.0), problem().staff[1]))
    assert check_plan(enough, plan_of(enough, [route_n1()])) == []


def test_max_travel_violated_and_satisfied() -> None:
    """40 minutes of driving exceeds a 30-minute cap but not a 40-minute one."""
    capped = problem(staff=(replace(problem().staff[0], max_travel=minutes(30)), problem().staff[1]))
    assert rules(capped, plan_of(capped, [route_n1()])) == {"max_travel"}
    exact = problem(staff=(replace(problem().staff[0], max_travel=minutes(40)), problem().staff[1]))
    assert check_plan(exact, plan_of(exact, [route_n1()])) == []


# Rule 6: breaks.

@pytest.mark.parametrize(
    ("taken", "why"),
    [
        ((), "the break is missing"),
        ((BreakTaken(hm("09:30"), hm("10:00")),), "it starts before 10:00, its earliest start"),
        ((BreakTaken(hm("10:00"), hm("10:20")),), "it is 20 minutes, not 30"),
        ((BreakTaken(hm("09:05"), hm("09:35")),), "it overlaps visit v2 and the drive home"),
    ],
)
def test_break_violations(taken: tuple[BreakTaken, ...], why: str) -> None:
    """A break missing, too early, too short or overlapping work is reported."""
    plan = plan_of(problem(), [route_n1(breaks=taken)])
    assert "break" in rules(problem(), plan), why


def test_break_may_be_taken_while_waiting() -> None:
    """A break in the wait at h2's door (v2 moved to 10:30-10:50) is fine."""
    waiting = route_n1(stops=(route_n1().stops[0], stop("v2", "h2", 10, "08:50", "10:30", "10:50")),
                       breaks=(BreakTaken(hm("10:00"), hm("10:30")),), end=hm("11:10"))
    p = problem(visits=(problem().visits[0], replace(problem().visits[1], windows=())))
    assert check_plan(p, plan_of(p, [waiting])) == []


def test_break_may_not_interrupt_a_drive() -> None:
    """Driving home 09:20-09:40 with the break 09:30-10:00 in the middle is reported."""
    p = problem(staff=(replace(problem().staff[0], breaks=(Break(hm("09:30"), hm("11:00"), minutes(30)),)),
                       problem().staff[1]))
    on_road = route_n1(breaks=(BreakTaken(hm("09:30"), hm("10:00")),), end=hm("10:10"))
    assert "break" in rules(p, plan_of(p, [on_road])) or "sequence" in rules(p, plan_of(p, [on_road]))
    after = route_n1(breaks=(BreakTaken(hm("09:40"), hm("10:10")),), end=hm("10:10"))
    assert check_plan(p, plan_of(p, [after])) == []


# Rule 7: team visits start together.

def team_problem() -> Problem:
    return day([nurse("n1"), nurse("n2")], [patient("h1")],
               [visit("t", "h1", 30, [("08:00", "12:00")], staff_count=2)], {"h1": 10})


def team_route(staff: str, start: str, end: str) -> Route:
    return Route(staff, hm(start) - minutes(10), hm(end) + minutes(10), minutes(20), None,
                 (stop("t", "h1", 10, start, start, end),))


def test_team_satisfied_when_both_start_together() -> None:
    """n1 and n2 both start t at 09:00."""
    p = team_problem()
    assert check_plan(p, plan_of(p, [team_route("n1", "09:00", "09:30"), team_route("n2", "09:00", "09:30")])) == []


def test_team_violated_when_starts_differ_or_staff_is_missing() -> None:
    """Starts 09:00 and 09:05 are reported; a team visit done by one person is too."""
    p = team_problem()
    apart = plan_of(p, [team_route("n1", "09:00", "09:30"), team_route("n2", "09:05", "09:35")])
    assert "team" in rules(p, apart)
    alone = plan_of(p, [team_route("n1", "09:00", "09:30")])
    assert "visit_accounted" in rules(p, alone)


# Rule 8: after links hold to the minute, or both are unassigned.

def after_problem(min_gap: int, max_gap: int | None) -> Problem:
    visits = problem().visits
    return problem(visits=(visits[0], replace(visits[1], after=After("v1", minutes(min_gap),
                                                                    None if max_gap is None else minutes(max_gap)))))


def test_after_satisfied_and_violated_to_the_minute() -> None:
    """v2 starts 50 min after v1: fine for [50, 60], too early for 51, too late for max 49."""
    assert check_plan(after_problem(50, 60), plan_of(after_problem(50, 60), [route_n1()])) == []
    assert "after" in rules(after_problem(51, None), plan_of(after_problem(51, None), [route_n1()]))
    assert "after" in rules(after_problem(0, 49), plan_of(after_problem(0, 49), [route_n1()]))


def test_after_violated_when_only_one_is_served() -> None:
    """v1 served and v2 unassigned breaks 'both or neither'; both unassigned is fine."""
    p = after_problem(0, None)
    only_first = route_n1(stops=route_n1().stops[:1], travel=minutes(20))
    plan = plan_of(p, [only_first], (Unassigned("v2", UnassignedReason.CAPACITY, ""),))
    assert "after" in rules(p, plan)
    neither = plan_of(p, [], (Unassigned("v1", UnassignedReason.CAPACITY, ""),
                              Unassigned("v2", UnassignedReason.LINKED_VISIT_UNSERVED, "")))
    assert check_plan(p, neither) == []


# Rule 9: no visit of an ineligible patient is routed.

def test_ineligible_patient_violated_and_satisfied() -> None:
    """With a 15-minute limit, h2 (20 min away) is ineligible: routing v2 is reported."""
    strict = problem(policy=Policy(15, 18))
    assert "ineligible" in rules(strict, plan_of(strict, [route_n1()]))
    only_first = route_n1(stops=route_n1().stops[:1], travel=minutes(20))
    listed = replace(plan_of(strict, [only_first], (Unassigned("v2", UnassignedReason.PATIENT_INELIGIBLE, ""),)),
                     ineligible_patients=(IneligiblePatient("h2", IneligibleReason.TRAVEL_LIMIT, "20 min"),))
    assert "ineligible" not in rules(strict, listed)


def _only_v1(problem_: Problem, ineligible: tuple[IneligiblePatient, ...]) -> Plan:
    """n1 serves v1 alone; v2 (at h2) is unassigned as ineligible (so the plan is complete); `ineligible` is
    the plan's list."""
    only_first = route_n1(stops=route_n1().stops[:1], travel=minutes(20))
    plan = plan_of(problem_, [only_first], (Unassigned("v2", UnassignedReason.PATIENT_INELIGIBLE, ""),))
    return replace(plan, ineligible_patients=ineligible, status=PlanStatus.COMPLETE)  # v2 does not count


def test_ineligible_violated_when_an_ineligible_patient_is_not_listed() -> None:
    """h2 is 20 min away with a 15-minute limit: a plan whose ineligible_patients is empty is reported."""
    strict = problem(policy=Policy(15, 18))
    found = check_plan(strict, _only_v1(strict, ()))
    assert [(v.rule, "h2" in v.message and "missing" in v.message) for v in found] == [("ineligible", True)]
    assert check_plan(strict, _only_v1(strict, (IneligiblePatient("h2", IneligibleReason.TRAVEL_LIMIT),))) == []


def test_ineligible_violated_by_an_eligible_patient_listed() -> None:
    """h1 (10 min away, limit 15) is eligible: listing it too is reported."""
    strict = problem(policy=Policy(15, 18))
    both = tuple(IneligiblePatient(h, IneligibleReason.TRAVEL_LIMIT) for h in ("h1", "h2"))
    assert rules(strict, _only_v1(strict, both)) == {"ineligible"}


def test_ineligible_violated_by_the_wrong_reason_and_age_wins_over_travel() -> None:
    """h2 is too far (limit 15) and, at 19, too old (limit 18): the contract reports age_limit, not travel_limit."""
    strict = problem(policy=Policy(15, 18), patients=(patient("h1"), patient("h2", age_years=19.0)))
    wrong = check_plan(strict, _only_v1(strict, (IneligiblePatient("h2", IneligibleReason.TRAVEL_LIMIT),)))
    assert [v.rule for v in wrong] == ["ineligible"] and "age_limit" in wrong[0].message
    assert check_plan(strict, _only_v1(strict, (IneligiblePatient("h2", IneligibleReason.AGE_LIMIT),))) == []
    far_only = problem(policy=Policy(15, 18))  # h2 only too far: age_limit is the wrong reason
    assert rules(far_only, _only_v1(far_only, (IneligiblePatient("h2", IneligibleReason.AGE_LIMIT),))) == {
        "ineligible"}


LISTING = st.sampled_from([None, IneligibleReason.AGE_LIMIT, IneligibleReason.TRAVEL_LIMIT])


@settings(max_examples=60, deadline=None)
@given(ages=st.tuples(st.none() | st.integers(0, 30), st.none() | st.integers(0, 30)),
       limit=st.none() | st.integers(5, 30), listing=st.tuples(LISTING, LISTING))
def test_ineligible_holds_exactly_when_the_list_names_each_ineligible_patient_with_its_reason(
        ages: tuple[int | None, int | None], limit: int | None,
        listing: tuple[IneligibleReason | None, IneligibleReason | None]) -> None:
    """Any ages, travel limit and listing of h1 (10 min away) and h2 (20): the checker objects exactly
    when the list differs from the contract's (age first, then travel), worked out here on its own."""
    homes = {"h1": (ages[0], 10), "h2": (ages[1], 20)}
    expected = {}
    for home, (age, distance) in homes.items():
        if age is not None and age > 18:
            expected[home] = IneligibleReason.AGE_LIMIT
        elif limit is not None and distance > limit:
            expected[home] = IneligibleReason.TRAVEL_LIMIT
    p = problem(policy=Policy(limit, 18), patients=tuple(patient(h, age_years=a) for h, (a, _) in homes.items()))
    listed = tuple(IneligiblePatient(h, r) for h, r in zip(homes, listing, strict=True) if r is not None)
    plan = plan_of(p, [], tuple(Unassigned(v, UnassignedReason.CAPACITY, "") for v in ("v1", "v2")))
    plan = replace(plan, ineligible_patients=listed)
    wanted = dict(zip(homes, listing, strict=True))
    assert ("ineligible" in rules(p, plan)) == ({h: r for h, r in wanted.items() if r is not None} != expected)


def test_status_must_match_the_routes() -> None:
    """Calling a plan 'complete' while a visit is unassigned is reported."""
    short = route_n1(stops=route_n1().stops[:1], travel=minutes(20))
    plan = plan_of(problem(), [short], (Unassigned("v2", UnassignedReason.CAPACITY, ""),))
    assert "consistency" in rules(problem(), replace(plan, status=PlanStatus.COMPLETE))
