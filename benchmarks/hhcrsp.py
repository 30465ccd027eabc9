"""Solve a home-care routing and scheduling instance (Mankowska et al. 2014 JSON schema).

The JSON (``patients``, ``services``, ``caregivers``, ``central_offices``, ``distances``)
becomes the library's `Problem`: the office is the base, each caregiver a `Staff` with
their abilities as skills, each required service a `Visit` needing that skill. A patient
with two services gets two visits on distinct staff, the second linked to the first with
``after``: simultaneous = gap [0, 0], sequential = gap [min, max] minutes. Travel is the
instance's distance matrix, in minutes (the library stores seconds, rounded up).

Modes:
- ``hard`` (mode 1): the contract's hard windows (service must start inside the window),
  travel only. A plan that serves everyone is also a valid solution of the literature's
  problem with no lateness, so its literature cost is travel / 3 and the gap to the
  best-known cost is meaningful (an upper bound on what mode 2 would give).
- ``literature`` (mode 2): (travel + total lateness + max lateness) / 3 with soft window
  ends. Each visit gets the contract extension ``late_minutes`` (any lateness allowed) and
  the solver prices a second late like a second of travel (``lateness_weight=1``, see
  LITERATURE_LATENESS_WEIGHT); the maximum lateness is not an objective term of the library
  and is only added when the plan is scored. Lateness is measured on the
  plan's start times, whose travel is rounded up to the second, so it never flatters.

    python benchmarks/hhcrsp.py INSTANCE.json[.gz] --seconds 30 [--json]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import itertools
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ahs_routing import (
    After,
    Base,
    Location,
    Patient,
    Plan,
    Policy,
    Problem,
    Shift,
    SolveOptions,
    Staff,
    TimeWindow,
    TravelModel,
    Visit,
    check_plan,
    solve_with_stats,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "hhc"
MINUTE = 60
MODES = ("hard", "literature")

#: A second late costs as much as a second of travel. The literature counts the latest visit's
#: lateness twice (total + maximum), but weight 2 was no better overall (Mankowska A-E at 30 s,
#: 2026-11-23: A 0.01, B 0.66, C 2.95, D 7.32, E 10.12% against 0.78, 0.24, 4.42, 5.78, 9.80%
#: with 1; benchmarks/RESULTS.md), and the Kummer evaluation ran with 1.
LITERATURE_LATENESS_WEIGHT = 1


def read_json(path: str | Path) -> dict[str, Any]:
    """Return the instance JSON (plain or gzip-compressed)."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    data: dict[str, Any] = json.loads(raw)
    return data


def visit_id(patient: str, k: int) -> str:
    """Return the id of a patient's k-th service (0-based)."""
    return f"{patient}#{k + 1}"


def to_problem(data: dict[str, Any], mode: str = "hard") -> Problem:
    """Return the library's `Problem` for an HHCRSP instance in the given mode."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
    office = data["central_offices"][0]
    base = Base(str(office["id"]), Location(0.0, 0.0))
    patients_data = data["patients"]
    # No shift is given: the day ends when the last visit could end and its trip home is driven.
    horizon = math.ceil(max(
        float(p["time_window"][1]) + max(float(s["duration"]) for s in p["required_caregivers"])
        for p in patients_data
    ) + max(max(row) for row in data["distances"])) + 1
    if mode == "literature":
        # Late starts are allowed without limit: leave room for a day that runs late throughout.
        horizon += math.ceil(sum(float(s["duration"]) for p in patients_data for s in p["required_caregivers"]))
    # The model bounds any duration at 48 h; no instance here needs a visit that late.
    late = min(horizon, 48 * 60) * MINUTE if mode == "literature" else 0
    shift = Shift(0, horizon * MINUTE)
    staff = tuple(Staff(str(c["id"]), shift, skills=frozenset(c["abilities"])) for c in data["caregivers"])
    patients = tuple(Patient(str(p["id"]), Location(0.0, 0.0)) for p in patients_data)
    visits: list[Visit] = []
    for p in patients_data:
        window = (TimeWindow(_seconds(p["time_window"][0]), _seconds(p["time_window"][1])),)
        sync = p.get("synchronization") or {}
        for k, need in enumerate(p["required_caregivers"]):
            after = None
            if k > 0:
                low, high = (0.0, 0.0) if sync.get("type") == "simultaneous" else sync.get("distance", (0.0, None))
                after = After(visit_id(p["id"], k - 1), _seconds(low), None if high is None else _seconds(high))
            visits.append(Visit(visit_id(p["id"], k), str(p["id"]), duration=_seconds(need["duration"]),
                                windows=window, skills=frozenset({need["service"]}), after=after, late=late))
    names = (base.id, *(str(p["id"]) for p in patients_data))
    travel = TravelModel(provider="matrix", locations=names,
                         minutes=tuple(tuple(float(v) for v in row) for row in data["distances"]))
    return Problem(dt.date(2026, 1, 5), base, staff, patients, tuple(visits), policy=Policy(None, None),
                   travel=travel)


def _seconds(minutes: float) -> int:
    # Windows and gaps are whole minutes in Mankowska; round so that float noise cannot shift them.
    return round(float(minutes) * MINUTE)


def plan_travel(data: dict[str, Any], plan: Plan) -> float:
    """Return the real-valued travel time (minutes) of a plan over the instance's matrix."""
    index = {name: i for i, name in enumerate([data["central_offices"][0]["id"],
                                               *(p["id"] for p in data["patients"])])}
    office = data["central_offices"][0]["id"]
    total = 0.0
    for route in plan.routes:
        path = [office, *(s.patient for s in route.stops), office]
        total += sum(float(data["distances"][index[a]][index[b]]) for a, b in itertools.pairwise(path))
    return total


