"""`ahs-routing check PROBLEM.json PLAN.json`: every broken hard rule of a plan or a week plan (exit 1 if any)."""

from __future__ import annotations

import argparse

from ahs_routing.check.checker import check_plan
from ahs_routing.check.week import check_week_plan
from ahs_routing.cli.common import EXIT_OK, EXIT_VIOLATIONS, Subcommands
from ahs_routing.errors import InputError
from ahs_routing.io.contract import load_json, plan_from_dict, problem_from_dict
from ahs_routing.io.week import document_kind, week_from_dict, week_plan_from_dict


def register(subcommands: Subcommands) -> None:
    """Add the `check` subcommand."""
    parser = subcommands.add_parser("check", help="check a plan (or a week plan) against the contract's hard rules")
    parser.add_argument("problem")
    parser.add_argument("plan")
    parser.set_defaults(func=_cmd_check)


def _cmd_check(args: argparse.Namespace) -> int:
    problem_data, plan_data = load_json(args.problem), load_json(args.plan)
    kinds = document_kind(problem_data), document_kind(plan_data)
    if kinds == ("week", "week_plan"):
        violations = check_week_plan(week_from_dict(problem_data), week_plan_from_dict(plan_data))
    elif kinds == ("day", "day"):
        violations = check_plan(problem_from_dict(problem_data), plan_from_dict(plan_data))
    else:
        raise InputError(f"a {kinds[0]} problem cannot be checked against a {kinds[1].replace('_', ' ')} document; "
                         "pair a day problem with a day plan, a week with a week plan")
    for violation in violations:
        print(violation)
    if not violations:
        print("plan is valid: every hard rule holds")
    return EXIT_VIOLATIONS if violations else EXIT_OK
