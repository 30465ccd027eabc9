"""Where can a new visit fit? Ranked insertions into a plan, without a re-solve.

For every staff member who may serve the visit and every place in their route, the visit is
put in and the rest of the route re-timed exactly (every way its breaks can go is tried):
the visits before it keep their times, the ones after it start no earlier than announced and
later only where they must; team visits and linked visits, whose times tie them to other
routes, must keep their times exactly. Each insertion is priced as the solver would price
it: added travel, plus minutes other families wait, plus overtime and lateness. The best
ones are applied to the plan and held to every rule by the checker before being returned.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ahs_routing.check.checker import check_plan
from ahs_routing.check.eligibility import ineligible_patients
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.links import coupled_visits
from ahs_routing.domain.model import Problem, Staff, Visit, lateness, start_ranges
from ahs_routing.domain.plan import Plan, Route
from ahs_routing.errors import InputError, InputProblem
from ahs_routing.intraday.state import fixed_prefix, match_breaks
from ahs_routing.schedule.objective import DEFAULT_LATENESS_WEIGHT, DEFAULT_OVERTIME_WEIGHT
from ahs_routing.schedule.timing import Head, Item, retime_tail
from ahs_routing.solve.diagnosis import incompatibility
from ahs_routing.travel import TravelMatrix, TravelProvider, travel_matrix

log = logging.getLogger(__name__)

#: How much a minute of delay to a visit already announced weighs against a minute of travel.
DEFAULT_DELAY_WEIGHT = 1.0


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One way to fit the visit: who, when, the travel it adds, and which visits it delays.

    `route` is that staff member's whole route with the visit in it; `apply_suggestion` puts it
    into the plan. `delay` is the total seconds the other visits start later; `score` the price
    the suggestions are ranked by (seconds of travel).
    """

    staff: str
    start: int
    added_travel: int
    moved_visits: tuple[str, ...]
    delay: int
    score: int
    route: Route


def suggest(
    problem: Problem,
    plan: Plan,
    visit: Visit,
    k: int = 5,
    *,
    now: int | None = None,
    travel: TravelMatrix | TravelProvider | None = None,
    per_staff: int = 1,
    delay_weight: float = DEFAULT_DELAY_WEIGHT,
) -> list[Suggestion]:
    """Return up to `k` checked insertions of `visit` into `plan`, best first (at most `per_staff` per staff member).

    `visit` may be new (its patient must be in the problem) or one of the plan's unassigned
    visits. With `now`, visits already started or set off for stay as they are and nothing
    new starts before `now`.
    """
    if k < 1 or per_staff < 1:
        raise InputError(f"k and per_staff must be at least 1, got {k} and {per_staff}", path="k")
    day = _day_with(problem, plan, visit)
    matrix = travel if isinstance(travel, TravelMatrix) else travel_matrix(day, travel)
    violations = check_plan(problem, plan, matrix)
    if violations:
        raise InputError([InputProblem("plan", f"does not fit the problem: {v}") for v in violations[:10]])
    if any(p.patient == visit.patient for p in ineligible_patients(day, matrix)):
        return []
    ranges = _ranges_of(day, plan, visit)
    if ranges is None:
        return []
    coupled = coupled_visits(day)
    found: list[Suggestion] = []
    for person in day.staff:
        if not visit.skills <= person.skills or incompatibility(day, visit, person) is not None:
            continue
        options = _insertions(day, matrix, person, plan.route_of(person.id), visit, ranges, coupled, now,
                              delay_weight)
        found += sorted(options, key=lambda s: (s.score, s.start))[: per_staff * 3]
    found.sort(key=lambda s: (s.score, s.start, s.staff))
    chosen: list[Suggestion] = []
    per: dict[str, int] = {}
    for suggestion in found:
        if len(chosen) == k:
            break
        if per.get(suggestion.staff, 0) >= per_staff:
            continue
        _, applied = apply_suggestion(problem, plan, visit, suggestion, travel=matrix)
        faults = check_plan(day, applied, matrix)
        if faults:  # never expected: the re-timing follows the checker's rules; skip rather than mislead
            log.warning("a suggestion for %s failed the checker: %s", suggestion.staff, faults[0])
            continue
        per[suggestion.staff] = per.get(suggestion.staff, 0) + 1
        chosen.append(suggestion)
    return chosen


def apply_suggestion(
    problem: Problem, plan: Plan, visit: Visit, suggestion: Suggestion,
    *, travel: TravelMatrix | TravelProvider | None = None,
) -> tuple[Problem, Plan]:
    """Return the day with the visit in it and the plan with the suggestion applied."""
    day = _day_with(problem, plan, visit)
    matrix = travel if isinstance(travel, TravelMatrix) else travel_matrix(day, travel)
    routes = [r for r in plan.routes if r.staff != suggestion.staff] + [suggestion.route]
    unassigned = {u.visit: u for u in plan.unassigned if u.visit != visit.id}
    return day, assemble_plan(day, routes, unassigned, list(plan.ineligible_patients), has_km=matrix.has_km)


