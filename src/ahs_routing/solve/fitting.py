"""What would make a left-out visit fit: insert it into the day's routes, as is or with one rule relaxed.

A visit the search left out for `capacity` could be served on its own, so someone could
take it if something gave way. This module tries each compatible staff member's route at
every sensible position and reports, per staff member, the cheapest of three answers:

- it fits as it is (the solver then simply inserts it: a repair after the search);
- it fits with some minutes of overtime beyond what the staff member may do now;
- it fits if the visit could start at another time than its windows allow.

Insertions come from `schedule.insertion`, re-timing the whole route (exact, breaks
included); stops tied to other routes (team visits, `after` links) keep their planned start.
The work is bounded by a count of route evaluations (`Budget`), not by the clock, so the
answer is the same on every run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from ahs_routing.domain.links import coupled_visits
from ahs_routing.domain.model import Problem, Staff, TimeWindow, Visit, start_ranges
from ahs_routing.domain.plan import Plan, Route
from ahs_routing.schedule.insertion import Budget, insertions
from ahs_routing.schedule.timing import shift_range
from ahs_routing.solve.diagnosis import incompatibility
from ahs_routing.times import SECONDS_PER_HOUR, SECONDS_PER_MINUTE, format_clock
from ahs_routing.travel import TravelMatrix

#: How much overtime (seconds) an insertion may ask for before it is not worth mentioning.
MAX_EXTRA_OVERTIME_SECONDS = 3 * SECONDS_PER_HOUR
#: Route evaluations one call may spend (each re-times one route once).
DEFAULT_EVALUATIONS = 2000


@dataclass(frozen=True, slots=True)
class Fit:
    """One way to serve a left-out visit: with whom, where in their route, and what it takes."""

    visit: str
    staff: str
    position: int
    start: int
    added_travel: int
    extra_overtime: int = 0
    outside_window: bool = False
    route: Route | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def as_is(self) -> bool:
        """True when nothing has to give way."""
        return not self.extra_overtime and not self.outside_window

    def describe(self, problem: Problem) -> str:
        """Return a sentence a coordinator understands, e.g. 's2 could take it with 25 min of overtime'."""
        when = format_clock(self.start)
        if self.extra_overtime:
            minutes = -(-self.extra_overtime // SECONDS_PER_MINUTE)
            return f"{self.staff} could take it at {when} with {minutes} min more overtime"
        if self.outside_window:
            visit = problem.visit_by_id[self.visit]
            windows = ", ".join(f"{format_clock(w.start)}-{format_clock(w.end)}" for w in visit.windows)
            return f"{self.staff} could take it at {when} if its window ({windows}) were widened to that time"
        added_minutes = -(-self.added_travel // SECONDS_PER_MINUTE)
        return f"{self.staff} could take it at {when}, adding {added_minutes} min of travel"


def ways_to_fit(
    problem: Problem,
    travel: TravelMatrix,
    plan: Plan,
    visit_id: str,
    *,
    staff: Iterable[str] | None = None,
    relax: bool = True,
    budget: Budget | None = None,
) -> list[Fit]:
    """Return the cheapest insertion of a left-out visit per staff member and kind, best first.

    Only visits for one staff member with no `after` link are considered (others need a
    search). `staff` limits who is tried (default: everyone qualified and compatible);
    with `relax` False only as-is insertions are looked for. `budget` bounds the work
    (default: DEFAULT_EVALUATIONS route evaluations).
    """
    visit = problem.visit_by_id[visit_id]
    if visit.staff_count > 1 or visit_id in coupled_visits(problem):
        return []
    held = held_visits(problem, plan).keys()
    people = [problem.staff_by_id[s] for s in staff] if staff is not None else [
        s for s in problem.staff if visit.skills <= s.skills and incompatibility(problem, visit, s) is None
    ]
    routes = {r.staff: r for r in plan.routes}
    budget = budget if budget is not None else Budget(DEFAULT_EVALUATIONS)
    fits: list[Fit] = []
    for person in people:
        route = routes.get(person.id)
        found = _cheapest(problem, travel, person, route, visit, held, budget)
        if found is not None:
            fits.append(found)
            continue
        if not relax:
            continue
        longer = dataclasses.replace(person, overtime=person.overtime + MAX_EXTRA_OVERTIME_SECONDS)
        late = _cheapest(problem, travel, longer, route, visit, held, budget)
        if late is not None and late.route is not None:
            fits.append(dataclasses.replace(late, extra_overtime=max(1, late.route.end - person.latest_end)))
        other_time = _cheapest(problem, travel, person, route, visit, held, budget, shift_range(person))
        if other_time is not None:
            fits.append(dataclasses.replace(other_time, outside_window=True))
    return sorted(fits, key=lambda f: (not f.as_is, f.extra_overtime, _shift(visit, f.start), f.added_travel,
                                       f.staff))


def _cheapest(
    problem: Problem, travel: TravelMatrix, person: Staff, route: Route | None, visit: Visit,
    held: Collection[str], budget: Budget, ranges: Sequence[tuple[int, int]] | None = None,
) -> Fit | None:
    """Return the feasible insertion into `person`'s route, all of it re-timed, that adds least travel, or None."""
    found = insertions(problem, travel, person, route, visit, ranges=ranges, held=held, budget=budget)
    if not found:
        return None
    best = min(found, key=lambda f: f.added_travel)
    return Fit(visit.id, person.id, best.position, best.start, best.added_travel, route=best.route)


def held_visits(problem: Problem, plan: Plan) -> dict[str, Visit]:
    """Return every routed coupled visit as a variant whose only window is its planned start."""
    coupled = coupled_visits(problem)
    return {
        s.visit: dataclasses.replace(problem.visit_by_id[s.visit], windows=(TimeWindow(s.start, s.start),), late=0)
        for r in plan.routes for s in r.stops if s.visit in coupled
    }


def _shift(visit: Visit, moment: int) -> int:
    """Return how far `moment` lies outside the visit's windows (0 inside)."""
    ranges = start_ranges(visit)
    if not ranges:
        return 0
    return min(max(low - moment, moment - high, 0) for low, high in ranges)


def hint(problem: Problem, fits: Sequence[Fit]) -> str:
    """Return 'it would fit if ...' naming the cheapest overtime and window answers, or ''."""
    with_overtime = next((f for f in fits if f.extra_overtime > 0), None)
    at_other_time = next((f for f in fits if f.outside_window), None)
    choices = [f for f in (with_overtime, at_other_time) if f is not None]
    if not choices:
        return ""
    return "; " + " or ".join(f.describe(problem) for f in choices)
