"""`ahs-routing plan PROBLEM.json`: solve a day or a week; a readable summary, the plan JSON in a file.

By default the summary (headline, routes with times, what was left out; ids only) goes to
stdout and the plan document to `-o PATH` (default `NAME.plan.json` in the working directory
for `NAME.json`), and the summary says where. The JSON goes to stdout instead with `-o -` or
`--pretty` (indented), the summary then to stderr. With `--map` and `--gantt` it also draws the
plan; those need the `plots` extra, imported only then.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ahs_routing.cli.common import (
    EXIT_INPUT,
    EXIT_OK,
    Subcommands,
    add_solve_arguments,
    require,
    solve_options,
    write_output,
)
from ahs_routing.cli.summary import day_summary
from ahs_routing.io.contract import dumps, load_json, plan_to_dict, problem_from_dict
from ahs_routing.io.week import document_kind, week_from_dict, week_plan_to_dict
from ahs_routing.solve import solve_with_stats
from ahs_routing.solve.week import solve_week
from ahs_routing.solve.week_options import week_options

#: Solves at least this long show a progress bar when stderr is a terminal.
LONG_SOLVE_SECONDS = 5.0
#: `-o -`: the plan JSON on stdout.
STDOUT = "-"


def register(subcommands: Subcommands) -> None:
    """Add the `plan` subcommand."""
    parser = subcommands.add_parser(
        "plan", help="plan a day or a week: PROBLEM.json -> a summary, and the plan JSON in a file")
    parser.add_argument("problem", help="problem JSON (contract schema_version 1; a week with kind: week)")
    parser.add_argument("-o", "--output", metavar="PATH",
                        help="write the plan JSON here (default: NAME.plan.json in the working directory for "
                        "NAME.json); '-' prints it on stdout instead of the summary")
    add_solve_arguments(parser)
    parser.add_argument("--pretty", action="store_true",
                        help="print the plan JSON, indented, on stdout (unless -o names a file, always indented)")
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
    written = _write_plan(args, plan_to_dict(plan))
    if args.map or args.gantt:
        from ahs_routing import plotting

        if args.map:
            _parent(args.map)
            plotting.save_route_map(problem, plan, args.map)
            written.append(("Route map", args.map))
        if args.gantt:
            _parent(args.gantt)
            plotting.save_gantt_chart(problem, plan, args.gantt)
            written.append(("Gantt chart", args.gantt))
    _say(args, day_summary(problem, plan, stats, args.seed), written)
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
    written = _write_plan(args, week_plan_to_dict(plan))
    if args.gantt:  # the `plots` extra was required before the solve
        from ahs_routing import plotting

        _parent(args.gantt)
        plotting.save_week_calendar(week, plan, args.gantt)
        written.append(("Week calendar", args.gantt))
    _say(args, plan.summary() + f"\n  solved in {time.monotonic() - started:.1f}s", written)
    return EXIT_OK


def json_on_stdout(args: argparse.Namespace) -> bool:
    """True when the plan JSON goes to stdout (`-o -`, or `--pretty` without `-o`), the summary to stderr."""
    return bool(args.output == STDOUT or (args.output is None and args.pretty))


def default_output(problem_path: str) -> Path:
    """Return where the plan JSON goes without `-o`: NAME.plan.json in the working directory for NAME.json."""
    stem = Path(problem_path).name.removesuffix(".json") or "plan"
    return Path(f"{stem}.plan.json")


def _write_plan(args: argparse.Namespace, document: dict[str, object]) -> list[tuple[str, str]]:
    """Write the plan JSON where asked; return the files written, as (what, path)."""
    if json_on_stdout(args):
        write_output(dumps(document) if args.pretty else json.dumps(document), STDOUT)
        return []
    path = str(args.output) if args.output is not None else str(default_output(args.problem))
    _parent(path)
    write_output(dumps(document), path)
    return [("Plan JSON", path)]


def _say(args: argparse.Namespace, summary: str, written: list[tuple[str, str]]) -> None:
    lines = [summary]
    if written:
        width = max(len(what) for what, _ in written)
        lines += [""] + [f"{what + ':':<{width + 1}} {path}" for what, path in written]
    text = "\n".join(lines) + "\n"
    (sys.stderr if json_on_stdout(args) else sys.stdout).write(text)


def _parent(path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)


def _progress_bar(time_limit: float) -> Callable[[float, int, int], None]:
    def show(elapsed: float, objective: int, served: int) -> None:
        width = 30
        done = min(width, int(width * elapsed / max(time_limit, 1e-9)))
        sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {elapsed:5.1f}s  "
                         f"served {served:4d}  objective {objective}")
        sys.stderr.flush()

    return show
