"""Where a visit fits into a route: the one insertion engine.

The visit is put at every sensible position of a staff member's route and the route is
re-timed exactly by `schedule.timing.retime_tail` (every way its breaks can go). What happens
to the rest of the route is the caller's rule, given as parameters:

- `heads`: per position tried, the part of the route that stays as it is and where timing
  restarts; by default nothing stays and the whole route is re-timed from the shift's start
  (`from_the_start`);
- `held`: stops tied to other routes (team visits, `after` links) keep their planned start;
- `announced`: re-timed stops never start before their planned start (families were told);
- `ranges`: when the visit itself may start (default: its windows, else the shift);
- `budget`: a count of route evaluations several calls share, so the work is bounded the
  same way on every run.

Each feasible insertion within the staff member's limits (`max_travel`, `capacity`) is priced
with the objective's weights (`schedule.objective.insertion_price`): the travel it adds, its
overtime and lateness, plus `delay_weight` per second of delay to announced visits. What would
make a left-out visit fit (`solve.fitting`) and where a new visit fits during the day
(`intraday.suggest`) both come from here. A visit whose start is tied elsewhere (a team
visit's copy on another route, an `after` gap) is inserted with `ranges` of that one moment
or that gap, one route at a time.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ahs_routing.domain.model import Problem, Staff, Visit, lateness, start_ranges
from ahs_routing.domain.plan import Route
from ahs_routing.schedule.objective import insertion_price
from ahs_routing.schedule.timing import Head, Item, retime_tail, shift_range
from ahs_routing.travel import TravelMatrix


class Budget:
    """A count of route evaluations that several calls can share."""

    def __init__(self, evaluations: int) -> None:
        self.left = evaluations

    def spend(self) -> bool:
        """Take one evaluation; return False once none are left."""
        if self.left <= 0:
            return False
        self.left -= 1
        return True


@dataclass(frozen=True, slots=True)
class Insertion:
    """One way to put a visit into a staff member's route: where, when it starts, and what it costs.

    `overtime` is the overtime it adds (seconds, negative when it saves some), `lateness` how
    late the visit starts, `delay` how much later announced visits start in total and `moved`
    which of them start at another time; `price` is in seconds of travel.
    """

    staff: str
    position: int
    start: int
    added_travel: int
    overtime: int
    lateness: int
    delay: int
    moved: tuple[str, ...]
    price: int
    route: Route


def from_the_start(problem: Problem, person: Staff, route: Route | None) -> list[tuple[int, Head]]:
    """Return every position of a route, each re-timing the whole route from the start of the shift."""
    head = Head.at_start(problem, person)
    return [(position, head) for position in range(len(route.stops) + 1 if route is not None else 1)]


def insertions(
    problem: Problem,
    travel: TravelMatrix,
    person: Staff,
    route: Route | None,
    visit: Visit,
    *,
    ranges: Sequence[tuple[int, int]] | None = None,
    heads: Sequence[tuple[int, Head]] | None = None,
    held: Collection[str] = (),
    announced: bool = False,
    delay_weight: float = 0.0,
    budget: Budget | None = None,
) -> list[Insertion]:
    """Return every feasible insertion of `visit` into `person`'s route (None: an empty day), in order of position.

    `heads` pairs each position to try with what stays before it (default `from_the_start`).
    A position whose visit cannot be reached by its last start is skipped without spending the
    budget; once the budget is spent no more positions are tried.
    """
    stops = route.stops if route is not None else ()
    load = sum(problem.visit_by_id[s.visit].demand for s in stops) + visit.demand
    if person.capacity is not None and load > person.capacity + 1e-9:
        return []
    ranges = ranges if ranges is not None else start_ranges(visit) or shift_range(person)
    latest = ranges[-1][1]
    there = problem.place_of_visit(visit)
    old_travel = route.travel if route is not None else 0
    old_overtime = max(0, route.end - person.shift.end) if route is not None else 0
    new = Item(visit, ranges)
    rest = [Item.of(problem.visit_by_id[s.visit], person, s.start, announced=announced, held=s.visit in held)
            for s in stops]
    found = []
    for position, head in heads if heads is not None else from_the_start(problem, person, route):
        kept = len(head.stops)
        if position > kept:
            # From the stop before, at its planned end. Where that stop is re-timed too it may end
            # earlier; the bound then only approximates, in exchange for fewer evaluations.
            previous = stops[position - 1]
            here, moment = problem.place_of_visit(problem.visit_by_id[previous.visit]), max(previous.end,
                                                                                               head.free_from)
        else:
            here, moment = head.place, head.free_from
        if moment + travel.seconds(here, there) > latest:
            continue  # cannot reach it in time from here; breaks only make it later
        if budget is not None and not budget.spend():
            break
        items = [*rest[kept:position], new, *rest[position:]]
        candidate = retime_tail(problem, travel, person, head, items)
        if candidate is None or (person.max_travel is not None and candidate.travel > person.max_travel):
            continue
        start = candidate.stops[position].start
        delay = 0
        moved = []
        for stop, item in zip(candidate.stops[kept:], items, strict=True):
            if item.announced is not None and stop.start != item.announced:
                delay += stop.start - item.announced
                moved.append(stop.visit)
        added = candidate.travel - old_travel
        overtime = max(0, candidate.end - person.shift.end) - old_overtime
        late = lateness(visit, start)
        found.append(Insertion(person.id, position, start, added, overtime, late, delay, tuple(moved),
                               insertion_price(added, overtime, late, delay_weight * delay), candidate))
    return found
