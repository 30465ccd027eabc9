"""Capacity studies: the table, identical on a process pool and a Dask cluster, resuming, the CLI, the notebook."""

from __future__ import annotations

import concurrent.futures
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ahs_routing import InputError, SolveOptions
from ahs_routing.cli import main as cli
from ahs_routing.studies import study
from ahs_routing.studies.scenarios import children_home_hospital
from ahs_routing.studies.study import DAY_COLUMNS, CapacityStudy, StudyTask, summarise

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: Tiny days, searches stopped by solution counts: a task takes about a second.
OPTIONS = SolveOptions(time_limit=20, seed=0, patience=5, solution_limit=10, warm_start="none")
SCENARIO = children_home_hospital(4, seed=3)


def _small_study(**kwargs: Any) -> CapacityStudy:
    return CapacityStudy(SCENARIO, staff=[2, 3], days=2, travel_limits=(60,), options=OPTIONS, progress=False,
                         **kwargs)


def _without_timing(days: pd.DataFrame) -> pd.DataFrame:
    return days.drop(columns=["solve_seconds"]).reset_index(drop=True)


def test_summary_is_hand_checkable() -> None:
    """Shares are totals over days; the spread is of daily shares; overtime and travel per visit are means."""
    rows = []
    for day, (served, eligible, critical, critical_served, travel, overtime) in enumerate(
            [(8, 10, 4, 4, 120.0, 0.0), (10, 10, 2, 2, 100.0, 30.0)]):
        rows.append({"travel_limit": 60.0, "staff": 3, "day": day, "patients": 6, "patients_eligible": 5,
                     "visits": 12, "visits_eligible": eligible, "visits_served": served,
                     "critical_eligible": critical, "critical_served": critical_served, "capacity_unserved": 0,
                     "travel_minutes": travel, "overtime_minutes": overtime, "busy_minutes": 300.0,
                     "available_minutes": 1200.0, "staff_used": 3, "complete": served == eligible,
                     "stopped_by": "converged" if day else "time_limit", "solutions": 9, "solve_seconds": 1.0})
    table = summarise(pd.DataFrame(rows, columns=list(DAY_COLUMNS)))
    row = table.iloc[0]
    assert row["days"] == 2 and row["patients_offered_per_day"] == 5
    assert row["served_share"] == pytest.approx(18 / 20)
    assert row["critical_served_share"] == 1.0
    assert row["demand_served_share"] == pytest.approx(18 / 24)
    assert row["travel_per_visit_minutes"] == pytest.approx(220 / 18)
    assert row["overtime_minutes_per_day"] == 15
    assert row["utilisation"] == 0.25
    assert (row["served_share_min"], row["served_share_max"]) == (0.8, 1.0)
    assert row["served_share_std"] == pytest.approx(0.1)
    assert row["complete_days_share"] == 0.5 and row["time_limited_days"] == 1


def test_local_pool_and_dask_cluster_give_identical_tables() -> None:
    """The same study on a local process pool and on a Dask LocalCluster (worker processes) gives the same tables."""
    distributed = pytest.importorskip("distributed")
    local = _small_study(max_workers=2)
    table = local.run()
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        remote = _small_study(executor=client.get_executor())
        remote_table = remote.run()
    pd.testing.assert_frame_equal(table, remote_table)
    pd.testing.assert_frame_equal(_without_timing(local.days), _without_timing(remote.days))
    assert len(local.days) == 4 and set(local.days["stopped_by"]) <= {"converged", "solution_limit"}
    assert list(table["staff"]) == [2, 3]
    assert table["served_share"].between(0, 1).all()


