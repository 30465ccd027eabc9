"""`ahs-routing schema [problem|plan|both]`: the JSON Schema of the contract's documents."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ahs_routing.cli.common import EXIT_OK, Subcommands
from ahs_routing.io.contract import json_schemas


def register(subcommands: Subcommands) -> None:
    """Add the `schema` subcommand."""
    parser = subcommands.add_parser("schema", help="print the JSON Schema of the problem and plan documents")
    parser.add_argument("document", nargs="?", choices=("problem", "plan", "both"), default="both")
    parser.set_defaults(func=_cmd_schema)


def _cmd_schema(args: argparse.Namespace) -> int:
    schemas = json_schemas()
    chosen: Any = schemas if args.document == "both" else schemas[args.document]
    print(json.dumps(chosen, indent=2))
    return EXIT_OK
