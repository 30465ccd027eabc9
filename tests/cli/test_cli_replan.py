"""`ahs-routing replan` and `ahs-routing suggest`: files in, files out, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from planned_days import five_visits

from ahs_routing import plan_to_dict, problem_to_dict, read_plan
from ahs_routing.cli.main import EXIT_INPUT, EXIT_OK, main

URGENT = {"id": "u", "patient": "c", "duration_minutes": 20, "windows": [{"start": "09:30", "end": "10:15"}],
          "priority": "critical"}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    """The five-visit line day and its morning plan, as contract JSON files."""
    problem, plan = five_visits()
    paths = {"problem": tmp_path / "problem.json", "plan": tmp_path / "plan.json"}
    paths["problem"].write_text(json.dumps(problem_to_dict(problem)))
    paths["plan"].write_text(json.dumps(plan_to_dict(plan)))
    return {name: str(path) for name, path in paths.items()}


def write(tmp_path: Path, name: str, document: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


def test_replan_writes_plan_with_changes_that_checks_and_chains(
    files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The urgent visit goes to n1 at 10:10; the new plan checks against the updated day, and
    re-planning it again later (n1 cancels v3 at 10:20) reads the `changes` key back."""
    events = write(tmp_path, "events.json", [{"type": "add_visit", "visit": URGENT}])
    new, day = tmp_path / "new.json", tmp_path / "day.json"
    argv = ["replan", files["problem"], files["plan"], events, "--now", "09:15", "-o", str(new),
            "--problem-output", str(day), "--solution-limit", "100"]
    assert main(argv) == EXIT_OK
    document = json.loads(new.read_text())
    assert document["changes"] == [{"change": "added", "visit": "u", "staff_before": [], "staff_after": ["n1"],
                                    "start_before": None, "start_after": "10:10",
                                    "detail": "new visit; n1 at 10:10"}]
    assert "added u: new visit; n1 at 10:10" in capsys.readouterr().err
    assert main(["check", str(day), str(new)]) == EXIT_OK
    assert read_plan(new).kpis.visits_served == 6
    later = write(tmp_path, "later.json", [{"type": "cancel_visit", "visit": "v3"}])
    assert main(["replan", str(day), str(new), later, "--now", "10:20", "-o", str(tmp_path / "again.json"),
                 "--solution-limit", "100"]) == EXIT_OK
    again = json.loads((tmp_path / "again.json").read_text())
    assert [c["change"] for c in again["changes"]] == ["cancelled"]


def test_replan_input_errors_exit_2_naming_the_event(
    files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad event and a bad --now are input errors with their paths, no traceback."""
    events = write(tmp_path, "events.json", [{"type": "cancel_visit", "visit": "v9"}])
    assert main(["replan", files["problem"], files["plan"], events, "--now", "09:15"]) == EXIT_INPUT
    assert "events[0].visit: unknown visit 'v9'" in capsys.readouterr().err
    assert main(["replan", files["problem"], files["plan"], events, "--now", "9am"]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "--now: '9am' is not a time of day HH:MM" in err and "Traceback" not in err


def test_suggest_prints_ranked_insertions(
    files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--json gives the issue's four keys, best first; the text form says the same in words."""
    visit = write(tmp_path, "visit.json", URGENT)
    assert main(["suggest", files["problem"], files["plan"], visit, "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out) == [
        {"staff": "n1", "start": "10:10", "added_travel_minutes": 0, "moved_visits": []},
        {"staff": "n2", "start": "09:45", "added_travel_minutes": 10, "moved_visits": ["v5"]},
    ]
    assert main(["suggest", files["problem"], files["plan"], visit, "--k", "1"]) == EXIT_OK
    assert capsys.readouterr().out == "1. n1 at 10:10: +0 min travel, moves nothing\n"
    bad = write(tmp_path, "bad.json", {**URGENT, "duration_minutes": "long"})
    assert main(["suggest", files["problem"], files["plan"], bad]) == EXIT_INPUT
    assert "visit.duration_minutes" in capsys.readouterr().err


def test_plan_schema_lists_changes_as_an_extension(capsys: pytest.CaptureFixture[str]) -> None:
    """The plan schema publishes the optional `changes` list."""
    assert main(["schema", "plan"]) == EXIT_OK
    schema = json.loads(capsys.readouterr().out)
    assert "changes" in schema["properties"] and "changes" not in schema.get("required", [])
