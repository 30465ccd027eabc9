"""The ahs-routing command line: plan, check, schema and their exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from test_examples import EXAMPLES

from ahs_routing.cli.main import EXIT_INPUT, EXIT_OK, EXIT_VIOLATIONS, main

EXAMPLE = str(EXAMPLES / "trondheim_weekday.json")


def test_plan_writes_the_plan_json_to_stdout_and_a_summary_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    """A partial plan is still exit 0; stdout is the contract document, stderr the summary."""
    assert main(["plan", EXAMPLE, "--time-limit", "1", "--seed", "1"]) == EXIT_OK
    out, err = capsys.readouterr()
    plan = json.loads(out)
    assert plan["schema_version"] == 1 and plan["status"] == "partial"
    assert "Plan for 2026-11-23" in err and "unassigned" in err


def test_plan_to_a_file_then_check_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """-o writes the file; `check` accepts it (exit 0) and rejects a tampered copy (exit 1)."""
    out = tmp_path / "plan.json"
    assert main(["plan", EXAMPLE, "-o", str(out), "--time-limit", "1"]) == EXIT_OK
    assert main(["check", EXAMPLE, str(out)]) == EXIT_OK
    assert "every hard rule holds" in capsys.readouterr().out
    plan = json.loads(out.read_text())
    plan["routes"][0]["stops"][0]["start"] = "05:00"
    out.write_text(json.dumps(plan))
    assert main(["check", EXAMPLE, str(out)]) == EXIT_VIOLATIONS
    assert "[window]" in capsys.readouterr().out


def test_invalid_input_exits_2_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every problem listed with its path; no Python traceback."""
    document = json.loads(Path(EXAMPLE).read_text())
    document["visits"][3]["windows"] = [{"start": "09:00", "end": "07:00"}]
    document["visits"][5]["patient"] = "p99"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    assert main(["plan", str(bad)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "visits[3].windows[0]: end 07:00 is before start 09:00" in err
    assert "Traceback" not in err


def test_unreadable_files_are_input_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing file or broken JSON is exit 2 with a sentence."""
    assert main(["plan", str(tmp_path / "missing.json")]) == EXIT_INPUT
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert main(["plan", str(broken)]) == EXIT_INPUT
    assert "not valid JSON" in capsys.readouterr().err


def test_schema_prints_both_documents(capsys: pytest.CaptureFixture[str]) -> None:
    """`schema` prints the JSON Schemas; unknown keys are forbidden in both."""
    assert main(["schema"]) == EXIT_OK
    schemas = json.loads(capsys.readouterr().out)
    assert schemas["problem"]["additionalProperties"] is False
    assert set(schemas["plan"]["properties"]) >= {"status", "routes", "unassigned", "ineligible_patients", "kpis"}


def test_console_script_runs() -> None:
    """The installed `ahs-routing` entry point plans the example in a real subprocess."""
    script = shutil.which("ahs-routing") or str(Path(__file__).resolve().parents[1] / ".venv" / "bin" / "ahs-routing")
    result = subprocess.run([script, "plan", EXAMPLE, "--time-limit", "1"], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["date"] == "2026-11-23"
