"""How a day is searched: from which starts, in how many legs, by how many workers.

`search_day` picks one strategy and returns the OR-Tools outcome (`ahs_routing.solve._ortools`):
- linked visits (teams, `after`) and one worker: greedy descents from time-ordered first plans
  (`ahs_routing.solve.construct`), the best improved further. If the first such plan leaves
  visits out, it is kept as a fallback and the search runs in two legs instead. Then the
  large-neighbourhood search moves linked groups whole (`ahs_routing.solve.improve`);
- otherwise: PyVRP's plan as a warm start when it expresses the day exactly, then one search,
  or a portfolio of searches side by side when there are several workers.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from ahs_routing.check.checker import check_plan
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.links import coupled_visits, spread_along_links
from ahs_routing.domain.model import Priority, Problem
from ahs_routing.domain.plan import IneligiblePatient, Unassigned, UnassignedReason
from ahs_routing.schedule.timing import RouteSketch
from ahs_routing.solve import _ortools, _pyvrp
from ahs_routing.solve.construct import Sketch, time_ordered_plans
from ahs_routing.solve.improve import ORTOOLS_SHARE, group_moves_apply, with_group_moves
from ahs_routing.solve.options import ProgressCallback, SolveOptions
from ahs_routing.solve.penalties import Preferences, drop_penalties
from ahs_routing.solve.repair import realised_routes
from ahs_routing.solve.work import ortools_solutions, pyvrp_iterations, work_of
from ahs_routing.travel import TravelMatrix

log = logging.getLogger(__name__)

#: Share of the time limit by which the first time-ordered plan must be built and checked
#: (a 1000-visit day needs 1.4 s for one).
FIRST_PLAN_SHARE = 0.8

#: Share of the search time descents from time-ordered first plans may take at most (the rest
#: improves the best of them with the metaheuristic).
DESCENT_SHARE = 0.7

#: Descents from time-ordered first plans: a count, so that where the search goes on does not
#: depend on how fast the machine is (the share above only caps). Nine is the fixed starts of
#: `construct` (3 orders x 3 waiting weights); the shuffles after them never beat the second
#: fixed start on Mankowska 50_2 (benchmarks/RESULTS.md).
MAX_DESCENTS = 9

#: Share of the search's solutions (or, without a solution limit, of its time) the relaxed first leg
#: gets on days with linked visits.
FIRST_LEG_SHARE = 0.3

#: First-solution heuristics the extra searches of a portfolio start from, in turn.
PORTFOLIO_FIRST_SOLUTIONS = ("local_cheapest_insertion", "parallel_cheapest_insertion", "savings")


@dataclass(frozen=True, slots=True)
class SearchClock:
    """When the solve began (monotonic seconds) and how many seconds its searches may take in all."""

    started: float
    search_seconds: float

    def elapsed_seconds(self) -> float:
        """Return the seconds since the solve began."""
        return time.monotonic() - self.started

    def left_seconds(self) -> float:
        """Return the search time left, never less than the 0.05 s a search needs to start."""
        return max(0.05, self.search_seconds - self.elapsed_seconds())


@dataclass(frozen=True, slots=True)
class _Search:
    """What every search of one solve shares: the day, its travel, and who may serve each servable visit."""

    problem: Problem
    travel: TravelMatrix
    candidates: Mapping[str, Sequence[str]]

    def run(
        self, settings: _ortools.SearchSettings, preferences: Preferences,
        on_solution: ProgressCallback | None = None,
    ) -> _ortools.SearchOutcome:
        """Return the outcome of one OR-Tools search of the day."""
        return _ortools.search(self.problem, self.travel, self.candidates, settings, preferences, on_solution)


def search_day(
    problem: Problem,
    travel: TravelMatrix,
    candidates: Mapping[str, Sequence[str]],
    options: SolveOptions,
    preferences: Preferences,
    *,
    unserved: Mapping[str, Unassigned],
    ineligible: Sequence[IneligiblePatient],
    clock: SearchClock,
    progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[_ortools.SearchOutcome, bool]:
    """Return the search's outcome for `candidates` (visit id -> staff ids), and whether a warm start seeded it.

    `unserved` and `ineligible` (what the diagnosis set aside) complete the time-ordered first
    plans, which must pass the checker. On days with linked visits the group moves
    (`ahs_routing.solve.lns`) follow OR-Tools: after it stopped by its own rules or at
    `ORTOOLS_SHARE` of the search time, whichever came first. `should_stop` is
    polled at every OR-Tools solution, by PyVRP and by the group moves once per iteration.
    """
    search = _Search(problem, travel, candidates)
    coupled = options.workers == 1 and bool(coupled_visits(problem))
    group_moves = coupled and group_moves_apply(options, preferences)
    work = work_of(options.time_limit, options.work, clock.search_seconds / options.time_limit)
    copies = sum(problem.visit_by_id[v].staff_count for v in candidates)
    # OR-Tools spends its share of the work (and stops at its share of the time at the latest);
    # the group moves get the rest. On large days where OR-Tools cannot spend its work in its
    # time, the group moves then serve what it could not (1000 visits: 1098 of 1100 served
    # instead of 877, benchmarks/RESULTS.md).
    ortools_work = work * ORTOOLS_SHARE if group_moves else work
    ortools_clock = SearchClock(clock.started, clock.search_seconds * ORTOOLS_SHARE) if group_moves else clock
    may_warm_start = options.warm_start == "auto" and not preferences.initial_routes
    ortools_started = time.monotonic()
    warm = None
    if may_warm_start and coupled:
        settings = _search_settings(options, ortools_clock.left_seconds(), ortools_work, copies, should_stop)
        first_plans = _first_plans(problem, travel, candidates, options, unserved, ineligible,
                                   clock.started + ortools_clock.search_seconds * FIRST_PLAN_SHARE)
        outcome, seeded = _search_linked_day(search, settings, preferences, progress, first_plans, ortools_clock)
    else:
        if may_warm_start:
            warm = _pyvrp_warm_start(problem, travel, candidates, options, clock, work * options.warm_start_share,
                                     should_stop)
        if warm is not None and warm.routes:
            preferences = replace(preferences, initial_routes=warm.routes)
            ortools_work *= 1 - options.warm_start_share
        ortools_started = time.monotonic()
        settings = _search_settings(options, ortools_clock.left_seconds(), ortools_work, copies, should_stop)
        if coupled:
            outcome = _search_in_two_legs(search, settings, preferences, progress)
        else:
            outcome = _search_portfolio(search, settings, preferences, options.workers, progress)
        seeded = bool(warm is not None and warm.routes)
    done = outcome.work_done
    done.ortools_solutions, done.ortools_seconds = outcome.solutions, time.monotonic() - ortools_started
    if warm is not None:
        done.pyvrp_iterations, done.pyvrp_seconds = warm.iterations, warm.seconds
        outcome.clock_cut |= warm.clock_cut
    if group_moves:
        outcome = with_group_moves(search.problem, travel, candidates, outcome, options, clock.left_seconds(),
                                   work - ortools_work, set_aside=(unserved, ineligible), should_stop=should_stop)
    return outcome, seeded


def _search_settings(
    options: SolveOptions, time_limit_seconds: float, work: float, copies: int,
    should_stop: Callable[[], bool] | None,
) -> _ortools.SearchSettings:
    """Return the OR-Tools settings the options ask for: this much time as a cap, and the solutions `work` buys.

    A solution limit the caller gave counts instead of the one the work buys.
    """
    solutions = options.solution_limit if options.solution_limit is not None else ortools_solutions(work, copies)
    return _ortools.SearchSettings(
        time_limit_seconds=time_limit_seconds,
        seed=options.seed,
        first_solution=options.first_solution,
        metaheuristic=options.metaheuristic,
        gls_lambda=options.gls_lambda,
        overtime_weight=options.overtime_weight,
        solution_limit=solutions,
        patience=options.patience,
        log_search=options.log_search,
        should_stop=should_stop,
    )


def _search_linked_day(
    search: _Search,
    settings: _ortools.SearchSettings,
    preferences: Preferences,
    progress: ProgressCallback | None,
    first_plans: Iterator[Sketch],
    clock: SearchClock,
) -> tuple[_ortools.SearchOutcome, bool]:
    """Return the search from time-ordered first plans, or else from two legs (or the first plan, if it serves more).

    The descents keep the settings' time limit, measured before the first plan was built.
    """
    first = next(first_plans, None)
    fallback = None
    if first is not None and not first.left_out:
        starts = (_visit_order(_sketches_of(search.problem, p)) for p in itertools.chain([first], first_plans)
                  if not p.left_out)
        outcome = _search_from_first_plans(search, settings, preferences, progress, starts)
        if outcome is not None:
            return outcome, True
    elif first is not None:
        # Not a start (the search inserts the rest worse from it), but a checked plan to
        # fall back on: on a 1000-visit day with teams and breaks OR-Tools found none.
        fallback = _ortools.SearchOutcome(_sketches_of(search.problem, first), set(first.left_out), True, 0, None,
                                          "time_ordered_plan", stopped_by="fallback", clock_cut=True)
    settings = replace(settings, time_limit_seconds=clock.left_seconds())
    outcome = _search_in_two_legs(search, settings, preferences, progress)
    if fallback is not None and _served(search.problem, fallback) > _served(search.problem, outcome):
        log.info("the search served fewer visits than the time-ordered plan; using that plan")
        return fallback, False
    return outcome, False


def _pyvrp_warm_start(
    problem: Problem, travel: TravelMatrix, candidates: Mapping[str, Sequence[str]], options: SolveOptions,
    clock: SearchClock, work: float, should_stop: Callable[[], bool] | None = None,
) -> _pyvrp.WarmStart | None:
    """Return PyVRP's plan for a day it expresses exactly with this much work, or None (not installed, or
    another kind of day)."""
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
    penalties = drop_penalties(counts, worst)
    seconds = max(0.05, options.time_limit * options.warm_start_share - clock.elapsed_seconds())
    warm = _pyvrp.warm_start(problem, travel, candidates, penalties, seconds, options.seed, options.overtime_weight,
                             should_stop, iterations=pyvrp_iterations(work, len(candidates)))
    log.info("PyVRP warm start: %s after %d iterations", "a plan" if warm.routes else "nothing feasible",
             warm.iterations)
    return warm


def _first_plans(
    problem: Problem, travel: TravelMatrix, candidates: Mapping[str, Sequence[str]], options: SolveOptions,
    unserved: Mapping[str, Unassigned], ineligible: Sequence[IneligiblePatient],
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
        routes = realised_routes(problem, travel, _sketches_of(problem, sketch))
        plan = assemble_plan(problem, routes, left, ineligible, has_km=travel.has_km)
        violations = check_plan(problem, plan, travel)
        if violations:
            log.debug("a time-ordered first plan was rejected: %s", violations[0])
            return
        yield sketch
        if sketch.left_out:
            log.debug("a time-ordered first plan left out %d visit(s)", len(sketch.left_out))
            return


def _sketches_of(problem: Problem, sketch: Sketch) -> dict[str, RouteSketch]:
    """Return a time-ordered plan as route sketches, each leaving at the start of the shift."""
    return {s: RouteSketch(problem.staff_by_id[s].shift.start, 0, list(visits), list(sketch.breaks[s]))
            for s, visits in sketch.visits.items()}


def _visit_order(sketches: Mapping[str, RouteSketch]) -> dict[str, list[str]]:
    """Return each staff member's visit ids in route order (a warm start)."""
    return {s: [v for v, _ in sketch.visits] for s, sketch in sketches.items()}


