"""A capacity study killed with SIGKILL mid-run (a real `ahs-routing study` process and its workers) and
resumed: every day is in the results file exactly once, none lost, none duplicated."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_study import CONFIG as STUDY_CONFIG

ROOT = Path(__file__).resolve().parents[2]
# The CLI test's study with three days, on one worker so the kill comes between days.
CONFIG = STUDY_CONFIG.replace("days = 1", "days = 3").replace("workers = 2", "workers = 1")
TASKS = {(60.0, staff, day) for staff in (2, 3) for day in range(3)}


def study_command(config: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "ahs_routing.cli", "study", str(config), "--out", str(out), "--no-progress"]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}


def whole_lines(results: Path) -> list[str]:
    return [line for line in results.read_text().split("\n")[:-1]]


@pytest.mark.parametrize("cut_write", [False, True])
def test_a_study_killed_mid_run_resumes_without_losing_or_repeating_a_day(tmp_path: Path, cut_write: bool) -> None:
    """SIGKILL to the study's process group once two days are in the file. With `cut_write`, the kill
    is taken to have hit a write: the last line is cut short (no newline). The resumed run solves
    only the missing days; afterwards each of the 6 days is one valid line."""
    config = tmp_path / "study.toml"
    config.write_text(CONFIG)
    out = tmp_path / "out"
    results = out / "results.jsonl"
    running = subprocess.Popen(study_command(config, out), env=env(), start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while not (results.exists() and len(whole_lines(results)) >= 2):
            assert running.poll() is None, running.stderr.read() if running.stderr else ""
            assert time.monotonic() < deadline, "the study wrote no two days in time"
            time.sleep(0.05)
    finally:
        os.killpg(running.pid, signal.SIGKILL)
        running.wait(timeout=30)
    assert running.returncode == -signal.SIGKILL
    kept = whole_lines(results)
    assert 2 <= len(kept) < len(TASKS)
    if cut_write:
        last = kept.pop()
        results.write_text("".join(line + "\n" for line in kept) + last[: len(last) // 2])

    resumed = subprocess.run(study_command(config, out), env=env(), capture_output=True, text=True, timeout=600,
                             check=False)
    assert resumed.returncode == 0, resumed.stderr
    lines = results.read_text().splitlines()
    rows = [json.loads(line) for line in lines]  # every line whole
    keys = [(r["travel_limit"], r["staff"], r["day"]) for r in rows]
    assert sorted(keys) == sorted(TASKS)  # none lost, none duplicated
    assert lines[: len(kept)] == kept  # the days kept were not solved again
    if cut_write:
        assert "cut short by an interruption" in resumed.stderr
