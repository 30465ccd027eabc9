"""Linked visits as one piece: taking a group out of the day's routes and putting it back whole.

A group is the visits tied together by `after` links (a visit with none is a group of one);
each visit of it is served by `staff_count` distinct staff at the same minute. The large
neighbourhood search (`ahs_routing.solve.lns`) moves groups, never single copies, so a
team visit's copies keep their common start and an `after` gap holds to the minute.

Placing a group uses the one insertion engine (`ahs_routing.schedule.insertion`), exactly
timed, breaks included. Stops of linked visits already in a route keep their start (`held`);
the first visit of the group is tried at a few anchor moments (the starts of its cheapest
insertions, within what its successors' windows allow), every other copy and member is then
inserted at the one moment or gap the anchor leaves it. Positions are screened in O(1) each
first (the stop after must still be able to start by its latest feasible start once the new
visit is done; held stops at their planned one), and only the cheapest few are timed exactly.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from ahs_routing.domain.links import linked_groups
from ahs_routing.domain.model import Problem, Staff, Visit, start_ranges
from ahs_routing.domain.plan import Route, Stop
from ahs_routing.schedule.insertion import Budget, insertions
from ahs_routing.schedule.objective import route_price
from ahs_routing.schedule.timing import Head, Item, retime_tail, shift_range, start_in
from ahs_routing.travel import TravelMatrix

#: A moment after any day (seconds): the open end of a range.
_NEVER = 10**9

#: Anchor moments tried for a group's first visit (the starts of its cheapest insertions).
ANCHORS = 3

#: Positions timed exactly after the O(1) screen, cheapest estimate first, over all routes at once:
#: `EXACT_POSITIONS` once one fits (`FEASIBLE_WANTED` stop it earlier), up to `MOST_POSITIONS` while
#: none does (breaks, which the screen leaves out, can make the cheapest estimates infeasible).
EXACT_POSITIONS = 8
FEASIBLE_WANTED = 3
MOST_POSITIONS = 64

Routes = dict[str, Route]
#: A change to some routes: staff id -> the new route, None when it is left with no stops.
Change = dict[str, Route | None]


@dataclass(frozen=True, slots=True)
class Group:
    """Visits that move together: members in link order (each after its `after` partner)."""

    members: tuple[Visit, ...]

    @property
    def ids(self) -> frozenset[str]:
        """Return the ids of the members."""
        return frozenset(v.id for v in self.members)

    @property
    def copies(self) -> int:
        """Return how many stops the group makes in all (a team visit counts once per staff member)."""
        return sum(v.staff_count for v in self.members)


@dataclass(frozen=True, slots=True)
class Placement:
    """A way to put a group back: the routes it changes, and what the change costs (seconds of travel)."""

    price: int
    routes: Change


@dataclass(frozen=True, slots=True)
class Pricing:
    """The objective's weights a search prices routes with, and the visits whose starts tie them to other routes.

    `due` holds each visit that may start late: the end of its last window (a start inside
    its ranges is late by exactly the seconds past it, as `domain.model.lateness` says).
    """

    overtime_weight: int
    lateness_weight: int
    held: frozenset[str]
    due: Mapping[str, int]

    @staticmethod
    def of_day(problem: Problem, overtime_weight: int, lateness_weight: int, held: frozenset[str]) -> Pricing:
        """Return the pricing of a day's routes at these weights."""
        due = {v.id: max(w.end for w in v.windows) for v in problem.visits if v.windows and v.late > 0}
        return Pricing(overtime_weight, lateness_weight, held, due)

    def of(self, problem: Problem, route: Route | None) -> int:
        """Return a route's price: travel, overtime and lateness at their weights (no route: 0)."""
        if route is None:
            return 0
        person = problem.staff_by_id[route.staff]
        due = self.due
        late = sum(max(0, s.start - due[s.visit]) for s in route.stops if s.visit in due) if due else 0
        return route_price(route.travel, max(0, route.end - person.shift.end), late,
                           self.overtime_weight, self.lateness_weight)


def day_groups(problem: Problem, servable: Collection[str]) -> list[Group]:
    """Return the servable visits as groups, in problem order, members after their partners."""
    groups = []
    for members in linked_groups(problem, servable):
        ordered: list[Visit] = []
        left = list(members)
        ids = {v.id for v in members}
        while left:
            ready = [v for v in left if v.after is None or v.after.visit not in ids
                     or v.after.visit in {o.id for o in ordered}]
            ready = ready or left[:1]  # a cycle of links cannot be served; the insertion will fail
            ordered.append(ready[0])
            left.remove(ready[0])
        groups.append(Group(tuple(ordered)))
    return groups


def without(problem: Problem, travel: TravelMatrix, routes: Routes, removed: Collection[str],
            pricing: Pricing) -> Change | None:
    """Return the routes that served any of `removed`, re-timed without them (None for a route left empty).

    Linked stops that stay keep their start; None overall when a route cannot be re-timed.
    """
    changed: Change = {}
    for staff, route in routes.items():
        if not any(s.visit in removed for s in route.stops):
            continue
        person = problem.staff_by_id[staff]
        items = [Item.of(problem.visit_by_id[s.visit], person, s.start, held=s.visit in pricing.held)
                 for s in route.stops if s.visit not in removed]
        if not items:
            changed[staff] = None
            continue
        retimed = retime_tail(problem, travel, person, Head.at_start(problem, person), items)
        if retimed is None:
            return None
        changed[staff] = retimed
    return changed