def _served(problem: Problem, outcome: _ortools.SearchOutcome) -> tuple[int, ...]:
    """Return how many visits an outcome serves per priority class, most important first."""
    served = {v for sketch in outcome.sketches.values() for v, _ in sketch.visits} if outcome.found else set()
    return tuple(sum(1 for v in problem.visits if v.id in served and v.priority == p)
                 for p in sorted(Priority, reverse=True))


def _search_from_first_plans(
    search: _Search,
    settings: _ortools.SearchSettings,
    preferences: Preferences,
    progress: ProgressCallback | None,
    first_plans: Iterator[dict[str, list[str]]],
) -> _ortools.SearchOutcome | None:
    """Return the best local optimum reached from successive first plans, improved further; None if no plan.

    Local search moves one node at a time, and linked visits can only move together, so
    where a day with linked visits ends depends mostly on where it starts: descend from
    several starts, then spend the rest on the best (measured in benchmarks/RESULTS.md).
    """
    started = time.monotonic()
    report = _new_bests_only(progress, started)
    best, solutions, first_seconds, clock_cut = _descents(search, settings, preferences, report, first_plans,
                                                          started)
    if best is None:
        return None
    remaining_seconds = settings.time_limit_seconds - (time.monotonic() - started)
    remaining_solutions = _left(settings.solution_limit, solutions)
    clock_cut = clock_cut or remaining_seconds < 0.05
    if remaining_seconds >= 0.05 and remaining_solutions != 0:
        seeded = replace(preferences, initial_routes=_visit_order(best.sketches))
        improved = search.run(replace(settings, time_limit_seconds=remaining_seconds,
                                      solution_limit=remaining_solutions), seeded, report)
        solutions += improved.solutions
        clock_cut = clock_cut or improved.clock_cut
        log.debug("improving the best first plan: objective %d, %s", improved.objective, improved.stopped_by)
        if improved.found and improved.objective <= best.objective:
            best = improved
    best.solutions = solutions
    best.first_solution_seconds = first_seconds
    best.clock_cut = clock_cut
    return best


