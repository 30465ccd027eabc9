"""Re-plan a historical day and show it side by side with what was driven; many days at once.

`compare_day` replays the history (`ahs_routing.analysis.replay`), solves the same problem (same staff,
same visits) and scores both with the same KPIs: per KPI the historical value, the optimised
value and the difference, and per staff member their day before and after. `compare_days`
does this for a list or a directory of days in parallel, one row per day plus totals.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ahs_routing.analysis.replay import DayScore, History, Replay, late_starts, replay, route_waiting, score_plan
from ahs_routing.check.checker import check_plan
from ahs_routing.domain.model import Problem
from ahs_routing.domain.plan import Plan, Route
from ahs_routing.errors import InputError
from ahs_routing.io.contract import plan_to_dict, read_problem
from ahs_routing.solve import SolveOptions, solve
from ahs_routing.times import SECONDS_PER_MINUTE, format_clock, seconds_to_minutes
from ahs_routing.travel import TravelMatrix, travel_matrix

#: The KPIs shown side by side: attribute of `DayScore`, label, and how to show it.
KPI_ROWS: tuple[tuple[str, str, str], ...] = (
    ("visits_served", "visits served", "count"),
    ("travel_seconds", "travel (min)", "minutes"),
    ("distance_km", "distance (km)", "km"),
    ("overtime_seconds", "overtime (min)", "minutes"),
    ("waiting_seconds", "waiting (min)", "minutes"),
    ("lateness_seconds", "late starts (min)", "minutes"),
    ("late_visits", "late visits", "count"),
    ("continuity_rate", "continuity", "rate"),
    ("staff_used", "staff used", "count"),
)


@dataclass(frozen=True, slots=True)
class StaffFigures:
    """One staff member's day in figures (seconds): visits, travel, route times, overtime, waiting, lateness."""

    visits: int
    travel: int
    start: int
    end: int
    overtime: int
    waiting: int
    lateness: int


