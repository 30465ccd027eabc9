"""The `ahs-routing` command line: plan, check, schema, study, compare, travel, replan, suggest, serve, export.

Exit codes: 0 a plan was written (even a partial one) / the plan is valid; 1 the checker
found violations; 2 invalid input (printed without a traceback); 3 a travel provider failed;
4 an optional dependency the command needs is missing (said before any work, with the install command).

Each subcommand lives in its own module, its parser next to its handler; this module only
registers them, in the order `--help` lists them, and runs the one asked for.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from ahs_routing.cli import check, compare, export, plan, replan, schema, serve, study, suggest, travel
from ahs_routing.cli.common import (
    EXIT_INPUT,
    EXIT_MISSING_DEPENDENCY,
    EXIT_OK,
    EXIT_TRAVEL,
    EXIT_VIOLATIONS,
    Handler,
    Subcommand,
    run_command,
)
from ahs_routing.version import library_version

__all__ = ["EXIT_INPUT", "EXIT_MISSING_DEPENDENCY", "EXIT_OK", "EXIT_TRAVEL", "EXIT_VIOLATIONS", "SUBCOMMANDS",
           "build_parser", "main"]

#: The subcommand modules, each with `register(subcommands)`.
SUBCOMMANDS: tuple[Subcommand, ...] = (plan, check, schema, study, compare, travel, replan, suggest, export,
                                       serve)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="ahs-routing", description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log progress (-vv for debug)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {library_version()}")
    subcommands = parser.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS:
        module.register(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    handler: Handler = args.func
    return run_command(handler, args)


if __name__ == "__main__":
    sys.exit(main())
