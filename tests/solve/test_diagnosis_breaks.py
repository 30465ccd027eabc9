"""The diagnosis knows breaks can be taken at a visit's place: at the door before it, or there after it.

n1 works 08:00-13:00 (13:30 in the second case); h1 is 60 minutes from the base; v1 must start at
11:00 sharp and lasts 60 minutes, so n1 leaves at 10:00 at the latest and is back at 13:00 at the
earliest. A 30-minute break due 10:00-11:00 fits only at h1's door (arrive 10:00, rest 10:00-10:30,
start 11:00); one due 12:00-13:00 fits only at h1 after the visit (12:00-12:30, home 13:30).
"""

from __future__ import annotations

import time

import pytest
from builders import day, hm, minutes, nurse, patient, visit

from ahs_routing import Break, SolveOptions, UnassignedReason, check_plan, solve, travel_matrix
from ahs_routing.solve.diagnosis import diagnose
from ahs_routing.studies.scenarios import generate_day


@pytest.mark.parametrize(("end", "due", "at_door"), [
    ("13:00", ("10:00", "11:00"), True),  # at the door, before the visit
    ("13:30", ("12:00", "13:00"), False),  # at the patient's place, after it
])
def test_a_visit_that_fits_with_the_break_at_the_patients_place_is_reachable(
        end: str, due: tuple[str, str], at_door: bool) -> None:
    """Before the change both were `unreachable_in_shift` (breaks only before leaving or after getting back)."""
    problem = day([nurse("n1", end=end, breaks=(Break(hm(due[0]), hm(due[1]), minutes(30)),))],
                  [patient("h1")], [visit("v1", "h1", 60, [("11:00", "11:00")])], {"h1": 60})
    candidates, unserved = diagnose(problem, travel_matrix(problem), {})
    assert unserved == {} and candidates["v1"].staff == ("n1",)
    plan = solve(problem, SolveOptions(time_limit=2, seed=1, solution_limit=50))
    assert check_plan(problem, plan) == [] and plan.unassigned == ()
    [route] = plan.routes
    [stop], [rest] = route.stops, route.breaks
    home = route.end - travel_matrix(problem).seconds("h1", "base")
    assert (stop.arrival <= rest.start and rest.end <= stop.start) if at_door else (stop.end <= rest.start <= home)


def test_a_break_that_fits_nowhere_still_makes_the_visit_unreachable() -> None:
    """v1 at 10:00 sharp: n1 drives 09:00-10:00, visits 10:00-11:00, drives back; a break due 10:15-10:55
    falls in the visit wherever it goes: unreachable_in_shift, as before."""
    problem = day([nurse("n1", end="13:00", breaks=(Break(hm("10:15"), hm("10:55"), minutes(30)),))],
                  [patient("h1")], [visit("v1", "h1", 60, [("10:00", "10:00")])], {"h1": 60})
    _, unserved = diagnose(problem, travel_matrix(problem), {})
    assert unserved["v1"].reason is UnassignedReason.UNREACHABLE_IN_SHIFT
    assert "breaks leave no room" in unserved["v1"].detail


def test_the_diagnosis_of_a_thousand_visits_stays_near_a_second() -> None:
    """Generous bound for a shared machine: the diagnosis of the generated 1000-visit day (breaks for all)."""
    problem = generate_day(visits=1000, staff=133, seed=3)
    matrix = travel_matrix(problem)
    started = time.perf_counter()
    diagnose(problem, matrix, {})
    assert time.perf_counter() - started < 4.0
