"""Histories whose output-only fields are partial or absent (issue 23): recomputed, each disagreement a warning.

The "bar" export: another system's plan of a 36-visit day as driven, with `"kpis": {"visits_served":
36, "travel_minutes": 560}` (its own travel model said 560; the problem's says 548), no `status`,
`unassigned` or `ineligible_patients`, and stops without `travel_minutes`. Before, it was refused
(`kpis.travel_minutes: Field required` and four more, exit 2).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ahs_routing import InputError, Problem, SolveOptions, solve
from ahs_routing.analysis.replay import replay
from ahs_routing.cli.main import EXIT_OK, main
from ahs_routing.io.contract import plan_from_dict, plan_to_dict
from ahs_routing.studies.history import HistoricalDay, historical_day

RECORD_KEYS = ("visit", "patient", "arrival", "start", "end")


@functools.cache
def bar_day() -> HistoricalDay:
    """36 visits, 5 nurses, all served as driven (seed 4 of the generator)."""
    return historical_day(36, 4)


def bar_export(full: dict[str, Any]) -> dict[str, Any]:
    """The bar's export of a driven day: partial kpis, no status/unassigned, stops without travel."""
    return {"schema_version": 1, "date": full["date"], "kpis": {"visits_served": 36, "travel_minutes": 560},
            "routes": [{"staff": r["staff"], "start": r["start"], "end": r["end"], "breaks": r["breaks"],
                        "stops": [{k: s[k] for k in RECORD_KEYS} for s in r["stops"]]} for r in full["routes"]]}


