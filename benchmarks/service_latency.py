"""Latency of the HTTP service under 50 concurrent small submissions: POST and GET p50/p95, time to a plan.

Starts a real `ahs-routing serve` on loopback (a fresh SQLite file, `--workers` solving processes),
then `--clients` threads each POST one small day (3 visits, 2 nurses; `time_limit=1`) at once and
poll GET /v1/plans/{id} every `--poll` seconds until the job is done. Reports the latency of every
POST and every GET (p50, p95, max) and the time from POST to a done plan. Every plan is checked.
Before the burst, `--sequential` submissions one at a time (each awaited) give the idle latency:
the POST, and one GET of the finished job.

    python benchmarks/service_latency.py --clients 50 --workers 2
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import math
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from builders import day, nurse, patient, visit
from live_server import LiveServer

from ahs_routing import Problem, check_plan, plan_from_dict, problem_to_dict


def small_day(k: int) -> Problem:
    """A 3-visit day; `k` moves the homes a little so the submissions are not identical."""
    positions = {"p1": 4.0 + k % 5, "p2": 9.0, "p3": 15.0 + k % 3}
    return day([nurse("n1"), nurse("n2")], [patient(p) for p in positions],
               [visit("v1", "p1", 30, [("08:00", "10:00")]), visit("v2", "p2", 45, [("09:00", "12:00")]),
                visit("v3", "p3", 30)], positions)


def percentile(values: list[float], share: float) -> float:
    """Return the `share` quantile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def client(server: LiveServer, k: int, start: threading.Barrier, poll: float) -> dict[str, Any]:
    """Submit one day when every client is ready, poll until it is done; return the timings."""
    problem = small_day(k)
    document = problem_to_dict(problem)
    start.wait()
    began = time.perf_counter()
    status, answer = server.request("POST", "/v1/plans?time_limit=1&seed=1", document)
    post_seconds = time.perf_counter() - began
    assert status == 202, answer
    gets = []
    while True:
        asked = time.perf_counter()
        status, job = server.request("GET", f"/v1/plans/{answer['id']}")
        gets.append(time.perf_counter() - asked)
        assert status == 200, job
        if job["status"] in ("done", "failed", "cancelled"):
            break
        time.sleep(poll)
    assert job["status"] == "done", job
    assert check_plan(problem, plan_from_dict(job["plan"])) == []
    return {"post": post_seconds, "gets": gets, "done": time.perf_counter() - began}


def one_at_a_time(server: LiveServer, count: int, poll: float) -> tuple[list[float], list[float]]:
    """Return the POST latencies and the GET latencies of finished jobs, one job at a time."""
    posts, gets = [], []
    for k in range(count):
        began = time.perf_counter()
        status, answer = server.request("POST", "/v1/plans?time_limit=1&seed=1", problem_to_dict(small_day(k)))
        posts.append(time.perf_counter() - began)
        assert status == 202, answer
        server.wait_for(answer["id"], {"done"})
        asked = time.perf_counter()
        assert server.request("GET", f"/v1/plans/{answer['id']}")[0] == 200
        gets.append(time.perf_counter() - asked)
        time.sleep(poll)
    return posts, gets


def summary(name: str, seconds: list[float]) -> str:
    """Return one Markdown table row: count, p50, p95 and max in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return (f"| {name} | {len(ms)} | {percentile(ms, 0.5):.1f} | {percentile(ms, 0.95):.1f} | {max(ms):.1f} | "
            f"{statistics.mean(ms):.1f} |")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the Markdown table (and a JSON line with the raw figures)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--poll", type=float, default=0.1, help="seconds between a client's GETs")
    parser.add_argument("--sequential", type=int, default=20, help="submissions one at a time before the burst")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        server = LiveServer(Path(folder) / "jobs.sqlite", workers=args.workers).start()
        try:
            idle_posts, idle_gets = one_at_a_time(server, args.sequential, args.poll)
            start = threading.Barrier(args.clients)
            with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
                runs = list(pool.map(lambda k: client(server, k, start, args.poll), range(args.clients)))
        finally:
            server.stop()
    print("| request | n | p50 ms | p95 ms | max ms | mean ms |")
    print("|---|---:|---:|---:|---:|---:|")
    print(summary("POST /v1/plans, one at a time", idle_posts))
    print(summary("GET /v1/plans/{id} (done), one at a time", idle_gets))
    print(summary(f"POST /v1/plans, {args.clients} at once", [r["post"] for r in runs]))
    print(summary(f"GET /v1/plans/{{id}}, polled by {args.clients} clients", [g for r in runs for g in r["gets"]]))
    print(summary(f"POST → done plan, {args.clients} at once", [r["done"] for r in runs]))
    print(json.dumps({"clients": args.clients, "workers": args.workers,
                      "post": [r["post"] for r in runs], "done": [r["done"] for r in runs]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
