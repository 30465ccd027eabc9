"""Capacity studies: solve a scenario's days for every staff count and travel limit, and tabulate.

    study = CapacityStudy(children_home_hospital(18), staff=range(4, 10), days=30,
                          travel_limits=(45, 60, 75))
    table = study.run()          # one row per (travel limit, staff): shares served, travel, ...
    study.days                   # one row per solved day

Every (staff, travel limit, day) is one task run through a `concurrent.futures.Executor`: a
local process pool by default, or any other (a Dask cluster's `client.get_executor()`, Ray's
`RayExecutor`). A task depends only on its arguments (the day comes from the scenario's seed
and the day index; the search from `SolveOptions.seed` and stops by `patience` or
`solution_limit`), so the table is the same whichever executor ran it, as long as no search
was stopped by the clock (`time_limited_days` counts those). Rows are appended to a JSON-lines
file as they finish, so an interrupted study resumes where it stopped.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import enum
import hashlib
import json
import logging
import math
import multiprocessing
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ahs_routing.domain.model import DEFAULT_MAX_TRAVEL_MINUTES_FROM_BASE, Priority, Problem
from ahs_routing.domain.plan import Plan, UnassignedReason
from ahs_routing.errors import InputError
from ahs_routing.solve import SolveOptions, SolveStats, solve_with_stats
from ahs_routing.studies.scenarios import Scenario
from ahs_routing.times import SECONDS_PER_MINUTE

log = logging.getLogger(__name__)

#: How studies search by default: the search ends after 60 solutions or 20 without a new best,
#: both counted in solutions, not seconds, so results do not depend on the machine's load.
#: The time limit is only a ceiling for runaway days (`time_limited_days` reports them). No
#: PyVRP warm start: it stops by the clock.
DEFAULT_STUDY_OPTIONS = SolveOptions(time_limit=60.0, seed=0, patience=20, solution_limit=60, warm_start="none")

#: Columns of `CapacityStudy.days`, one row per solved day.
DAY_COLUMNS = (
    "travel_limit", "staff", "day", "patients", "patients_eligible", "visits", "visits_eligible", "visits_served",
    "critical_eligible", "critical_served", "capacity_unserved", "travel_minutes", "overtime_minutes",
    "busy_minutes", "available_minutes", "staff_used", "complete", "stopped_by", "solutions", "solve_seconds",
)

#: Columns of the summary table, one row per (travel limit, staff).
SUMMARY_COLUMNS = (
    "travel_limit", "staff", "days", "patients_per_day", "patients_offered_per_day", "served_share",
    "critical_served_share", "demand_served_share", "travel_per_visit_minutes", "overtime_minutes_per_day",
    "utilisation", "served_share_min", "served_share_max", "served_share_std", "complete_days_share",
    "time_limited_days",
)


@dataclasses.dataclass(frozen=True, slots=True)
class StudyTask:
    """One solve of a study: day `day` of the scenario with `staff` staff under `travel_limit` minutes."""

    staff: int
    travel_limit: float | None
    day: int

    @property
    def key(self) -> tuple[float | None, int, int]:
        """Return (travel limit, staff count, day): what identifies the task in the study's tables."""
        return (self.travel_limit, self.staff, self.day)


def solve_task(scenario: Scenario, task: StudyTask, options: SolveOptions) -> dict[str, Any]:
    """Return the figures of one solved study day (a row of `CapacityStudy.days`)."""
    problem = scenario.day(task.day, task.staff, task.travel_limit)
    plan, stats = solve_with_stats(problem, options)
    return day_figures(problem, plan, stats, task)


def day_figures(problem: Problem, plan: Plan, stats: SolveStats, task: StudyTask) -> dict[str, Any]:
    """Return what a study records about one plan: demand, service, travel, overtime, workload."""
    ineligible = {p.patient for p in plan.ineligible_patients}
    eligible = [v for v in problem.visits if v.patient not in ineligible]
    served = {stop.visit for _, stop in plan.stops()}
    critical = [v for v in eligible if v.priority is Priority.CRITICAL]
    busy = sum(route.travel + sum(stop.end - stop.start for stop in route.stops) for route in plan.routes)
    # Time on duty minus breaks, for everyone on the roster: idle staff count as spare capacity.
    available = sum(s.shift.end - s.shift.start - sum(b.duration for b in s.breaks) for s in problem.staff)
    return {
        "travel_limit": task.travel_limit,
        "staff": task.staff,
        "day": task.day,
        "patients": len(problem.patients),
        "patients_eligible": len(problem.patients) - len(ineligible),
        "visits": len(problem.visits),
        "visits_eligible": len(eligible),
        "visits_served": len(served),
        "critical_eligible": len(critical),
        "critical_served": sum(1 for v in critical if v.id in served),
        "capacity_unserved": sum(1 for u in plan.unassigned if u.reason is UnassignedReason.CAPACITY),
        "travel_minutes": plan.kpis.travel_seconds / SECONDS_PER_MINUTE,
        "overtime_minutes": plan.kpis.overtime_seconds / SECONDS_PER_MINUTE,
        "busy_minutes": busy / SECONDS_PER_MINUTE,
        "available_minutes": available / SECONDS_PER_MINUTE,
        "staff_used": plan.kpis.staff_used,
        "complete": len(served) == len(eligible),
        "stopped_by": stats.stopped_by,
        "solutions": stats.solutions,
        "solve_seconds": round(stats.seconds, 3),
    }


