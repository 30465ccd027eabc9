"""What a caller can ask of a week solve (`solve_week`): the day solves, the choice of dates, improvement,
continuity; and the two ready-made sets, the CLI's share of a time limit and the baseline."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ahs_routing.errors import InputError
from ahs_routing.solve.options import SolveOptions

ASSIGNMENTS = ("balanced", "first_dates")


@dataclass(frozen=True, slots=True)
class WeekOptions:
    """How to plan a week: the day solves, how dates are chosen, improvement and continuity.

    `day` is used for every day solve (its `time_limit` caps each one; its `work` budget, or a
    `solution_limit`, makes the week reproducible when no clock cuts a day short). `time_limit`
    (seconds, None = none) caps the whole week: no improvement step starts after it.
    `continuity_minutes` is the travel minutes each distinct staff-patient pair of the week costs
    (0 = off). Re-routing a date towards the week's primary staff per patient, a visit by anyone
    else costs the day solve `primary_staff_minutes`. `start_spread_weight` is the minutes of travel
    one minute costs the week by which an occurrence of a recurring visit starts more than 15 minutes
    from the visit's usual (median) start over the week (0 = off; re-routing then announces no starts).
    """

    day: SolveOptions = field(default_factory=lambda: SolveOptions(time_limit=5.0))
    assignment: str = "balanced"
    improvement_rounds: int = 1
    continuity_minutes: float = 5.0
    time_limit: float | None = None
    primary_staff_minutes: float = 20.0
    start_spread_weight: float = 0.05

    def __post_init__(self) -> None:
        if self.assignment not in ASSIGNMENTS:
            raise InputError(f"assignment must be one of {', '.join(ASSIGNMENTS)}, got {self.assignment!r}",
                             path="assignment")
        if not (isinstance(self.improvement_rounds, int) and self.improvement_rounds >= 0):
            raise InputError(f"improvement_rounds must be a whole number >= 0, got {self.improvement_rounds!r}",
                             path="improvement_rounds")
        for name in ("continuity_minutes", "primary_staff_minutes", "start_spread_weight"):
            if not getattr(self, name) >= 0:
                raise InputError(f"{name} must be >= 0, got {getattr(self, name)!r}", path=name)
        if self.time_limit is not None and not self.time_limit > 0:
            raise InputError(f"time_limit must be positive, got {self.time_limit!r}", path="time_limit")


def week_options(options: SolveOptions, dates: int, improvement_rounds: int = 1) -> WeekOptions:
    """Return week options whose whole week takes about `options.time_limit` (and `options.work`):
    each of the day solves (every date once, again per improvement round) gets its share of both;
    the seed and the other budgets carry over."""
    solves = max(1, dates * (1 + 2 * improvement_rounds))
    share = options.time_limit / solves
    work = None if options.work is None else max(1, round(options.work / solves))
    day = dataclasses.replace(options, time_limit=max(share, 0.5), work=work)
    return WeekOptions(day=day, improvement_rounds=improvement_rounds, time_limit=options.time_limit)


def baseline_options(day: SolveOptions) -> WeekOptions:
    """Return the obvious way to plan a week: first allowed dates, each day alone, no improvement."""
    return WeekOptions(day=day, assignment="first_dates", improvement_rounds=0, continuity_minutes=0.0,
                       start_spread_weight=0.0)
