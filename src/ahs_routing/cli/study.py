"""`ahs-routing study CONFIG.toml --out DIR`: run a capacity study from a TOML file.

Writes to DIR: `study.csv` and `study.parquet` (one row per travel limit and staff count),
`days.csv` and `days.parquet` (one row per solved day), `service_level.png`, and for one
example day `example_map.html` and `example_gantt.png`. `results.jsonl` keeps every solved
day as it finishes: run the same command again after an interruption and it goes on from there.

The config (every key optional except `scenario.service`)::

    [scenario]
    service = "children_home_hospital"     # or "municipal_home_care"
    patients_per_day = 18
    radius_km = 110                        # default: the service's own
    seed = 1
    [scenario.mix]                         # default: the service's own mix
    iv_antibiotics = 0.3
    blood_sample = 0.2

    [study]
    staff = [4, 5, 6, 7, 8, 9]             # or {from = 4, to = 9}
    days = 30
    travel_limits = [45, 60, 75]           # minutes one way; "none" = no limit
    time_limit = 60                        # seconds per day, a ceiling
    patience = 20
    solution_limit = 60
    seed = 0
    workers = 2                            # local processes (default: all cores)
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ahs_routing.cli.common import EXIT_OK, Subcommands, require
from ahs_routing.errors import InputError, ProblemCollector
from ahs_routing.solve import SolveOptions
from ahs_routing.studies.scenarios import SERVICES, Scenario, scenario
from ahs_routing.studies.study import DEFAULT_STUDY_OPTIONS, CapacityStudy

log = logging.getLogger(__name__)

SCENARIO_KEYS = {"service", "patients_per_day", "radius_km", "seed", "mix"}
STUDY_KEYS = {"staff", "days", "travel_limits", "time_limit", "patience", "solution_limit", "seed", "workers"}


def register(subcommands: Subcommands) -> None:
    """Add the `study` subcommand."""
    parser = subcommands.add_parser("study", help="capacity study: solve a scenario for many staff counts and limits")
    parser.add_argument("config", help="study config (TOML)")
    parser.add_argument("--out", required=True, metavar="DIR", help="directory for tables and plots")
    parser.add_argument("--workers", type=int, default=None, metavar="N", help="local worker processes")
    parser.add_argument("--dask", metavar="ADDRESS", default=None,
                        help="run on a Dask cluster (scheduler address, e.g. tcp://10.0.0.5:8786)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--no-example", action="store_true", help="skip the example day's map and Gantt chart")
    parser.set_defaults(func=_cmd_study)


def read_config(path: str | Path) -> tuple[Scenario, dict[str, Any]]:
    """Return the scenario and the CapacityStudy arguments a TOML config describes."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"cannot read the config: {error.strerror}", path=str(path)) from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"not valid TOML: {error}", path=str(path)) from None
    return config_from_dict(data)


def config_from_dict(data: Mapping[str, Any]) -> tuple[Scenario, dict[str, Any]]:
    """Return the scenario and the CapacityStudy arguments of a parsed config (every fault at once)."""
    problems = ProblemCollector()
    for key in sorted(set(data) - {"scenario", "study"}):
        problems.add(key, "unknown section; expected [scenario] and [study]")
    given = data.get("scenario")
    if not isinstance(given, Mapping):
        problems.add("scenario", "needs a [scenario] section with at least `service`")
        problems.raise_if_any()
    assert isinstance(given, Mapping)  # narrowed by raise_if_any
    study = data.get("study", {})
    if not isinstance(study, Mapping):
        problems.add("study", "must be a table")
        study = {}
    for key in sorted(set(given) - SCENARIO_KEYS):
        problems.add(f"scenario.{key}", f"unknown key; expected one of {', '.join(sorted(SCENARIO_KEYS))}")
    for key in sorted(set(study) - STUDY_KEYS):
        problems.add(f"study.{key}", f"unknown key; expected one of {', '.join(sorted(STUDY_KEYS))}")
    if given.get("service") not in SERVICES:
        problems.add("scenario.service", f"{given.get('service')!r} is not one of {', '.join(SERVICES)}")
    mix = given.get("mix")
    if mix is not None and not isinstance(mix, Mapping):
        problems.add("scenario.mix", "must be a table of programme = weight")
    problems.raise_if_any()

    chosen: Scenario | None = None
    with problems.at("scenario"):
        chosen = scenario(given["service"], patients_per_day=given.get("patients_per_day", 15), mix=mix,
                          radius_km=given.get("radius_km"), seed=_int(given.get("seed", 0), "seed"))
    arguments: dict[str, Any] = {}
    with problems.at("study"):
        arguments["staff"] = _staff(study.get("staff", {"from": 4, "to": 9}))
    with problems.at("study"):
        arguments["days"] = _int(study.get("days", 30), "days")
    with problems.at("study"):
        arguments["travel_limits"] = _limits(study.get("travel_limits", [60]))
    with problems.at("study"):
        arguments["options"] = SolveOptions(
            time_limit=_seconds(study.get("time_limit", DEFAULT_STUDY_OPTIONS.time_limit), "time_limit"),
            seed=_int(study.get("seed", DEFAULT_STUDY_OPTIONS.seed), "seed"),
            patience=study.get("patience", DEFAULT_STUDY_OPTIONS.patience),
            solution_limit=study.get("solution_limit", DEFAULT_STUDY_OPTIONS.solution_limit),
            warm_start="none",
        )
    if "workers" in study:
        with problems.at("study"):
            arguments["max_workers"] = _int(study["workers"], "workers")
    problems.raise_if_any()
    assert chosen is not None
    return chosen, arguments


