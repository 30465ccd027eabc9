"""Faults of a real osrm-routed (the Oslo extract, © OpenStreetMap contributors) on loopback.

- killed during a table request: the `ahs-routing plan` process (a real subprocess) gets a clear
  `TravelError`, exit 3, within its deadline — the server is stopped (SIGSTOP) so the request is
  surely in flight when the SIGKILL comes;
- restarted on the same port: the next plan works and passes the checker;
- a table bigger than the server's `--max-table-size`: the client halves its blocks until the
  server accepts them, and the matrix is the one a server with a large limit gives.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from real_osrm import Routed

from ahs_routing import Location, check_plan, problem_from_dict, read_plan, read_problem
from ahs_routing.travel import OsrmProvider, travel_matrix

ROOT = Path(__file__).resolve().parents[2]
# Homes in central Oslo, on streets of the extract.
HOMES = {"h1": (59.9130, 10.7520), "h2": (59.9170, 10.7450), "h3": (59.9210, 10.7600),
         "h4": (59.9250, 10.7350), "h5": (59.9300, 10.7700), "h6": (59.9080, 10.7650)}
TIMEOUT_SECONDS = 5.0


def oslo_day(url: str, options: dict[str, object]) -> dict[str, object]:
    """One nurse, six 30-minute visits in central Oslo, travel from the given OSRM server."""
    return {
        "schema_version": 1, "date": "2026-11-23", "timezone": "Europe/Oslo",
        "base": {"id": "base", "location": {"lat": 59.9110, "lon": 10.7500}},
        "policy": {"max_travel_minutes_from_base": 60, "max_patient_age_years": None},
        "travel": {"provider": "osrm", "url": url, "options": options},
        "staff": [{"id": "n1", "shift": {"start": "08:00", "end": "16:00"}}],
        "patients": [{"id": h, "location": {"lat": lat, "lon": lon}} for h, (lat, lon) in HOMES.items()],
        "visits": [{"id": f"v{h[1:]}", "patient": h, "duration_minutes": 30} for h in HOMES],
    }


def plan_command(problem: Path, output: Path) -> list[str]:
    return [sys.executable, "-m", "ahs_routing.cli", "plan", str(problem), "--time-limit", "2", "--seed", "1",
            "-o", str(output)]


def cli_env() -> dict[str, str]:
    source = str(ROOT / "src")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")])}


def connected(port: int) -> bool:
    """True when a TCP connection to the port is established (read from /proc/net/tcp)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "01" and int(fields[2].rsplit(":", 1)[1], 16) == port:
                return True
    return False


def test_a_server_killed_during_a_table_request_then_restarted(routed: Routed, tmp_path: Path) -> None:
    """Kill: exit 3 with the server's address and no traceback, well within the deadline. Restart on
    the same port: the same command plans the day, and the plan passes the checker."""
    routed.start()
    problem = tmp_path / "oslo.json"
    options = {"timeout_seconds": TIMEOUT_SECONDS, "retries": 1, "backoff_seconds": 0.2}
    problem.write_text(json.dumps(oslo_day(routed.url, options)))
    routed.signal(signal.SIGSTOP)  # the server takes the request but never answers it
    planning = subprocess.Popen(plan_command(problem, tmp_path / "plan.json"), env=cli_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not connected(routed.port):
            assert planning.poll() is None and time.monotonic() < deadline, "the plan never asked the server"
            time.sleep(0.05)
        killed = time.monotonic()
        routed.kill()
        _, err = planning.communicate(timeout=60)
        after_kill = time.monotonic() - killed
    finally:
        if planning.poll() is None:
            planning.kill()
    assert planning.returncode == 3, err
    assert f"travel provider failed: OSRM server {routed.url} did not answer after 2 attempts" in err
    assert "Traceback" not in err and "59.9" not in err
    assert after_kill < TIMEOUT_SECONDS, f"{after_kill:.1f} s after the kill"

    again = Routed(routed.osrm, port=routed.port).start()
    try:
        restarted = subprocess.run(plan_command(problem, tmp_path / "plan.json"), env=cli_env(),
                                   capture_output=True, text=True, timeout=120, check=False)
        assert restarted.returncode == 0, restarted.stderr
        plan = read_plan(tmp_path / "plan.json")
        assert check_plan(read_problem(problem), plan) == [] and plan.kpis.visits_served == len(HOMES)
    finally:
        again.kill()


def test_a_table_too_big_for_the_server_is_fetched_in_halved_blocks(
        routed: Routed, osrm_server: str, caplog: pytest.LogCaptureFixture) -> None:
    """Server limit 4 (16 cells), client blocks of 20 for 13 places: TooBig at 13 and 6 (halved to 6,
    then 3); the 3 x 3 blocks give the matrix a server with a limit of 1000 gives in one request."""
    routed.max_table_size = 4
    routed.start()
    places = {"base": Location(59.9110, 10.7500)} | {h: Location(*at) for h, at in HOMES.items()}
    places |= {f"m{h[1:]}": Location((lat + 59.9150) / 2, (lon + 10.7550) / 2) for h, (lat, lon) in HOMES.items()}
    assert len(places) == 13
    with caplog.at_level(logging.INFO, logger="ahs_routing.travel.osrm"):
        small = OsrmProvider(routed.url, max_table_size=20).road_travel(places)
    halvings = [r.getMessage() for r in caplog.records if "table too big" in r.getMessage()]
    assert [m.rsplit(" ", 1)[1] for m in halvings] == ["6", "3"]
    large = OsrmProvider(osrm_server).road_travel(places)
    assert np.allclose(small.seconds, large.seconds) and np.allclose(small.metres, large.metres)
    # The same through a problem's travel block: the whole-minute matrix the solver gets.
    halved = travel_matrix(problem_from_dict(oslo_day(routed.url, {"max_table_size": 20})))
    whole = travel_matrix(problem_from_dict(oslo_day(osrm_server, {})))
    assert halved.seconds_array().tolist() == whole.seconds_array().tolist()
