"""A large-neighbourhood search whose moves take linked visits whole (ruin and recreate).

OR-Tools' local search moves one node at a time, and a team visit's copies (same start on
different routes) or an `after` pair (a gap to the minute) can only move together. This
search moves groups (`ahs_routing.solve.groups`): each iteration takes some groups out of the
day's routes (ruin) and puts them back whole, exactly timed by the one insertion engine
(recreate), then accepts or rejects the new plan.

- Ruin operators: random groups; related groups (close in place and start time to a random
  one); the worst-placed groups (most detour per stop, with some noise); every group on one
  route; a linked group with the groups served near it in time on its staff's routes. How
  many groups go is drawn up to a share of the day that grows while the search stalls and
  falls back after a new best.
- Recreate: groups put back one at a time at their cheapest whole placement, in one of three
  orders: regret (the difference between the first visit's best and second-best staff),
  tightest windows and largest groups first, or random. Visits left out before are offered too.
- Plans compare by the visits they serve per priority class, most important first, then by
  price (travel, overtime and lateness at the objective's weights, `schedule.objective`).
  Acceptance is record-to-record travel: a plan serving as many is accepted within a
  deviation of the best price that shrinks to zero over the iterations.
- Operators are picked by adaptive weights (Ropke and Pisinger 2006): scores 33 for a new
  best, 9 for an improvement, 13 for an accepted plan, blended in every segment of 50.

Determinism: the budget is a count of iterations and the random numbers come from the seed,
so the same day gives the same plan on every run; the clock only caps (`stopped_by` says
which ended it: iterations, converged, time_limit or stopped), and `should_stop` is polled
once per iteration.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ahs_routing.domain.model import Priority, Problem
from ahs_routing.domain.plan import Route
from ahs_routing.schedule.insertion import Budget
from ahs_routing.solve.groups import (
    Group,
    Placement,
    Pricing,
    Routes,
    applied,
    best_per_staff,
    day_groups,
    place,
    without,
)
from ahs_routing.travel import TravelMatrix

log = logging.getLogger(__name__)

RUINS = ("random", "related", "worst", "route", "linked")
RECREATES = ("regret", "tightest", "random")

#: Scores of an operator pair for a new best, a better plan than the current one, an accepted one.
SCORES = (33.0, 9.0, 13.0)
#: How fast weights follow their scores, and the iterations of one segment.
REACTION = 0.1
SEGMENT = 50
#: Share of the day's groups one ruin takes at most: at first, and at most after stalling.
RUIN_SHARE = (0.1, 0.3)
#: Iterations without a new best after which the ruin share grows by a quarter.
STALL = 100
#: Record-to-record travel: a plan within this share above the best is accepted at first.
DEVIATION = 0.02
#: Route evaluations one iteration may spend at most (a count: reproducible on every machine).
EVALUATIONS_PER_ITERATION = 50_000


@dataclass(frozen=True, slots=True)
class LnsSettings:
    """How long and how the search runs: iterations, seed, the objective's weights, and a clock cap."""

    iterations: int
    seed: int
    overtime_weight: int
    lateness_weight: int
    time_limit_seconds: float
    #: Iterations in a row without a new best after which the search stops (None: never).
    patience: int | None = None
    #: Work after which the search stops (route evaluations; None: no count), checked between iterations.
    work: int | None = None


@dataclass(frozen=True, slots=True)
class LnsOutcome:
    """The best plan found: routes, visits left out, and how the search went."""

    routes: Routes
    dropped: frozenset[str]
    price: int
    iterations: int
    new_bests: int
    stopped_by: str
    #: Work done: route evaluations of the insertion engine.
    work: int = 0
    #: True when the last half of the iterations brought no new best.
    stalled: bool = False


@dataclass(slots=True)
class _State:
    routes: Routes
    served: frozenset[int]
    key: tuple[tuple[int, ...], int]


@dataclass(slots=True)
class _Weights:
    names: Sequence[str]
    weights: list[float] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    uses: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.weights = [1.0] * len(self.names)
        self.scores = [0.0] * len(self.names)
        self.uses = [0] * len(self.names)

    def pick(self, rng: random.Random) -> int:
        return rng.choices(range(len(self.names)), weights=self.weights)[0]

    def reward(self, k: int, score: float) -> None:
        self.scores[k] += score
        self.uses[k] += 1

    def blend(self) -> None:
        for k in range(len(self.names)):
            if self.uses[k]:
                self.weights[k] = max(0.05, (1 - REACTION) * self.weights[k]
                                      + REACTION * self.scores[k] / self.uses[k])
            self.scores[k], self.uses[k] = 0.0, 0