def plan_tardiness(problem: Problem, plan: Plan) -> list[float]:
    """Return each routed visit's minutes past the end of its window (0 when on time)."""
    ends = {v.id: max(w.end for w in v.windows) for v in problem.visits if v.windows}
    return [max(0, s.start - ends[s.visit]) / MINUTE for r in plan.routes for s in r.stops if s.visit in ends]


def best_known(name: str) -> float | None:
    """Return the best-known literature cost of an instance by file stem or short name (A1...)."""
    for table in SHARED.glob("*/BKS.csv"):
        with table.open() as handle:
            for row in csv.DictReader(handle):
                if name in (row.get("instance"), row.get("file")) and row.get("bks"):
                    return float(row["bks"])
    return None


def instance_name(path: str | Path) -> str:
    """Return an instance's file stem without .json/.gz."""
    name = Path(path).name
    for suffix in (".gz", ".json"):
        name = name.removesuffix(suffix)
    return name


def solve_file(path: str | Path, seconds: float, seed: int = 1, mode: str = "hard") -> dict[str, object]:
    """Return the benchmark row of one instance: served visits, travel, literature cost, gap, checker."""
    started = time.monotonic()
    data = read_json(path)
    problem = to_problem(data, mode)
    weight = LITERATURE_LATENESS_WEIGHT if mode == "literature" else SolveOptions().lateness_weight
    options = SolveOptions(time_limit=seconds, seed=seed, lateness_weight=weight)
    plan, stats = solve_with_stats(problem, options)
    violations = check_plan(problem, plan)
    travel = plan_travel(data, plan)
    tardiness = plan_tardiness(problem, plan)
    name = instance_name(path)
    bks = best_known(name)
    complete = not plan.unassigned
    cost = (travel + sum(tardiness) + max(tardiness, default=0.0)) / 3.0
    return {
        "instance": name,
        "mode": mode,
        "visits": len(problem.visits),
        "unassigned": len(plan.unassigned),
        "travel": round(travel, 3),
        "total_tardiness": round(sum(tardiness), 3),
        "max_tardiness": round(max(tardiness, default=0.0), 3),
        "cost": round(cost, 3) if complete else None,
        "bks": bks,
        "gap": round(100.0 * (cost - bks) / bks, 2) if complete and bks else None,
        "checker": [str(v) for v in violations[:3]],
        "first_plan_seconds": stats.first_solution_seconds,
        "stopped_by": stats.stopped_by,
        "seconds": round(time.monotonic() - started, 2),
    }


def family_of(name: str) -> str:
    """Return the Mankowska family letter (A-G) of a file stem, "Kummer N" by patients, or the stem."""
    sizes = {"10": "A", "25": "B", "50": "C", "75": "D", "100": "E", "200": "F", "300": "G"}
    parts = name.split("_")
    if name.startswith("Instanz") and len(parts) >= 2:
        return sizes.get(parts[-2], name)
    if name.startswith("HHCRSP_") and len(parts) >= 2 and parts[1].isdigit():
        return f"Kummer {int(parts[1]):3d}"
    return name


def table(rows: Sequence[dict[str, object]]) -> str:
    """Return a Markdown table of rows and the mean gap per family (only complete plans count)."""
    lines = ["| instance | mode | family | visits | unassigned | travel | total / max tardiness | cost | BKS | gap % "
             "| checker |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        gap = "" if r["gap"] is None else f"{r['gap']:.2f}"
        lines.append(f"| {r['instance']} | {r['mode']} | {family_of(str(r['instance']))} | {r['visits']} | "
                     f"{r['unassigned']} | {r['travel']} | "
                     f"{r.get('total_tardiness', 0)} / {r.get('max_tardiness', 0)} | "
                     f"{r['cost'] or ''} | {r['bks'] or ''} | {gap} | "
                     f"{'ok' if not r['checker'] else 'VIOLATIONS'} |")
    families: dict[str, list[dict[str, object]]] = {}
    for r in rows:
        families.setdefault(family_of(str(r["instance"])), []).append(r)
    lines += ["", "| family | instances | complete plans | mean gap % (complete plans) |", "|---|---|---|---|"]
    for family, group in sorted(families.items()):
        gaps = [float(r["gap"]) for r in group if r["gap"] is not None]  # type: ignore[arg-type]
        mean = f"{sum(gaps) / len(gaps):.2f}" if gaps else ""
        lines.append(f"| {family} | {len(group)} | {len(gaps)} | {mean} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Solve instances and print one row each (then a table for several); exit 1 if a plan fails the checker."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mode", choices=MODES, default="hard")
    parser.add_argument("--json", action="store_true", help="one JSON line per instance")
    parser.add_argument("--out", type=Path, default=None, help="append JSON lines here too")
    args = parser.parse_args(argv)
    rows = []
    for path in args.files:
        row = solve_file(path, args.seconds, args.seed, args.mode)
        rows.append(row)
        if args.out is not None:
            with args.out.open("a") as handle:
                handle.write(json.dumps(row) + "\n")
        print(json.dumps(row) if args.json else " ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    if len(rows) > 1:
        print(table(rows))
    return 1 if any(r["checker"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
