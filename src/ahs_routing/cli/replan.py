"""`ahs-routing replan` and `ahs-routing suggest`: answers during the day.

`replan PROBLEM.json PLAN.json EVENTS.json --now HH:MM [-o NEW.json]` writes the new plan (the
contract's plan document plus a `changes` list) and prints a summary and the changes on stderr.
`suggest PROBLEM.json PLAN.json VISIT.json [--k 5] [--json]` prints where a new visit fits best.
See docs/REPLAN.md. Output names ids and times only.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ahs_routing.cli.main import EXIT_OK, add_solve_arguments, solve_options
from ahs_routing.errors import InputError
from ahs_routing.intraday.replan import (
    DEFAULT_MOVE_MINUTES,
    DEFAULT_REPLAN_SECONDS,
    DEFAULT_SHIFT_MINUTES,
    DEFAULT_SHIFT_WEIGHT,
    ReplanOptions,
    events_from_list,
    replan,
    replan_to_dict,
    visit_from_dict,
)
from ahs_routing.intraday.suggest import suggest
from ahs_routing.io.contract import dumps, load_json, problem_to_dict, read_plan, read_problem
from ahs_routing.times import format_clock, parse_clock, seconds_to_minutes


def register(commands: Any) -> None:
    """Add the `replan` and `suggest` subcommands."""
    parser: argparse.ArgumentParser = commands.add_parser(
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

    hint = commands.add_parser("suggest", help="rank where a new visit fits into a plan, without re-planning")
    hint.add_argument("problem", help="problem JSON of the day")
    hint.add_argument("plan", help="plan JSON")
    hint.add_argument("visit", help="one contract visit (JSON object); its patient must be in the problem")
    hint.add_argument("--k", type=int, default=5, help="how many suggestions (default 5)")
    hint.add_argument("--json", action="store_true", help="print a JSON list instead of text")
    hint.add_argument("--now", metavar="HH:MM", help="keep what started before this time as it is")
    hint.add_argument("--per-staff", type=int, default=1, metavar="N", help="suggestions per staff member")
    hint.set_defaults(func=_cmd_suggest)


def _now(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return parse_clock(text)
    except InputError as error:
        raise error.under("--now") from None


def _cmd_replan(args: argparse.Namespace) -> int:
    problem = read_problem(args.problem)
    plan = read_plan(args.plan)
    events = events_from_list(load_json(args.events))
    now = _now(args.now)
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


def _cmd_suggest(args: argparse.Namespace) -> int:
    problem = read_problem(args.problem)
    plan = read_plan(args.plan)
    visit = visit_from_dict(load_json(args.visit))
    found = suggest(problem, plan, visit, args.k, now=_now(args.now), per_staff=args.per_staff)
    rows = [{"staff": s.staff, "start": format_clock(s.start), "added_travel_minutes": seconds_to_minutes(
        s.added_travel), "moved_visits": list(s.moved_visits)} for s in found]
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    if not rows:
        sys.stdout.write(f"no place in the plan fits visit {visit.id}\n")
    for rank, (row, s) in enumerate(zip(rows, found, strict=True), start=1):
        moves = ", ".join(s.moved_visits) or "nothing"
        delay = f" (by {seconds_to_minutes(s.delay)} min in all)" if s.delay else ""
        sys.stdout.write(f"{rank}. {row['staff']} at {row['start']}: {row['added_travel_minutes']:+} min travel, "
                         f"moves {moves}{delay}\n")
    return EXIT_OK
