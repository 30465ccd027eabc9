"""`ahs-routing plan` prints a summary a person reads and writes the plan JSON to a file (issue 23).

Before, `make demo` printed about 300 lines of plan JSON before anything a person reads.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from ahs_routing.cli.main import EXIT_OK, main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "trondheim_weekday.json"
#: The demo may show at most this many lines on a fresh clone; make's own echo of the set-up
#: (venv, pip, touch: 5 lines, pip itself is --quiet) and of the command take the rest.
DEMO_LINES = 80
SET_UP_LINES = 6

HEADLINE = re.compile(r"^Plan for 2026-11-23: (\d+) of (\d+) visits served, travel \d+ min, [\d.]+ km, "
                      r"\d+ of 7 staff used, status (complete|partial)$")
SEARCH = re.compile(r"^Search: [\d.]+ s, stopped by [a-z ]+ \(first plan after [\d.]+ s, \d+ solutions, seed 1\)$")
ROUTE = re.compile(r"^  \S+ \([a-z_]+\) \d\d:\d\d-\d\d:\d\d: \d+ visits, travel \d+ min")
STOP = re.compile(r"^    (\d\d:\d\d)-(\d\d:\d\d)  (v\d+) +([a-z_]+) +(p\d+)$")
BREAK = re.compile(r"^    \d\d:\d\d-\d\d:\d\d  break$")
REASON = re.compile(r"^  (v\d+) +(no_qualified_staff|no_compatible_staff|unreachable_in_shift|"
                    r"linked_visit_unserved|capacity|patient_ineligible): .+")


def test_the_summary_has_headline_routes_with_times_and_reasons(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Default: the summary on stdout, the plan JSON in NAME.plan.json in the working directory."""
    monkeypatch.chdir(tmp_path)
    assert main(["plan", str(EXAMPLE), "--time-limit", "2", "--seed", "1", "--solution-limit", "30"]) == EXIT_OK
    out, err = capsys.readouterr()
    lines = out.splitlines()
    written = tmp_path / "trondheim_weekday.plan.json"
    plan = json.loads(written.read_text())
    headline = HEADLINE.match(lines[0])
    assert headline is not None, lines[0]
    assert (int(headline[1]), int(headline[2]), headline[3]) == (
        plan["kpis"]["visits_served"], plan["kpis"]["visits"], plan["status"])
    assert SEARCH.match(lines[1]), lines[1]
    assert f"Plan JSON: {written.name}" in lines
    # One line per stop, in the plan's times; routes in the plan's order; breaks in their place.
    stops = [m.groups() for m in map(STOP.match, lines) if m]
    expected = [(s["start"], s["end"], s["visit"], s["patient"]) for r in plan["routes"] for s in r["stops"]]
    assert [(a, b, v, p) for a, b, v, _, p in stops] == expected
    assert sum(1 for line in lines if ROUTE.match(line)) == len([r for r in plan["routes"] if r["stops"]])
    assert sum(1 for line in lines if BREAK.match(line)) == sum(len(r["breaks"]) for r in plan["routes"])
    reasons = {m[1]: m[2] for m in map(REASON.match, lines) if m}
    assert reasons == {u["visit"]: u["reason"] for u in plan["unassigned"]}
    # Ids only: no coordinates, no base name, no JSON.
    assert "63." not in out and "10.3" not in out and "St. Olavs" not in out
    assert all(not line.lstrip().startswith(("{", "[", '"')) for line in lines)
    assert err == ""


def test_dash_o_and_pretty_print_the_json_and_a_file_gets_it_indented(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["plan", str(EXAMPLE), "--time-limit", "1", "--seed", "1", "--solution-limit", "20"]
    assert main([*argv, "-o", "-"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1 and json.loads(out)["date"] == "2026-11-23"
    assert err.startswith("Plan for 2026-11-23")
    assert main([*argv, "--pretty"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert out.startswith("{\n  ") and json.loads(out)["schema_version"] == 1 and "Routes" in err
    target = tmp_path / "deep" / "day.json"
    assert main([*argv, "-o", str(target)]) == EXIT_OK
    out, err = capsys.readouterr()
    assert json.loads(target.read_text())["schema_version"] == 1 and target.read_text().startswith("{\n  ")
    assert f"Plan JSON: {target}" in out.splitlines() and err == ""


def demo_command(out_dir: Path) -> list[str]:
    """The Makefile's `demo` command line, with its files under `out_dir`."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    [line] = [r.strip() for r in recipe.splitlines() if "ahs-routing plan" in r]
    values = {"$(BIN)": str(ROOT / ".venv" / "bin"), "$(EXAMPLE)": str(EXAMPLE), "$(DEMO_OUT)": str(out_dir)}
    for name, value in values.items():
        line = line.replace(name, value)
    assert "$(" not in line, line
    return shlex.split(line)


def test_the_demo_shows_at_most_80_lines_none_of_them_json_and_writes_its_files(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    pytest.importorskip("folium")
    out_dir = tmp_path / "out"
    command = demo_command(out_dir)
    assert "--pretty" not in command and "-" not in command
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    assert len(lines) + SET_UP_LINES <= DEMO_LINES, len(lines)
    for line in lines:
        assert not line.lstrip().startswith("{"), line
        try:
            json.loads(line)
        except ValueError:
            continue
        pytest.fail(f"a line of JSON: {line!r}")
    for name in ("plan.json", "map.html", "gantt.png"):
        assert (out_dir / name).stat().st_size > 0
        assert any(line.endswith(str(out_dir / name)) for line in lines), name
    assert json.loads((out_dir / "plan.json").read_text())["schema_version"] == 1