class _Search:
    """One run of the search: the day, its groups and prices, and the random numbers."""

    def __init__(self, problem: Problem, travel: TravelMatrix, candidates: Mapping[str, Sequence[str]],
                 settings: LnsSettings, pricing: Pricing) -> None:
        self.problem, self.travel, self.candidates = problem, travel, candidates
        self.settings, self.pricing = settings, pricing
        self.groups = day_groups(problem, candidates.keys())
        self.group_of = {v.id: g for g, group in enumerate(self.groups) for v in group.members}
        self.rng = random.Random(settings.seed)
        self.priorities = sorted(Priority, reverse=True)

    def state(self, routes: Routes) -> _State:
        """Return the state of some routes: which groups they serve whole, and its comparison key."""
        counts: dict[str, int] = {}
        for route in routes.values():
            for stop in route.stops:
                counts[stop.visit] = counts.get(stop.visit, 0) + 1
        served = frozenset(g for g, group in enumerate(self.groups)
                           if all(counts.get(v.id, 0) == v.staff_count for v in group.members))
        missing = [0] * len(self.priorities)
        for g, group in enumerate(self.groups):
            if g not in served:
                for visit in group.members:
                    missing[self.priorities.index(visit.priority)] += visit.staff_count
        price = sum(self.pricing.of(self.problem, r) for r in routes.values())
        return _State(routes, served, (tuple(missing), price))

    # Ruin ------------------------------------------------------------------------------------------

    def ruin(self, operator: str, state: _State, size: int) -> list[int]:
        """Return the groups an operator takes out (at most `size`, fewer when the day has fewer)."""
        served = sorted(state.served)
        if not served:
            return []
        size = min(size, len(served))
        if operator == "random":
            return self.rng.sample(served, size)
        if operator == "related":
            seed = self.rng.choice(served)
            return sorted(served, key=lambda g: self._relatedness(state, seed, g))[:size]
        if operator == "worst":
            detours = self._detours(state)
            ranked = sorted(served, key=lambda g: -detours.get(g, 0))
            return [ranked[int(len(ranked) * self.rng.random() ** 3)] for _ in range(size)]
        if operator == "route":
            staff = self.rng.choice(sorted(state.routes))
            return sorted({self.group_of[s.visit] for s in state.routes[staff].stops})
        linked = [g for g in served if self.groups[g].copies > 1]
        seed = self.rng.choice(linked or served)
        near = self._on_same_routes(state, seed)
        return [seed, *sorted(near, key=lambda g: self._relatedness(state, seed, g))[:size - 1]]

    def _places_and_starts(self, state: _State, g: int) -> list[tuple[str, int]]:
        return [(self.problem.place_of_visit(self.problem.visit_by_id[s.visit]), s.start)
                for r in state.routes.values() for s in r.stops if self.group_of.get(s.visit) == g]

    def _relatedness(self, state: _State, one: int, other: int) -> float:
        if one == other:
            return -1.0
        a = self._places_and_starts(state, one)
        b = self._places_and_starts(state, other)
        if not a or not b:
            return 1e18
        # Seconds apart by road, and half the seconds between their starts.
        return self.travel.seconds(a[0][0], b[0][0]) + 0.5 * abs(a[0][1] - b[0][1])

    def _detours(self, state: _State) -> dict[int, float]:
        """Return each group's travel saved per stop if its stops were skipped (a cheap estimate)."""
        saved: dict[int, list[int]] = {}
        for staff, route in state.routes.items():
            person = self.problem.staff_by_id[staff]
            places = [self.problem.start_place(person),
                      *(self.problem.place_of_visit(self.problem.visit_by_id[s.visit]) for s in route.stops),
                      self.problem.end_place(person)]
            for i, stop in enumerate(route.stops, start=1):
                gain = (self.travel.seconds(places[i - 1], places[i]) + self.travel.seconds(places[i], places[i + 1])
                        - self.travel.seconds(places[i - 1], places[i + 1]))
                saved.setdefault(self.group_of[stop.visit], []).append(gain)
        return {g: sum(v) / len(v) for g, v in saved.items()}

    def _on_same_routes(self, state: _State, g: int) -> set[int]:
        staff = {r.staff for r in state.routes.values() if any(self.group_of.get(s.visit) == g for s in r.stops)}
        return {self.group_of[s.visit] for st in staff for s in state.routes[st].stops} - {g}

    # Recreate --------------------------------------------------------------------------------------

    def recreate(self, operator: str, routes: Routes, pool: list[int], budget: Budget,
                 deadline: float) -> Routes | None:
        """Return the routes with as many groups of `pool` put back whole as fit, in the operator's order.

        None when the clock passes `deadline` first (the iteration is then abandoned).
        """
        if operator == "random":
            order = list(pool)
            self.rng.shuffle(order)
        elif operator == "tightest":
            order = sorted(pool, key=lambda g: (-self.groups[g].copies, self._window_width(self.groups[g]), g))
        else:
            order = self._by_regret(routes, pool, budget)
        for g in order:
            if time.monotonic() > deadline:
                return None
            found: Placement | None = place(self.problem, self.travel, routes, self.groups[g], self.candidates,
                                            self.pricing, budget)
            if found is not None:
                routes = applied(routes, found.routes)
        return routes

    def _window_width(self, group: Group) -> int:
        widths = [sum(w.end - w.start for w in v.windows) for v in group.members if v.windows]
        return min(widths, default=10**9)

    def _by_regret(self, routes: Routes, pool: list[int], budget: Budget) -> list[int]:
        """Return the pool by regret, highest first: how much worse the first visit's second-best staff is."""
        regrets = []
        for g in pool:
            prices = best_per_staff(self.problem, self.travel, routes, self.groups[g], self.candidates,
                                    self.pricing, budget)
            regret = (prices[1] - prices[0]) if len(prices) > 1 else (10**9 if prices else -1)
            regrets.append((-regret, g))
        return [g for _, g in sorted(regrets)]


