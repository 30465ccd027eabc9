"""`ahs-routing plan PROBLEM.json`: solve a day; the plan JSON on stdout (or -o), a summary on stderr.

With `--map` and `--gantt` it also draws the plan; those need the `plots` extra, imported only then.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

from ahs_routing.cli.common import (
    EXIT_INPUT,
    EXIT_OK,
    Subcommands,
    add_solve_arguments,
    require,
    solve_options,
    write_output,
)
from ahs_routing.io.contract import dumps, load_json, plan_to_dict, problem_from_dict
from ahs_routing.io.week import document_kind, week_from_dict, week_plan_to_dict
from ahs_routing.solve import solve_with_stats
from ahs_routing.solve.week import solve_week
from ahs_routing.solve.week_options import week_options

#: Solves at least this long show a progress bar when stderr is a terminal.
LONG_SOLVE_SECONDS = 5.0


def register(subcommands: Subcommands) -> None:
    """Add the `plan` subcommand."""
    parser = subcommands.add_parser("plan", help="plan a day or a week: PROBLEM.json -> plan JSON")
    parser.add_argument("problem", help="problem JSON (contract schema_version 1; a week with kind: week)")
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
    data = load_json(args.problem)
    if document_kind(data) == "week":
        return _plan_week(args, data)
    problem = problem_from_dict(data)
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


def _plan_week(args: argparse.Namespace, data: object) -> int:
    """Plan a week document: `--time-limit` caps the whole week, shared out over its day solves."""
    if args.map:
        # Before the solve: the caller asked for something a week cannot give.
        sys.stderr.write("--map draws one day; plan a day problem for a map (--gantt draws the week)\n")
        return EXIT_INPUT
    week = week_from_dict(data)
    started = time.monotonic()
    plan = solve_week(week, week_options(solve_options(args), len(week.dates)))
    document = week_plan_to_dict(plan)
    write_output(dumps(document) if args.pretty or args.output else json.dumps(document), args.output)
    sys.stderr.write(plan.summary() + f"\n  solved in {time.monotonic() - started:.1f}s\n")
    if args.gantt:  # the `plots` extra was required before the solve
        from ahs_routing import plotting

        plotting.save_week_calendar(week, plan, args.gantt)
    return EXIT_OK


def _progress_bar(time_limit: float) -> Callable[[float, int, int], None]:
    def show(elapsed: float, objective: int, served: int) -> None:
        width = 30
        done = min(width, int(width * elapsed / max(time_limit, 1e-9)))
        sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {elapsed:5.1f}s  "
                         f"served {served:4d}  objective {objective}")
        sys.stderr.flush()

    return show