@dataclass(frozen=True, slots=True)
class StaffComparison:
    """A staff member's day as driven (`before`) and as planned (`after`); None when they had no route."""

    staff: str
    before: StaffFigures | None
    after: StaffFigures | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """One historical day against its optimised plan."""

    name: str
    historical: Replay
    plan: Plan
    optimised: DayScore
    optimised_violations: int
    staff: tuple[StaffComparison, ...]

    def kpis(self) -> list[tuple[str, float | None, float | None, float | None]]:
        """Return (label, historical, optimised, optimised - historical) per KPI, durations in minutes."""
        rows = []
        for attribute, label, kind in KPI_ROWS:
            before = _shown(getattr(self.historical.score, attribute), kind)
            after = _shown(getattr(self.optimised, attribute), kind)
            diff = None if before is None or after is None else after - before
            rows.append((label, before, after, diff))
        return rows

    def table(self) -> str:
        """Return the side-by-side table: KPIs, each staff member's day, and the rules the history broke."""
        lines = [f"{self.name or self.plan.date.isoformat()}: as driven vs optimised",
                 f"  {'':20} {'historical':>11} {'optimised':>11} {'difference':>11}"]
        for (label, before, after, diff), (_, _, kind) in zip(self.kpis(), KPI_ROWS, strict=True):
            lines.append(f"  {label:20} {_cell(before, kind):>11} {_cell(after, kind):>11} "
                         f"{_cell(diff, kind, signed=True):>11}")
        lines.append(f"  {'rules broken':20} {len(self.historical.violations):>11} {self.optimised_violations:>11}")
        lines.append("")
        lines.append(f"  {'staff':10} {'as driven':^38} | {'optimised':^38}")
        lines.append(f"  {'':10} {_staff_header()} | {_staff_header()}")
        for person in self.staff:
            lines.append(f"  {person.staff:10} {_staff_cells(person.before)} | {_staff_cells(person.after)}")
        violations = self.historical.violations
        if violations:
            by_rule = self.historical.minutes_by_rule()
            counts: dict[str, int] = {}
            for v in violations:
                counts[v.rule] = counts.get(v.rule, 0) + 1
            summary = ", ".join(f"{rule} {counts[rule]} ({minutes} min)" for rule, minutes in by_rule.items())
            lines += ["", f"  rules the day as driven broke: {summary}"]
            lines += [f"    {v}" + (f" [{v.minutes} min]" if v.minutes is not None else "") for v in violations]
        if self.historical.unserved:
            lines.append(f"  not served as driven: {', '.join(self.historical.unserved)}")
        missed = [u.visit for u in self.plan.unassigned]
        if missed:
            lines.append(f"  not served in the optimised plan: {', '.join(missed)}")
        if self.historical.warnings:
            lines += ["", "  figures the history gave that disagree with its replay (recomputed, never trusted):"]
            lines += [f"    warning: {w}" for w in self.historical.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"historical": {kpis..., "violations": [...]}, "optimised": {kpis...}, "plan": {...}}``."""
        return {"historical": self.historical.to_dict(), "optimised": self.optimised.to_dict(),
                "plan": plan_to_dict(self.plan)}


def _shown(value: float | None, kind: str) -> float | None:
    if value is None:
        return None
    if kind == "minutes":
        return float(seconds_to_minutes(int(value)))
    return float(value)


def _cell(value: float | None, kind: str, signed: bool = False) -> str:
    if value is None:
        return "-"
    sign = "+" if signed else ""
    if kind == "rate":
        return f"{value * 100:{sign}.0f}" + (" pts" if signed else "%")
    if kind == "km":
        return f"{value:{sign}.1f}"
    return f"{value:{sign}.0f}"


def _staff_header() -> str:
    return f"{'visits':>6} {'travel':>6} {'day':>11} {'over':>5} {'late':>5}"


def _staff_cells(figures: StaffFigures | None) -> str:
    if figures is None:
        return f"{'-':>6} {'':6} {'':11} {'':5} {'':5}"
    day = f"{format_clock(figures.start)}-{format_clock(figures.end)}"
    return (f"{figures.visits:>6} {seconds_to_minutes(figures.travel):>6} {day:>11} "
            f"{seconds_to_minutes(figures.overtime):>5} {seconds_to_minutes(figures.lateness):>5}")


def staff_figures(problem: Problem, route: Route) -> StaffFigures:
    """Return one route's figures: visits, travel, start and end, overtime, waiting and lateness."""
    person = problem.staff_by_id[route.staff]
    late = late_starts(problem, [route])
    return StaffFigures(
        visits=len(route.stops), travel=route.travel, start=route.start, end=route.end,
        overtime=max(0, route.end - person.shift.end), waiting=route_waiting(route), lateness=sum(late.values()),
    )


def compare_day(problem: Problem, history: History, options: SolveOptions | None = None, *,
                travel: TravelMatrix | None = None, name: str = "") -> Comparison:
    """Return the historical day replayed and the same day re-planned, side by side."""
    matrix = travel if travel is not None else travel_matrix(problem)
    historical = replay(problem, history, matrix)
    plan = solve(problem, options or SolveOptions(), travel=matrix)
    staff = []
    for person in problem.staff:
        before, after = historical.plan.route_of(person.id), plan.route_of(person.id)
        if before is None and after is None:
            continue
        staff.append(StaffComparison(person.id, None if before is None else staff_figures(problem, before),
                                     None if after is None else staff_figures(problem, after)))
    return Comparison(name, historical, plan, score_plan(problem, plan, matrix),
                      len(check_plan(problem, plan, matrix)), tuple(staff))


