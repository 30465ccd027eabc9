"""Solve a planning day: `solve(problem) -> Plan`.

The flow is one way: travel matrix -> eligibility -> diagnosis (visits no one could ever
serve are set aside with their reason) -> OR-Tools search (`ahs_routing.solve._ortools`) ->
`Plan` -> the independent plan checker. A plan that fails the checker is never returned:
the offending visits are taken out (reported as unassigned) until it passes.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from ahs_routing.check.checker import check_plan
from ahs_routing.check.eligibility import ineligible_patients
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.links import coupled_visits, spread_along_links
from ahs_routing.domain.model import Priority, Problem
from ahs_routing.domain.plan import Plan, Route, Unassigned, UnassignedReason
from ahs_routing.schedule.objective import (
    DEFAULT_CONTINUITY_MINUTES,
    DEFAULT_LATENESS_WEIGHT,
    DEFAULT_OVERTIME_WEIGHT,
)
from ahs_routing.schedule.timing import RouteSketch, realise_route, retime_route
from ahs_routing.solve import _ortools, _pyvrp
from ahs_routing.solve.construct import Sketch, time_ordered_plans
from ahs_routing.solve.diagnosis import Candidates, diagnose
from ahs_routing.solve.fitting import Budget, hint, ways_to_fit
from ahs_routing.times import SECONDS_PER_MINUTE
from ahs_routing.travel import TravelMatrix, TravelProvider, travel_matrix

log = logging.getLogger(__name__)


ProgressCallback = Callable[[float, int, int], None]
"""Called with (elapsed seconds, best objective, visits served) whenever the search improves."""


#: Guided local search's penalty weight. OR-Tools' default, 0.1, left the search circling two
#: solutions on Solomon days; 0.5 gave a mean gap of 2.5% over 12 instances at 10 s against
#: 3.3% (benchmarks/RESULTS.md).
DEFAULT_GLS_LAMBDA = 0.5

#: "auto": on days with linked visits (teams, `after`) and one worker, the search descends from
#: time-ordered first plans (`ahs_routing.solve.construct`) and improves the best; on days PyVRP
#: expresses exactly (no breaks, teams, links, restrictions, ...) and when pyvrp is installed,
#: its plan for the first `warm_start_share` of the time warm-starts OR-Tools. "none": neither.
WARM_STARTS = ("auto", "none")

#: Accepted solutions without a new best after which the search stops (see SolveOptions).
DEFAULT_PATIENCE = 30
#: Share of the time limit kept back from the search for inserting and explaining left-out
#: visits, and route evaluations per second of the limit spent on it (one takes 0.5-2 ms
#: on a 300-visit day; a count, not the clock, so the plan is reproducible).
AFTER_SEARCH_SHARE = 0.05
FIT_EVALUATIONS_PER_SECOND = 25


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """How to search: limits, seed, strategies, and objective weights.

    Reproducibility: the search stops at `time_limit` seconds at the latest, and earlier
    once `patience` accepted solutions in a row bring no new best, or after
    `solution_limit` solutions. The last two depend only on the sequence of solutions,
    so a search they stop gives the same plan on every run with the same seed
    (`SolveStats.stopped_by` says which one ended it). `patience=None` spends the
    whole time limit (best for benchmarks, not reproducible under load).
    """

    time_limit: float = 10.0
    seed: int = 0
    patience: int | None = DEFAULT_PATIENCE
    solution_limit: int | None = None
    first_solution: str = "parallel_cheapest_insertion"
    metaheuristic: str = "guided_local_search"
    gls_lambda: float = DEFAULT_GLS_LAMBDA
    overtime_weight: int = DEFAULT_OVERTIME_WEIGHT
    continuity_minutes: float = DEFAULT_CONTINUITY_MINUTES
    lateness_weight: int = DEFAULT_LATENESS_WEIGHT
    balance_weight: int = 0
    workers: int = 1
    warm_start: str = "auto"
    warm_start_share: float = 0.5
    log_search: bool = False

    def __post_init__(self) -> None:
        from ahs_routing.errors import InputError

        if not self.time_limit > 0:
            raise InputError(f"time_limit must be positive, got {self.time_limit!r}", path="time_limit")
        if self.first_solution not in _ortools.FIRST_SOLUTION_STRATEGIES:
            raise InputError(
                f"unknown first_solution {self.first_solution!r}; choose from "
                + ", ".join(_ortools.FIRST_SOLUTION_STRATEGIES),
                path="first_solution",
            )
        if self.metaheuristic not in _ortools.METAHEURISTICS:
            raise InputError(
                f"unknown metaheuristic {self.metaheuristic!r}; choose from " + ", ".join(_ortools.METAHEURISTICS),
                path="metaheuristic",
            )
        if self.warm_start not in WARM_STARTS:
            raise InputError(f"warm_start must be one of {', '.join(WARM_STARTS)}, got {self.warm_start!r}",
                             path="warm_start")
        if not 0 < self.warm_start_share < 1:
            raise InputError(f"warm_start_share must be between 0 and 1, got {self.warm_start_share!r}",
                             path="warm_start_share")
        if not (isinstance(self.workers, int) and self.workers >= 1):
            raise InputError(f"workers must be a whole number >= 1, got {self.workers!r}", path="workers")
        for name in ("patience", "solution_limit"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, int) and value >= 1):
                raise InputError(f"{name} must be a whole number >= 1 or None, got {value!r}", path=name)
        for name in ("overtime_weight", "continuity_minutes", "lateness_weight", "balance_weight", "gls_lambda"):
            if not getattr(self, name) >= 0:
                raise InputError(f"{name} must be >= 0, got {getattr(self, name)!r}", path=name)


@dataclass(frozen=True, slots=True)
class SolveHints:
    """Soft wishes for one solve, on top of the problem's own rules (used by re-planning).

    - `preferred_staff`: visit id -> staff ids who should keep it; serving it with anyone
      else costs `preferred_staff_weight` minutes of travel.
    - `target_starts`: visit id -> announced start (seconds); starting more than
      `target_tolerance` seconds away from it costs `target_weight` per minute beyond.
    - `initial_routes`: staff id -> visit ids in order, a warm start for the search.
    """

    preferred_staff: Mapping[str, frozenset[str]] = field(default_factory=dict)
    preferred_staff_weight: float = 30.0
    target_starts: Mapping[str, int] = field(default_factory=dict)
    target_tolerance: int = 15 * 60
    target_weight: float = 1.0
    initial_routes: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SolveStats:
    """How the search went: time to the first plan, total time, objective, OR-Tools status."""

    first_solution_seconds: float | None
    seconds: float
    objective: int
    status: str
    repaired_visits: int
    solutions: int = 0
    stopped_by: str = "nothing_to_solve"
    warm_started: bool = False


def solve(
    problem: Problem,
    options: SolveOptions | None = None,
    *,
    travel: TravelMatrix | TravelProvider | None = None,
    progress: ProgressCallback | None = None,
    hints: SolveHints | None = None,
) -> Plan:
    """Return a checked plan for the day: routes, unassigned visits with reasons, KPIs."""
    return solve_with_stats(problem, options, travel=travel, progress=progress, hints=hints)[0]


def solve_with_stats(
    problem: Problem,
    options: SolveOptions | None = None,
    *,
    travel: TravelMatrix | TravelProvider | None = None,
    progress: ProgressCallback | None = None,
    hints: SolveHints | None = None,
) -> tuple[Plan, SolveStats]:
    """Return a checked plan and statistics about the search that found it."""
    options = options or SolveOptions()
    started = time.monotonic()
    # The search leaves a little of the time for inserting and explaining what it left out.
    search_limit = options.time_limit * (1 - AFTER_SEARCH_SHARE)
    matrix = travel if isinstance(travel, TravelMatrix) else travel_matrix(problem, travel)
    ineligible = ineligible_patients(problem, matrix)
    excluded_patients = {p.patient: p for p in ineligible}
    excluded = {
        v.id: Unassigned(v.id, UnassignedReason.PATIENT_INELIGIBLE,
                         f"patient {v.patient} is not eligible: {excluded_patients[v.patient].detail}")
        for v in problem.visits
        if v.patient in excluded_patients
    }
    candidates, unserved = diagnose(problem, matrix, excluded)
    log.info("solving %d visits (%d set aside before the search) with %d staff",
             len(candidates), len(unserved), len(problem.staff))

    days: dict[str, _ortools.StaffDay] = {}
    outcome = None
    warm_started = False
    if candidates:
        settings = _ortools.SearchSettings(
            time_limit=max(0.05, search_limit - (time.monotonic() - started)),
            seed=options.seed,
            first_solution=options.first_solution,
            metaheuristic=options.metaheuristic,
            gls_lambda=options.gls_lambda,
            overtime_weight=options.overtime_weight,
            solution_limit=options.solution_limit,
            patience=options.patience,
            log_search=options.log_search,
        )
        staff_of = {v: c.staff for v, c in candidates.items()}
        preferences = _preferences(problem, options, hints or SolveHints())
        coupled = options.workers == 1 and bool(coupled_visits(problem))
        fallback = None
        if options.warm_start == "auto" and not preferences.initial_routes and coupled:
            plans = _first_plans(problem, matrix, staff_of, options, unserved, ineligible,
                                 started + search_limit * FIRST_PLAN_SHARE)
            first = next(plans, None)
            if first is not None and not first.left_out:
                outcome = _search_from_first_plans(
                    problem, matrix, staff_of, settings, preferences, progress,
                    (_visit_order(_days_of(problem, p)) for p in itertools.chain([first], plans) if not p.left_out))
                warm_started = outcome is not None
            elif first is not None:
                # Not a start (the search inserts the rest worse from it), but a checked plan to
                # fall back on: on a 1000-visit day with teams and breaks OR-Tools found none.
                fallback = _ortools.SearchOutcome(_days_of(problem, first), set(first.left_out), True, 0, None,
                                                  "time_ordered_plan", stopped_by="fallback")
            settings = replace(settings, time_limit=max(0.05, search_limit - (time.monotonic() - started)))
        elif options.warm_start == "auto" and not preferences.initial_routes:
            warm = _pyvrp_warm_start(problem, matrix, staff_of, options, started)
            if warm:
                warm_started = True
                preferences = replace(preferences, initial_routes=warm)
                settings = replace(settings, time_limit=max(0.05, search_limit - (time.monotonic() - started)))
        if outcome is None and coupled:
            outcome = _search_in_two_legs(problem, matrix, staff_of, settings, preferences, progress)
        elif outcome is None:
            outcome = _search_portfolio(problem, matrix, staff_of, settings, preferences, options.workers, progress)
        if fallback is not None and _served(problem, fallback) > _served(problem, outcome):
            log.info("the search served fewer visits than the time-ordered plan; using that plan")
            outcome = fallback
        days = outcome.days
        for visit_id in sorted(outcome.dropped):
            unserved[visit_id] = Unassigned(
                visit_id, UnassignedReason.CAPACITY,
                "could be served on its own, but not together with the rest of the day's visits"
                if outcome.found else "the search found no plan in the time limit",
            )

    plan, repaired = _checked_plan(problem, matrix, _realised(problem, matrix, days), unserved, ineligible)
    if outcome is not None and outcome.found:
        plan = _after_search(problem, matrix, plan, candidates, ineligible, options)
    stats = SolveStats(
        first_solution_seconds=outcome.first_solution_seconds if outcome else 0.0,
        seconds=time.monotonic() - started,
        objective=outcome.objective if outcome else 0,
        status=outcome.status if outcome else "nothing_to_solve",
        repaired_visits=repaired,
        solutions=outcome.solutions if outcome else 0,
        stopped_by=outcome.stopped_by if outcome else "nothing_to_solve",
        warm_started=warm_started,
    )
    log.info("plan %s: %d of %d visits served in %.1fs", plan.status.value,
             plan.kpis.visits_served, plan.kpis.visits, stats.seconds)
    return plan, stats


def _pyvrp_warm_start(
    problem: Problem, travel: TravelMatrix, candidates: Mapping[str, Sequence[str]], options: SolveOptions,
    started: float,
) -> dict[str, list[str]] | None:
    """Return PyVRP's routes for a day it expresses exactly, or None (not installed, or another kind of day)."""
    if not _pyvrp.available():
        return None
    reason = _pyvrp.why_not(problem, candidates)
    if reason is not None:
        log.debug("no PyVRP warm start: %s", reason)
        return None
    counts: dict[Priority, int] = {}
    for visit in problem.visits:
        if visit.id in candidates:
            counts[visit.priority] = counts.get(visit.priority, 0) + 1
    worst = int(travel.seconds_array().max()) * (len(candidates) + 2 * len(problem.staff))
    worst += options.overtime_weight * sum(p.overtime for p in problem.staff)
    penalties = _ortools.drop_penalties(counts, worst)
    seconds = max(0.05, options.time_limit * options.warm_start_share - (time.monotonic() - started))
    routes = _pyvrp.warm_start(problem, travel, candidates, penalties, seconds, options.seed, options.overtime_weight)
    log.info("PyVRP warm start: %s", "found a plan" if routes else "nothing feasible")
    return routes