def summarise(days: pd.DataFrame) -> pd.DataFrame:
    """Return one row per (travel limit, staff) from day rows: shares served, travel, overtime, spread."""
    rows = []
    for (limit, staff), group in days.groupby(["travel_limit", "staff"], dropna=False, sort=True):
        daily_share = _share(group["visits_served"], group["visits_eligible"])
        rows.append({
            "travel_limit": limit,
            "staff": staff,
            "days": len(group),
            "patients_per_day": group["patients"].mean(),
            "patients_offered_per_day": group["patients_eligible"].mean(),
            "served_share": _ratio(group["visits_served"].sum(), group["visits_eligible"].sum()),
            "critical_served_share": _ratio(group["critical_served"].sum(), group["critical_eligible"].sum()),
            "demand_served_share": _ratio(group["visits_served"].sum(), group["visits"].sum()),
            "travel_per_visit_minutes": _ratio(group["travel_minutes"].sum(), group["visits_served"].sum()),
            "overtime_minutes_per_day": group["overtime_minutes"].mean(),
            "utilisation": _ratio(group["busy_minutes"].sum(), group["available_minutes"].sum()),
            "served_share_min": daily_share.min(),
            "served_share_max": daily_share.max(),
            "served_share_std": daily_share.std(ddof=0),
            "complete_days_share": group["complete"].mean(),
            "time_limited_days": int((group["stopped_by"] == "time_limit").sum()),
        })
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else math.nan


def _share(numerator: pd.Series[Any], denominator: pd.Series[Any]) -> pd.Series[Any]:
    # A day with nothing to serve is fully served.
    return (numerator / denominator.where(denominator > 0)).fillna(1.0)


