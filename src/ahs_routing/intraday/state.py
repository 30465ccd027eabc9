"""The state of a day at a moment: what is fixed, where each staff member is, from when they are free.

At `now`, a visit that has started, or whose staff member has set off for it, is **fixed**: it
keeps its staff and times; each staff member is at the place of their last fixed visit (or their
start location), free from the latest of `now`, the end of that visit and the end of a break under
way. Re-planning and suggestions both start from here.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ahs_routing.domain.model import Break, Problem, Staff
from ahs_routing.domain.plan import BreakTaken, Plan, Route, Stop


@dataclass(frozen=True, slots=True)
class StaffState:
    """Where a staff member stands at `now`: what is fixed, where they are, and from when they are free."""

    staff: str
    stops: tuple[Stop, ...]
    breaks: tuple[BreakTaken, ...]
    place: str
    free_from: int
    route_start: int | None

    @property
    def started(self) -> bool:
        """Return True once the staff member has done something today (a fixed visit or a break)."""
        return bool(self.stops or self.breaks)


@dataclass(frozen=True, slots=True)
class DayState:
    """The day at `now`: each routed staff member's state (staff without a route are at their start)."""

    now: int
    staff: Mapping[str, StaffState]

    @property
    def fixed_visits(self) -> frozenset[str]:
        """Return the ids of every visit fixed at `now`."""
        return frozenset(s.visit for state in self.staff.values() for s in state.stops)

    def of(self, problem: Problem, person: Staff) -> StaffState:
        """Return a staff member's state; someone without a route is at their start location."""
        found = self.staff.get(person.id)
        if found is not None:
            return found
        return StaffState(person.id, (), (), problem.start_place(person), max(self.now, person.shift.start), None)


@dataclass(frozen=True, slots=True)
class StaffPosition:
    """A staff member's position as reported (e.g. by phone): at `place` (a place id), free from `free_from`."""

    place: str
    free_from: int


def day_state(problem: Problem, plan: Plan, now: int) -> DayState:
    """Return the state of the day at `now` (seconds): fixed visits, each staff member's position and free time."""
    return derive_state(problem, plan, now, frozenset(), {})


def derive_state(
    problem: Problem, plan: Plan, now: int, removed: frozenset[str], unavailable: Mapping[str, int]
) -> DayState:
    """Return the state of the day at `now` after events: `problem` carries the new durations, `removed` visits
    are cancelled and `unavailable` staff stop at the given moment (`leaves_with_staff` says which visits stay)."""
    routes = {r.staff: r for r in plan.routes if r.staff in problem.staff_by_id}

    def blocked(staff_id: str, stop: Stop) -> bool:
        cut = unavailable.get(staff_id)
        return stop.visit in removed or (cut is not None and not stays_with_staff(problem, stop, now, cut))

    prefixes = {s: fixed_prefix(problem, r, now, 0, lambda st, s=s: blocked(s, st)) for s, r in routes.items()}
    prefixes = _close_teams(problem, routes, prefixes, now, blocked)
    states: dict[str, StaffState] = {}
    for staff_id, route in routes.items():
        person = problem.staff_by_id[staff_id]
        stops = prefixes[staff_id]
        busy = [(s.arrival - s.travel, s.arrival) for s in stops] + [(s.start, s.end) for s in stops]
        last_end = stops[-1].end if stops else None
        horizon = max(now, last_end or now)
        taken = tuple(b for b in route.breaks
                      if b.start < horizon and not any(s < b.end and b.start < e for s, e in busy))
        place = problem.place_of_visit(problem.visit_by_id[stops[-1].visit]) if stops else problem.start_place(person)
        free_from = max([now, person.shift.start, *([last_end] if last_end is not None else []),
                         *(b.end for b in taken)])
        begins = [s.arrival - s.travel for s in stops[:1]] + [b.start for b in taken]
        states[staff_id] = StaffState(staff_id, tuple(stops), taken, place, free_from,
                                      min(begins) if begins else None)
    return DayState(now, states)


def stays_with_staff(problem: Problem, stop: Stop, now: int, cut: int) -> bool:
    """Return True when a planned visit stays with a staff member unavailable from `cut` (docs/REPLAN.md):
    it starts before `cut`, and either is under way at `now` (it may run past `cut`) or ends by `cut`."""
    if stop.start >= cut:
        return False
    return stop.start < now or stop.start + problem.service_seconds(problem.visit_by_id[stop.visit]) <= cut


def fixed_prefix(problem: Problem, route: Route, now: int, through: int, blocked: Any) -> list[Stop]:
    """Return the stops of a route fixed at `now` (with their new ends), at least the first `through`.

    A stop is fixed when it has started or its staff member has left for it, as long as every
    stop before it is fixed and it still follows them: a visit before it that now runs longer
    than its departure means the staff member is still there.
    """
    fixed: list[Stop] = []
    previous_end: int | None = None
    for index, stop in enumerate(route.stops):
        if blocked(stop):
            break
        departure = stop.arrival - stop.travel
        if previous_end is not None and departure < previous_end:
            break
        if index >= through and not (stop.start < now or departure < now):
            break
        visit = problem.visit_by_id[stop.visit]
        end = stop.start + problem.service_seconds(visit)
        fixed.append(dataclasses.replace(stop, end=end))
        previous_end = end
    return fixed


def _close_teams(
    problem: Problem, routes: Mapping[str, Route], prefixes: dict[str, list[Stop]], now: int, blocked: Any
) -> dict[str, list[Stop]]:
    """Fix a team visit for all its staff when one of them is committed to it, or for none if that cannot be."""
    teams = {v.id for v in problem.visits if v.staff_count > 1}
    for _ in range(4 * len(teams) + 1):
        changed = False
        for visit_id in sorted(teams):
            holders = [s for s, r in routes.items() if visit_id in r.visit_ids]
            fixed = [s for s in holders if any(st.visit == visit_id for st in prefixes[s])]
            if not fixed or len(fixed) == len(holders):
                continue
            changed = True
            extended = {}
            for staff_id in holders:
                through = routes[staff_id].visit_ids.index(visit_id) + 1
                extended[staff_id] = fixed_prefix(problem, routes[staff_id], now, through,
                                                   lambda st, s=staff_id: blocked(s, st))
            if all(len(extended[s]) >= routes[s].visit_ids.index(visit_id) + 1 for s in holders):
                prefixes.update(extended)
            else:
                for staff_id in holders:
                    cut = routes[staff_id].visit_ids.index(visit_id)
                    prefixes[staff_id] = prefixes[staff_id][:cut]
        if not changed:
            break
    return prefixes


def match_breaks(due: tuple[Break, ...], taken: tuple[BreakTaken, ...]) -> tuple[list[Break], list[Break]]:
    """Return (breaks already taken, breaks still due): each taken interval matched to a break it fulfils."""
    for order in itertools.permutations(due) if len(due) <= 6 else [tuple(due)]:
        matched = list(order[: len(taken)])
        if len(matched) == len(taken) and all(
            b.earliest_start <= t.start and t.end <= b.latest_end and t.end - t.start >= b.duration
            for b, t in zip(matched, sorted(taken, key=lambda t: t.start), strict=True)
        ):
            return matched, list(order[len(taken):])
    return [], list(due)