def _first_plans(
    problem: Problem, travel: TravelMatrix, candidates: Mapping[str, Sequence[str]], options: SolveOptions,
    unserved: Mapping[str, Unassigned], ineligible: list,  # type: ignore[type-arg]
    deadline: float,
) -> Iterator[Sketch]:
    """Yield time-ordered plans that pass the plan checker, stopping after one that leaves visits out.

    Append-only plans that miss some windows miss them in every order tried. None is begun or
    checked after `deadline`, so the time limit holds on large days.
    """
    for sketch in time_ordered_plans(problem, travel, candidates, options.lateness_weight, options.seed, deadline):
        if time.monotonic() > deadline:
            return
        left = dict(unserved) | {v: Unassigned(v, UnassignedReason.CAPACITY) for v in sketch.left_out}
        routes = _realised(problem, travel, _days_of(problem, sketch))
        plan = assemble_plan(problem, routes, left, ineligible, has_km=travel.has_km)
        violations = check_plan(problem, plan, travel)
        if violations:
            log.debug("a time-ordered first plan was rejected: %s", violations[0])
            return
        yield sketch
        if sketch.left_out:
            log.debug("a time-ordered first plan left out %d visit(s)", len(sketch.left_out))
            return


def _days_of(problem: Problem, sketch: Sketch) -> dict[str, _ortools.StaffDay]:
    """Return a time-ordered plan as staff days, each leaving at the start of the shift."""
    return {s: _ortools.StaffDay(problem.staff_by_id[s].shift.start, 0, list(visits), list(sketch.breaks[s]))
            for s, visits in sketch.visits.items()}


