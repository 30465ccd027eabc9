"""What every subcommand shares: exit codes, the solve arguments, optional dependencies, output and errors.

Each subcommand module (`plan`, `check`, ...) exposes `register(subcommands)`, which adds its
parser and sets `func` (args -> exit code) on it; `cli.main` registers them and runs `func`
through `run_command`.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeAlias

from ahs_routing.errors import InputError, TravelError
from ahs_routing.solve import SolveOptions
from ahs_routing.times import parse_clock

#: What `add_subparsers()` returns; each subcommand module adds its parser to it.
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

#: The plan was written (even a partial one) / the plan is valid.
EXIT_OK = 0
#: The checker found violations.
EXIT_VIOLATIONS = 1
#: The input is invalid (printed without a traceback).
EXIT_INPUT = 2
#: A travel provider failed.
EXIT_TRAVEL = 3
#: An optional dependency the command needs is not installed; reported before any work, with the
#: install command (e.g. `--map` without the `plots` extra).
EXIT_MISSING_DEPENDENCY = 4


class MissingDependency(Exception):
    """An optional dependency is missing; the message names it, what needs it and how to install it."""


def require(extra: str, purpose: str, *modules: str) -> None:
    """Raise `MissingDependency` unless every one of `modules` can be imported (they come with `extra`)."""
    missing = [name for name in modules if not _importable(name)]
    if missing:
        raise MissingDependency(f"{purpose} needs {', '.join(missing)}, which is not installed: "
                                f"pip install 'ahs_routing[{extra}]'")


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False

#: A subcommand's handler: parsed arguments -> exit code.
Handler = Callable[[argparse.Namespace], int]


class Subcommand(Protocol):
    """A subcommand module: adds its parser, which sets `func` (a Handler) with `set_defaults(func=...)`."""

    def register(self, subcommands: Subcommands) -> None:
        """Add the subcommand's parser to `subcommands`."""


def add_solve_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --time-limit and --seed, shared by every command that solves."""
    parser.add_argument("--time-limit", type=float, default=10.0, metavar="S", help="search time in seconds")
    parser.add_argument("--seed", type=int, default=0, help="seed for reproducible plans")
    parser.add_argument("--work", type=int, default=None, metavar="N",
                        help="search budget in reference milliseconds (default: the time limit's); the same N and "
                             "seed give the same plan on any machine, whatever the load, when the time limit "
                             "leaves room to spend it")
    parser.add_argument("--solution-limit", type=int, default=None, metavar="N",
                        help="stop OR-Tools after N solutions (a count on top of the work budget)")
    parser.add_argument("--lns-iterations", type=int, default=None, metavar="N",
                        help="on days with linked visits, at most N iterations of the group moves (0: none)")


def solve_options(args: argparse.Namespace) -> SolveOptions:
    """Return the SolveOptions given on the command line."""
    return SolveOptions(time_limit=args.time_limit, seed=args.seed, solution_limit=args.solution_limit,
                        lns_iterations=args.lns_iterations, work=args.work)


def now_option(text: str | None) -> int | None:
    """Return the `--now HH:MM` option in seconds (None when not given); a bad clock is an input error."""
    if text is None:
        return None
    try:
        return parse_clock(text)
    except InputError as error:
        raise error.under("--now") from None


def write_output(text: str, output: str | None) -> None:
    """Write `text` and a newline to the file `output`, or to stdout when it is None or '-'."""
    if output is None or output == "-":
        sys.stdout.write(text + "\n")
    else:
        Path(output).write_text(text + "\n", encoding="utf-8")


def run_command(handler: Handler, args: argparse.Namespace) -> int:
    """Return the handler's exit code; invalid input and travel failures are printed, without a traceback."""
    try:
        return handler(args)
    except InputError as error:
        sys.stderr.write("invalid input:\n" + "\n".join(f"  {p}" for p in error.problems) + "\n")
        return EXIT_INPUT
    except TravelError as error:
        sys.stderr.write(f"travel provider failed: {error}\n")
        return EXIT_TRAVEL
    except MissingDependency as error:
        sys.stderr.write(f"missing dependency: {error}\n")
        return EXIT_MISSING_DEPENDENCY
