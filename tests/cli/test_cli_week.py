"""The command line on a week: plan writes a week plan, check judges it (W1-W4), schema prints the week schemas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from weeks import small_week

from ahs_routing.cli.main import EXIT_INPUT, EXIT_OK, EXIT_VIOLATIONS, main
from ahs_routing.io.week import week_to_dict


@pytest.fixture
def week_file(tmp_path: Path) -> Path:
    path = tmp_path / "week.json"
    path.write_text(json.dumps(week_to_dict(small_week())))
    return path


def test_plan_a_week_then_check_it(week_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "week_plan.json"
    assert main(["plan", str(week_file), "-o", str(out), "--time-limit", "2", "--seed", "1",
                 "--solution-limit", "10"]) == EXIT_OK
    assert "Week of 4 dates" in capsys.readouterr().out
    plan = json.loads(out.read_text())
    assert plan["kind"] == "week_plan" and len(plan["days"]) == 4
    assert main(["check", str(week_file), str(out)]) == EXIT_OK
    assert "every hard rule holds" in capsys.readouterr().out
    plan["days"][3]["plan"]["routes"][0]["staff"] = "n1"  # n1 does not work on Thursday
    out.write_text(json.dumps(plan))
    assert main(["check", str(week_file), str(out)]) == EXIT_VIOLATIONS
    assert "[day_off]" in capsys.readouterr().out


def test_a_map_of_a_week_is_refused_before_solving(week_file: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "week_plan.json"
    assert main(["plan", str(week_file), "-o", str(out), "--map", str(tmp_path / "m.html")]) == EXIT_INPUT
    assert "--map draws one day" in capsys.readouterr().err and not out.exists()


def test_a_week_calendar_is_drawn_with_gantt(week_file: Path, tmp_path: Path) -> None:
    picture = tmp_path / "week.png"
    assert main(["plan", str(week_file), "-o", str(tmp_path / "p.json"), "--time-limit", "2",
                 "--solution-limit", "10", "--gantt", str(picture)]) == EXIT_OK
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_week_plan_checked_against_a_day_problem_is_an_input_error(
        week_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    day = Path(__file__).resolve().parents[2] / "examples" / "trondheim_weekday.json"
    assert main(["check", str(day), str(week_file)]) == EXIT_INPUT
    assert "cannot be checked" in capsys.readouterr().err


def test_a_bad_week_is_reported_with_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = week_to_dict(small_week())
    document["dates"][1] = document["dates"][0]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    assert main(["plan", str(path)]) == EXIT_INPUT
    assert "dates[1]: duplicate date 2026-11-23" in capsys.readouterr().err


def test_schema_prints_the_week_documents(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "week"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["properties"]["kind"]["const"] == "week"
    assert main(["schema", "week_plan"]) == EXIT_OK
    assert "WeekKpisDoc" in json.loads(capsys.readouterr().out)["$defs"]
    assert main(["schema"]) == EXIT_OK
    assert set(json.loads(capsys.readouterr().out)) == {"problem", "plan"}
