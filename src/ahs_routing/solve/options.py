"""What a caller can ask of a solve: search limits, seed, strategies, weights, and soft wishes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ahs_routing.errors import InputError
from ahs_routing.schedule.objective import (
    DEFAULT_CONTINUITY_MINUTES,
    DEFAULT_LATENESS_WEIGHT,
    DEFAULT_OVERTIME_WEIGHT,
)
from ahs_routing.solve import _ortools

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

#: Accepted solutions without a new best after which the search stops, when a caller asks for
#: patience (see SolveOptions; not a default: the search spends the budget it is given).
DEFAULT_PATIENCE = 30


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """How to search: limits, seed, strategies, and objective weights.

    Budget: `work` is the search's budget in reference milliseconds (`ahs_routing.solve.work`):
    every part of the search turns its share into a count of its own (OR-Tools solutions,
    group-move work, PyVRP iterations) at a calibrated rate. Without it, the work is the time
    limit's milliseconds (less the 5% kept for after the search), so an idle machine of the
    reference kind searches for about `time_limit` seconds. `time_limit` (wall-clock seconds)
    is always a cap: a search it cuts short says `stopped_by: time_limit` and may differ
    between runs; one that spends its counted work gives the same plan on every run with the
    same seed, whatever the load (`SolveStats.stopped_by` says which). `solution_limit` (OR-Tools
    solutions), `lns_iterations` (group-move iterations; 0: not run) and `patience` (accepted
    solutions in a row without a new best; then 100 group-move iterations without one) are
    further counted stops on top; none is set by default.

    Units: `warm_start_share` is a share of the work; `continuity_minutes` is minutes of
    travel. The weights are ratios to travel: `overtime_weight` is the minutes of travel one
    minute of overtime is worth, `lateness_weight` the same for a minute late (within a visit's
    `late_minutes`), and `balance_weight` for a minute of work beyond the team's mean.

    Days with linked visits (teams, `after`): OR-Tools gets 40% of the work (and of the time),
    then a large-neighbourhood search moves linked groups whole (`ahs_routing.solve.lns`, on
    the compiled core where it models the day) with the rest.
    """

    time_limit: float = 10.0
    seed: int = 0
    patience: int | None = None
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
    lns_iterations: int | None = None
    work: int | None = None

    def __post_init__(self) -> None:
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
        if self.lns_iterations is not None and not (isinstance(self.lns_iterations, int) and self.lns_iterations >= 0):
            raise InputError(f"lns_iterations must be a whole number >= 0 or None, got {self.lns_iterations!r}",
                             path="lns_iterations")
        for name in ("patience", "solution_limit", "work"):
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
      else costs `preferred_staff_minutes` of travel.
    - `target_starts`: visit id -> announced start (clock seconds); starting more than
      `target_tolerance_seconds` seconds away from it costs `target_weight` minutes of travel per
      minute beyond.
    - `initial_routes`: staff id -> visit ids in order, a warm start for the search.
    """

    preferred_staff: Mapping[str, frozenset[str]] = field(default_factory=dict)
    preferred_staff_minutes: float = 30.0
    target_starts: Mapping[str, int] = field(default_factory=dict)
    target_tolerance_seconds: int = 15 * 60
    target_weight: float = 1.0
    initial_routes: Mapping[str, Sequence[str]] = field(default_factory=dict)

