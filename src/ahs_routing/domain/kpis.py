"""Key figures of a plan, computed from its routes and the problem's travel model."""

from __future__ import annotations

from collections.abc import Sequence

from ahs_routing.domain.model import Problem
from ahs_routing.domain.plan import IneligiblePatient, Kpis, PlanStatus, Route
from ahs_routing.travel.core import TravelMatrix


def served_visit_ids(routes: Sequence[Route]) -> set[str]:
    """Return the ids of visits that appear in the routes."""
    return {stop.visit for route in routes for stop in route.stops}


def continuity_rate(problem: Problem, routes: Sequence[Route]) -> float | None:
    """Return the share of served staff-visits, among patients with preferred staff, done by one of them.

    None when no served visit belongs to a patient with preferred staff.
    """
    preferred = 0
    counted = 0
    for route in routes:
        for stop in route.stops:
            patient = problem.patient_by_id.get(stop.patient)
            wanted = patient.preferred_staff if patient is not None else ()
            if wanted:
                counted += 1
                preferred += route.staff in wanted
    return preferred / counted if counted else None


def compute_kpis(problem: Problem, travel: TravelMatrix, routes: Sequence[Route]) -> Kpis:
    """Return the KPIs of routes for a problem (travel as the routes state it)."""
    overtime = 0
    for route in routes:
        person = problem.staff_by_id.get(route.staff)
        if person is not None:
            overtime += max(0, route.end - person.shift.end)
    km = [r.distance_km for r in routes]
    return Kpis(
        visits=len(problem.visits),
        visits_served=len(served_visit_ids(routes) & set(problem.visit_by_id)),
        travel=sum(r.travel for r in routes),
        distance_km=None if any(k is None for k in km) or not travel.has_km else float(sum(k or 0.0 for k in km)),
        overtime=overtime,
        continuity_rate=continuity_rate(problem, routes),
        staff_used=sum(1 for r in routes if r.stops),
    )


def plan_status(problem: Problem, routes: Sequence[Route], ineligible: Sequence[IneligiblePatient]) -> PlanStatus:
    """Return `complete` when every visit of every eligible patient is served, else `partial`."""
    excluded = {p.patient for p in ineligible}
    served = served_visit_ids(routes)
    needed = {v.id for v in problem.visits if v.patient not in excluded}
    return PlanStatus.COMPLETE if needed <= served else PlanStatus.PARTIAL