def test_the_bar_history_replays_exactly_and_the_optimised_plan_travels_less(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    day = bar_day()
    problem_path, full_path = day.save(tmp_path)
    full = json.loads(full_path.read_text())
    assert full["kpis"]["visits_served"] == 36 and full["kpis"]["travel_minutes"] == 548
    bar = tmp_path / "bar.plan.json"
    bar.write_text(json.dumps(bar_export(full)))

    replayed = replay(day.problem, bar)
    assert plan_to_dict(replayed.plan)["routes"] == full["routes"]  # every stop, travel and break as given
    assert replayed.violations == () and replayed.score.visits_served == 36
    assert replayed.warnings == ("history kpis.travel_minutes: 560 given, 548 recomputed",)

    code = main(["compare", str(problem_path), str(bar), "--time-limit", "5", "--solution-limit", "200", "--seed", "1"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "    warning: history kpis.travel_minutes: 560 given, 548 recomputed" in out.splitlines()
    travel = re.search(r"^  travel \(min\)\s+(\d+)\s+(\d+)", out, re.MULTILINE)
    assert travel is not None
    historical, optimised = int(travel[1]), int(travel[2])
    assert historical == 548 and optimised <= historical
    served = re.search(r"^  visits served\s+(\d+)\s+(\d+)", out, re.MULTILINE)
    assert served is not None and int(served[2]) >= int(served[1]) == 36


def test_every_given_figure_that_disagrees_is_one_warning_and_nothing_is_fatal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Wrong, unreadable and unknown output figures: reported (table, and stderr with --json), exit 0."""
    day = historical_day(8, 3)
    problem_path, full_path = day.save(tmp_path)
    full = json.loads(full_path.read_text())
    served = [s["visit"] for r in full["routes"] for s in r["stops"]]
    wrong = copy.deepcopy(full)
    wrong["status"] = "partial" if full["status"] == "complete" else "complete"
    wrong["kpis"] = {"visits_served": full["kpis"]["visits_served"] + 1, "staff_used": "five", "co2_kg": 3}
    wrong["unassigned"] = [{"visit": served[0]}, "v?"]
    wrong["routes"][0]["travel_minutes"] += 7
    wrong["routes"][0]["stops"][0]["travel_minutes"] += 2.5
    path = tmp_path / "wrong.plan.json"
    path.write_text(json.dumps(wrong))
    staff, visit = full["routes"][0]["staff"], full["routes"][0]["stops"][0]["visit"]
    result = replay(day.problem, path)
    assert result.plan == replay(day.problem, full_path).plan  # none of it is trusted
    assert set(result.warnings) == {
        f"history status: {wrong['status']} given, {full['status']} recomputed",
        f"history kpis.visits_served: {wrong['kpis']['visits_served']} given, "
        f"{full['kpis']['visits_served']} recomputed",
        "history kpis.staff_used: five given, not a number; ignored",
        "history kpis.co2_kg: not a KPI of the plan format, ignored",
        "history unassigned[1]: v? given, no visit id; ignored",
        f"history unassigned: {served[0]} given, "
        f"{', '.join(sorted(u['visit'] for u in full['unassigned'])) or 'none'} recomputed",
        f"history routes[0].travel_minutes ({staff}): {full['routes'][0]['travel_minutes'] + 7} given, "
        f"{full['routes'][0]['travel_minutes']} recomputed",
        f"history routes[0].stops[0].travel_minutes ({staff}, {visit}): "
        f"{full['routes'][0]['stops'][0]['travel_minutes'] + 2.5:g} given, "
        f"{full['routes'][0]['stops'][0]['travel_minutes']} recomputed",
    }
    assert main(["compare", str(problem_path), str(path), "--time-limit", "1", "--solution-limit", "20",
                 "--json"]) == EXIT_OK
    captured = capsys.readouterr()
    assert json.loads(captured.out)["historical"]["warnings"] == list(result.warnings)
    assert captured.err.splitlines() == [f"warning: {w}" for w in result.warnings]
    # A history whose figures all agree says nothing.
    assert replay(day.problem, full_path).warnings == ()


@pytest.mark.parametrize(("change", "path", "message"), [
    (lambda d: d["routes"][0]["stops"][0].update(start="8am"), "routes[0].stops[0].start", "'8am'"),
    (lambda d: d["routes"][0]["stops"][0].update(visit="v-none"), "routes[0].stops[0].visit", "'v-none'"),
    (lambda d: d["routes"][0].update(staff="nobody"), "routes[0].staff", "'nobody'"),
    (lambda d: d["routes"][0]["stops"][0].pop("start"), "routes[0].stops[0].start", "Field required"),
    (lambda d: d["routes"][0].update(stops={}), "routes[0].stops", "valid list"),
    (lambda d: d.update(surprise=1), "surprise", "unknown key"),
])
def test_bad_records_are_still_typed_input_errors_naming_field_and_value(
        tmp_path: Path, change: Any, path: str, message: str) -> None:
    """Only output-only figures are lenient: ids, times and structure are validated as before."""
    day = historical_day(8, 3)
    document = plan_to_dict(day.driven)
    change(document)
    with pytest.raises(InputError) as caught:
        replay(day.problem, document)
    assert any(p.path == path and message in p.message for p in caught.value.problems), caught.value.problems


def test_without_its_problem_a_history_needs_its_times() -> None:
    """`plan_from_dict(data, history=True)` cannot infer an arrival or an end: it names each missing one."""
    document = {"schema_version": 1, "date": "2026-11-23", "kpis": {"visits_served": 1},
                "routes": [{"staff": "n1", "stops": [{"visit": "v1", "patient": "h1", "start": "08:10"}]}]}
    with pytest.raises(InputError) as caught:
        plan_from_dict(document, history=True)
    assert [p.path for p in caught.value.problems] == [
        "routes[0].stops[0].arrival", "routes[0].stops[0].end", "routes[0].start", "routes[0].end"]


# Any subset of the output fields removed: same replay ------------------------------------------------

#: Output-only fields: never read, only compared.
OUTPUTS = ("kpis", "status", "unassigned", "ineligible_patients", "kpis.*", "route.travel_minutes",
           "route.distance_km", "stop.travel_minutes")
#: Fields inferred when absent: the same for a plan the library made (drives as early as the plan's,
#: visits as long as their duration), not for a day as driven.
INFERRED = ("route.start", "route.end", "stop.arrival", "stop.end")


def strip(document: dict[str, Any], fields: frozenset[str], kpis: frozenset[str]) -> dict[str, Any]:
    stripped = {k: v for k, v in document.items() if k not in fields}
    if "kpis" in stripped:
        stripped["kpis"] = {k: v for k, v in stripped["kpis"].items() if k not in kpis}
    stripped["routes"] = [
        {**{k: v for k, v in r.items() if f"route.{k}" not in fields},
         "stops": [{k: v for k, v in s.items() if f"stop.{k}" not in fields} for s in r["stops"]]}
        for r in document["routes"]]
    return stripped


@functools.cache
def solved_day() -> tuple[Problem, dict[str, Any]]:
    day = historical_day(12, 2)
    plan = solve(day.problem, SolveOptions(time_limit=5, seed=1, solution_limit=30))
    return day.problem, plan_to_dict(plan)


KPI_NAMES = st.frozensets(st.sampled_from(("visits", "visits_served", "travel_minutes", "distance_km",
                                           "overtime_minutes", "continuity_rate", "staff_used")))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=st.frozensets(st.sampled_from(OUTPUTS)), kpis=KPI_NAMES)
def test_a_driven_day_without_any_subset_of_its_output_fields_replays_the_same(
        fields: frozenset[str], kpis: frozenset[str]) -> None:
    day = historical_day(12, 2)
    full = plan_to_dict(day.driven)
    expected = replay(day.problem, full)
    again = replay(day.problem, strip(full, fields, kpis))
    assert again.plan == expected.plan and again.violations == expected.violations and again.warnings == ()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=st.frozensets(st.sampled_from(OUTPUTS + INFERRED)), kpis=KPI_NAMES)
def test_a_planned_day_without_any_subset_of_its_output_fields_replays_as_planned(
        fields: frozenset[str], kpis: frozenset[str]) -> None:
    problem, full = solved_day()
    expected = replay(problem, full)
    assert plan_to_dict(expected.plan)["routes"] == full["routes"]
    again = replay(problem, strip(full, fields, kpis))
    assert again.plan == expected.plan and again.warnings == ()


def test_a_partial_kpis_object_is_read_like_a_missing_one() -> None:
    """Before: `kpis.travel_minutes: Field required` and four more, exit 2."""
    day = historical_day(12, 2)
    full = plan_to_dict(day.driven)
    partial = {**full, "kpis": {"visits_served": full["kpis"]["visits_served"]}}
    assert plan_from_dict(partial, history=True).kpis == plan_from_dict(strip(full, frozenset({"kpis"}), frozenset()),
                                                                        history=True).kpis
    assert replay(day.problem, partial).plan == replay(day.problem, full).plan


def test_a_figure_given_as_null_counts_as_not_given() -> None:
    """Another system without km or a continuity figure writes null: nothing to compare, no warning."""
    day = historical_day(8, 3)
    full = plan_to_dict(day.driven)
    nulls = copy.deepcopy(full)
    nulls["kpis"] = {**full["kpis"], "distance_km": None, "continuity_rate": None, "travel_minutes": None}
    nulls["routes"][0]["distance_km"] = None
    nulls["routes"][0]["stops"][0]["travel_minutes"] = None
    assert replay(day.problem, nulls).warnings == ()
