"""Solving a day: eligibility, diagnosis, the OR-Tools search, repair and plan assembly.

The modules in the order a solve uses them: `options` (what the caller asks for), `pipeline`
(`solve`, `solve_with_stats`), `diagnosis`, `strategies` (with `construct`, `_pyvrp` and
`_ortools`, the only OR-Tools import), `repair` (with `fitting`); `week` plans several dates
with the day solver (`solve_week`).
"""

from ahs_routing.solve.options import SolveHints, SolveOptions
from ahs_routing.solve.pipeline import SolveStats, solve, solve_with_stats
from ahs_routing.solve.week import solve_week
from ahs_routing.solve.week_options import WeekOptions

__all__ = ["SolveHints", "SolveOptions", "SolveStats", "WeekOptions", "solve", "solve_week", "solve_with_stats"]
