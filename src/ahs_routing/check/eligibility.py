"""Who may be offered the service: the age limit and the one-way travel limit from the base."""

from __future__ import annotations

from ahs_routing.domain.model import Problem
from ahs_routing.domain.plan import IneligiblePatient, IneligibleReason
from ahs_routing.times import SECONDS_PER_MINUTE, seconds_to_minutes
from ahs_routing.travel import TravelMatrix


def ineligible_patients(problem: Problem, travel: TravelMatrix) -> list[IneligiblePatient]:
    """Return the patients the policy excludes, each with its reason and the figures behind it.

    The age limit is checked first: a patient too old is reported for age even when also
    too far away. Travel is measured one way, from the base to the home.
    """
    policy = problem.policy
    found = []
    for patient in problem.patients:
        if (
            policy.max_patient_age_years is not None
            and patient.age_years is not None
            and patient.age_years > policy.max_patient_age_years
        ):
            found.append(IneligiblePatient(
                patient.id,
                IneligibleReason.AGE_LIMIT,
                f"{patient.age_years:g} years old, limit {policy.max_patient_age_years:g}",
            ))
            continue
        if policy.max_travel_minutes_from_base is None:
            continue
        seconds = travel.seconds(problem.base.id, patient.id)
        if seconds > policy.max_travel_minutes_from_base * SECONDS_PER_MINUTE:
            found.append(IneligiblePatient(
                patient.id,
                IneligibleReason.TRAVEL_LIMIT,
                f"{seconds_to_minutes(seconds)} min from base, limit {policy.max_travel_minutes_from_base:g}",
            ))
    return found
