"""Histories from other systems: plan exports without output-only fields, visit logs in UTC, DST nights.

The night days: n1 works 22:00-30:00 (06:00 the next morning) on the eve of a daylight-saving
change in Europe/Oslo, with two visits at h1 (10 minutes from the base) logged in UTC.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from builders import day, hm, nurse, patient, visit

from ahs_routing import InputError, Problem
from ahs_routing.analysis.replay import replay
from ahs_routing.cli.main import EXIT_INPUT, EXIT_OK, main
from ahs_routing.io.contract import dumps, plan_from_dict, problem_to_dict, read_plan, read_problem
from ahs_routing.studies.history import historical_day

OSLO = "Europe/Oslo"
OUTPUT_ONLY_ROUTE = ("travel_minutes", "distance_km")


def strip_outputs(document: dict[str, object]) -> dict[str, object]:
    """Another system's export: no kpis, status, unassigned, ineligible_patients, travel or distance."""
    stripped = {k: v for k, v in document.items() if k not in ("kpis", "status", "unassigned", "ineligible_patients")}
    stripped["routes"] = [
        {**{k: v for k, v in route.items() if k not in OUTPUT_ONLY_ROUTE},
         "stops": [{k: v for k, v in stop.items() if k != "travel_minutes"} for stop in route["stops"]]}
        for route in document["routes"]  # type: ignore[attr-defined]
    ]
    return stripped