def _visit_order(days: Mapping[str, _ortools.StaffDay]) -> dict[str, list[str]]:
    """Return each staff member's visit ids in route order (a warm start)."""
    return {s: [v for v, _ in day.visits] for s, day in days.items()}


def _realised(problem: Problem, travel: TravelMatrix, days: Mapping[str, _ortools.StaffDay]) -> list[Route]:
    """Return the routes driven as the staff days say, with travel placed around breaks."""
    return [realise_route(problem, travel, problem.staff_by_id[s],
                          RouteSketch(day.departure, day.arrival, day.visits, day.breaks))
            for s, day in days.items()]


def _served(problem: Problem, outcome: _ortools.SearchOutcome) -> tuple[int, ...]:
    """Return how many visits an outcome serves per priority class, most important first."""
    served = {v for day in outcome.days.values() for v, _ in day.visits} if outcome.found else set()
    return tuple(sum(1 for v in problem.visits if v.id in served and v.priority == p)
                 for p in sorted(Priority, reverse=True))


#: Share of the time limit by which the first time-ordered plan must be built and checked
#: (a 1000-visit day needs 1.4 s for one).
FIRST_PLAN_SHARE = 0.8

#: Share of the search time spent on descents from time-ordered first plans (the rest improves
#: the best of them with the metaheuristic).
DESCENT_SHARE = 0.7


