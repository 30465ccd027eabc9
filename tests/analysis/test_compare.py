"""Historical days against their optimised plans: one day side by side, many days in parallel, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ahs_routing import SolveOptions, check_plan
from ahs_routing.analysis.compare import compare_day, compare_days, find_days
from ahs_routing.cli.main import EXIT_INPUT, EXIT_OK, main
from ahs_routing.errors import InputError
from ahs_routing.studies.history import historical_day, historical_days

FAST = SolveOptions(time_limit=1, seed=1)
PLAN_KPIS = {"visits", "visits_served", "travel_minutes", "distance_km", "overtime_minutes", "continuity_rate",
             "staff_used"}


def test_one_day_side_by_side() -> None:
    """KPIs before, after and the difference; every staff member with a route; the plan passes the checker."""
    day = historical_day(16, 4)
    comparison = compare_day(day.problem, day.driven, FAST, name=day.name)
    assert check_plan(day.problem, comparison.plan) == [] and comparison.optimised_violations == 0
    rows = {label: (before, after, diff) for label, before, after, diff in comparison.kpis()}
    before, after, diff = rows["travel (min)"]
    assert before == comparison.historical.score.travel_seconds / 60 and diff == after - before  # type: ignore[operator]
    assert rows["visits served"][0] == comparison.historical.score.visits_served
    routed = {r.staff for r in day.driven.routes} | {r.staff for r in comparison.plan.routes}
    assert {s.staff for s in comparison.staff} == routed
    table = comparison.table()
    assert "historical" in table and "optimised" in table and "late starts (min)" in table
    document = comparison.to_dict()
    assert set(document) == {"historical", "optimised", "plan"}
    assert set(document["historical"]) >= PLAN_KPIS and set(document["optimised"]) >= PLAN_KPIS
    assert len(document["historical"]["violations"]) == len(comparison.historical.violations)
    assert document["plan"]["kpis"]["visits_served"] == document["optimised"]["visits_served"]


def test_many_days_in_parallel_give_one_row_each_and_totals(tmp_path: Path) -> None:
    """A directory of days (one with a plan, one with a visit log) on two worker processes; totals add up."""
    days = historical_days(2, visits=14, first_seed=5)
    days[0].save(tmp_path)
    days[1].save(tmp_path, as_log=True)
    assert [(n, h.name) for n, _, h in find_days(tmp_path)] == [("day-005", "day-005.plan.json"),
                                                                ("day-006", "day-006.csv")]
    result = compare_days(tmp_path, FAST, workers=2)
    assert [r.name for r in result.rows] == ["day-005", "day-006"]
    totals = result.totals()
    assert totals["served"]["historical"] == sum(r.served[0] for r in result.rows)
    assert totals["travel_minutes"]["optimised"] * 60 == sum(r.travel_seconds[1] for r in result.rows)
    assert list(result.to_frame()["day"]) == ["day-005", "day-006"]
    assert result.table().splitlines()[-2].startswith("total")


def test_a_directory_day_without_history_is_an_input_error(tmp_path: Path) -> None:
    """NAME.json needs NAME.plan.json or NAME.csv beside it."""
    historical_day(10, 1).save(tmp_path)
    (tmp_path / "day-001.plan.json").unlink()
    with pytest.raises(InputError, match="no history beside it"):
        find_days(tmp_path)


def test_cli_compare_prints_the_table_or_the_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`ahs-routing compare PROBLEM HISTORY`: the table, or {historical, optimised, plan} with --json."""
    problem, history = historical_day(12, 2).save(tmp_path, as_log=True)
    assert main(["compare", str(problem), str(history), "--time-limit", "1"]) == EXIT_OK
    assert "as driven vs optimised" in capsys.readouterr().out
    assert main(["compare", str(problem), str(history), "--time-limit", "1", "--json"]) == EXIT_OK
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {"historical", "optimised", "plan"}
    assert "violations" in document["historical"] and "travel_minutes" in document["optimised"]
    assert document["plan"]["schema_version"] == 1


def test_cli_compare_reports_a_bad_log_row_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An impossible row in the log is an input error naming the row, not a traceback."""
    problem, history = historical_day(12, 2).save(tmp_path, as_log=True)
    lines = history.read_text().splitlines()
    staff, visit, patient, arrival, start, _ = lines[1].split(",")
    lines[1] = ",".join([staff, visit, patient, arrival, start, start.replace(start[:2], f"{int(start[:2]) - 1:02d}")])
    history.write_text("\n".join(lines) + "\n")
    assert main(["compare", str(problem), str(history), "--time-limit", "1"]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "visit log row 0 (line 2 of" in err and "is before start" in err and "Traceback" not in err


def test_the_replay_week_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """examples/replay_week.py, shrunk to two small days and 1 s searches, prints both tables and the totals."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("replay_week", Path(__file__).resolve().parents[2] / "examples"
                                                  / "replay_week.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--days", "2", "--visits", "12", "--time-limit", "1", "--workers", "1"])
    out = capsys.readouterr().out
    assert "as driven vs optimised" in out and "\ntotal " in out and "totals over 2 days" in out


def test_many_days_through_any_executor_give_the_same_rows(tmp_path: Path) -> None:
    """A thread pool passed in (as a Dask client's executor would be) runs every day and stays open."""
    import concurrent.futures

    days = historical_days(2, visits=10, first_seed=7)
    for one in days:
        one.save(tmp_path, as_log=True)
    calls: list[str] = []

    class Counting(concurrent.futures.ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
            calls.append(args[0])
            return super().submit(fn, *args, **kwargs)

    with Counting(max_workers=2) as pool:
        through_pool = compare_days(tmp_path, FAST, executor=pool)
        assert pool.submit(len, "still open").result() == 10
    in_process = compare_days(tmp_path, FAST, workers=1)
    assert calls[:2] == ["day-007", "day-008"]
    # The replays are exact; the optimised halves are each checked, not compared (time-limited searches).
    assert [c.historical for c in through_pool.comparisons] == [c.historical for c in in_process.comparisons]
    assert all(c.optimised_violations == 0 for c in through_pool.comparisons)
