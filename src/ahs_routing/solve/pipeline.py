"""Solve a planning day: `solve(problem) -> Plan`.

The flow is one way: travel matrix -> eligibility -> diagnosis (visits no one could ever
serve are set aside with their reason, `ahs_routing.solve.diagnosis`) -> search
(`ahs_routing.solve.strategies` over `ahs_routing.solve._ortools`) -> `Plan` -> the
independent plan checker (`ahs_routing.solve.repair`). A plan that fails the checker is never
returned: the offending visits are taken out (reported as unassigned) until it passes.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ahs_routing.check.eligibility import ineligible_patients
from ahs_routing.domain.model import Problem
from ahs_routing.domain.plan import IneligiblePatient, Plan, Unassigned, UnassignedReason
from ahs_routing.solve import _ortools, _pyvrp
from ahs_routing.solve.diagnosis import diagnose
from ahs_routing.solve.options import ProgressCallback, SolveHints, SolveOptions
from ahs_routing.solve.penalties import Preferences
from ahs_routing.solve.repair import AFTER_SEARCH_SHARE, after_search, checked_plan, realised_routes
from ahs_routing.solve.strategies import SearchClock, search_day
from ahs_routing.solve.work import WorkDone, work_of
from ahs_routing.times import SECONDS_PER_MINUTE
from ahs_routing.travel import TravelMatrix, TravelProvider, travel_matrix
from ahs_routing.version import library_version

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SolveStats:
    """How the search went: time to the first plan, total time, objective, OR-Tools status.

    `iterations` counts the group moves after OR-Tools on days with linked visits; when they
    improved the plan, `objective` is their price (seconds of travel) and `stopped_by` theirs.
    """

    first_solution_seconds: float | None
    seconds: float
    objective: int
    status: str
    repaired_visits: int
    solutions: int = 0
    stopped_by: str = "nothing_to_solve"
    warm_started: bool = False
    iterations: int = 0
    #: The budget in reference milliseconds (`solve.work`), and what each part of the search counted.
    work: int = 0
    work_done: WorkDone = field(default_factory=WorkDone)


def solve(
    problem: Problem,
    options: SolveOptions | None = None,
    *,
    travel: TravelMatrix | TravelProvider | None = None,
    progress: ProgressCallback | None = None,
    hints: SolveHints | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Plan:
    """Return a checked plan for the day: routes, unassigned visits with reasons, KPIs, and its `meta`.

    `should_stop` (optional) is polled between steps and at every solution of the search; once it
    returns True the solve ends soon with the best checked plan so far (`meta["stopped_by"]` is
    "cancelled").
    """
    return solve_with_stats(problem, options, travel=travel, progress=progress, hints=hints,
                            should_stop=should_stop)[0]


def solve_with_stats(
    problem: Problem,
    options: SolveOptions | None = None,
    *,
    travel: TravelMatrix | TravelProvider | None = None,
    progress: ProgressCallback | None = None,
    hints: SolveHints | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[Plan, SolveStats]:
    """Return a checked plan and statistics about the search that found it (`should_stop`: see `solve`)."""
    options = options or SolveOptions()
    # The search leaves a little of the time for inserting and explaining what it left out.
    clock = SearchClock(time.monotonic(), options.time_limit * (1 - AFTER_SEARCH_SHARE))
    matrix = travel if isinstance(travel, TravelMatrix) else travel_matrix(problem, travel)
    ineligible = ineligible_patients(problem, matrix)
    candidates, unserved = diagnose(problem, matrix, _visits_of(problem, ineligible))
    log.info("solving %d visits (%d set aside before the search) with %d staff",
             len(candidates), len(unserved), len(problem.staff))
    outcome, warm_started = None, False
    if candidates and _stopped(should_stop):
        outcome = _ortools.SearchOutcome({}, set(candidates), False, 0, None, "cancelled", stopped_by="cancelled")
    elif candidates:
        outcome, warm_started = search_day(
            problem, matrix, {v: c.staff for v, c in candidates.items()}, options,
            _preferences(problem, options, hints or SolveHints()),
            unserved=unserved, ineligible=ineligible, clock=clock, progress=progress, should_stop=should_stop)
    if outcome is not None:
        outcome.stopped_by = _stopped_by(outcome, options)
        unserved |= _left_out(outcome, options)
    routes = realised_routes(problem, matrix, outcome.sketches if outcome is not None else {})
    plan, repaired = checked_plan(problem, matrix, routes, unserved, ineligible)
    cancelled = _stopped(should_stop)
    if outcome is not None and outcome.found and not cancelled:
        plan = after_search(problem, matrix, plan, candidates, ineligible, options.time_limit)
    stats = replace(_stats(outcome, clock.elapsed_seconds(), repaired, warm_started),
                    work=work_of(options.time_limit, options.work, 1 - AFTER_SEARCH_SHARE))
    if cancelled:
        stats = replace(stats, stopped_by="cancelled")
    plan = replace(plan, meta=_provenance(problem, options, travel, stats))
    log.info("plan %s: %d of %d visits served in %.1fs", plan.status.value,
             plan.kpis.visits_served, plan.kpis.visits, stats.seconds)
    return plan, stats


def _stopped(should_stop: Callable[[], bool] | None) -> bool:
    return should_stop is not None and should_stop()


def _stopped_by(outcome: _ortools.SearchOutcome, options: SolveOptions) -> str:
    """Return what ended the search as a whole: the clock wherever it cut a part short, else the last part's stop.

    OR-Tools' solution limit is "work" when the work budget set it, not the caller.
    """
    if outcome.stopped_by == "cancelled":
        return "cancelled"
    if outcome.clock_cut:
        return "time_limit"
    if outcome.stopped_by == "solution_limit" and options.solution_limit is None:
        return "work"
    return outcome.stopped_by


def _provenance(
    problem: Problem, options: SolveOptions, travel: TravelMatrix | TravelProvider | None, stats: SolveStats,
) -> dict[str, Any]:
    """Return the plan's `meta`: what produced it, for an auditor (the contract's `meta` extension)."""
    return provenance(options, problem.travel.provider, travel, stats.stopped_by) | {
        "work": stats.work,
        "warm_started": stats.warm_started,
        # The warm start behind the VRPTW figures: None here means it could not run (pyvrp missing).
        "pyvrp_version": _pyvrp.installed_version(),
    }


def travel_label(provider: str, travel: TravelMatrix | TravelProvider | None) -> str:
    """Return the `meta.travel_provider` of a solve: the problem's provider, or what the caller passed."""
    return provider if travel is None else f"caller:{type(travel).__name__}"


