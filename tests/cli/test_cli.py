"""The ahs-routing command line: plan, check, schema, their exit codes, and how subcommands are registered."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from test_examples import EXAMPLES

from ahs_routing import InputError, TravelError
from ahs_routing.cli.common import EXIT_TRAVEL, add_solve_arguments, now_option, run_command, solve_options
from ahs_routing.cli.main import EXIT_INPUT, EXIT_OK, EXIT_VIOLATIONS, SUBCOMMANDS, build_parser, main

EXAMPLE = str(EXAMPLES / "trondheim_weekday.json")


def test_plan_with_dash_o_writes_the_plan_json_to_stdout_and_the_summary_to_stderr(
        capsys: pytest.CaptureFixture[str]) -> None:
    """A partial plan is still exit 0; `-o -`: stdout is the contract document, stderr the summary."""
    assert main(["plan", EXAMPLE, "-o", "-", "--time-limit", "1", "--seed", "1"]) == EXIT_OK
    out, err = capsys.readouterr()
    plan = json.loads(out)
    assert plan["schema_version"] == 1 and plan["status"] == "partial"
    assert "Plan for 2026-11-23" in err and "Unassigned (" in err


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
    script = shutil.which("ahs-routing") or str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "ahs-routing")
    result = subprocess.run([script, "plan", EXAMPLE, "-o", "-", "--time-limit", "1"], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["date"] == "2026-11-23"


def test_every_subcommand_module_registers_its_parser_with_a_handler() -> None:
    """One module per subcommand, named after it, registered in the order `--help` lists them."""
    parser = build_parser()
    chosen = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert list(chosen.choices) == ["plan", "check", "schema", "study", "compare", "travel", "replan", "suggest",
                                   "export", "serve"]
    assert [getattr(m, "__name__", "").rsplit(".", 1)[-1] for m in SUBCOMMANDS] == list(chosen.choices)
    for name, subparser in chosen.choices.items():
        assert callable(subparser.get_default("func")), name


def test_run_command_turns_errors_into_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    """Invalid input is exit 2 with every problem on its own line; a failed provider exit 3."""
    def bad_input(args: argparse.Namespace) -> int:
        raise InputError("unknown visit 'v9'", path="events[0].visit")

    def no_server(args: argparse.Namespace) -> int:
        raise TravelError("OSRM server http://127.0.0.1:1 did not answer")

    assert run_command(bad_input, argparse.Namespace()) == EXIT_INPUT
    assert capsys.readouterr().err == "invalid input:\n  events[0].visit: unknown visit 'v9'\n"
    assert run_command(no_server, argparse.Namespace()) == EXIT_TRAVEL
    assert capsys.readouterr().err == "travel provider failed: OSRM server http://127.0.0.1:1 did not answer\n"


def test_now_option_reads_a_clock_or_nothing() -> None:
    """`--now 09:15` is 33300 s; no option is None; a bad clock is an input error at --now."""
    assert now_option("09:15") == 9 * 3600 + 15 * 60
    assert now_option(None) is None
    with pytest.raises(InputError, match="--now: "):
        now_option("9am")


def test_the_group_moves_budget_is_a_solve_option() -> None:
    """--lns-iterations reaches SolveOptions (0 turns the group moves off); without it there is no count."""
    parser = argparse.ArgumentParser()
    add_solve_arguments(parser)
    assert solve_options(parser.parse_args(["--lns-iterations", "0"])).lns_iterations == 0
    assert solve_options(parser.parse_args(["--lns-iterations", "250"])).lns_iterations == 250
    assert solve_options(parser.parse_args([])).lns_iterations is None