def _search_from_first_plans(
    problem: Problem,
    travel: TravelMatrix,
    candidates: Mapping[str, Sequence[str]],
    settings: _ortools.SearchSettings,
    preferences: _ortools.Preferences,
    progress: ProgressCallback | None,
    first_plans: Iterator[dict[str, list[str]]],
) -> _ortools.SearchOutcome | None:
    """Return the best local optimum reached from successive first plans, improved further; None if no plan.

    Local search moves one node at a time, and linked visits can only move together, so
    where a day with linked visits ends depends mostly on where it starts: descend from
    several starts, then spend the rest on the best (measured in benchmarks/RESULTS.md).
    """
    started = time.monotonic()
    best: _ortools.SearchOutcome | None = None
    solutions = 0
    first_seconds: float | None = None
    reported: list[int] = []

    def report(_: float, objective: int, served: int) -> None:
        # Each descent starts afresh; the caller hears only of a new best, timed from the start.
        if progress is not None and (not reported or objective < reported[-1]):
            reported.append(objective)
            progress(time.monotonic() - started, objective, served)

    for start, routes in enumerate(first_plans):
        remaining = settings.time_limit * DESCENT_SHARE - (time.monotonic() - started)
        if remaining < 0.05 or (best is not None and best.stopped_by == "time_limit"):
            break
        descent_started = time.monotonic()
        outcome = _ortools.search(
            problem, travel, candidates, replace(settings, metaheuristic="greedy_descent", time_limit=remaining),
            replace(preferences, initial_routes=routes), report)
        solutions += outcome.solutions
        log.debug("descent from first plan %d: objective %d, %s", start, outcome.objective, outcome.stopped_by)
        if first_seconds is None and outcome.first_solution_seconds is not None:
            first_seconds = descent_started - started + outcome.first_solution_seconds
        if outcome.found and (best is None or outcome.objective < best.objective):
            best = outcome
    if best is None:
        return None
    remaining = settings.time_limit - (time.monotonic() - started)
    if remaining >= 0.05:
        seeded = replace(preferences, initial_routes=_visit_order(best.days))
        improved = _ortools.search(problem, travel, candidates, replace(settings, time_limit=remaining), seeded,
                                   report)
        solutions += improved.solutions
        log.debug("improving the best first plan: objective %d, %s", improved.objective, improved.stopped_by)
        if improved.found and improved.objective <= best.objective:
            best = improved
    best.solutions = solutions
    best.first_solution_seconds = first_seconds
    return best


