"""`ahs-routing travel`: minutes from the base to every home with the problem's travel provider.

The question a coordinator asks at intake: is this home within the travel limit? One search
from the base with road providers; the matrix is cached when the problem's travel block asks
for a cache. Prints ids and minutes only, never addresses or coordinates.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ahs_routing.cli.common import EXIT_OK, Subcommands
from ahs_routing.io.contract import read_problem
from ahs_routing.times import SECONDS_PER_MINUTE
from ahs_routing.travel import UNREACHABLE_MINUTES, provider_for, travel_from


def register(subcommands: Subcommands) -> None:
    """Add the `travel` subcommand."""
    parser = subcommands.add_parser(
        "travel", help="minutes from the base to every home, and whether it is within the travel limit")
    parser.add_argument("problem", help="problem JSON (contract schema_version 1)")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of the table")
    parser.set_defaults(func=_cmd_travel)


def _cmd_travel(args: argparse.Namespace) -> int:
    problem = read_problem(args.problem)
    places = {problem.base.id: problem.base.location, **{p.id: p.location for p in problem.patients}}
    seconds_from_base = travel_from(provider_for(problem.travel), problem.base.id, places)
    limit_minutes = problem.policy.max_travel_minutes_from_base
    rows: list[dict[str, Any]] = []
    for patient in problem.patients:
        minutes = seconds_from_base[patient.id] / SECONDS_PER_MINUTE
        reachable = minutes < UNREACHABLE_MINUTES
        rows.append({"patient": patient.id, "minutes_from_base": minutes if reachable else None,
                     "within_limit": reachable and (limit_minutes is None or minutes <= limit_minutes)})
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    width = max([len("patient"), *(len(r["patient"]) for r in rows)])
    shown_limit = "no" if limit_minutes is None else f"{limit_minutes:g}"
    sys.stdout.write(f"{'patient':<{width}}  minutes  within {shown_limit} min limit\n")
    for row in rows:
        shown = "no road" if row["minutes_from_base"] is None else f"{row['minutes_from_base']:g}"
        sys.stdout.write(f"{row['patient']:<{width}}  {shown:>7}  {'yes' if row['within_limit'] else 'NO'}\n")
    return EXIT_OK
