"""The service as a client meets it: a real `ahs-routing serve` process on loopback, its real SQLite file.

Small days and short limits keep it fast; the long solves here end by DELETE or SIGKILL, not the clock.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from builders import day, nurse, patient, visit
from live_server import LiveServer, alive

from ahs_routing import Location, Problem, check_plan, plan_from_dict, problem_to_dict
from ahs_routing.service.jobs import JobStore
from ahs_routing.studies.scenarios import generate_day

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

#: A long job: 60 s of search at most, and no stop by convergence; only DELETE ends it early.
LONG = "?time_limit=60&patience=1000000"


def small_day() -> Problem:
    positions = {"p1": 4.0, "p2": 9.0, "p3": 15.0}
    return day([nurse("n1"), nurse("n2")], [patient(p) for p in positions],
               [visit("v1", "p1", 30, [("08:00", "10:00")]), visit("v2", "p2", 45, [("09:00", "12:00")]),
                visit("v3", "p3", 30)], positions)


def long_day() -> Problem:
    return generate_day(120, seed=4, teams=False)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("service") / "jobs.sqlite").start()
    yield live
    live.stop()


def _submit(server: LiveServer, problem: Problem, query: str = "?time_limit=1") -> str:
    status, answer = server.request("POST", f"/v1/plans{query}", problem_to_dict(problem))
    assert status == 202, answer
    assert answer["status"] == "queued"
    return str(answer["id"])


def _checked(problem: Problem, job: dict[str, Any]) -> None:
    assert job["plan"] is not None, job
    assert check_plan(problem, plan_from_dict(job["plan"])) == []


def test_a_submitted_day_is_solved_in_a_worker_and_its_plan_passes_the_checker(server: LiveServer) -> None:
    problem = small_day()
    job_id = _submit(server, problem, "?time_limit=1&seed=5")
    job = server.wait_for(job_id, {"done", "failed"})
    assert job["status"] == "done" and job["error"] is None
    _checked(problem, job)
    assert job["plan"]["kpis"]["visits_served"] == 3
    assert job["plan"]["meta"]["seed"] == 5 and job["plan"]["meta"]["time_limit"] == 1.0
    status, answer = server.request("POST", "/v1/check", {"problem": problem_to_dict(problem), "plan": job["plan"]})
    assert status == 200 and answer == {"valid": True, "violations": []}


def test_bad_requests_get_every_problem_with_its_path(server: LiveServer) -> None:
    document = problem_to_dict(small_day())
    document["visits"][0]["windows"] = [{"start": "10:00", "end": "09:00"}]
    document["staff"][1]["shift"]["start"] = "25:99"
    status, answer = server.request("POST", "/v1/plans", document)
    assert status == 422
    paths = {e["path"] for e in answer["errors"]}
    assert paths == {"visits[0].windows[0]", "staff[1].shift.start"}, answer
    assert server.request("GET", "/v1/plans/no-such-job")[0] == 404
    assert server.request("DELETE", "/v1/plans/no-such-job")[0] == 404
    status, answer = server.request("POST", "/v1/plans?time_limit=0", problem_to_dict(small_day()))
    assert status == 422 and answer["errors"][0]["path"] == "time_limit"
    # A day's fields under `kind: "week"`: read as a week, so the week's own fields are missing.
    status, answer = server.request("POST", "/v1/plans", {**document, "kind": "week"})
    assert status == 422 and "dates" in {e["path"] for e in answer["errors"]}, answer


def test_deleting_a_running_job_stops_its_solve_within_seconds_and_keeps_the_best_checked_plan(
    server: LiveServer,
) -> None:
    problem = long_day()
    job_id = _submit(server, problem, LONG)
    deadline = time.monotonic() + 60
    while server.wait_for(job_id, {"running"})["progress"] is None:  # the search has a plan
        assert time.monotonic() < deadline
        time.sleep(0.1)
    asked = time.monotonic()
    status, answer = server.request("DELETE", f"/v1/plans/{job_id}")
    assert status == 202 and answer["cancel_requested"]
    job = server.wait_for(job_id, {"cancelled", "done", "failed"}, timeout=30)
    stopped_after = time.monotonic() - asked
    assert job["status"] == "cancelled", job
    assert stopped_after < 10, stopped_after
    _checked(problem, job)
    assert job["plan"]["meta"]["stopped_by"] == "cancelled"
    assert job["plan"]["kpis"]["visits_served"] > 0
    assert server.request("DELETE", f"/v1/plans/{job_id}")[0] == 409


def test_after_sigkill_and_a_restart_nothing_is_lost_and_nothing_stays_running(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs.sqlite"
    first = LiveServer(jobs).start()
    try:
        problem = small_day()
        finished = first.wait_for(_submit(first, problem), {"done"})
        running_id = _submit(first, long_day(), LONG)
        first.wait_for(running_id, {"running"})
        workers = first.children()
        assert workers, "the server has no worker processes"
    finally:
        first.kill()
    # The orphaned worker notices its server is gone and leaves without touching the job.
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers)

    second = LiveServer(jobs, token="s3cret").start()
    try:
        assert second.request("GET", f"/v1/plans/{finished['id']}", token="")[0] == 401
        assert second.request("GET", f"/v1/plans/{finished['id']}", token="wrong")[0] == 401
        status, again = second.request("GET", f"/v1/plans/{finished['id']}")
        assert status == 200 and again["status"] == "done" and again["plan"] == finished["plan"]
        requeued = second.wait_for(running_id, {"running"})
        assert requeued["attempts"] == 2 and requeued["plan"] is None
        assert second.request("DELETE", f"/v1/plans/{running_id}")[0] == 202
        assert second.wait_for(running_id, {"cancelled"}, timeout=60)["plan"] is not None
        assert second.request("GET", "/v1/health", token="")[0] == 200  # health needs no token
    finally:
        second.stop()


def test_stopping_the_service_hands_a_running_job_back_to_the_queue(tmp_path: Path) -> None:
    """Ctrl-C is not a crash: the running job goes back to the queue without counting an attempt."""
    live = LiveServer(tmp_path / "jobs.sqlite").start()
    try:
        job_id = _submit(live, long_day(), LONG)
        live.wait_for(job_id, {"running"})
    finally:
        live.stop()
    assert live.process is not None and live.process.returncode == 0
    job = JobStore(tmp_path / "jobs.sqlite").get(job_id)
    assert job is not None and (job.status, job.attempts) == ("queued", 0)


def test_the_server_log_holds_no_patient_data(server: LiveServer) -> None:
    """Ids, coordinates and bad values from a problem never reach the log, solved or rejected."""
    positions = {"pt-7f3a": 6.0}
    problem = day([nurse("n1")], [patient("pt-7f3a", location=Location(63.471234, 10.398765))],
                  [visit("vx-91c2", "pt-7f3a", 30)], positions)
    server.wait_for(_submit(server, problem), {"done"})
    document = problem_to_dict(problem)
    document["visits"][0]["windows"] = [{"start": "vx-bad-9e1", "end": "10:00"}]
    assert server.request("POST", "/v1/plans", document)[0] == 422
    log = server.log.read_text()
    for secret in ("pt-7f3a", "vx-91c2", "63.471", "10.398", "vx-bad-9e1"):
        assert secret not in log
