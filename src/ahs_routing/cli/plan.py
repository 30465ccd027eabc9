"""`ahs-routing plan PROBLEM.json`: solve a day; the plan JSON on stdout (or -o), a summary on stderr.

With `--map` and `--gantt` it also draws the plan; those need the `plots` extra, imported only then.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from ahs_routing.cli.common import (
    EXIT_OK,
    Subcommands,
    add_solve_arguments,
    require,
    solve_options,
    write_output,
)
from ahs_routing.io.contract import dumps, plan_to_dict, read_problem
from ahs_routing.solve import solve_with_stats

#: Solves at least this long show a progress bar when stderr is a terminal.
LONG_SOLVE_SECONDS = 5.0


def register(subcommands: Subcommands) -> None:
    """Add the `plan` subcommand."""
    parser = subcommands.add_parser("plan", help="plan a day: PROBLEM.json -> plan JSON")
    parser.add_argument("problem", help="problem JSON (contract schema_version 1)")
    parser.add_argument("-o", "--output", help="write the plan here instead of stdout")
    add_solve_arguments(parser)
    parser.add_argument("--pretty", action="store_true", help="indent the JSON on stdout")
    parser.add_argument("--map", metavar="HTML", help="also write a route map (folium HTML)")
    parser.add_argument("--gantt", metavar="PNG", help="also write the staff Gantt chart (PNG)")
    parser.add_argument("--progress", action="store_true",
                        help="show a progress bar on stderr (automatic in a terminal for limits of 5 s or more)")
    parser.set_defaults(func=_cmd_plan)


def _cmd_plan(args: argparse.Namespace) -> int:
    if args.map or args.gantt:
        # Before the solve: a missing extra must not cost the caller the whole time limit first.
        require("plots", "--map/--gantt", "matplotlib", "folium")
    problem = read_problem(args.problem)
    # A bar on long solves in a terminal; never in pipelines or logs unless asked for.
    show = args.progress or (sys.stderr.isatty() and args.time_limit >= LONG_SOLVE_SECONDS)
    progress = _progress_bar(args.time_limit) if show else None
    plan, stats = solve_with_stats(problem, solve_options(args), progress=progress)
    if progress is not None:
        sys.stderr.write("\n")
    document = plan_to_dict(plan)
    write_output(dumps(document) if args.pretty or args.output else json.dumps(document), args.output)
    sys.stderr.write(plan.summary() + "\n")
    first = "-" if stats.first_solution_seconds is None else f"{stats.first_solution_seconds:.2f}s"
    sys.stderr.write(f"  solved in {stats.seconds:.1f}s (first plan after {first}; {stats.solutions} solutions, "
                     f"stopped by {stats.stopped_by.replace('_', ' ')})\n")
    if args.map or args.gantt:
        from ahs_routing import plotting

        if args.map:
            plotting.save_route_map(problem, plan, args.map)
        if args.gantt:
            plotting.save_gantt_chart(problem, plan, args.gantt)
    return EXIT_OK


def _progress_bar(time_limit: float) -> Callable[[float, int, int], None]:
    def show(elapsed: float, objective: int, served: int) -> None:
        width = 30
        done = min(width, int(width * elapsed / max(time_limit, 1e-9)))
        sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {elapsed:5.1f}s  "
                         f"served {served:4d}  objective {objective}")
        sys.stderr.flush()

    return show