#: Share of the search time the relaxed first leg gets on days with linked visits.
FIRST_LEG_SHARE = 0.3


def _search_in_two_legs(
    problem: Problem,
    travel: TravelMatrix,
    candidates: Mapping[str, Sequence[str]],
    settings: _ortools.SearchSettings,
    preferences: _ortools.Preferences,
    progress: ProgressCallback | None,
) -> _ortools.SearchOutcome:
    """Return the outcome of a relaxed first leg, made whole, improved by the exact model.

    With "all or none" between linked visits (teams, `after`) as hard constraints, the
    insertion heuristics may find no plan at all: they place one node at a time. So the
    first leg leaves that rule out; its plan loses every link that came out partial and
    seeds the exact model for the rest of the time. If the first leg stopped by its own
    rules and lost nothing, it is the answer.
    """
    leg_started = time.monotonic()
    # The first leg keeps going past its share until it has a plan: on a 1000-visit day its
    # first insertion took longer than 30% of 30 s, and the exact model then served 191 of 1000.
    first = _ortools.search(
        problem, travel, candidates,
        replace(settings, hand_over_after=settings.time_limit * FIRST_LEG_SHARE, relax_links=True), preferences,
        progress)
    whole, broken = _made_whole(problem, first)
    remaining = settings.time_limit - (time.monotonic() - leg_started)
    final = first.stopped_by in ("converged", "solution_limit", "search_completed")
    if remaining < 0.05 or (first.solutions > 0 and final and not broken):
        return whole
    seeded = preferences
    if first.solutions > 0:
        seeded = replace(preferences, initial_routes=_visit_order(whole.days))
    second = _ortools.search(problem, travel, candidates, replace(settings, time_limit=remaining), seeded, progress)
    if not second.found or (second.solutions == 0 and first.solutions > 0):
        return whole
    second.solutions += first.solutions
    if first.first_solution_seconds is not None:
        second.first_solution_seconds = first.first_solution_seconds
    return second


