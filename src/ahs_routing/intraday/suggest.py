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

import dataclasses
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from ahs_routing.check.checker import check_plan
from ahs_routing.check.eligibility import ineligible_patients
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.links import coupled_visits
from ahs_routing.domain.model import Break, Problem, Staff, Visit, lateness, start_ranges
from ahs_routing.domain.plan import BreakTaken, Plan, Route, Stop
from ahs_routing.errors import InputError, InputProblem
from ahs_routing.intraday.state import fixed_prefix, match_breaks
from ahs_routing.schedule.objective import DEFAULT_LATENESS_WEIGHT, DEFAULT_OVERTIME_WEIGHT
from ahs_routing.schedule.timing import forward_pass
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


@dataclass(frozen=True, slots=True)
class _Item:
    """A visit in the part of the route being re-timed; `planned` is None for the new visit."""

    visit: Visit
    ranges: list[tuple[int, int]]
    planned: int | None
    exact: bool


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
        items = [_Item(visit, ranges, None, False)] + [
            _Item(v, start_ranges(v) or [(person.shift.start, person.latest_end)], s.start, v.id in coupled)
            for s in stops[i:] for v in (day.visit_by_id[s.visit],)
        ]
        _, due = match_breaks(person.breaks, tuple(kept))
        timed = _best_timing(day, travel, person, here, moment, items, due)
        if timed is None:
            continue
        end, suffix, placed = timed
        legs = sum(s.travel for s in prefix) + sum(s.travel for s in suffix)
        back = travel.seconds(place_of(day.visit_by_id[suffix[-1].visit]), day.end_place(person))
        total = legs + back
        if person.max_travel is not None and total > person.max_travel:
            continue
        all_breaks = sorted([(b.start, b.end) for b in kept] + placed)
        if prefix and route is not None:
            start = route.start
        else:
            start, suffix = _leave_late(suffix, all_breaks)
        km = travel.path_km(day.route_places(person, (s.visit for s in (*prefix, *suffix))))
        new_route = Route(person.id, start, end, total, km,
                          (*prefix, *suffix), tuple(BreakTaken(s, e) for s, e in all_breaks))
        moved = tuple(s.visit for s, item in zip(suffix[1:], items[1:], strict=True) if s.start != item.planned)
        delay = sum(s.start - (item.planned or s.start) for s, item in zip(suffix[1:], items[1:], strict=True))
        overtime = max(0, end - person.shift.end) - old_overtime
        score = round(total - old_travel + delay_weight * delay + DEFAULT_OVERTIME_WEIGHT * overtime
                      + DEFAULT_LATENESS_WEIGHT * lateness(visit, suffix[0].start))
        found.append(Suggestion(person.id, suffix[0].start, total - old_travel, moved, delay, score, new_route))
    return found


def _best_timing(
    day: Problem, travel: TravelMatrix, person: Staff, here: str, moment: int, items: list[_Item], due: list[Break],
) -> tuple[int, list[Stop], list[tuple[int, int]]] | None:
    """Return (end, stops, breaks) for the items from `here` at `moment`: least delay to the others, then home first."""
    places = [here, *(day.place_of_visit(item.visit) for item in items), day.end_place(person)]
    legs = [travel.seconds(a, b) for a, b in itertools.pairwise(places)]
    breaks = sorted(due, key=lambda b: (b.earliest_start, b.latest_end))
    best: tuple[tuple[int, int], tuple[int, list[Stop], list[tuple[int, int]]]] | None = None
    for placement in itertools.combinations_with_replacement(range(2 * len(items) + 2), len(breaks)):
        timed = _forward(day, person, moment, items, legs, list(zip(placement, breaks, strict=True)))
        if timed is None:
            continue
        end, stops, _ = timed
        delay = sum(s.start - (item.planned or s.start) for s, item in zip(stops, items, strict=True))
        if best is None or (delay, end) < best[0]:
            best = ((delay, end), timed)
    return None if best is None else best[1]


def _forward(
    day: Problem, person: Staff, moment: int, items: list[_Item], legs: list[int], placed: list[tuple[int, Break]],
) -> tuple[int, list[Stop], list[tuple[int, int]]] | None:
    """Earliest times for one placement of the breaks, never before a stop's announced start."""

    def start_at(i: int, arrival: int) -> int | None:
        item = items[i]
        earliest = arrival if item.planned is None else max(arrival, item.planned)
        if item.exact and earliest != item.planned:
            return None
        return next((max(earliest, low) for low, high in item.ranges if earliest <= high), None)

    return forward_pass(day, person, moment, [item.visit for item in items], legs, placed, start_at)


def _leave_late(stops: list[Stop], breaks: Sequence[tuple[int, int]]) -> tuple[int, list[Stop]]:
    """Return the route start for a route re-timed from its first visit: as late as that visit allows,
    unless a break comes before it (then the route starts with what comes first)."""
    head = stops[0]
    if not any(s < head.start for s, _ in breaks):
        return head.start - head.travel, [dataclasses.replace(head, arrival=head.start), *stops[1:]]
    return min(head.arrival - head.travel, *(s for s, _ in breaks)), stops
