"""`ahs-routing schema [problem|plan|both|week|week_plan]`: the JSON Schema of the contract's documents."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ahs_routing.cli.common import EXIT_OK, Subcommands
from ahs_routing.io.contract import json_schemas
from ahs_routing.io.week import week_json_schemas


def register(subcommands: Subcommands) -> None:
    """Add the `schema` subcommand."""
    parser = subcommands.add_parser("schema", help="print the JSON Schema of the problem and plan documents")
    parser.add_argument("document", nargs="?", choices=("problem", "plan", "both", "week", "week_plan"),
                        default="both", help="both = problem and plan; week and week_plan are the week documents")
    parser.set_defaults(func=_cmd_schema)


def _cmd_schema(args: argparse.Namespace) -> int:
    schemas = json_schemas() | week_json_schemas()
    chosen: Any = {k: schemas[k] for k in ("problem", "plan")} if args.document == "both" else schemas[args.document]
    print(json.dumps(chosen, indent=2))
    return EXIT_OK
