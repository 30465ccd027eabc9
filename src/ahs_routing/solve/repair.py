"""After the search: the routes as driven, the checker's safety net, and the visits left out.

`checked_plan` never lets a plan the independent checker rejects through: a faulty route
is re-timed or the offending visits are taken out and reported. `after_search` then inserts
left-out visits that fit as they are and says, for each one still left, what would make it fit.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace

from ahs_routing.check.checker import Violation, check_plan
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.links import coupled_visits, spread_along_links
from ahs_routing.domain.model import Problem
from ahs_routing.domain.plan import IneligiblePatient, Plan, Route, Unassigned, UnassignedReason
from ahs_routing.schedule.insertion import Budget
from ahs_routing.schedule.timing import RouteSketch, realise_route, retime_route
from ahs_routing.solve.diagnosis import Candidates
from ahs_routing.solve.fitting import hint, ways_to_fit
from ahs_routing.travel import TravelMatrix

log = logging.getLogger(__name__)

#: Share of the time limit kept back from the search for inserting and explaining left-out
#: visits, and route evaluations per second of the limit spent on it (one takes 0.5-2 ms
#: on a 300-visit day; a count, not the clock, so the plan is reproducible).
AFTER_SEARCH_SHARE = 0.05
FIT_EVALUATIONS_PER_SECOND = 25

_NO_VALID_TIMES = "could be served on its own, but the search found no valid place for it alongside the others"


def realised_routes(problem: Problem, travel: TravelMatrix, sketches: Mapping[str, RouteSketch]) -> list[Route]:
    """Return the routes driven as the search's sketches (staff id -> sketch) say, with travel placed around breaks."""
    return [realise_route(problem, travel, problem.staff_by_id[s], sketch) for s, sketch in sketches.items()]


def checked_plan(
    problem: Problem,
    travel: TravelMatrix,
    routes: list[Route],
    unserved: dict[str, Unassigned],
    ineligible: Sequence[IneligiblePatient],
) -> tuple[Plan, int]:
    """Return the plan after repairing whatever the checker objects to (a safety net), and the visits given up.

    A faulty route whose visits are tied to no other route is re-timed from scratch, giving
    up as few visits as needed; anything else the checker rejects is taken out, with every
    visit linked to it, and reported as unassigned. `unserved` receives the visits given up.
    """
    repaired = 0
    retimed_once: set[str] = set()
    while True:
        plan = assemble_plan(problem, routes, unserved, ineligible, has_km=travel.has_km)
        violations = check_plan(problem, plan, travel)
        if not violations:
            return plan, repaired
        faulty = {v.staff for v in violations if v.staff is not None}
        given_up: Sequence[str]
        if _retiming_may_do(problem, routes, violations, faulty, retimed_once):
            log.info("re-timing %d route(s) the search left with a break on the road", len(faulty))
            retimed_once |= faulty
            routes, given_up = _retimed(problem, travel, routes, faulty)
        else:
            routes, culprits = _without_culprits(problem, travel, routes, violations)
            given_up = list(culprits)
        repaired += len(given_up)
        for visit_id in given_up:
            unserved[visit_id] = Unassigned(visit_id, UnassignedReason.CAPACITY, _NO_VALID_TIMES)


def _retiming_may_do(
    problem: Problem, routes: Sequence[Route], violations: Sequence[Violation], faulty: set[str], retimed_once: set[str]
) -> bool:
    """True when every fault is in a route not yet re-timed whose visits are tied to no other route."""
    coupled = coupled_visits(problem)
    return (
        all(v.staff is not None for v in violations)
        and not faulty & retimed_once
        and not any(coupled & set(r.visit_ids) for r in routes if r.staff in faulty)
    )


def _retimed(
    problem: Problem, travel: TravelMatrix, routes: Sequence[Route], faulty: set[str]
) -> tuple[list[Route], list[str]]:
    """Return the routes with the faulty ones re-timed, and the visits that gave up their place."""
    kept: list[Route] = []
    given_up: list[str] = []
    for route in routes:
        if route.staff in faulty:
            route, dropped = _retime_dropping_least(problem, travel, route)
            given_up += dropped
        kept.append(route)
    return kept, given_up


def _without_culprits(
    problem: Problem, travel: TravelMatrix, routes: Sequence[Route], violations: Sequence[Violation]
) -> tuple[list[Route], set[str]]:
    """Return the routes without the visits the checker rejects (and every visit linked to them), and those visits."""
    culprits = {v.visit for v in violations if v.visit is not None}
    if not culprits:
        # A route-level fault (its end, a break): give up that staff member's route.
        culprits = {s.visit for v in violations for r in routes if r.staff == v.staff for s in r.stops}
    culprits = set(spread_along_links(problem, culprits))
    log.warning("the plan checker rejected %d visit(s); removing them: %s",
                len(culprits), "; ".join(str(v) for v in violations[:3]))
    kept = [realise_route(problem, travel, problem.staff_by_id[r.staff], _day_of(r, culprits)) for r in routes]
    return kept, culprits