def provenance(
    options: SolveOptions, provider: str, travel: TravelMatrix | TravelProvider | None, stopped_by: str,
) -> dict[str, Any]:
    """Return the `meta` keys every solved plan carries, day or week: version, budget, travel, time, stop."""
    return {
        "library_version": library_version(),
        "seed": options.seed,
        "time_limit": options.time_limit,
        "solution_limit": options.solution_limit,
        "travel_provider": travel_label(provider, travel),
        "solved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "stopped_by": stopped_by,
    }


def _visits_of(problem: Problem, ineligible: Sequence[IneligiblePatient]) -> dict[str, Unassigned]:
    """Return the visits of ineligible patients, each with the patient's reason."""
    excluded_patients = {p.patient: p for p in ineligible}
    return {
        v.id: Unassigned(v.id, UnassignedReason.PATIENT_INELIGIBLE,
                         f"patient {v.patient} is not eligible: {excluded_patients[v.patient].detail}")
        for v in problem.visits
        if v.patient in excluded_patients
    }


def _preferences(problem: Problem, options: SolveOptions, hints: SolveHints) -> Preferences:
    """Return the soft goals of a solve, priced in seconds of travel."""
    stranger: dict[str, tuple[frozenset[str], int]] = {}
    continuity_seconds = round(options.continuity_minutes * SECONDS_PER_MINUTE)
    if continuity_seconds > 0:
        for visit in problem.visits:
            known = problem.patient_of(visit).preferred_staff
            if known:
                stranger[visit.id] = (frozenset(known), continuity_seconds)
    moving_seconds = round(hints.preferred_staff_minutes * SECONDS_PER_MINUTE)
    for visit_id, keepers in hints.preferred_staff.items():
        if visit_id in problem.visit_by_id and keepers:
            stranger[visit_id] = (frozenset(keepers), moving_seconds + stranger.get(visit_id, (frozenset(), 0))[1])
    targets = {
        visit_id: (moment, hints.target_tolerance_seconds, max(1, round(hints.target_weight)))
        for visit_id, moment in hints.target_starts.items()
        if visit_id in problem.visit_by_id and hints.target_weight > 0
    }
    return Preferences(
        stranger_cost=stranger,
        target_starts=targets,
        lateness_weight=options.lateness_weight,
        balance_weight=options.balance_weight,
        initial_routes=hints.initial_routes,
    )


