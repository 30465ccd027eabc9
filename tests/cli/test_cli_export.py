"""`ahs-routing export`: each format to a file or stdout, --staff, --timezone, errors and the missing extra."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from planned_days import three_homes

from ahs_routing import plan_to_dict, problem_to_dict
from ahs_routing.cli.main import EXIT_INPUT, EXIT_MISSING_DEPENDENCY, EXIT_OK, main
from ahs_routing.io.exports import CSV_COLUMNS

icalendar = pytest.importorskip("icalendar")


def test_cli_export_writes_each_format(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    problem, plan = three_homes()
    problem_path, plan_path = tmp_path / "problem.json", tmp_path / "plan.json"
    problem_path.write_text(json.dumps(problem_to_dict(problem)))
    plan_path.write_text(json.dumps(plan_to_dict(plan)))
    files = [str(problem_path), str(plan_path)]
    assert main(["export", *files, "--format", "geojson", "-o", str(tmp_path / "plan.geojson")]) == EXIT_OK
    assert json.loads((tmp_path / "plan.geojson").read_text())["type"] == "FeatureCollection"
    assert main(["export", *files, "--format", "ics", "-o", str(tmp_path / "plan.ics"), "--staff", "n1",
                 "--timezone", "Europe/Oslo"]) == EXIT_OK
    assert len(list(icalendar.Calendar.from_ical((tmp_path / "plan.ics").read_bytes()).walk("VEVENT"))) == 2
    assert main(["export", *files, "--format", "csv"]) == EXIT_OK
    assert capsys.readouterr().out.splitlines()[0] == ",".join(CSV_COLUMNS)
    assert main(["export", *files, "--format", "csv", "--staff", "n9"]) == EXIT_INPUT
    assert "staff: unknown staff 'n9'" in capsys.readouterr().err
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *_: None)
    assert main(["export", *files, "--format", "ics"]) == EXIT_MISSING_DEPENDENCY
    assert "pip install 'ahs_routing[export]'" in capsys.readouterr().err
