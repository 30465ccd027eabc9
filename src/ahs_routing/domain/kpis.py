"""A plan from its routes, and its key figures (computed from the routes alone)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ahs_routing.domain.model import Problem
from ahs_routing.domain.plan import IneligiblePatient, Kpis, Plan, PlanStatus, Route, Unassigned


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


def compute_kpis(problem: Problem, routes: Sequence[Route], *, has_km: bool) -> Kpis:
    """Return the KPIs of routes for a problem (travel as the routes state it; km only when `has_km`)."""
    overtime = 0
    for route in routes:
        person = problem.staff_by_id.get(route.staff)
        if person is not None:
            overtime += max(0, route.end - person.shift.end)
    km = [r.distance_km for r in routes]
    return Kpis(
        visits=len(problem.visits),
        visits_served=len(served_visit_ids(routes) & set(problem.visit_by_id)),
        travel_seconds=sum(r.travel for r in routes),
        distance_km=None if any(k is None for k in km) or not has_km else float(sum(k or 0.0 for k in km)),
        overtime_seconds=overtime,
        continuity_rate=continuity_rate(problem, routes),
        staff_used=sum(1 for r in routes if r.stops),
    )


def plan_status(problem: Problem, routes: Sequence[Route], ineligible: Sequence[IneligiblePatient]) -> PlanStatus:
    """Return `complete` when every visit of every eligible patient is served, else `partial`."""
    excluded = {p.patient for p in ineligible}
    served = served_visit_ids(routes)
    needed = {v.id for v in problem.visits if v.patient not in excluded}
    return PlanStatus.COMPLETE if needed <= served else PlanStatus.PARTIAL


def assemble_plan(
    problem: Problem,
    routes: Sequence[Route],
    unassigned: Mapping[str, Unassigned],
    ineligible: Sequence[IneligiblePatient],
    *,
    has_km: bool,
) -> Plan:
    """Return a `Plan` from routes and unassigned visits, in the problem's order, with KPIs.

    `has_km`: the travel model knows kilometres.
    """
    order = {v.id: i for i, v in enumerate(problem.visits)}
    staff_order = {s.id: i for i, s in enumerate(problem.staff)}
    kept = sorted((r for r in routes if r.stops), key=lambda r: staff_order[r.staff])
    listed = tuple(sorted(unassigned.values(), key=lambda u: order[u.visit]))
    kpis = compute_kpis(problem, kept, has_km=has_km)
    return Plan(
        date=problem.date,
        status=plan_status(problem, kept, ineligible),
        routes=tuple(kept),
        unassigned=listed,
        ineligible_patients=tuple(ineligible),
        kpis=kpis,
    )