def _left_out(outcome: _ortools.SearchOutcome, options: SolveOptions) -> dict[str, Unassigned]:
    """Return the visits the search left out, as `capacity`, each saying why the search stopped without it.

    The contract has no code for "out of time", so the code stays `capacity` (each could be
    served on its own) and the detail says whether the search gave up on fitting it (it
    converged or finished) or was stopped by its time or solution limit first.
    """
    detail = left_out_detail(outcome.found, outcome.stopped_by, options, stalled=outcome.stalled)
    return {visit_id: Unassigned(visit_id, UnassignedReason.CAPACITY, detail) for visit_id in sorted(outcome.dropped)}


def left_out_detail(found: bool, stopped_by: str, options: SolveOptions, *, stalled: bool = False) -> str:
    """Return the sentence for a visit a search left out, by what stopped the search.

    A search that spent its budget after it had stopped improving (`stalled`: no new best in the
    last half) gave up on the visit, whatever ended it.
    """
    if stopped_by == "cancelled":
        return ("left out when the solve was cancelled" if found
                else "the solve was cancelled before the search found a plan")
    if not found:
        return f"the search found no plan within its time limit of {options.time_limit:g} s"
    if stalled and stopped_by in ("time_limit", "work", "solution_limit", "iterations"):
        return "could be served on its own, but not together with the rest of the day's visits"
    if stopped_by in ("time_limit", "fallback", "handed_over"):
        return (f"left out when the search reached its time limit of {options.time_limit:g} s; "
                "a longer search may fit it")
    if stopped_by == "iterations":
        return (f"left out when the search reached its limit of {options.lns_iterations} iterations; "
                "a larger limit may fit it")
    if stopped_by == "solution_limit":
        return (f"left out when the search reached its limit of {options.solution_limit} solutions; "
                "a larger limit may fit it")
    if stopped_by == "work":
        budget = work_of(options.time_limit, options.work, 1 - AFTER_SEARCH_SHARE)
        return (f"left out when the search had spent its work budget of {budget}; "
                "a larger budget (--work, or a longer time limit) may fit it")
    return "could be served on its own, but not together with the rest of the day's visits"


def _stats(outcome: _ortools.SearchOutcome | None, seconds: float, repaired: int, warm_started: bool) -> SolveStats:
    """Return the statistics of a solve from its search's outcome (None: there was nothing to search)."""
    if outcome is None:
        return SolveStats(first_solution_seconds=0.0, seconds=seconds, objective=0, status="nothing_to_solve",
                          repaired_visits=repaired)
    return SolveStats(
        first_solution_seconds=outcome.first_solution_seconds,
        seconds=seconds,
        objective=outcome.objective,
        status=outcome.status,
        repaired_visits=repaired,
        solutions=outcome.solutions,
        stopped_by=outcome.stopped_by,
        warm_started=warm_started,
        iterations=outcome.iterations,
        work_done=outcome.work_done,
    )
