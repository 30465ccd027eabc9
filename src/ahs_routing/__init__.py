"""ahs_routing: daily route planning for home-visiting clinical teams, solved with OR-Tools.

Typical use::

    from ahs_routing import read_problem, solve, check_plan

    problem = read_problem("day.json")
    plan = solve(problem, SolveOptions(time_limit=10, seed=1))
    assert not check_plan(problem, plan)
"""

from ahs_routing.check.checker import Violation, check_plan
from ahs_routing.check.week import check_week_plan
from ahs_routing.domain.model import (
    After,
    Base,
    Break,
    Location,
    Mode,
    Patient,
    Place,
    Policy,
    Priority,
    Problem,
    Shift,
    Staff,
    TimeWindow,
    TravelModel,
    Visit,
)
from ahs_routing.domain.plan import (
    BreakTaken,
    IneligiblePatient,
    IneligibleReason,
    Kpis,
    Plan,
    PlanStatus,
    Route,
    Stop,
    Unassigned,
    UnassignedReason,
)
from ahs_routing.domain.week import Recurrence, RosterDay, Week, WeekStaff, WeekVisit
from ahs_routing.domain.week_plan import WeekDay, WeekKpis, WeekPlan, WeekUnassigned
from ahs_routing.errors import InputError, InputProblem, TravelError
from ahs_routing.io.contract import (
    dumps,
    json_schemas,
    plan_from_dict,
    plan_to_dict,
    problem_from_dict,
    problem_to_dict,
    read_plan,
    read_problem,
)
from ahs_routing.io.tables import plan_to_frame, problem_from_tables, problem_to_tables, unassigned_to_frame
from ahs_routing.io.week import (
    read_week,
    read_week_plan,
    week_from_dict,
    week_plan_from_dict,
    week_plan_to_dict,
    week_to_dict,
)
from ahs_routing.io.week_tables import week_from_tables, week_plan_to_frame, week_to_tables
from ahs_routing.solve import SolveHints, SolveOptions, SolveStats, WeekOptions, solve, solve_week, solve_with_stats
from ahs_routing.travel import (
    CachedProvider,
    GeodesicProvider,
    GraphProvider,
    MatrixProvider,
    OsrmProvider,
    TravelMatrix,
    TravelProvider,
    travel_matrix,
)
from ahs_routing.version import library_version

__version__ = library_version()

__all__ = [
    "After",
    "Base",
    "Break",
    "BreakTaken",
    "CachedProvider",
    "GeodesicProvider",
    "GraphProvider",
    "IneligiblePatient",
    "IneligibleReason",
    "InputError",
    "InputProblem",
    "Kpis",
    "Location",
    "MatrixProvider",
    "Mode",
    "OsrmProvider",
    "Patient",
    "Place",
    "Plan",
    "PlanStatus",
    "Policy",
    "Priority",
    "Problem",
    "Recurrence",
    "RosterDay",
    "Route",
    "Shift",
    "SolveHints",
    "SolveOptions",
    "SolveStats",
    "Staff",
    "Stop",
    "TimeWindow",
    "TravelError",
    "TravelMatrix",
    "TravelModel",
    "TravelProvider",
    "Unassigned",
    "UnassignedReason",
    "Violation",
    "Visit",
    "Week",
    "WeekDay",
    "WeekKpis",
    "WeekOptions",
    "WeekPlan",
    "WeekStaff",
    "WeekUnassigned",
    "WeekVisit",
    "check_plan",
    "check_week_plan",
    "dumps",
    "json_schemas",
    "plan_from_dict",
    "plan_to_dict",
    "plan_to_frame",
    "problem_from_dict",
    "problem_from_tables",
    "problem_to_dict",
    "problem_to_tables",
    "read_plan",
    "read_problem",
    "read_week",
    "read_week_plan",
    "solve",
    "solve_week",
    "solve_with_stats",
    "travel_matrix",
    "unassigned_to_frame",
    "week_from_dict",
    "week_from_tables",
    "week_plan_from_dict",
    "week_plan_to_dict",
    "week_plan_to_frame",
    "week_to_dict",
    "week_to_tables",
]