def test_a_plan_export_without_output_only_fields_is_replayed_as_the_full_plan(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Same replay, KPIs and violations as the full document; wrong KPIs in a document are never trusted."""
    problem_path, full_path = historical_day(12, 2).save(tmp_path)
    full = json.loads(full_path.read_text())
    stripped_path = tmp_path / "export.plan.json"
    stripped_path.write_text(json.dumps(strip_outputs(full)))
    with pytest.raises(InputError, match="kpis: Field required"):
        read_plan(stripped_path)  # `check` still holds a plan to the whole contract
    problem = read_problem(problem_path)
    as_full, as_export = replay(problem, full_path), replay(problem, stripped_path)
    assert as_export.score == as_full.score and as_export.violations == as_full.violations
    lying = {**full, "kpis": {**full["kpis"], "travel_minutes": 1, "visits_served": 0}}
    assert replay(problem, plan_from_dict(lying, history=True)).score == as_full.score
    assert main(["compare", str(problem_path), str(stripped_path), "--time-limit", "1", "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["historical"]["visits_served"] == as_full.score.visits_served


def test_a_history_still_needs_its_records() -> None:
    """Only output-only fields may go: a stop without its start is an input error naming it."""
    document = {"schema_version": 1, "date": "2026-11-23",
                "routes": [{"staff": "n1", "start": "08:00", "end": "09:00",
                            "stops": [{"visit": "v1", "patient": "h1", "arrival": "08:10", "end": "08:40"}]}]}
    with pytest.raises(InputError, match=r"routes\[0\]\.stops\[0\]\.start: Field required"):
        plan_from_dict(document, history=True)


def small_day(date: dt.date, timezone: str | None, shift: tuple[str, str] = ("08:00", "16:00"),
              windows: tuple[tuple[str, str], ...] = ()) -> Problem:
    problem = day([nurse("n1", *shift)], [patient("h1")],
                  [visit("v1", "h1", 20, windows), visit("v2", "h1", 30, windows)], {"h1": 10})
    return replace(problem, date=date, timezone=timezone)


def log(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"staff": "n1", "visit": v, "patient": "h1", "start": s, "end": e} for v, s, e in rows])


def test_a_utc_visit_log_replays_as_the_same_day_in_local_time() -> None:
    """The issue's log: 07:12Z in November is 08:12 in Oslo, not 07:12 (which would be 12 minutes early)."""
    problem = small_day(dt.date(2026, 11, 23), OSLO, windows=(("08:00", "10:00"),))
    in_utc = replay(problem, log(("v1", "2026-11-23T07:12:00Z", "2026-11-23T07:32:00Z"),
                                 ("v2", "2026-11-23T07:40:00+00:00", "2026-11-23T08:10:00+00:00")))
    local = replay(problem, log(("v1", "08:12", "08:32"), ("v2", "08:40", "09:10")))
    assert in_utc.plan == local.plan and in_utc.violations == () and in_utc.score == local.score
    assert [s.start for s in in_utc.plan.routes[0].stops] == [hm("08:12"), hm("08:40")]


def test_offsets_without_a_timezone_are_refused_naming_row_and_column(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    problem = small_day(dt.date(2026, 11, 23), None)
    with pytest.raises(InputError) as caught:
        replay(problem, log(("v1", "08:12", "08:32"), ("v2", "2026-11-23T07:40:00Z", "09:10")))
    [fault] = caught.value.problems
    assert fault.path == "visit log row 1.start" and "carries a UTC offset" in fault.message
    (tmp_path / "day.json").write_text(dumps(problem_to_dict(problem)))
    (tmp_path / "day.csv").write_text("staff,visit,patient,start,end\nn1,v1,h1,2026-11-23T07:12:00Z,08:32\n")
    assert main(["compare", str(tmp_path / "day.json"), str(tmp_path / "day.csv"), "--time-limit", "1"]) == EXIT_INPUT
    assert "visit log row 0 (line 2 of" in capsys.readouterr().err


@pytest.mark.parametrize(("eve", "rows", "clock"), [
    # Spring: 00:50Z-01:10Z is 01:50 CET - 03:10 CEST on the wall, 20 minutes; then 01:20Z-01:50Z.
    (dt.date(2026, 3, 28), (("v1", "2026-03-29T00:50:00Z", "2026-03-29T01:10:00Z"),
                            ("v2", "2026-03-29 03:20", "2026-03-29T01:50:00Z")),
     [("25:50", "26:10"), ("26:20", "26:50")]),
    # Autumn: 02:50 CEST - 02:10 CET is 20 minutes, although the wall clock went back.
    (dt.date(2026, 10, 24), (("v1", "2026-10-25T02:50:00+02:00", "2026-10-25T02:10:00+01:00"),
                             ("v2", "2026-10-25T01:20:00Z", "2026-10-25T01:50:00Z")),
     [("26:50", "27:10"), ("27:20", "27:50")]),
])
def test_a_night_shift_across_a_daylight_saving_change(
        eve: dt.date, rows: tuple[tuple[str, str, str], ...], clock: list[tuple[str, str]]) -> None:
    """Each visit lasts what it lasted (20 and 30 minutes, its duration): no rule broken, nothing refused."""
    problem = small_day(eve, OSLO, shift=("22:00", "30:00"), windows=(("25:00", "29:00"),))
    result = replay(problem, log(*rows))
    [route] = result.plan.routes
    assert [(s.start, s.end) for s in route.stops] == [(hm(a), hm(b)) for a, b in clock]
    assert result.violations == () and result.unserved == ()


def test_a_route_that_records_no_breaks_has_them_inferred_but_an_empty_list_means_none_taken(
        tmp_path: Path) -> None:
    """Another system's export without `breaks`: n1's lunch (30 min, 11:00-13:00) fits after the visits,
    so no rule is broken; `"breaks": []` says none was taken: 30 minutes of break missed."""
    from ahs_routing import Break

    problem = small_day(dt.date(2026, 11, 23), None)
    problem = problem.replace(staff=(replace(problem.staff[0], breaks=(Break(hm("11:00"), hm("13:00"), 1800),)),))
    route = {"staff": "n1", "start": "08:02", "end": "09:20",
             "stops": [{"visit": "v1", "patient": "h1", "arrival": "08:12", "start": "08:12", "end": "08:32"},
                       {"visit": "v2", "patient": "h1", "arrival": "08:40", "start": "08:40", "end": "09:10"}]}
    silent, empty = tmp_path / "silent.plan.json", tmp_path / "empty.plan.json"
    silent.write_text(json.dumps({"schema_version": 1, "date": "2026-11-23", "routes": [route]}))
    empty.write_text(json.dumps({"schema_version": 1, "date": "2026-11-23", "routes": [{**route, "breaks": []}]}))
    inferred = replay(problem, silent)
    assert inferred.violations == () and len(inferred.plan.routes[0].breaks) == 1
    assert [(v.rule, v.minutes) for v in replay(problem, empty).violations] == [("break", 30)]


@pytest.mark.parametrize(("eve", "opens"), [(dt.date(2026, 3, 28), "25:40"), (dt.date(2026, 10, 24), "26:40")])
def test_a_night_plan_exported_with_offsets_replays_to_the_same_minutes(eve: dt.date, opens: str) -> None:
    """The library's own night plan across a DST change (26:00 on the spring eve's clock, 27:00 on the
    autumn eve's), exported as a visit log with the zone's offsets, replays to the very same stops."""
    from ahs_routing import SolveOptions, solve
    from ahs_routing.studies.history import visit_log

    problem = small_day(eve, OSLO, shift=("22:00", "30:00"), windows=((opens, "28:40"),))
    plan = solve(problem, SolveOptions(time_limit=2, seed=1, solution_limit=20))
    exported = visit_log(plan, OSLO)
    stamps = list(exported["start"]) + list(exported["end"])
    assert {t[-6:] for t in stamps} == {"+01:00", "+02:00"}  # both sides of the change
    again = replay(problem, exported)
    assert again.violations == ()
    assert [(s.visit, s.start, s.end) for s in again.plan.routes[0].stops] == \
        [(s.visit, s.start, s.end) for s in plan.routes[0].stops]