def _day_with(problem: Problem, plan: Plan, visit: Visit) -> Problem:
    """Return the problem with the visit in it (it may already be there, unassigned)."""
    if visit.staff_count != 1:
        raise InputError(f"suggestions are for one-person visits; {visit.id!r} needs {visit.staff_count} "
                         "(re-plan the day for team visits)", path="visit.staff_count")
    known = problem.visit_by_id.get(visit.id)
    if known is not None:
        if known != visit:
            raise InputError(f"a different visit {visit.id!r} is already in the problem", path="visit.id")
        if any(stop.visit == visit.id for _, stop in plan.stops()):
            raise InputError(f"visit {visit.id!r} is already in the plan", path="visit.id")
        partners = [v.id for v in problem.visits if v.after is not None and v.after.visit == visit.id]
        if partners:
            raise InputError(f"visits {partners} follow {visit.id!r} and are unassigned with it; re-plan the day "
                             "to serve them together", path="visit.id")
        return problem
    try:
        return problem.replace(visits=(*problem.visits, visit))
    except InputError as error:
        here = f"visits[{len(problem.visits)}]"
        raise InputError(InputProblem("visit" + p.path[len(here):] if p.path.startswith(here) else p.path,
                                      p.message) for p in error.problems) from None


def _ranges_of(day: Problem, plan: Plan, visit: Visit) -> list[tuple[int, int]] | None:
    """Return when the visit may start: its windows, cut to its link's gap; None if its link cannot hold."""
    ranges = start_ranges(visit) or [(0, 48 * 3600)]
    if visit.after is None:
        return ranges
    anchor = next((s.start for _, s in plan.stops() if s.visit == visit.after.visit), None)
    if anchor is None:
        return None
    low = anchor + visit.after.min_gap
    high = anchor + visit.after.max_gap if visit.after.max_gap is not None else 48 * 3600
    cut = [(max(a, low), min(b, high)) for a, b in ranges if max(a, low) <= min(b, high)]
    return cut or None


def _insertions(
    day: Problem, travel: TravelMatrix, person: Staff, route: Route | None, visit: Visit,
    ranges: list[tuple[int, int]], coupled: set[str], now: int | None, delay_weight: float,
) -> list[Suggestion]:
    """Return every feasible insertion of the visit into one staff member's route."""
    stops = list(route.stops) if route else []
    first = 0
    if now is not None and route is not None:
        first = len(fixed_prefix(day, route, now, 0, lambda _: False))
    old_travel = route.travel if route else 0
    old_overtime = max(0, route.end - person.shift.end) if route else 0
    load = sum(day.visit_by_id[s.visit].demand for s in stops) + visit.demand
    if person.capacity is not None and load > person.capacity + 1e-9:
        return []
    place_of = day.place_of_visit
    there = place_of(visit)
    found = []
    for i in range(first, len(stops) + 1):
        prefix = stops[:i]
        horizon = prefix[-1].end if prefix else -1
        kept = [b for b in (route.breaks if route else ()) if b.end <= horizon or (now is not None and b.start < now)]
        moment = max([prefix[-1].end if prefix else person.shift.start, *(b.end for b in kept),
                      *([now] if now is not None else [])])
        here = place_of(day.visit_by_id[prefix[-1].visit]) if prefix else day.start_place(person)
        if moment + travel.seconds(here, there) > ranges[-1][1]:
            continue  # cannot reach it in time from here; breaks only make it later
        items = [Item(visit, ranges)] + [
            Item.of(day.visit_by_id[s.visit], person, s.start, announced=True, held=s.visit in coupled)
            for s in stops[i:]
        ]
        _, due = match_breaks(person.breaks, tuple(kept))
        head = Head(here, moment, tuple(due), tuple(prefix), tuple((b.start, b.end) for b in kept),
                    route.start if prefix and route is not None else None)
        new_route = retime_tail(day, travel, person, head, items)
        if new_route is None:
            continue
        if person.max_travel is not None and new_route.travel > person.max_travel:
            continue
        suffix = new_route.stops[i:]
        moved = tuple(s.visit for s, item in zip(suffix[1:], items[1:], strict=True) if s.start != item.announced)
        delay = sum(s.start - (item.announced or s.start) for s, item in zip(suffix[1:], items[1:], strict=True))
        overtime = max(0, new_route.end - person.shift.end) - old_overtime
        score = round(new_route.travel - old_travel + delay_weight * delay + DEFAULT_OVERTIME_WEIGHT * overtime
                      + DEFAULT_LATENESS_WEIGHT * lateness(visit, suffix[0].start))
        found.append(Suggestion(person.id, suffix[0].start, new_route.travel - old_travel, moved, delay, score,
                                new_route))
    return found