def _progress(iteration: int, settings: LnsSettings, work: int) -> float:
    """Return how much of its counted budget the search has spent, 0 to 1 (iterations or work, the further)."""
    spent = iteration / settings.iterations
    if settings.work is not None:
        spent = max(spent, work / settings.work)
    return min(1.0, spent)


def improve(
    problem: Problem,
    travel: TravelMatrix,
    routes: Mapping[str, Route],
    candidates: Mapping[str, Sequence[str]],
    settings: LnsSettings,
    *,
    held: frozenset[str],
    should_stop: Callable[[], bool] | None = None,
) -> LnsOutcome:
    """Return the best plan the search finds from `routes` (staff id -> a checked route) in its iterations."""
    started = time.monotonic()
    pricing = Pricing.of_day(problem, settings.overtime_weight, settings.lateness_weight, held)
    search = _Search(problem, travel, candidates, settings, pricing)
    current = best = search.state(dict(routes))
    ruins, recreates = _Weights(RUINS), _Weights(RECREATES)
    share, since_best, new_bests, stopped_by, iteration, work = RUIN_SHARE[0], 0, 0, "iterations", 0, 0
    for iteration in range(1, settings.iterations + 1):
        if settings.work is not None and work >= settings.work:
            stopped_by, iteration = "work", iteration - 1
            break
        if should_stop is not None and should_stop():
            stopped_by, iteration = "stopped", iteration - 1
            break
        if time.monotonic() - started > settings.time_limit_seconds:
            stopped_by, iteration = "time_limit", iteration - 1
            break
        if settings.patience is not None and since_best >= settings.patience:
            stopped_by, iteration = "converged", iteration - 1
            break
        ruin, recreate = ruins.pick(search.rng), recreates.pick(search.rng)
        most = max(2, round(share * len(search.groups)))
        removed = search.ruin(RUINS[ruin], current, search.rng.randint(1, most))
        removed_ids = {v.id for g in removed for v in search.groups[g].members}
        change = without(problem, travel, current.routes, removed_ids, pricing)
        if change is None:
            work += 1
            continue
        pool = sorted(set(removed) | (set(range(len(search.groups))) - current.served))
        budget = Budget(EVALUATIONS_PER_ITERATION)
        rebuilt = search.recreate(RECREATES[recreate], applied(current.routes, change), pool, budget,
                                  started + settings.time_limit_seconds)
        work += EVALUATIONS_PER_ITERATION - budget.left
        if rebuilt is None:
            stopped_by, iteration = "time_limit", iteration - 1
            break
        candidate = search.state(rebuilt)
        score = 0.0
        deviation = DEVIATION * (1 - _progress(iteration, settings, work))
        if candidate.key < best.key:
            best, current, score, since_best, share = candidate, candidate, SCORES[0], 0, RUIN_SHARE[0]
            new_bests += 1
        elif candidate.key[0] <= current.key[0] and candidate.key[1] <= best.key[1] * (1 + deviation):
            score = SCORES[1] if candidate.key < current.key else SCORES[2]
            current = candidate
        since_best += 1
        if since_best % STALL == 0:
            share = min(RUIN_SHARE[1], share * 1.25)
        ruins.reward(ruin, score)
        recreates.reward(recreate, score)
        if iteration % SEGMENT == 0:
            ruins.blend()
            recreates.blend()
    served = {v for r in best.routes.values() for v in r.visit_ids}
    log.info("LNS: %d iterations, %d new bests, price %d, stopped by %s", iteration, new_bests, best.key[1], stopped_by)
    return LnsOutcome(best.routes, frozenset(set(candidates) - served), best.key[1], iteration, new_bests, stopped_by,
                      work, stalled=2 * since_best >= iteration)