def applied(routes: Routes, change: Change) -> Routes:
    """Return the routes with a change made (routes left empty are dropped)."""
    out = dict(routes)
    for staff, route in change.items():
        if route is None:
            out.pop(staff, None)
        else:
            out[staff] = route
    return out


def place(
    problem: Problem,
    travel: TravelMatrix,
    routes: Routes,
    group: Group,
    candidates: Mapping[str, Sequence[str]],
    pricing: Pricing,
    budget: Budget,
) -> Placement | None:
    """Return the cheapest whole placement of a group found from a few anchor moments, or None."""
    first = group.members[0]
    if len(group.members) == 1 and first.staff_count == 1:
        # Nothing tied to it: its cheapest insertion is its placement.
        ranges = start_ranges(first) or [(0, _NEVER)]
        choice = _cheapest(problem, travel, routes, first, candidates, ranges, (), pricing, budget)
        return None if choice is None else Placement(choice[0], {choice[2].staff: choice[2]})
    anchors = _anchors(problem, travel, routes, group, candidates, pricing, budget)
    best: Placement | None = None
    for moment in anchors:
        found = _place_from(problem, travel, routes, group, candidates, pricing, budget, moment)
        if found is not None and (best is None or found.price < best.price):
            best = found
    return best


def _anchors(
    problem: Problem, travel: TravelMatrix, routes: Routes, group: Group,
    candidates: Mapping[str, Sequence[str]], pricing: Pricing, budget: Budget,
) -> list[int]:
    """Return the moments to try the group's first visit at: starts of its cheapest single insertions."""
    first = group.members[0]
    ranges = _first_ranges(group)
    if not ranges:
        return []
    options = [(price, start) for price, start, _ in _timed(problem, travel, routes, candidates[first.id], first,
                                                              ranges, pricing, budget, 2 * ANCHORS)]
    anchors: list[int] = []
    for _, start in sorted(options):
        if start not in anchors:
            anchors.append(start)
        if len(anchors) == ANCHORS:
            break
    return anchors


def best_per_staff(
    problem: Problem, travel: TravelMatrix, routes: Routes, group: Group,
    candidates: Mapping[str, Sequence[str]], pricing: Pricing, budget: Budget,
) -> list[int]:
    """Return the screen's estimate of the first visit's cheapest insertion per candidate, cheapest first."""
    first = group.members[0]
    ranges = _first_ranges(group)
    best: dict[str, int] = {}
    if ranges:
        for estimate, staff, _ in _screened(problem, travel, routes, candidates[first.id], first, ranges, pricing):
            best.setdefault(staff, estimate)
    return sorted(best.values())


def _first_ranges(group: Group) -> list[tuple[int, int]]:
    """Return when the group's first visit may start: its windows, narrowed by its direct successors' windows."""
    first = group.members[0]
    ranges = start_ranges(first) or [(0, _NEVER)]
    for follower in group.members[1:]:
        link = follower.after
        follower_ranges = start_ranges(follower)
        if link is None or link.visit != first.id or not follower_ranges:
            continue
        widest = link.max_gap if link.max_gap is not None else _NEVER
        allowed = [(low - widest, high - link.min_gap) for low, high in follower_ranges]
        ranges = _intersect(ranges, allowed)
    return ranges


