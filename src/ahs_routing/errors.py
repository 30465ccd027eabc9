"""Typed errors raised at the edges of the library."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InputProblem:
    """One thing wrong with the input: where it is and what is wrong with it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InputError(ValueError):
    """The input is invalid; `problems` lists every problem found, each with its path."""

    def __init__(self, problems: Iterable[InputProblem] | str, path: str = "") -> None:
        if isinstance(problems, str):
            problems = [InputProblem(path, problems)]
        self.problems: tuple[InputProblem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def under(self, prefix: str) -> InputError:
        """Return the same error with every path placed under `prefix`."""
        return InputError(InputProblem(join_path(prefix, p.path), p.message) for p in self.problems)


class TravelError(RuntimeError):
    """A travel-time provider could not deliver (server down, file unreadable, ...)."""


def join_path(prefix: str, path: str) -> str:
    """Return `prefix.path`, or `prefix[3]` style when `path` is an index."""
    if not prefix:
        return path
    if not path:
        return prefix
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"


class ProblemCollector:
    """Collects InputProblems from many checks so that one error can report them all."""

    def __init__(self) -> None:
        self.problems: list[InputProblem] = []

    def add(self, path: str, message: str) -> None:
        """Record a problem at `path`."""
        self.problems.append(InputProblem(path, message))

    @contextmanager
    def at(self, path: str) -> Iterator[None]:
        """Run a block; an InputError raised in it is recorded under `path`."""
        try:
            yield
        except InputError as error:
            self.problems.extend(error.under(path).problems)

    def raise_if_any(self) -> None:
        """Raise InputError with every recorded problem, if there is any."""
        if self.problems:
            raise InputError(self.problems)