def after_search(
    problem: Problem,
    travel: TravelMatrix,
    plan: Plan,
    candidates: Mapping[str, Candidates],
    ineligible: Sequence[IneligiblePatient],
    time_limit_seconds: float,
) -> Plan:
    """Return the plan with left-out visits inserted where they fit as they are, the rest explained.

    The search can stop before it has inserted every visit that would fit; a cheap pass
    puts those in (most important first). For each `capacity` visit still left, the
    sentence says what would make it fit: which staff member with how much overtime, or
    at what time outside its windows. The work is bounded by route evaluations, so the
    result is reproducible; the repaired plan must pass the checker or is not used.
    """
    budget = Budget(max(50, round(time_limit_seconds * FIT_EVALUATIONS_PER_SECOND)))
    plan = _with_left_out_inserted(problem, travel, plan, candidates, ineligible, budget)
    return _with_left_out_explained(problem, travel, plan, candidates, budget)


def _with_left_out_inserted(
    problem: Problem,
    travel: TravelMatrix,
    plan: Plan,
    candidates: Mapping[str, Candidates],
    ineligible: Sequence[IneligiblePatient],
    budget: Budget,
) -> Plan:
    """Return the plan with each left-out visit that fits as it is inserted, most important first."""
    order = {v.id: i for i, v in enumerate(problem.visits)}
    left = sorted((u for u in plan.unassigned if u.reason is UnassignedReason.CAPACITY and u.visit in candidates),
                  key=lambda u: (-problem.visit_by_id[u.visit].priority, order[u.visit]))
    routes = {r.staff: r for r in plan.routes}
    unserved = {u.visit: u for u in plan.unassigned}
    inserted = False
    for missing in left:
        fits = ways_to_fit(problem, travel, plan, missing.visit, staff=candidates[missing.visit].staff,
                           relax=False, budget=budget)
        if fits and fits[0].route is not None:
            routes[fits[0].staff] = fits[0].route
            del unserved[missing.visit]
            candidate = assemble_plan(problem, list(routes.values()), unserved, ineligible, has_km=travel.has_km)
            if check_plan(problem, candidate, travel):
                log.warning("an inserted visit broke the plan; keeping the search's plan")
                break
            plan, inserted = candidate, True
    if inserted:
        log.info("inserted %d visit(s) the search had left out", len(left) - sum(
            1 for u in plan.unassigned if u.reason is UnassignedReason.CAPACITY))
    return plan


def _with_left_out_explained(
    problem: Problem, travel: TravelMatrix, plan: Plan, candidates: Mapping[str, Candidates], budget: Budget
) -> Plan:
    """Return the plan with each `capacity` visit's sentence saying what would make it fit, while the budget lasts."""
    explained = []
    for entry in plan.unassigned:
        if entry.reason is UnassignedReason.CAPACITY and entry.visit in candidates and budget.left > 0:
            fits = ways_to_fit(problem, travel, plan, entry.visit, staff=candidates[entry.visit].staff, budget=budget)
            entry = Unassigned(entry.visit, entry.reason, entry.detail + hint(problem, fits))
        explained.append(entry)
    return replace(plan, unassigned=tuple(explained))


def _retime_dropping_least(problem: Problem, travel: TravelMatrix, route: Route) -> tuple[Route, list[str]]:
    """Return the route re-timed, giving up no visit if possible, else one (lowest priority, latest first)."""
    person = problem.staff_by_id[route.staff]
    order = route.visit_ids
    retimed = retime_route(problem, travel, person, order)
    if retimed is not None:
        return retimed, []
    by_sacrifice = sorted(range(len(order)), key=lambda i: (problem.visit_by_id[order[i]].priority, -i))
    for i in by_sacrifice:
        retimed = retime_route(problem, travel, person, order[:i] + order[i + 1 :])
        if retimed is not None:
            return retimed, [order[i]]
    return Route(person.id, person.shift.start, person.shift.start, 0, None, ()), list(order)


def _day_of(route: Route, removed: set[str]) -> RouteSketch:
    return RouteSketch(
        departure=route.start,
        arrival=route.end,
        visits=[(s.visit, s.start) for s in route.stops if s.visit not in removed],
        breaks=[(b.start, b.end) for b in route.breaks],
    )
