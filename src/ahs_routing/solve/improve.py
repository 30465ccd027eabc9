"""OR-Tools, then group moves: how a day with linked visits is improved after OR-Tools' search.

OR-Tools finds the first plans and makes the single-visit moves; the large-neighbourhood
search (`ahs_routing.solve.lns`) then moves linked groups whole. It starts from OR-Tools'
plan only when that plan passes the checker, and its own best replaces OR-Tools' only when
it passes the checker too and is no worse (visits served per priority, then price).

It runs only where it prices everything the objective does: no continuity wishes, announced
starts, workload balance or warm start (those are left to OR-Tools alone).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace

from ahs_routing.check.checker import check_plan
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.links import coupled_visits
from ahs_routing.domain.model import Problem
from ahs_routing.domain.plan import IneligiblePatient, Route, Unassigned, UnassignedReason
from ahs_routing.schedule.timing import RouteSketch
from ahs_routing.solve import _ortools, fastlns, lns
from ahs_routing.solve.lns import LnsOutcome, LnsSettings
from ahs_routing.solve.options import SolveOptions
from ahs_routing.solve.penalties import Preferences
from ahs_routing.solve.repair import realised_routes
from ahs_routing.solve.work import lns_work
from ahs_routing.travel import TravelMatrix

log = logging.getLogger(__name__)

#: What the diagnosis kept out of the search: visits with their reasons, and ineligible patients.
SetAside = tuple[Mapping[str, Unassigned], Sequence[IneligiblePatient]]

#: Share of the search time OR-Tools gets on days with linked visits; the group moves get the rest.
ORTOOLS_SHARE = 0.4

#: Iterations of the group moves without a new best after which they stop, when the solve asks for
#: patience: about 3 s on a 110-visit day with breaks.
LNS_PATIENCE = 100


def group_moves_apply(options: SolveOptions, preferences: Preferences) -> bool:
    """True when the group moves may improve the day: asked for, and pricing everything the objective prices."""
    return (options.lns_iterations != 0 and not preferences.stranger_cost and not preferences.target_starts
            and preferences.balance_weight == 0 and not preferences.initial_routes)


def with_group_moves(
    problem: Problem,
    travel: TravelMatrix,
    candidates: Mapping[str, Sequence[str]],
    outcome: _ortools.SearchOutcome,
    options: SolveOptions,
    seconds: float,
    work: float,
    *,
    set_aside: SetAside,
    should_stop: Callable[[], bool] | None = None,
) -> _ortools.SearchOutcome:
    """Return OR-Tools' outcome improved by moving linked groups whole with `work` (reference ms) in at most
    `seconds`, or as it was.

    `set_aside` is what the diagnosis kept out of the search (the checker sees whole plans).
    """
    if not outcome.found:
        return outcome
    routes = realised_routes(problem, travel, outcome.sketches)
    if _violations(problem, travel, routes, outcome.dropped, set_aside):
        log.info("OR-Tools' plan needs repair; the group moves do not start from it")
        return outcome
    started = time.monotonic()
    found, compiled = _search(problem, travel, {r.staff: r for r in routes}, candidates, options, seconds, work,
                              should_stop)
    done = outcome.work_done
    done.lns_iterations, done.lns_work, done.lns_seconds = found.iterations, found.work, time.monotonic() - started
    done.lns_compiled = compiled
    clock_cut = outcome.clock_cut or found.stopped_by == "time_limit"
    if found.new_bests == 0:
        return replace(outcome, iterations=found.iterations, clock_cut=clock_cut, stalled=True)
    if _violations(problem, travel, list(found.routes.values()), found.dropped, set_aside):
        log.warning("the group moves' plan failed the checker; keeping OR-Tools' plan")
        return replace(outcome, iterations=found.iterations, clock_cut=clock_cut)
    return replace(
        outcome,
        sketches={s: _sketch_of(r) for s, r in found.routes.items()},
        dropped=set(found.dropped),
        objective=found.price,
        stopped_by=found.stopped_by,
        iterations=found.iterations,
        clock_cut=clock_cut,
        stalled=found.stalled,
    )


def _search(
    problem: Problem, travel: TravelMatrix, routes: Mapping[str, Route], candidates: Mapping[str, Sequence[str]],
    options: SolveOptions, seconds: float, work: float, should_stop: Callable[[], bool] | None,
) -> tuple[LnsOutcome, bool]:
    """Return the group moves' outcome, and whether the compiled core made it (where it takes the day; else
    the Python search)."""
    held = frozenset(coupled_visits(problem))
    reason = fastlns.unsupported(problem, travel, routes, candidates)
    if reason is None:
        try:
            return fastlns.improve(problem, travel, routes, candidates, _settings(options, seconds, work, True),
                                   held=held, should_stop=should_stop), True
        except fastlns.Unsupported as refused:
            reason = str(refused)
    log.info("group moves in Python: %s", reason)
    return lns.improve(problem, travel, routes, candidates, _settings(options, seconds, work, False), held=held,
                       should_stop=should_stop), False


def _settings(options: SolveOptions, seconds: float, work: float, compiled: bool) -> LnsSettings:
    """Return the group moves' settings: iterations, seed, weights, clock cap and work in their own count."""
    return LnsSettings(
        iterations=options.lns_iterations if options.lns_iterations is not None else 10**9,
        seed=options.seed,
        overtime_weight=options.overtime_weight,
        lateness_weight=options.lateness_weight,
        time_limit_seconds=seconds,
        patience=LNS_PATIENCE if options.patience is not None else None,
        work=lns_work(work, compiled=compiled),
    )


def _violations(
    problem: Problem, travel: TravelMatrix, routes: list[Route], dropped: Collection[str], set_aside: SetAside,
) -> bool:
    """True when the checker rejects the plan of these routes, with the dropped visits as `capacity`."""
    unserved, ineligible = set_aside
    left = dict(unserved) | {v: Unassigned(v, UnassignedReason.CAPACITY) for v in dropped}
    plan = assemble_plan(problem, routes, left, ineligible, has_km=travel.has_km)
    return bool(check_plan(problem, plan, travel))


def _sketch_of(route: Route) -> RouteSketch:
    """Return a route as a sketch the pipeline realises: its stops' starts and its breaks."""
    return RouteSketch(route.start, route.end, [(s.visit, s.start) for s in route.stops],
                       [(b.start, b.end) for b in route.breaks])