# Many days ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayRow:
    """One day of a many-day comparison: each KPI as driven and as optimised (durations in seconds)."""

    name: str
    date: str
    visits: int
    served: tuple[int, int]
    travel_seconds: tuple[int, int]
    distance_km: tuple[float | None, float | None]
    overtime_seconds: tuple[int, int]
    lateness_seconds: tuple[int, int]
    late_visits: tuple[int, int]
    waiting_seconds: tuple[int, int]
    violations: int
    violation_seconds: int

    @classmethod
    def of(cls, comparison: Comparison) -> DayRow:
        """Return the row of one day's comparison."""
        h, o = comparison.historical.score, comparison.optimised
        return cls(
            name=comparison.name, date=comparison.plan.date.isoformat(), visits=h.visits,
            served=(h.visits_served, o.visits_served),
            travel_seconds=(h.travel_seconds, o.travel_seconds), distance_km=(h.distance_km, o.distance_km),
            overtime_seconds=(h.overtime_seconds, o.overtime_seconds),
            lateness_seconds=(h.lateness_seconds, o.lateness_seconds), late_visits=(h.late_visits, o.late_visits),
            waiting_seconds=(h.waiting_seconds, o.waiting_seconds), violations=len(comparison.historical.violations),
            violation_seconds=sum(v.seconds or 0 for v in comparison.historical.violations),
        )


#: Columns of the many-day table: the pair attribute of `DayRow`, its heading, and its name in the totals and
#: the frame, which show durations in minutes.
_PAIRS = (("served", "served", "served"), ("travel_seconds", "travel min", "travel_minutes"),
          ("overtime_seconds", "overtime min", "overtime_minutes"), ("lateness_seconds", "late min", "late_minutes"),
          ("waiting_seconds", "waiting min", "waiting_minutes"))


@dataclass(frozen=True, slots=True)
class DaysComparison:
    """Many historical days against their optimised plans: one row per day, totals, and each day's details."""

    rows: tuple[DayRow, ...]
    comparisons: tuple[Comparison, ...]

    def totals(self) -> dict[str, Any]:
        """Return the sums over all days (durations in minutes): per KPI as driven, optimised and saved."""
        totals: dict[str, Any] = {"days": len(self.rows), "visits": sum(r.visits for r in self.rows)}
        for attribute, _, shown in _PAIRS:
            before = sum(getattr(r, attribute)[0] for r in self.rows)
            after = sum(getattr(r, attribute)[1] for r in self.rows)
            if attribute != "served":
                before, after = seconds_to_minutes(before), seconds_to_minutes(after)
            totals[shown] = {"historical": before, "optimised": after, "difference": after - before}
        totals["violations"] = sum(r.violations for r in self.rows)
        totals["violation_minutes"] = seconds_to_minutes(sum(r.violation_seconds for r in self.rows))
        totals["days_serving_fewer"] = sum(1 for r in self.rows if r.served[1] < r.served[0])
        return totals

    def to_frame(self) -> pd.DataFrame:
        """Return one row per day: each KPI as driven (`_hist`) and optimised (`_opt`), minutes for durations."""
        records = []
        for r in self.rows:
            record: dict[str, Any] = {"day": r.name, "date": r.date, "visits": r.visits}
            for attribute, _, shown in _PAIRS:
                before, after = getattr(r, attribute)
                scale = 1 if attribute == "served" else SECONDS_PER_MINUTE
                record[f"{shown}_hist"], record[f"{shown}_opt"] = before / scale, after / scale
            record["violations_hist"] = r.violations
            record["violation_minutes_hist"] = r.violation_seconds / SECONDS_PER_MINUTE
            records.append(record)
        return pd.DataFrame(records)

    def table(self) -> str:
        """Return the many-day table: as driven / optimised / saved per KPI, one line per day and a total line."""
        head = f"{'day':12} " + " ".join(f"{label:>19}" for _, label, _ in _PAIRS) + f" {'rules broken':>14}"
        sub = f"{'':12} " + " ".join(f"{'hist':>6}{'opt':>6}{'saved':>7}" for _ in _PAIRS) + f" {'(minutes)':>14}"
        lines = [head, sub]
        for r in self.rows:
            cells = []
            for attribute, _, _ in _PAIRS:
                before, after = getattr(r, attribute)
                if attribute != "served":
                    before, after = seconds_to_minutes(before), seconds_to_minutes(after)
                saved = after - before if attribute == "served" else before - after
                cells.append(f"{before:>6}{after:>6}{saved:>+7}")
            broken = f"{r.violations} ({seconds_to_minutes(r.violation_seconds)})"
            lines.append(f"{r.name[:12]:12} " + " ".join(cells) + f" {broken:>14}")
        totals = self.totals()
        cells = []
        for attribute, _, shown in _PAIRS:
            t = totals[shown]
            saved = t["difference"] if attribute == "served" else -t["difference"]
            cells.append(f"{t['historical']:>6}{t['optimised']:>6}{saved:>+7}")
        broken = f"{totals['violations']} ({totals['violation_minutes']})"
        lines.append(f"{'total':12} " + " ".join(cells) + f" {broken:>14}")
        lines.append("(served: 'saved' is the visits gained; the other columns: minutes saved, negative = more)")
        return "\n".join(lines)


