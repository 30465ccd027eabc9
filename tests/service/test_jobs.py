"""The job store on a real SQLite file: queue order, claims, cancellation, recovery after a crash."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from ahs_routing.service.jobs import INTERRUPTED, MAX_ATTEMPTS, JobStore, SearchLimits

DOCUMENT = {"schema_version": 1, "date": "2026-11-23"}
LIMITS = SearchLimits(time_limit=1.0, seed=3, patience=5, work=1234)


@pytest.fixture
def store(tmp_path: Path) -> JobStore:
    return JobStore(tmp_path / "jobs.sqlite")


def test_the_file_is_in_wal_mode(store: JobStore) -> None:
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_jobs_are_claimed_oldest_first_with_their_document_and_limits(store: JobStore) -> None:
    first = store.submit("day", DOCUMENT, LIMITS, max_queued=10)
    second = store.submit("day", {"other": 1}, SearchLimits(2.0), max_queued=10)
    assert first is not None and second is not None and first.status == "queued"
    claimed = store.claim()
    assert claimed is not None and claimed.id == first.id
    assert claimed.document == DOCUMENT and claimed.limits == LIMITS
    job = store.get(first.id)
    assert job is not None and job.status == "running" and job.attempts == 1
    again = store.claim()
    assert again is not None and again.id == second.id
    assert store.claim() is None


def test_a_file_from_before_the_work_budget_gains_the_column_and_keeps_its_jobs(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with closing(sqlite3.connect(path)) as db, db:
        db.executescript(
            "CREATE TABLE jobs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL, document TEXT, "
            "time_limit REAL NOT NULL, seed INTEGER NOT NULL, patience INTEGER, solution_limit INTEGER, "
            "created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT, attempts INTEGER NOT NULL DEFAULT 0, "
            "claim TEXT, cancel_requested INTEGER NOT NULL DEFAULT 0, progress TEXT, plan TEXT, error TEXT);"
            "INSERT INTO jobs (id, kind, status, document, time_limit, seed, created_at) "
            "VALUES ('old', 'day', 'queued', '{}', 2.0, 7, '2026-12-01T07:00:00.000Z');")
    store = JobStore(path)
    claimed = store.claim()
    assert claimed is not None and claimed.id == "old" and claimed.limits == SearchLimits(2.0, seed=7)
    job = store.submit("day", DOCUMENT, LIMITS, max_queued=10)
    assert job is not None and job.work == 1234 and job.to_dict()["work"] == 1234


def test_a_full_queue_refuses_a_submission(store: JobStore) -> None:
    assert store.submit("day", DOCUMENT, LIMITS, max_queued=1) is not None
    assert store.submit("day", DOCUMENT, LIMITS, max_queued=1) is None
    store.claim()  # running jobs do not count against the queue
    assert store.submit("day", DOCUMENT, LIMITS, max_queued=1) is not None


def test_finishing_keeps_the_plan_and_erases_the_problem(store: JobStore) -> None:
    job = store.submit("day", DOCUMENT, LIMITS, max_queued=10)
    claimed = store.claim()
    assert job is not None and claimed is not None
    store.report_progress(claimed, {"elapsed_seconds": 0.5, "objective": 10, "visits_served": 2})
    progress = store.get(job.id)
    assert progress is not None and progress.progress == {"elapsed_seconds": 0.5, "objective": 10, "visits_served": 2}
    assert store.finish(claimed, "done", plan={"status": "complete"})
    done = store.get(job.id)
    assert done is not None and done.status == "done" and done.plan == {"status": "complete"} and done.finished_at
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT document FROM jobs WHERE id = ?", (job.id,)).fetchone() == (None,)


def test_cancelling_a_queued_job_ends_it_and_a_running_one_asks_its_worker(store: JobStore) -> None:
    queued = store.submit("day", DOCUMENT, LIMITS, max_queued=10)
    running = store.submit("day", DOCUMENT, LIMITS, max_queued=10)
    assert queued is not None and running is not None
    claimed = store.claim()
    assert claimed is not None and claimed.id == queued.id
    assert not store.should_stop(claimed)
    cancelled = store.cancel(queued.id)
    assert cancelled is not None and cancelled.status == "running" and cancelled.cancel_requested
    assert store.should_stop(claimed)
    waiting = store.cancel(running.id)
    assert waiting is not None and waiting.status == "cancelled" and waiting.plan is None
    assert store.claim() is None
    assert store.cancel("nope") is None


def test_after_a_crash_running_jobs_are_requeued_then_failed_never_left_running(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite"
    store = JobStore(path)
    done = store.submit("day", DOCUMENT, LIMITS, max_queued=10)
    crashing = store.submit("day", DOCUMENT, LIMITS, max_queued=10)
    assert done is not None and crashing is not None
    first = store.claim()
    assert first is not None
    store.finish(first, "done", plan={"kept": True})
    lost_claim = store.claim()
    assert lost_claim is not None and lost_claim.id == crashing.id
    for attempt in range(1, MAX_ATTEMPTS):
        # A new process opens the file, as a restarted server does.
        assert JobStore(path).recover() == (1, 0)
        assert store.get(crashing.id).status == "queued"  # type: ignore[union-attr]
        claimed = store.claim()
        assert claimed is not None and claimed.id == crashing.id
        assert store.get(crashing.id).attempts == attempt + 1  # type: ignore[union-attr]
    assert JobStore(path).recover() == (0, 1)
    failed = store.get(crashing.id)
    assert failed is not None and failed.status == "failed" and failed.error == INTERRUPTED
    assert store.get(done.id).plan == {"kept": True}  # type: ignore[union-attr]
    # The worker that held the job before the restart can no longer write to it.
    assert not store.finish(lost_claim, "done", plan={"stale": True})
    assert store.should_stop(lost_claim)
    assert store.counts() == {"queued": 0, "running": 0, "done": 1, "failed": 1, "cancelled": 0}


def test_a_job_cancelled_while_the_service_died_ends_cancelled(store: JobStore) -> None:
    job = store.submit("day", DOCUMENT, LIMITS, max_queued=10)
    assert job is not None and store.claim() is not None
    store.cancel(job.id)
    store.recover()
    ended = store.get(job.id)
    assert ended is not None and ended.status == "cancelled" and ended.error == INTERRUPTED


def test_releasing_a_job_puts_it_back_without_counting_an_attempt(store: JobStore) -> None:
    job = store.submit("day", DOCUMENT, LIMITS, max_queued=10)
    claimed = store.claim()
    assert job is not None and claimed is not None
    store.release(claimed)
    back = store.get(job.id)
    assert back is not None and back.status == "queued" and back.attempts == 0
