"""Worker processes: each takes the oldest queued job, solves it, and writes the result to the job store.

Solves never run in the HTTP server's event loop. A worker polls the job row (at most every
`POLL_SECONDS`) through the solver's `should_stop` hook, so `DELETE /v1/plans/{id}` stops a running
solve within a second or so and the job keeps the best checked plan found by then. A worker whose
server died (SIGKILL) exits at its next poll without writing: the restarted server re-queues the job.
Logs name job ids, counts and error types only, never anything from the problem.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from multiprocessing.synchronize import Event
from pathlib import Path

from ahs_routing.errors import InputError, TravelError
from ahs_routing.service.jobs import Claimed, JobStatus, JobStore
from ahs_routing.service.solving import solve_document

log = logging.getLogger(__name__)

#: How often (seconds) a running solve looks at its job row, and an idle worker at the queue.
POLL_SECONDS = 0.2

#: Progress is written at most this often (seconds): a new best can come every few milliseconds.
PROGRESS_EVERY_SECONDS = 0.5


def work(jobs_path: str | Path, stop: Event, server_pid: int) -> None:
    """Run jobs until `stop` is set or the server process is gone (the target of a worker process)."""
    # Ctrl-C reaches the whole process group; the server decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    store = JobStore(jobs_path)
    while not stop.is_set():
        if os.getppid() != server_pid:
            return
        claimed = store.claim()
        if claimed is None:
            stop.wait(POLL_SECONDS)
            continue
        run_job(store, claimed, stop, server_pid)


class _Hook:
    """The solve's `should_stop`: a cancelled job, a lost claim or a stopping service, looked up now and then."""

    def __init__(self, store: JobStore, claimed: Claimed, stop: Event, server_pid: int) -> None:
        self.store, self.claimed, self.stop, self.server_pid = store, claimed, stop, server_pid
        self.checked_at = 0.0
        self.answer = False

    def __call__(self) -> bool:
        now = time.monotonic()
        if self.answer or now - self.checked_at < POLL_SECONDS:
            return self.answer
        self.checked_at = now
        if os.getppid() != self.server_pid:
            # The server is gone: leave the job as it is for the next server to re-queue.
            os._exit(0)
        self.answer = self.stop.is_set() or self.store.should_stop(self.claimed)
        return self.answer


def run_job(store: JobStore, claimed: Claimed, stop: Event, server_pid: int) -> None:
    """Solve one claimed job and record its plan (done, or cancelled with the best plan so far) or its error."""
    started = time.monotonic()
    should_stop = _Hook(store, claimed, stop, server_pid)
    last_report = [0.0]

    def progress(elapsed: float, objective: int, served: int) -> None:
        now = time.monotonic()
        if now - last_report[0] >= PROGRESS_EVERY_SECONDS:
            last_report[0] = now
            store.report_progress(claimed, {"elapsed_seconds": round(elapsed, 2), "objective": objective,
                                            "visits_served": served})

    try:
        document, stopped_by = solve_document(claimed.document, claimed.limits, progress, should_stop)
    except InputError as error:
        store.finish(claimed, "failed", error="invalid input: " + "; ".join(str(p) for p in error.problems))
        return
    except TravelError as error:
        store.finish(claimed, "failed", error=f"travel provider failed: {error}")
        return
    except Exception as error:  # a worker must outlive any one job
        log.error("job %s failed: %s", claimed.id, type(error).__name__)
        store.finish(claimed, "failed", error=f"internal error ({type(error).__name__})")
        return
    if stop.is_set() and not store.should_stop(claimed):
        # The service is stopping, not the client: the job runs again after the restart.
        store.release(claimed)
        return
    status: JobStatus = "cancelled" if stopped_by == "cancelled" else "done"
    if store.finish(claimed, status, plan=document):
        log.info("job %s %s in %.1fs", claimed.id, status, time.monotonic() - started)
