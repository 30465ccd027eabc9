"""Smoke test of the VRPTW benchmark harness (the only benchmark code in the test suite)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from ahs_routing import SolveOptions, check_plan, solve

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
C101 = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "solomon" / "instances" / "C101.txt"

sys.path.insert(0, str(BENCHMARKS))
import vrptw  # noqa: E402

pytestmark = pytest.mark.skipif(not C101.exists(), reason="shared Solomon data not found beside the repository")


def test_solomon_cut_to_25_customers_solves_to_a_checked_plan() -> None:
    """C101 cut to 25 customers becomes a Problem whose 2 s plan passes the checker, serves all, fits the fleet."""
    instance = vrptw.read_instance(C101).cut(25)
    assert (instance.customers, instance.vehicles, instance.capacity) == (25, 25, 200)
    problem = vrptw.to_problem(instance)
    plan = solve(problem, SolveOptions(time_limit=2, seed=1))
    assert check_plan(problem, plan) == []
    assert plan.unassigned == ()
    routes = vrptw.routes_of(plan)
    assert sorted(c for r in routes for c in r) == list(range(1, 26))
    assert vrptw.check_routes(instance, routes) == []


def test_route_length_uses_the_dimacs_truncation() -> None:
    """Depot (40,50) -> customer 1 (45,68) -> depot: 2 x sqrt(349) = 37.36 real, 2 x 18.6 = 37.2 truncated."""
    instance = vrptw.read_instance(C101).cut(1)
    assert vrptw.route_length([[1]], vrptw.euclidean(instance)) == pytest.approx(37.363, abs=1e-3)
    assert vrptw.route_length([[1]], vrptw.dimacs(instance)) == 372


def test_json_output_has_instance_vehicles_distance_routes(capsys: pytest.CaptureFixture[str]) -> None:
    """`vrptw.py FILE --seconds S --json` prints exactly {instance, vehicles, distance, routes} for a valid plan."""
    code = vrptw.main([str(C101), "--seconds", "1", "--customers", "10", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(out) == {"instance", "vehicles", "distance", "routes"}
    assert out["instance"] == "C101-10"
    assert out["vehicles"] == len(out["routes"])
    assert sorted(c for r in out["routes"] for c in r) == list(range(1, 11))
    assert out["distance"] > 0