def test_an_interrupted_study_resumes_from_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C after two days keeps them in the results file; the next run solves only the other two."""
    results = tmp_path / "rows.jsonl"
    calls: list[StudyTask] = []
    real = study.solve_task

    def interrupted(scenario: Any, task: StudyTask, options: SolveOptions) -> dict[str, Any]:
        calls.append(task)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(scenario, task, options)

    monkeypatch.setattr(study, "solve_task", interrupted)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool, pytest.raises(KeyboardInterrupt):
        _small_study(executor=pool, results=results).run()
    assert len(results.read_text().splitlines()) == 2
    kept = {(r["travel_limit"], r["staff"], r["day"]) for r in map(json.loads, results.read_text().splitlines())}

    later: list[StudyTask] = []
    monkeypatch.setattr(study, "solve_task", lambda *a: (later.append(a[1]), real(*a))[1])
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        resumed = _small_study(executor=pool, results=results)
        table = resumed.run()
    # Exactly the tasks missing from the file are solved (a task that had started when the
    # interrupt came cannot be cancelled, and its row is not kept).
    assert {t.key for t in later} == {t.key for t in resumed.tasks()} - kept
    assert len(results.read_text().splitlines()) == 4
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        fresh = _small_study(executor=pool)
        pd.testing.assert_frame_equal(table, fresh.run())
    pd.testing.assert_frame_equal(_without_timing(resumed.days), _without_timing(fresh.days))


def test_a_results_file_of_another_study_is_refused(tmp_path: Path) -> None:
    """Rows written under other options are not mixed in: InputError naming the file."""
    results = tmp_path / "rows.jsonl"
    results.write_text(json.dumps({"study": "0123456789abcdef", "travel_limit": 60.0, "staff": 2, "day": 0}) + "\n")
    with pytest.raises(InputError) as caught:
        _small_study(results=results).run()
    assert caught.value.problems[0].path == str(results)


@pytest.mark.parametrize(("kwargs", "path"), [
    ({"staff": []}, "staff"),
    ({"staff": [0, 2]}, "staff"),
    ({"days": [-1]}, "days"),
    ({"travel_limits": [0]}, "travel_limits"),
])
def test_bad_study_settings_are_named(kwargs: dict[str, Any], path: str) -> None:
    """Impossible grids give an InputError naming the setting."""
    with pytest.raises(InputError) as caught:
        CapacityStudy(SCENARIO, **kwargs)
    assert caught.value.problems[0].path == path


CONFIG = """
[scenario]
service = "children_home_hospital"
patients_per_day = 4
seed = 3

[study]
staff = [2, 3]
days = 1
travel_limits = [60]
time_limit = 20
patience = 5
solution_limit = 10
workers = 2
"""


def test_cli_study_writes_tables_and_plots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`ahs-routing study CONFIG --out DIR` writes CSV, Parquet, the curve, an example map and Gantt chart."""
    config = tmp_path / "study.toml"
    config.write_text(CONFIG)
    out = tmp_path / "out"
    assert cli.main(["study", str(config), "--out", str(out), "--no-progress"]) == 0
    written = {p.name for p in out.iterdir()}
    assert written >= {"study.csv", "study.parquet", "days.csv", "days.parquet", "service_level.png",
                       "example_map.html", "example_gantt.png", "results.jsonl"}
    table = pd.read_parquet(out / "study.parquet")
    pd.testing.assert_frame_equal(table, pd.read_csv(out / "study.csv"), check_dtype=False)
    assert list(table["staff"]) == [2, 3]
    assert (out / "service_level.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "served_share" in capsys.readouterr().out


@pytest.mark.parametrize(("text", "path"), [
    ("[scenario]\nservice = 'dentistry'\n", "scenario.service"),
    ("[scenario]\nservice = 'children_home_hospital'\nflavour = 1\n", "scenario.flavour"),
    ("[scenario]\nservice = 'children_home_hospital'\n[study]\nstaff = {from = 5, to = 3}\n", "study.staff"),
    ("[scenario]\nservice = 'children_home_hospital'\n[study]\ntime_limit = 'long'\n", "study.time_limit"),
    ("[scenario]\nservice = 'children_home_hospital'\n[study]\ntravel_limits = [60, -5]\n", "study.travel_limits[1]"),
    ("[scenario]\nservice = 'children_home_hospital'\npatients_per_day = -2\n", "scenario.patients_per_day"),
    ("[scenario\n", None),
])
def test_cli_study_reports_bad_configs(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                                       path: str | None) -> None:
    """A bad config exits with code 2 and names the key, without a traceback."""
    config = tmp_path / "bad.toml"
    config.write_text(text)
    assert cli.main(["study", str(config), "--out", str(tmp_path / "out")]) == cli.EXIT_INPUT
    err = capsys.readouterr().err
    assert "invalid input" in err and "Traceback" not in err
    if path is not None:
        assert f"  {path}:" in err


def test_notebook_runs_top_to_bottom() -> None:
    """examples/capacity_planning.ipynb runs at small size and shows the curve (PNG) and a map (HTML)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(EXAMPLES / "capacity_planning.ipynb", as_version=4)
    parameters = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1
    parameters[0].source = ("PATIENTS_PER_DAY = 4\nSTAFF = [2, 3]\nDAYS = 1\nTRAVEL_LIMITS = (60,)\n"
                            "WORKERS = 2\nSOLUTION_LIMIT = 10")
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(EXAMPLES)}}).execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert any("leaflet" in o.get("data", {}).get("text/html", "").lower() for o in outputs)