def _int(value: object, path: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InputError(f"{value!r} must be a whole number >= 0", path=path)
    return value


def _seconds(value: object, path: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
        raise InputError(f"{value!r} must be a positive number of seconds", path=path)
    return float(value)


def _staff(value: object) -> list[int]:
    if isinstance(value, Mapping):
        if set(value) != {"from", "to"}:
            raise InputError("a range needs exactly `from` and `to`", path="staff")
        low, high = _int(value["from"], "staff.from"), _int(value["to"], "staff.to")
        if high < low or low < 1:
            raise InputError(f"from {low} to {high} is not a range of staff counts >= 1", path="staff")
        return list(range(low, high + 1))
    if isinstance(value, list):
        return [_int(v, f"staff[{i}]") for i, v in enumerate(value)]
    raise InputError(f"{value!r} must be a list of staff counts or {{from = a, to = b}}", path="staff")


def _limits(value: object) -> list[float | None]:
    if not isinstance(value, list) or not value:
        raise InputError(f"{value!r} must be a list of minutes", path="travel_limits")
    limits: list[float | None] = []
    for i, item in enumerate(value):
        if item == "none":
            limits.append(None)
        elif isinstance(item, int | float) and not isinstance(item, bool) and item > 0:
            limits.append(float(item))
        else:
            raise InputError(f"{item!r} must be positive minutes or \"none\"", path=f"travel_limits[{i}]")
    return limits


def _cmd_study(args: argparse.Namespace) -> int:
    # Before any day is solved: the tables are written as Parquet, the bar is tqdm's.
    require("study", "study", "pyarrow", *(() if args.no_progress else ("tqdm",)))
    if args.dask:
        require("study", "--dask", "distributed")
    chosen, arguments = read_config(args.config)
    if args.workers is not None:
        arguments["max_workers"] = args.workers
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    client: Any = None
    if args.dask:
        # Imported by name: distributed ships no type hints, and only this option needs it.
        client = importlib.import_module("distributed").Client(args.dask)
        arguments["executor"] = client.get_executor()
        arguments.pop("max_workers", None)
    try:
        study = CapacityStudy(chosen, results=out / "results.jsonl", progress=not args.no_progress, **arguments)
        table = study.run()
    finally:
        if client is not None:
            client.close()
    days = study.days
    table.to_csv(out / "study.csv", index=False)
    days.to_csv(out / "days.csv", index=False)
    table.to_parquet(out / "study.parquet", index=False)
    days.to_parquet(out / "days.parquet", index=False)
    written = ["study.csv", "study.parquet", "days.csv", "days.parquet"]
    try:
        from ahs_routing import plotting

        title = (f"{chosen.service.name}: {chosen.patients_per_day:g} patients/day within {chosen.radius_km:g} km, "
                 f"seed {chosen.seed}")
        plotting.save_service_level_curve(table, out / "service_level.png", title=title)
        written.append("service_level.png")
        if not args.no_example:
            written += _example_day(study, out)
    except ImportError as error:
        sys.stderr.write(f"no plots: {error}\n")
    sys.stderr.write(f"{len(days)} days solved; wrote {', '.join(written)} to {out}\n")
    sys.stdout.write(table.to_string(index=False, float_format=lambda x: f"{x:.3f}") + "\n")
    return EXIT_OK


def _example_day(study: CapacityStudy, out: Path) -> list[str]:
    """Solve the study's first day at its largest staff count and first travel limit; draw it."""
    from ahs_routing import plotting
    from ahs_routing.solve import solve

    problem = study.scenario.day(study.day_indices[0], max(study.staff), study.travel_limits[0])
    plan = solve(problem, study.options)
    plotting.save_route_map(problem, plan, out / "example_map.html")
    plotting.save_gantt_chart(problem, plan, out / "example_gantt.png")
    return ["example_map.html", "example_gantt.png"]