def _made_whole(problem: Problem, outcome: _ortools.SearchOutcome) -> tuple[_ortools.SearchOutcome, set[str]]:
    """Return the outcome without visits whose team or `after` partner is not served, and those visits."""
    served: dict[str, int] = {}
    for day in outcome.days.values():
        for visit_id, _ in day.visits:
            served[visit_id] = served.get(visit_id, 0) + 1
    missing = {v.id for v in problem.visits if served.get(v.id, 0) < v.staff_count}
    broken = set(spread_along_links(problem, missing)) - missing
    broken = {v for v in broken if v in served} | {v.id for v in problem.visits
                                                   if 0 < served.get(v.id, 0) < v.staff_count}
    if not broken:
        return outcome, broken
    days = {
        staff: replace(day, visits=[(v, t) for v, t in day.visits if v not in broken])
        for staff, day in outcome.days.items()
    }
    log.info("the relaxed search left %d linked visit(s) without their partner; set aside", len(broken))
    return replace(outcome, days=days, dropped=outcome.dropped | broken), broken


#: First-solution heuristics the extra searches of a portfolio start from, in turn.
PORTFOLIO_FIRST_SOLUTIONS = ("local_cheapest_insertion", "parallel_cheapest_insertion", "savings")


def _search_portfolio(
    problem: Problem,
    travel: TravelMatrix,
    candidates: Mapping[str, Sequence[str]],
    settings: _ortools.SearchSettings,
    preferences: _ortools.Preferences,
    workers: int,
    progress: ProgressCallback | None,
) -> _ortools.SearchOutcome:
    """Return the best of `workers` diverse searches run side by side (ties: the first).

    The first search runs here, so progress callbacks work; the others run in forked
    processes with another seed and first-solution heuristic. Each stops by its own
    rules, and the choice depends only on their objectives, so a reproducible stop in
    each gives a reproducible plan.
    """
    if workers == 1 or not hasattr(os, "fork"):
        return _ortools.search(problem, travel, candidates, settings, preferences, progress)
    variants = [
        replace(settings, seed=settings.seed + k, first_solution=PORTFOLIO_FIRST_SOLUTIONS[(k - 1) % 3])
        for k in range(1, workers)
    ]
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(max_workers=len(variants), mp_context=context) as pool:
        others = [pool.submit(_ortools.search, problem, travel, candidates, v, preferences) for v in variants]
        outcomes = [_ortools.search(problem, travel, candidates, settings, preferences, progress)]
        outcomes += [future.result() for future in others]
    found = [o for o in outcomes if o.found]
    if not found:
        return outcomes[0]
    best = min(found, key=lambda o: o.objective)
    log.info("portfolio of %d searches: objectives %s", workers, [o.objective for o in outcomes])
    return best


