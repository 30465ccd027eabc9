"""Who may be offered the service: age limit and one-way travel from the base."""

from __future__ import annotations

from builders import day, nurse, patient, visit

from ahs_routing import Policy, travel_matrix
from ahs_routing.check.eligibility import ineligible_patients


def _problem(policy: Policy):  # type: ignore[no-untyped-def]
    return day([nurse("n1")],
               [patient("near", age_years=4), patient("limit", age_years=17.5), patient("far", age_years=3),
                patient("adult", age_years=19)],
               [visit("v1", "near")],
               {"near": 10, "limit": 60, "far": 61, "adult": 5}, policy=policy)


def test_travel_limit_is_inclusive_and_age_limit_applies() -> None:
    """60 min is allowed, 61 is not; 19 years is over the limit of 18, 17.5 is not."""
    problem = _problem(Policy(60, 18))
    found = {p.patient: (p.reason.value, p.detail) for p in ineligible_patients(problem, travel_matrix(problem))}
    assert found == {
        "far": ("travel_limit", "61 min from base, limit 60"),
        "adult": ("age_limit", "19 years old, limit 18"),
    }


def test_limits_can_be_turned_off() -> None:
    """Municipal home care has no age limit; None switches the travel check off as well."""
    problem = _problem(Policy(None, None))
    assert ineligible_patients(problem, travel_matrix(problem)) == []


def test_travel_is_measured_from_the_base_to_the_home() -> None:
    """The one-way limit uses base -> home, not home -> base, when the matrix is asymmetric."""
    from dataclasses import replace

    problem = _problem(Policy(60, None))
    minutes = [list(row) for row in problem.travel.minutes or ()]
    names = list(problem.travel.locations or ())
    far = names.index("far")
    minutes[0][far], minutes[far][0] = 50, 90
    asymmetric = problem.replace(travel=replace(problem.travel, minutes=tuple(map(tuple, minutes))))
    found = {p.patient for p in ineligible_patients(asymmetric, travel_matrix(asymmetric))}
    assert found == set()
