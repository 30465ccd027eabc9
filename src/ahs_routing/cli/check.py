"""`ahs-routing check PROBLEM.json PLAN.json`: every broken hard rule of a plan, one a line (exit 1 if any)."""

from __future__ import annotations

import argparse

from ahs_routing.check.checker import check_plan
from ahs_routing.cli.common import EXIT_OK, EXIT_VIOLATIONS, Subcommands
from ahs_routing.io.contract import read_plan, read_problem


def register(subcommands: Subcommands) -> None:
    """Add the `check` subcommand."""
    parser = subcommands.add_parser("check", help="check a plan against the contract's hard rules")
    parser.add_argument("problem")
    parser.add_argument("plan")
    parser.set_defaults(func=_cmd_check)


def _cmd_check(args: argparse.Namespace) -> int:
    problem = read_problem(args.problem)
    plan = read_plan(args.plan)
    violations = check_plan(problem, plan)
    for violation in violations:
        print(violation)
    if not violations:
        print("plan is valid: every hard rule holds")
    return EXIT_VIOLATIONS if violations else EXIT_OK
