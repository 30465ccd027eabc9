"""The solve API under its former module name: import it from `ahs_routing.solve` instead.

Kept only while intraday.replan, studies.study, analysis.compare and cli import from here.
"""

from ahs_routing.solve.options import SolveHints, SolveOptions
from ahs_routing.solve.pipeline import SolveStats, solve, solve_with_stats

__all__ = ["SolveHints", "SolveOptions", "SolveStats", "solve", "solve_with_stats"]