class CapacityStudy:
    """Solve every (staff count, travel limit, day) of a scenario and tabulate the service it gives.

    - `staff`: staff counts to try (the first n of the scenario's roster).
    - `days`: how many days (0..days-1) or which day indices.
    - `travel_limits`: one-way limits from the base in minutes (None = no limit).
    - `options`: how each day is searched (default `DEFAULT_STUDY_OPTIONS`).
    - `executor`: any `concurrent.futures.Executor`; default a local process pool of
      `max_workers` processes, created and shut down by `run`. An executor you pass stays open.
    - `results`: a JSON-lines file; each finished day is appended at once, and days already
      in it (from this scenario and these options) are not solved again.
    - `progress`: show a tqdm progress bar.
    """

    def __init__(
        self,
        scenario: Scenario,
        staff: Iterable[int] = range(4, 10),
        days: int | Iterable[int] = 30,
        travel_limits: Iterable[float | None] = (DEFAULT_MAX_TRAVEL_MINUTES_FROM_BASE,),
        *,
        options: SolveOptions | None = None,
        executor: concurrent.futures.Executor | None = None,
        max_workers: int | None = None,
        results: str | Path | None = None,
        progress: bool = True,
    ) -> None:
        self.scenario = scenario
        self.staff = _whole_numbers(staff, "staff", minimum=1)
        self.day_indices = _whole_numbers(range(days) if isinstance(days, int) else days, "days", minimum=0)
        self.travel_limits = _limits(travel_limits)
        self.options = options or DEFAULT_STUDY_OPTIONS
        self.executor = executor
        self.max_workers = max_workers
        self.results = Path(results) if results is not None else None
        self.progress = progress
        self._rows: dict[tuple[float | None, int, int], dict[str, Any]] = {}
        if self.options.patience is None and self.options.solution_limit is None:
            log.warning("neither patience nor solution_limit is set: every search runs to the clock, "
                        "so results depend on the machine's load")

    @property
    def fingerprint(self) -> str:
        """Return a short hash of what decides every result: the scenario and the search options."""
        text = json.dumps(_canonical((self.scenario, self.options)), sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def tasks(self) -> list[StudyTask]:
        """Return every task of the study, by travel limit, then staff, then day."""
        return [StudyTask(n, limit, d) for limit in self.travel_limits for n in self.staff for d in self.day_indices]

    @property
    def days(self) -> pd.DataFrame:
        """Return the rows of the days solved so far (this run and earlier ones), in task order."""
        wanted = [t.key for t in self.tasks()]
        rows = [self._rows[k] for k in wanted if k in self._rows]
        return pd.DataFrame(rows, columns=list(DAY_COLUMNS))

    def summary(self) -> pd.DataFrame:
        """Return the table per (travel limit, staff) over the days solved so far."""
        return summarise(self.days)

    def run(self) -> pd.DataFrame:
        """Solve every task not yet done and return the table per (travel limit, staff).

        Interrupted (Ctrl-C, a failing task), it re-raises after cancelling what has not
        started; days finished so far stay in `days` and in the `results` file, and calling
        `run` again solves only the rest.
        """
        self._load()
        todo = [t for t in self.tasks() if t.key not in self._rows]
        total = len(self.tasks())
        if todo:
            self._solve(todo, total)
        return self.summary()

    def _solve(self, todo: Sequence[StudyTask], total: int) -> None:
        own = self.executor is None
        executor = self.executor if self.executor is not None else _local_pool(self.max_workers)
        futures: dict[concurrent.futures.Future[dict[str, Any]], StudyTask] = {}
        completed = False
        try:
            for task in todo:
                futures[executor.submit(solve_task, self.scenario, task, self.options)] = task
            with _progress_bar(total, total - len(todo), self.progress) as bar:
                for future in concurrent.futures.as_completed(futures):
                    self._keep(future.result())
                    bar.update(1)
            completed = True
        finally:
            if not completed:
                for future in futures:
                    future.cancel()
            if own:
                executor.shutdown(wait=completed, cancel_futures=True)

    def _keep(self, row: Mapping[str, Any]) -> None:
        key = (row["travel_limit"], int(row["staff"]), int(row["day"]))
        self._rows[key] = dict(row)
        if self.results is not None:
            self.results.parent.mkdir(parents=True, exist_ok=True)
            line = (json.dumps({"study": self.fingerprint, **row}) + "\n").encode("utf-8")
            # One write of the whole line to a file opened for appending, on disk before the next
            # day is kept: a run killed at any moment leaves whole lines, or a last one cut short.
            handle = os.open(self.results, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(handle, line)
                os.fsync(handle)
            finally:
                os.close(handle)

    def _load(self) -> None:
        if self.results is None or not self.results.exists():
            return
        self._cut_partial_line()
        mine = self.fingerprint
        for number, line in enumerate(self.results.read_text(encoding="utf-8").splitlines(), start=1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                # A line cut short by an interruption: that day is solved again.
                log.warning("%s line %d is incomplete; solving that day again", self.results, number)
                continue
            if row.pop("study", None) != mine:
                raise InputError(f"line {number} holds a result of another study (scenario or options differ); "
                                 "use another results file", path=str(self.results))
            limit = row["travel_limit"]
            row["travel_limit"] = None if limit is None else float(limit)
            self._rows[(row["travel_limit"], int(row["staff"]), int(row["day"]))] = row


    def _cut_partial_line(self) -> None:
        """Remove a last line cut short by a kill (no newline): the next row appended would join it and
        be lost too. That day is solved again."""
        assert self.results is not None
        data = self.results.read_bytes()
        if data and not data.endswith(b"\n"):
            log.warning("%s ends in a row cut short by an interruption; it is removed and that day solved again",
                        self.results)
            with self.results.open("r+b") as handle:
                handle.truncate(data.rfind(b"\n") + 1)


def _canonical(value: Any) -> Any:
    """Return `value` as plain JSON data that is the same in every process (sets sorted: their
    iteration order, and so their repr, changes with each interpreter's hash seed)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return _canonical(value.value)
    if isinstance(value, frozenset | set):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _local_pool(max_workers: int | None) -> concurrent.futures.Executor:
    # fork where there is one: workers inherit the imported library, and a script or notebook
    # needs no `if __name__ == "__main__":` guard. The pool is created, and its workers forked,
    # before the progress bar starts its monitor thread.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return concurrent.futures.ProcessPoolExecutor(max_workers=max_workers, mp_context=context)


class _NoBar:
    def update(self, n: int) -> None:
        del n

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _progress_bar(total: int, done: int, show: bool) -> Any:
    if not show:
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:  # the 'study' extra is not installed: no bar, same results
        return _NoBar()
    return tqdm(total=total, initial=done, desc="capacity study", unit="day")


def _whole_numbers(values: Iterable[int], name: str, minimum: int) -> tuple[int, ...]:
    found = tuple(values)
    bad = [v for v in found if not isinstance(v, int) or isinstance(v, bool) or v < minimum]
    if not found or bad:
        raise InputError(f"needs whole numbers >= {minimum}, got {list(found)!r}", path=name)
    return tuple(dict.fromkeys(found))


def _limits(values: Iterable[float | None]) -> tuple[float | None, ...]:
    found = tuple(values)
    bad = [v for v in found if v is not None and not (isinstance(v, int | float) and math.isfinite(v) and v > 0)]
    if not found or bad:
        raise InputError(f"needs positive minutes (or None for no limit), got {list(found)!r}", path="travel_limits")
    return tuple(dict.fromkeys(None if v is None else float(v) for v in found))

