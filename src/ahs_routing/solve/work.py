"""Search work as counts: how a time limit becomes a budget that every run spends the same way.

A solve's budget is *work*, counted in reference milliseconds: the search one millisecond buys
on the reference machine below, idle. Each part of the search turns its share of the work into
a count of its own, at a rate measured by `benchmarks/calibrate_work.py` (upper quartiles of
its per-day rates, recorded in benchmarks/RESULTS.md):

- OR-Tools: solutions, at `ORTOOLS_RATE` solutions x visit copies per millisecond (one
  solution of local search costs about a scan of the model's nodes);
- the group moves: their own work counter, at `LNS_RATE` route evaluations per millisecond
  (the Python search, `solve.lns`) or `CORE_RATE` steps (the compiled core);
- PyVRP's warm start: iterations, at `PYVRP_RATE` iterations x clients per millisecond.

With only a time limit, the work is the time limit's milliseconds (less what is kept for after
the search). The rates are upper quartiles of the measured ones, so on an idle machine of the
reference kind most days spend the whole time limit (the clock ends them, a little before the
counts would), and the fastest quarter of days ends by its counts somewhat earlier: the rates
vary between days by a factor of ten (OR-Tools' per day: the first solution's cost, breaks).
The clock is only a cap: under load it ends the search before the counts do, and the plan then
says `stopped_by: time_limit`. Two runs with the same seed and the same work
(`SolveOptions.work`, CLI `--work`), each given time enough, give the same plan whatever else
runs on the machine (the contract's rule 10).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The machine the rates were measured on.
REFERENCE_MACHINE = "2-core x86_64 (this workplace's `python` kind), ortools 9.15, pyvrp 0.14, idle, one process"

# Measured by `python benchmarks/calibrate_work.py --seconds 5`, twice on 2026-12-06 (benchmarks/RESULTS.md,
# "Work budget calibration"): each rate is the larger of the two runs' upper quartiles, so that a time
# limit is spent on an idle machine.
#: OR-Tools solutions x visit copies per reference millisecond.
ORTOOLS_RATE = 13.0
#: Route evaluations of the Python group moves per reference millisecond.
LNS_RATE = 11.5
#: Work of the compiled group-move core (screened positions and timed nodes) per reference millisecond:
#: the upper quartile of 7 days' rates (20039 to 64476, median 41916), measured 2026-12-06 on this
#: 2-core x86_64 machine (another helper's process beside it) by `python benchmarks/calibrate_work.py
#: --seconds 10` at revision a8a24ef (benchmarks/RESULTS.md, "The compiled core of the group moves").
CORE_RATE = 46_800.0
#: PyVRP iterations x clients per reference millisecond.
PYVRP_RATE = 220.0

#: A budget no day reaches: the clock alone decides (calibration runs).
UNLIMITED = 10**15


def work_of(time_limit: float, work: int | None, search_share: float) -> int:
    """Return a solve's work in reference milliseconds: the one given, else the search's share of the time limit."""
    if work is not None:
        return work
    return max(1, round(time_limit * 1000 * search_share))


def ortools_solutions(work: float, copies: int) -> int:
    """Return the OR-Tools solutions this much work buys on a model with `copies` visit copies."""
    return _count(work * ORTOOLS_RATE / max(1, copies))


def lns_work(work: float, compiled: bool) -> int:
    """Return the group moves' own work count this much work buys (compiled core or Python)."""
    return _count(work * (CORE_RATE if compiled else LNS_RATE))


def pyvrp_iterations(work: float, clients: int) -> int:
    """Return the PyVRP iterations this much work buys on a day with `clients` visits."""
    return _count(work * PYVRP_RATE / max(1, clients))


def _count(value: float) -> int:
    """Return a count of at least one, capped where floats stop being exact."""
    return max(1, min(UNLIMITED, math.floor(value)))


@dataclass(slots=True)
class WorkDone:
    """What each part of one search counted and how long it took (seconds): the calibration's raw data."""

    ortools_solutions: int = 0
    ortools_seconds: float = 0.0
    lns_iterations: int = 0
    lns_work: int = 0
    lns_seconds: float = 0.0
    #: True when the compiled core made the group moves (`lns_work` is then its count, not route evaluations).
    lns_compiled: bool = False
    pyvrp_iterations: int = 0
    pyvrp_seconds: float = 0.0