def _intersect(ranges: Sequence[tuple[int, int]], others: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the parts of `ranges` inside `others`, in time order."""
    out = [(max(a, c), min(b, d)) for a, b in ranges for c, d in others if max(a, c) <= min(b, d)]
    return sorted(out)


def _place_from(
    problem: Problem, travel: TravelMatrix, routes: Routes, group: Group,
    candidates: Mapping[str, Sequence[str]], pricing: Pricing, budget: Budget, anchor: int,
) -> Placement | None:
    """Return the group placed with its first visit at `anchor`, each member's copies at one moment, or None."""
    current = dict(routes)
    starts: dict[str, int] = {}
    price = 0
    for k, member in enumerate(group.members):
        person_ranges = _member_ranges(member, starts, anchor if k == 0 else None)
        if not person_ranges:
            return None
        used: set[str] = set()
        moment: int | None = None
        for _ in range(member.staff_count):
            ranges = [(moment, moment)] if moment is not None else person_ranges
            choice = _cheapest(problem, travel, current, member, candidates, ranges, used, pricing, budget)
            if choice is None:
                return None
            added, start, route = choice
            moment = start
            used.add(route.staff)
            current[route.staff] = route
            price += added
        if moment is None:
            return None
        starts[member.id] = moment
    changed: Change = {s: r for s, r in current.items() if routes.get(s) is not r}
    return Placement(price, changed)


def _member_ranges(member: Visit, starts: Mapping[str, int], anchor: int | None) -> list[tuple[int, int]]:
    """Return when a member may start: the anchor for the first, else its windows within its `after` gap."""
    if anchor is not None:
        return [(anchor, anchor)]
    ranges = start_ranges(member) or [(0, _NEVER)]
    link = member.after
    if link is not None and link.visit in starts:
        base = starts[link.visit]
        widest = link.max_gap if link.max_gap is not None else _NEVER
        ranges = _intersect(ranges, [(base + link.min_gap, base + widest)])
    return ranges


def _cheapest(
    problem: Problem, travel: TravelMatrix, routes: Routes, visit: Visit,
    candidates: Mapping[str, Sequence[str]], ranges: Sequence[tuple[int, int]], used: Collection[str],
    pricing: Pricing, budget: Budget,
) -> tuple[int, int, Route] | None:
    """Return the cheapest insertion of a copy of `visit` on a candidate route not in `used`: (price, start, route)."""
    staff = [s for s in candidates[visit.id] if s not in used]
    found = _timed(problem, travel, routes, staff, visit, ranges, pricing, budget, FEASIBLE_WANTED)
    return min(found, key=lambda f: f[0]) if found else None


def _timed(
    problem: Problem, travel: TravelMatrix, routes: Routes, staff: Sequence[str], visit: Visit,
    ranges: Sequence[tuple[int, int]], pricing: Pricing, budget: Budget, wanted: int,
) -> list[tuple[int, int, Route]]:
    """Return (price, start, new route) of exactly timed insertions, taken in the screen's order of estimates.

    Stops after `wanted` feasible ones, after `EXACT_POSITIONS` tries once one fits, or after
    `MOST_POSITIONS`: one exact timing re-times a whole route, the screen costs a few lookups
    per position.
    """
    found: list[tuple[int, int, Route]] = []
    for tries, (_, who, position) in enumerate(_screened(problem, travel, routes, staff, visit, ranges, pricing)):
        if len(found) == wanted or (found and tries >= EXACT_POSITIONS) or tries == MOST_POSITIONS:
            break
        person = problem.staff_by_id[who]
        route = routes.get(who)
        old = pricing.of(problem, route)
        for f in insertions(problem, travel, person, route, visit, ranges=_intersect(ranges, shift_range(person)),
                            heads=[(position, Head.at_start(problem, person))], held=pricing.held, budget=budget):
            found.append((pricing.of(problem, f.route) - old, f.start, f.route))
    return found


def _screened(
    problem: Problem, travel: TravelMatrix, routes: Routes, staff: Sequence[str], visit: Visit,
    ranges: Sequence[tuple[int, int]], pricing: Pricing,
) -> list[tuple[int, str, int]]:
    """Return (estimate, staff, position) for each position of these staff's routes that may fit, cheapest first.

    An O(1) test per position: each stop's latest start (`_latest_starts`) says whether the rest
    of the route can still be served once the visit is in; the estimate is the detour plus the
    visit's own lateness. Breaks are left out of both, so the test only rules out what cannot
    fit (breaks make times later); the exact timing decides, breaks included.
    """
    there = problem.place_of_visit(visit)
    service = problem.service_seconds(visit)
    due = pricing.due.get(visit.id)
    scored = []
    for who in staff:
        person = problem.staff_by_id[who]
        route = routes.get(who)
        if route is not None and any(s.visit == visit.id for s in route.stops):
            continue
        clipped = _intersect(ranges, shift_range(person))
        if not clipped:
            continue
        stops = route.stops if route is not None else ()
        latest = _latest_starts(problem, travel, person, stops, pricing.held)
        places = [problem.start_place(person), *(problem.place_of_visit(problem.visit_by_id[s.visit]) for s in stops),
                  problem.end_place(person)]
        for position in range(len(stops) + 1):
            before, after = places[position], places[position + 1]
            free = stops[position - 1].end if position else person.shift.start
            start = start_in(clipped, free + travel.seconds(before, there))
            if start is None or start + service + travel.seconds(there, after) > latest[position]:
                continue
            detour = travel.seconds(before, there) + travel.seconds(there, after) - travel.seconds(before, after)
            late = max(0, start - due) if due is not None else 0
            scored.append((detour + pricing.lateness_weight * late, who, position))
    scored.sort()
    return scored


def _latest_starts(problem: Problem, travel: TravelMatrix, person: Staff, stops: Sequence[Stop],
                   held: Collection[str]) -> list[int]:
    """Return each stop's latest start that keeps the rest of the route feasible, and the latest return."""
    latest = [0] * (len(stops) + 1)
    latest[-1] = person.latest_end
    follower = problem.end_place(person)
    for i in range(len(stops) - 1, -1, -1):
        stop = stops[i]
        visit = problem.visit_by_id[stop.visit]
        here = problem.place_of_visit(visit)
        bound = latest[i + 1] - problem.service_seconds(visit) - travel.seconds(here, follower)
        if stop.visit in held:
            latest[i] = stop.start
        else:
            latest[i] = min((start_ranges(visit) or shift_range(person))[-1][1], bound)
        follower = here
    return latest