NamedHistory = tuple[str, Problem, History]
"""A named historical day: (name, problem, history as a plan, a visit log table, or a file)."""


def find_days(directory: str | Path) -> list[tuple[str, Path, Path]]:
    """Return (name, problem file, history file) for each day in a directory.

    A day is NAME.json (the problem) with NAME.plan.json (the plan as driven) or NAME.csv
    (the visit log) beside it.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a directory of days")
    found = []
    for problem_path in sorted(folder.glob("*.json")):
        if problem_path.name.endswith(".plan.json"):
            continue
        name = problem_path.stem
        candidates = [folder / f"{name}.plan.json", folder / f"{name}.csv"]
        history = next((c for c in candidates if c.exists()), None)
        if history is None:
            raise InputError(f"{problem_path}: no history beside it ({name}.plan.json or {name}.csv)")
        found.append((name, problem_path, history))
    if not found:
        raise InputError(f"{folder} holds no days (NAME.json with NAME.plan.json or NAME.csv)")
    return found


def compare_days(days: Iterable[NamedHistory] | str | Path, options: SolveOptions | None = None,
                 workers: int | None = None, executor: concurrent.futures.Executor | None = None) -> DaysComparison:
    """Return the comparison of many days (a list of days, or a directory), solved in parallel.

    `executor`: any `concurrent.futures.Executor` (a Dask cluster's `client.get_executor()`, a thread
    pool, ...), left open; without one, a local process pool of `workers` processes (default: the cores).
    """
    tasks: Sequence[tuple[str, Problem | Path, History]]
    tasks = find_days(days) if isinstance(days, str | Path) else list(days)
    options = options or SolveOptions()
    count = min(len(tasks), workers or os.cpu_count() or 1)
    if executor is not None:
        futures = [executor.submit(_compare_task, name, problem, history, options) for name, problem, history in tasks]
        comparisons = [f.result() for f in futures]
    elif count <= 1:
        comparisons = [_compare_task(name, problem, history, options) for name, problem, history in tasks]
    else:
        # Forked workers inherit the imported library; spawning would re-run a calling script.
        context = multiprocessing.get_context("fork") if hasattr(os, "fork") else None
        with concurrent.futures.ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
            futures = [pool.submit(_compare_task, name, problem, history, options) for name, problem, history in tasks]
            comparisons = [f.result() for f in futures]
    return DaysComparison(tuple(DayRow.of(c) for c in comparisons), tuple(comparisons))


def _compare_task(name: str, problem: Problem | Path, history: History, options: SolveOptions) -> Comparison:
    day = problem if isinstance(problem, Problem) else read_problem(problem)
    return compare_day(day, history, options, name=name)