def _preferences(problem: Problem, options: SolveOptions, hints: SolveHints) -> _ortools.Preferences:
    """Return the soft goals of a solve, priced in seconds of travel."""
    stranger: dict[str, tuple[frozenset[str], int]] = {}
    continuity = round(options.continuity_minutes * SECONDS_PER_MINUTE)
    if continuity > 0:
        for visit in problem.visits:
            known = problem.patient_of(visit).preferred_staff
            if known:
                stranger[visit.id] = (frozenset(known), continuity)
    moving = round(hints.preferred_staff_weight * SECONDS_PER_MINUTE)
    for visit_id, keepers in hints.preferred_staff.items():
        if visit_id in problem.visit_by_id and keepers:
            stranger[visit_id] = (frozenset(keepers), moving + stranger.get(visit_id, (frozenset(), 0))[1])
    targets = {
        visit_id: (moment, hints.target_tolerance, max(1, round(hints.target_weight)))
        for visit_id, moment in hints.target_starts.items()
        if visit_id in problem.visit_by_id and hints.target_weight > 0
    }
    return _ortools.Preferences(
        stranger_cost=stranger,
        target_starts=targets,
        lateness_weight=options.lateness_weight,
        balance_weight=options.balance_weight,
        initial_routes=hints.initial_routes,
    )


def _checked_plan(
    problem: Problem,
    travel: TravelMatrix,
    routes: list[Route],
    unserved: dict[str, Unassigned],
    ineligible: list,  # type: ignore[type-arg]
) -> tuple[Plan, int]:
    """Return the plan after repairing whatever the checker objects to (a safety net).

    A faulty route whose visits are tied to no other route is re-timed from scratch, giving
    up as few visits as needed; anything else the checker rejects is taken out, with every
    visit linked to it, and reported as unassigned.
    """
    repaired = 0
    retimed_once: set[str] = set()
    while True:
        plan = assemble_plan(problem, routes, unserved, ineligible, has_km=travel.has_km)
        violations = check_plan(problem, plan, travel)
        if not violations:
            return plan, repaired
        faulty = {v.staff for v in violations if v.staff is not None}
        coupled = coupled_visits(problem)
        if (
            all(v.staff is not None for v in violations)
            and not faulty & retimed_once
            and not any(coupled & set(r.visit_ids) for r in routes if r.staff in faulty)
        ):
            log.info("re-timing %d route(s) the search left with a break on the road", len(faulty))
            retimed_once |= faulty
            kept = []
            for route in routes:
                if route.staff in faulty:
                    route, dropped = _retime_dropping_least(problem, travel, route)
                    repaired += len(dropped)
                    for visit_id in dropped:
                        unserved[visit_id] = Unassigned(visit_id, UnassignedReason.CAPACITY, _NO_VALID_TIMES)
                kept.append(route)
            routes = kept
            continue
        culprits = {v.visit for v in violations if v.visit is not None}
        if not culprits:
            # A route-level fault (its end, a break): give up that staff member's route.
            culprits = {s.visit for v in violations for r in routes if r.staff == v.staff for s in r.stops}
        culprits = set(spread_along_links(problem, culprits))
        log.warning("the plan checker rejected %d visit(s); removing them: %s",
                    len(culprits), "; ".join(str(v) for v in violations[:3]))
        repaired += len(culprits)
        for visit_id in culprits:
            unserved[visit_id] = Unassigned(visit_id, UnassignedReason.CAPACITY, _NO_VALID_TIMES)
        routes = [
            realise_route(problem, travel, problem.staff_by_id[r.staff], _day_of(r, culprits))
            for r in routes
        ]


_NO_VALID_TIMES = "could be served on its own, but the search found no valid place for it alongside the others"


def _after_search(
    problem: Problem,
    travel: TravelMatrix,
    plan: Plan,
    candidates: Mapping[str, Candidates],
    ineligible: list,  # type: ignore[type-arg]
    options: SolveOptions,
) -> Plan:
    """Return the plan with left-out visits inserted where they fit as they are, the rest explained.

    The search can stop before it has inserted every visit that would fit; a cheap pass
    puts those in (most important first). For each `capacity` visit still left, the
    sentence says what would make it fit: which staff member with how much overtime, or
    at what time outside its windows. The work is bounded by route evaluations, so the
    result is reproducible; the repaired plan must pass the checker or is not used.
    """
    budget = Budget(max(50, round(options.time_limit * FIT_EVALUATIONS_PER_SECOND)))
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
