"""`ahs-routing suggest PROBLEM.json PLAN.json VISIT.json [--k 5] [--json]`: where a new visit fits best.

Ranks insertions into the plan without re-planning it. See docs/REPLAN.md. Output names ids and
times only.
"""

from __future__ import annotations

import argparse
import json
import sys

from ahs_routing.cli.common import EXIT_OK, Subcommands, now_option
from ahs_routing.intraday.suggest import suggest
from ahs_routing.io.contract import load_json, read_plan, read_problem
from ahs_routing.io.events import visit_from_dict
from ahs_routing.times import format_clock, seconds_to_minutes


def register(subcommands: Subcommands) -> None:
    """Add the `suggest` subcommand."""
    parser = subcommands.add_parser("suggest", help="rank where a new visit fits into a plan, without re-planning")
    parser.add_argument("problem", help="problem JSON of the day")
    parser.add_argument("plan", help="plan JSON")
    parser.add_argument("visit", help="one contract visit (JSON object); its patient must be in the problem")
    parser.add_argument("--k", type=int, default=5, help="how many suggestions (default 5)")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of text")
    parser.add_argument("--now", metavar="HH:MM", help="keep what started before this time as it is")
    parser.add_argument("--per-staff", type=int, default=1, metavar="N", help="suggestions per staff member")
    parser.set_defaults(func=_cmd_suggest)


def _cmd_suggest(args: argparse.Namespace) -> int:
    problem = read_problem(args.problem)
    plan = read_plan(args.plan)
    visit = visit_from_dict(load_json(args.visit))
    found = suggest(problem, plan, visit, args.k, now=now_option(args.now), per_staff=args.per_staff)
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
