"""`ahs-routing compare PROBLEM.json HISTORY(.plan.json|.csv)`: a historical day against its optimised plan.

Prints the side-by-side table; with `--json`, ``{"historical": {kpis..., "violations": [...]},
"optimised": {kpis...}, "plan": {...}}``. The history's broken rules are what the command
reports, not a failure, and so are the figures a history document gives that disagree with the
recomputed ones (warning lines: in the table, or on stderr with `--json`): the exit code is 0
unless the input is invalid (2).
"""

from __future__ import annotations

import argparse
import json
import sys

from ahs_routing.analysis.compare import compare_day
from ahs_routing.cli.common import EXIT_OK, Subcommands, add_solve_arguments, solve_options
from ahs_routing.io.contract import read_problem


def register(subcommands: Subcommands) -> None:
    """Add the `compare` subcommand."""
    parser = subcommands.add_parser(
        "compare", help="replay a historical day and compare it with the optimised plan of the same day")
    parser.add_argument("problem", help="problem JSON (contract schema_version 1)")
    parser.add_argument("history", help="what was driven: a plan document (.plan.json) or a visit log (.csv)")
    add_solve_arguments(parser)
    parser.add_argument("--json", action="store_true",
                        help="print {historical, optimised, plan} as JSON instead of the table")
    parser.set_defaults(func=_cmd_compare)


def _cmd_compare(args: argparse.Namespace) -> int:
    problem = read_problem(args.problem)
    # The file itself (replayed before the search starts): a route without `breaks` has them inferred.
    comparison = compare_day(problem, args.history, solve_options(args))
    if args.json:
        print(json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False))
        # The table shows them; with --json they are under historical.warnings, and said on stderr.
        for warning in comparison.historical.warnings:
            sys.stderr.write(f"warning: {warning}\n")
    else:
        print(comparison.table())
    return EXIT_OK
