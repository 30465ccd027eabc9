"""A real `ahs-routing serve` process on loopback, for the service tests and the latency benchmark."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[1] / "src"


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LiveServer:
    """`python -m ahs_routing.cli serve` in a subprocess, with a small JSON client for it."""

    def __init__(self, jobs: Path, *args: str, token: str | None = None, workers: int = 1) -> None:
        self.jobs, self.args, self.token, self.workers = jobs, args, token, workers
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = jobs.with_suffix(".log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> LiveServer:
        """Start the server and return once /v1/health answers."""
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
        env.pop("AHS_API_TOKEN", None)
        if self.token is not None:
            env["AHS_API_TOKEN"] = self.token
        command = [sys.executable, "-m", "ahs_routing.cli", "serve", "--port", str(self.port), "--jobs",
                   str(self.jobs), "--workers", str(self.workers), *self.args]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}: {self.log.read_text()}")
            try:
                if self.request("GET", "/v1/health")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"the server did not answer in {timeout} s")

    def request(self, method: str, path: str, body: Any = None, *, token: str | None = None,
                raw: bytes | None = None) -> tuple[int, Any]:
        """Return (status, parsed JSON body) of one request; `token` (else the server's) goes in as a bearer."""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        bearer = token if token is not None else self.token
        if bearer is not None:
            request.add_header("Authorization", f"Bearer {bearer}")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def wait_for(self, job_id: str, statuses: set[str], timeout: float = 60.0) -> dict[str, Any]:
        """Return the job once its status is one of `statuses`."""
        deadline = time.monotonic() + timeout
        while True:
            status, job = self.request("GET", f"/v1/plans/{job_id}")
            assert status == 200, job
            if job["status"] in statuses:
                return dict(job)
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {job['status']} after {timeout} s")
            time.sleep(0.1)

    def children(self) -> list[int]:
        """Return the server's child process ids (its workers), from /proc."""
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill(self) -> None:
        """SIGKILL the server process (not its workers: they must notice on their own)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """Stop the server as Ctrl-C would, and wait for it."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def alive(pid: int) -> bool:
    """True while a process exists and is not a zombie."""
    status = Path(f"/proc/{pid}/status")
    try:
        return "\nState:\tZ" not in status.read_text()
    except FileNotFoundError:
        return False
