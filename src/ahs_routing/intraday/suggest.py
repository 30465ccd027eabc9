"""Where can a new visit fit? Ranked insertions into a plan, without a re-solve.

For every staff member who may serve the visit and every place in their route, the visit is
put in and the rest of the route re-timed exactly (every way its breaks can go is tried):
the visits before it keep their times, the ones after it start no earlier than announced and
later only where they must; team visits and linked visits, whose times tie them to other
routes, must keep their times exactly. Each insertion is priced as the solver would price
it: added travel, plus minutes other families wait, plus overtime and lateness. The best
ones are applied to the plan and held to every rule by the checker before being returned.
The insertions come from `schedule.insertion`, the engine `solve.fitting` uses too; what is
this module's own is the rule above (`_heads`: what stays as announced before each position).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ahs_routing.check.checker import check_plan
from ahs_routing.check.eligibility import ineligible_patients
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.links import coupled_visits
from ahs_routing.domain.model import Problem, Staff, Visit, start_ranges
from ahs_routing.domain.plan import Plan, Route
from ahs_routing.errors import InputError, InputProblem
from ahs_routing.intraday.state import fixed_prefix, match_breaks
from ahs_routing.schedule.insertion import insertions
from ahs_routing.schedule.timing import Head
from ahs_routing.solve.diagnosis import incompatibility
from ahs_routing.times import MAX_CLOCK_SECONDS
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
        route = plan.route_of(person.id)
        heads = _heads(day, person, route, now)
        options = [
            Suggestion(person.id, found.start, found.added_travel, found.moved, found.delay, found.price, found.route)
            for found in insertions(day, matrix, person, route, visit, ranges=ranges, heads=heads, held=coupled,
                                    announced=True, delay_weight=delay_weight)
        ]
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
    ranges = start_ranges(visit) or [(0, MAX_CLOCK_SECONDS)]
    if visit.after is None:
        return ranges
    anchor = next((s.start for _, s in plan.stops() if s.visit == visit.after.visit), None)
    if anchor is None:
        return None
    low = anchor + visit.after.min_gap
    high = anchor + visit.after.max_gap if visit.after.max_gap is not None else MAX_CLOCK_SECONDS
    cut = [(max(a, low), min(b, high)) for a, b in ranges if max(a, low) <= min(b, high)]
    return cut or None


def _heads(day: Problem, person: Staff, route: Route | None, now: int | None) -> list[tuple[int, Head]]:
    """Return each position the visit may take, with the part of the route before it kept as announced.

    With `now`, visits already started or set off for stay as they are, and so do breaks begun;
    nothing new starts before `now`.
    """
    if route is None:
        return [(0, Head(day.start_place(person), max(person.shift.start, now or 0), tuple(person.breaks)))]
    first = len(fixed_prefix(day, route, now, 0, lambda _: False)) if now is not None else 0
    heads = []
    for i in range(first, len(route.stops) + 1):
        prefix = route.stops[:i]
        horizon = prefix[-1].end if prefix else -1
        kept = tuple(b for b in route.breaks if b.end <= horizon or (now is not None and b.start < now))
        moment = max([prefix[-1].end if prefix else person.shift.start, *(b.end for b in kept),
                      *([now] if now is not None else [])])
        here = day.place_of_visit(day.visit_by_id[prefix[-1].visit]) if prefix else day.start_place(person)
        _, due = match_breaks(person.breaks, kept)
        heads.append((i, Head(here, moment, tuple(due), prefix, tuple((b.start, b.end) for b in kept),
                              route.start if prefix else None)))
    return heads
