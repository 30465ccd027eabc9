"""The `ahs-routing` command line: plan, check, schema (and the subcommands other modules add).

Exit codes: 0 a plan was written (even a partial one) / the plan is valid; 1 the checker
found violations; 2 invalid input (printed without a traceback); 3 a travel provider failed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ahs_routing.check.checker import check_plan
from ahs_routing.errors import InputError, TravelError
from ahs_routing.io.contract import dumps, json_schemas, plan_to_dict, read_plan, read_problem
from ahs_routing.solve.solver import SolveOptions, solve_with_stats

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_INPUT = 2
EXIT_TRAVEL = 3

#: Solves at least this long show a progress bar when stderr is a terminal.
LONG_SOLVE_SECONDS = 5.0

#: Modules that add subcommands: each has `register(subparsers) -> None`, and every parser
#: it adds sets `func` (args -> exit code) with `parser.set_defaults(func=...)`.
SUBCOMMAND_MODULES: tuple[str, ...] = ("ahs_routing.cli.study", "ahs_routing.cli.compare", "ahs_routing.cli.travel",
                                       "ahs_routing.cli.replan")

Handler = Callable[[argparse.Namespace], int]


def _write(text: str, output: str | None) -> None:
    if output is None or output == "-":
        sys.stdout.write(text + "\n")
    else:
        Path(output).write_text(text + "\n", encoding="utf-8")


def add_solve_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --time-limit and --seed, shared by every command that solves."""
    parser.add_argument("--time-limit", type=float, default=10.0, metavar="S", help="search time in seconds")
    parser.add_argument("--seed", type=int, default=0, help="seed for reproducible plans")
    parser.add_argument("--solution-limit", type=int, default=None, metavar="N",
                        help="stop after N solutions: reproducible on any machine, whatever the load")


def solve_options(args: argparse.Namespace) -> SolveOptions:
    """Return the SolveOptions given on the command line."""
    return SolveOptions(time_limit=args.time_limit, seed=args.seed, solution_limit=args.solution_limit)


def _cmd_plan(args: argparse.Namespace) -> int:
    problem = read_problem(args.problem)
    # A bar on long solves in a terminal; never in pipelines or logs unless asked for.
    show = args.progress or (sys.stderr.isatty() and args.time_limit >= LONG_SOLVE_SECONDS)
    progress = _progress_bar(args.time_limit) if show else None
    plan, stats = solve_with_stats(problem, solve_options(args), progress=progress)
    if progress is not None:
        sys.stderr.write("\n")
    document = plan_to_dict(plan)
    _write(dumps(document) if args.pretty or args.output else json.dumps(document), args.output)
    sys.stderr.write(plan.summary() + "\n")
    first = "-" if stats.first_solution_seconds is None else f"{stats.first_solution_seconds:.2f}s"
    sys.stderr.write(f"  solved in {stats.seconds:.1f}s (first plan after {first}; {stats.solutions} solutions, "
                     f"stopped by {stats.stopped_by.replace('_', ' ')})\n")
    if args.map or args.gantt:
        try:
            from ahs_routing import plotting

            if args.map:
                plotting.save_route_map(problem, plan, args.map)
            if args.gantt:
                plotting.save_gantt_chart(problem, plan, args.gantt)
        except ImportError as error:
            sys.stderr.write(f"{error}\n")
            return EXIT_INPUT
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    problem = read_problem(args.problem)
    plan = read_plan(args.plan)
    violations = check_plan(problem, plan)
    for violation in violations:
        print(violation)
    if not violations:
        print("plan is valid: every hard rule holds")
    return EXIT_VIOLATIONS if violations else EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    schemas = json_schemas()
    chosen: Any = schemas if args.document == "both" else schemas[args.document]
    print(json.dumps(chosen, indent=2))
    return EXIT_OK


def _progress_bar(time_limit: float) -> Callable[[float, int, int], None]:
    def show(elapsed: float, objective: int, served: int) -> None:
        width = 30
        done = min(width, int(width * elapsed / max(time_limit, 1e-9)))
        sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {elapsed:5.1f}s  "
                         f"served {served:4d}  objective {objective}")
        sys.stderr.flush()

    return show


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="ahs-routing", description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log progress (-vv for debug)")
    commands = parser.add_subparsers(dest="command", required=True)

    plan = commands.add_parser("plan", help="plan a day: PROBLEM.json -> plan JSON")
    plan.add_argument("problem", help="problem JSON (contract schema_version 1)")
    plan.add_argument("-o", "--output", help="write the plan here instead of stdout")
    add_solve_arguments(plan)
    plan.add_argument("--pretty", action="store_true", help="indent the JSON on stdout")
    plan.add_argument("--map", metavar="HTML", help="also write a route map (folium HTML)")
    plan.add_argument("--gantt", metavar="PNG", help="also write the staff Gantt chart (PNG)")
    plan.add_argument("--progress", action="store_true",
                      help="show a progress bar on stderr (automatic in a terminal for limits of 5 s or more)")
    plan.set_defaults(func=_cmd_plan)

    check = commands.add_parser("check", help="check a plan against the contract's hard rules")
    check.add_argument("problem")
    check.add_argument("plan")
    check.set_defaults(func=_cmd_check)

    schema = commands.add_parser("schema", help="print the JSON Schema of the problem and plan documents")
    schema.add_argument("document", nargs="?", choices=("problem", "plan", "both"), default="both")
    schema.set_defaults(func=_cmd_schema)

    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    handler: Handler = args.func
    try:
        return handler(args)
    except InputError as error:
        sys.stderr.write("invalid input:\n" + "\n".join(f"  {p}" for p in error.problems) + "\n")
        return EXIT_INPUT
    except TravelError as error:
        sys.stderr.write(f"travel provider failed: {error}\n")
        return EXIT_TRAVEL


if __name__ == "__main__":
    sys.exit(main())
