"""`ahs-routing export PROBLEM PLAN --format geojson|ics|csv`: a plan for map layers, calendars and spreadsheets.

GeoJSON follows the roads when the problem's travel provider knows them (`graph`); iCalendar needs
the `export` extra. Only what the problem and plan hold is written: ids, kinds, coordinates, times.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ahs_routing.cli.common import EXIT_OK, Subcommands, require
from ahs_routing.io.contract import read_plan, read_problem
from ahs_routing.io.exports import FORMATS, export_plan


def register(subcommands: Subcommands) -> None:
    """Add the `export` subcommand."""
    parser = subcommands.add_parser("export", help="export a plan as GeoJSON, iCalendar or CSV")
    parser.add_argument("problem", help="problem JSON of the day")
    parser.add_argument("plan", help="plan JSON")
    parser.add_argument("--format", required=True, choices=FORMATS, help="geojson (map), ics (calendar), csv")
    parser.add_argument("-o", "--output", help="write here instead of stdout")
    parser.add_argument("--staff", metavar="ID", help="only this staff member's route")
    parser.add_argument("--timezone", metavar="ZONE",
                        help="iCalendar: IANA zone of the clock times, e.g. Europe/Oslo (default: the problem's "
                             "timezone, else floating local time)")
    parser.add_argument("--straight-lines", action="store_true",
                        help="GeoJSON: straight lines between stops even when the roads are known")
    parser.set_defaults(func=_cmd_export)


def _cmd_export(args: argparse.Namespace) -> int:
    if args.format == "ics":
        require("export", "--format ics", "icalendar")
    problem = read_problem(args.problem)
    plan = read_plan(args.plan)
    data = export_plan(problem, plan, args.format, staff=args.staff, timezone=args.timezone,
                       road_geometry=not args.straight_lines)
    if args.output is None or args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        Path(args.output).write_bytes(data)
    return EXIT_OK