def _left(limit: int | None, used: int) -> int | None:
    """Return what is left of a solution limit once `used` solutions are spent (None: no limit)."""
    return None if limit is None else max(0, limit - used)


def _new_bests_only(progress: ProgressCallback | None, started: float) -> ProgressCallback:
    """Return a progress callback that passes on only new bests, timed from `started`."""
    reported: list[int] = []

    def report(_: float, objective: int, served: int) -> None:
        # Each descent starts afresh; the caller hears only of a new best, timed from the start.
        if progress is not None and (not reported or objective < reported[-1]):
            reported.append(objective)
            progress(time.monotonic() - started, objective, served)

    return report


def _descents(
    search: _Search,
    settings: _ortools.SearchSettings,
    preferences: Preferences,
    report: ProgressCallback,
    first_plans: Iterator[dict[str, list[str]]],
    started: float,
) -> tuple[_ortools.SearchOutcome | None, int, float | None, bool]:
    """Return the best greedy descent from successive first plans, the solutions seen, when the first came,
    and whether the clock ended a descent or the series.

    The descents share the settings' solution limit: each takes what the ones before it left.
    """
    best: _ortools.SearchOutcome | None = None
    solutions = 0
    first_seconds: float | None = None
    clock_cut = False
    for start, routes in enumerate(itertools.islice(first_plans, MAX_DESCENTS)):
        remaining_seconds = settings.time_limit_seconds * DESCENT_SHARE - (time.monotonic() - started)
        remaining_solutions = _left(settings.solution_limit, solutions)
        if remaining_solutions == 0:
            break
        if remaining_seconds < 0.05 or clock_cut:
            clock_cut = True
            break
        descent_started = time.monotonic()
        descent = replace(settings, metaheuristic="greedy_descent", time_limit_seconds=remaining_seconds,
                          solution_limit=remaining_solutions)
        outcome = search.run(descent, replace(preferences, initial_routes=routes), report)
        solutions += outcome.solutions
        clock_cut = clock_cut or outcome.clock_cut
        log.debug("descent from first plan %d: objective %d, %s", start, outcome.objective, outcome.stopped_by)
        if first_seconds is None and outcome.first_solution_seconds is not None:
            first_seconds = descent_started - started + outcome.first_solution_seconds
        if outcome.found and (best is None or outcome.objective < best.objective):
            best = outcome
    return best, solutions, first_seconds, clock_cut


