"""`ahs-routing replan`: re-plan the rest of the day after events.

`replan PROBLEM.json PLAN.json EVENTS.json --now HH:MM [-o NEW.json]` writes the new plan (the
contract's plan document plus a `changes` list) and prints a summary and the changes on stderr.
See docs/REPLAN.md. Output names ids and times only.
"""

from __future__ import annotations

import argparse
import json
import sys

from ahs_routing.cli.common import EXIT_OK, Subcommands, add_solve_arguments, now_option, solve_options
from ahs_routing.intraday.replan import (
    DEFAULT_MOVE_MINUTES,
    DEFAULT_REPLAN_SECONDS,
    DEFAULT_SHIFT_MINUTES,
    DEFAULT_SHIFT_WEIGHT,
    ReplanOptions,
    replan,
    replan_to_dict,
)
from ahs_routing.io.contract import dumps, load_json, problem_to_dict, read_plan, read_problem
from ahs_routing.io.events import events_from_list
from ahs_routing.times import format_clock


def register(subcommands: Subcommands) -> None:
    """Add the `replan` subcommand."""
    parser = subcommands.add_parser(
        "replan", help="re-plan the rest of the day after events (urgent visit, sick nurse, ...)")
    parser.add_argument("problem", help="problem JSON of the day")
    parser.add_argument("plan", help="the plan being carried out (plan JSON)")
    parser.add_argument("events", help="JSON list of events: add_visit, cancel_visit, set_duration, "
                        "staff_unavailable, add_staff")
    parser.add_argument("--now", required=True, metavar="HH:MM", help="the time now: what started is kept")
    parser.add_argument("-o", "--output", help="write the new plan here instead of stdout")
    parser.add_argument("--problem-output", metavar="PATH",
                        help="also write the day as it now stands (events applied): re-plan or check against it")
    add_solve_arguments(parser)
    parser.set_defaults(time_limit=DEFAULT_REPLAN_SECONDS)
    parser.add_argument("--move-minutes", type=float, default=DEFAULT_MOVE_MINUTES, metavar="M",
                        help="cost of giving a visit to other staff, in minutes of travel")
    parser.add_argument("--shift-minutes", type=float, default=DEFAULT_SHIFT_MINUTES, metavar="N",
                        help="a start may move this much for free; more is reported as 'shifted'")
    parser.add_argument("--shift-weight", type=float, default=DEFAULT_SHIFT_WEIGHT, metavar="W",
                        help="minutes of travel each minute beyond --shift-minutes costs")
    parser.set_defaults(func=_cmd_replan)


def _cmd_replan(args: argparse.Namespace) -> int:
    problem = read_problem(args.problem)
    plan = read_plan(args.plan)
    events = events_from_list(load_json(args.events), problem.date, problem.timezone)
    now = now_option(args.now)
    assert now is not None  # --now is required
    options = ReplanOptions(solve=solve_options(args), move_minutes=args.move_minutes,
                            shift_minutes=args.shift_minutes, shift_weight=args.shift_weight)
    result = replan(problem, plan, events, now, options)
    document = replan_to_dict(result)
    if args.output and args.output != "-":
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(dumps(document) + "\n")
    else:
        sys.stdout.write(json.dumps(document) + "\n")
    if args.problem_output:
        with open(args.problem_output, "w", encoding="utf-8") as out:
            out.write(dumps(problem_to_dict(result.problem)) + "\n")
    sys.stderr.write(result.plan.summary() + "\n")
    sys.stderr.write(f"  re-planned at {format_clock(now)} in {result.seconds:.1f}s: "
                     f"{len(result.fixed_visits)} visits fixed, {len(result.changes)} changes\n")
    for change in result.changes:
        sys.stderr.write(f"  {change.kind.value:>13} {change.visit or '-'}: {change.detail}\n")
    return EXIT_OK