def _search_in_two_legs(
    search: _Search,
    settings: _ortools.SearchSettings,
    preferences: Preferences,
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
    first = search.run(_relaxed_leg(settings), preferences, progress)
    whole, broken = _made_whole(search.problem, first)
    remaining_seconds = settings.time_limit_seconds - (time.monotonic() - leg_started)
    remaining_solutions = _left(settings.solution_limit, first.solutions)
    final = first.stopped_by in ("converged", "search_completed")
    if remaining_seconds < 0.05 or remaining_solutions == 0 or (first.solutions > 0 and final and not broken):
        whole.clock_cut = first.clock_cut or remaining_seconds < 0.05
        return whole
    seeded = preferences
    if first.solutions > 0:
        seeded = replace(preferences, initial_routes=_visit_order(whole.sketches))
    second = search.run(replace(settings, time_limit_seconds=remaining_seconds, solution_limit=remaining_solutions),
                        seeded, progress)
    if not second.found or (second.solutions == 0 and first.solutions > 0):
        whole.clock_cut = first.clock_cut or second.clock_cut
        return whole
    second.solutions += first.solutions
    second.clock_cut = second.clock_cut or first.clock_cut
    if first.first_solution_seconds is not None:
        second.first_solution_seconds = first.first_solution_seconds
    return second


def _relaxed_leg(settings: _ortools.SearchSettings) -> _ortools.SearchSettings:
    """Return the settings of the relaxed first leg: its share of the solution limit, or of the time.

    Only a search without a solution limit hands over by the clock (at the first plan after its
    share of the time): a stop by the clock makes the plan depend on the machine's load, which
    a counted budget rules out.
    """
    relaxed = replace(settings, relax_links=True)
    if settings.solution_limit is not None:
        return replace(relaxed, solution_limit=max(1, round(settings.solution_limit * FIRST_LEG_SHARE)))
    if settings.patience is not None:
        return relaxed
    # It keeps going past its share until it has a plan: on a 1000-visit day its first
    # insertion took longer than 30% of 30 s, and the exact model then served 191 of 1000.
    return replace(relaxed, hand_over_after_seconds=settings.time_limit_seconds * FIRST_LEG_SHARE)


def _made_whole(problem: Problem, outcome: _ortools.SearchOutcome) -> tuple[_ortools.SearchOutcome, set[str]]:
    """Return the outcome without visits whose team or `after` partner is not served, and those visits."""
    served: dict[str, int] = {}
    for sketch in outcome.sketches.values():
        for visit_id, _ in sketch.visits:
            served[visit_id] = served.get(visit_id, 0) + 1
    missing = {v.id for v in problem.visits if served.get(v.id, 0) < v.staff_count}
    broken = set(spread_along_links(problem, missing)) - missing
    broken = {v for v in broken if v in served} | {v.id for v in problem.visits
                                                   if 0 < served.get(v.id, 0) < v.staff_count}
    if not broken:
        return outcome, broken
    sketches = {
        staff: replace(sketch, visits=[(v, t) for v, t in sketch.visits if v not in broken])
        for staff, sketch in outcome.sketches.items()
    }
    log.info("the relaxed search left %d linked visit(s) without their partner; set aside", len(broken))
    return replace(outcome, sketches=sketches, dropped=outcome.dropped | broken), broken


def _search_portfolio(
    search: _Search,
    settings: _ortools.SearchSettings,
    preferences: Preferences,
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
        return search.run(settings, preferences, progress)
    variants = [
        replace(settings, seed=settings.seed + k, first_solution=PORTFOLIO_FIRST_SOLUTIONS[(k - 1) % 3],
                should_stop=None)
        for k in range(1, workers)
    ]
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(max_workers=len(variants), mp_context=context) as pool:
        others = [pool.submit(_ortools.search, search.problem, search.travel, search.candidates, v, preferences)
                  for v in variants]
        outcomes = [search.run(settings, preferences, progress)]
        outcomes += [future.result() for future in others]
    found = [o for o in outcomes if o.found]
    if not found:
        return outcomes[0]
    best = min(found, key=lambda o: o.objective)
    log.info("portfolio of %d searches: objectives %s", workers, [o.objective for o in outcomes])
    return best
