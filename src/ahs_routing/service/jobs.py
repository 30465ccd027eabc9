"""The service's jobs and results in one SQLite file: the embedded default needs no server.

A job is `queued` → `running` → `done` | `failed` | `cancelled` (a queued job may go straight to
`cancelled`). The file is in WAL mode, so the HTTP server reads while workers write, and every
change is one transaction: after a crash or SIGKILL, finished jobs are all there and `recover`
puts each job left `running` back in the queue (or marks it `failed`, "interrupted", once it has
been interrupted `MAX_ATTEMPTS` times), so none is lost and none stays `running`.

A worker holds a job by a claim token; every write it makes names the token, so a worker that
outlived a restart (its job re-queued and claimed by another) can no longer touch the job.
The problem document (patient data) is kept only while the job may still run: it is erased
when the job ends.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
FINISHED: frozenset[str] = frozenset({"done", "failed", "cancelled"})

#: A job interrupted (crash, SIGKILL) this many times is marked failed instead of re-queued:
#: a problem that kills its worker must not kill every worker after it.
MAX_ATTEMPTS = 2

#: Seconds a connection waits for another one's write lock before giving up.
BUSY_TIMEOUT_SECONDS = 10.0

INTERRUPTED = "interrupted: the service stopped while this job was running"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    document TEXT,
    time_limit REAL NOT NULL,
    seed INTEGER NOT NULL,
    patience INTEGER,
    solution_limit INTEGER,
    work INTEGER,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    claim TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    progress TEXT,
    plan TEXT,
    error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, created_at);
"""

_COLUMNS = ("id, kind, status, time_limit, seed, patience, solution_limit, work, created_at, started_at, "
            "finished_at, attempts, cancel_requested, progress, plan, error")


@dataclass(frozen=True, slots=True)
class Job:
    """A job as a client sees it: no problem document, the plan and progress as parsed JSON."""

    id: str
    kind: str
    status: JobStatus
    time_limit: float
    seed: int
    patience: int | None
    solution_limit: int | None
    work: int | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    attempts: int
    cancel_requested: bool
    progress: dict[str, Any] | None
    plan: dict[str, Any] | None
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        """Return the job as the API's JSON: id, status, plan, error, progress and its times."""
        return {
            "id": self.id, "status": self.status, "plan": self.plan, "error": self.error, "progress": self.progress,
            "kind": self.kind, "time_limit": self.time_limit, "seed": self.seed, "patience": self.patience,
            "solution_limit": self.solution_limit, "work": self.work, "created_at": self.created_at,
            "started_at": self.started_at, "finished_at": self.finished_at,
            "attempts": self.attempts, "cancel_requested": self.cancel_requested,
        }


@dataclass(frozen=True, slots=True)
class Claimed:
    """A job a worker took: what it needs to run it, and the token its writes must carry."""

    id: str
    kind: str
    document: dict[str, Any]
    limits: SearchLimits
    token: str


@dataclass(frozen=True, slots=True)
class SearchLimits:
    """What a client may set of a plan job's search: its time limit, seed and counted budgets (as SolveOptions')."""

    time_limit: float
    seed: int = 0
    patience: int | None = None
    solution_limit: int | None = None
    work: int | None = None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JobStore:
    """Jobs in an SQLite file; safe to use from several threads and processes (one connection per call)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            # A file written before jobs had a work budget gains the column; its jobs read it as null.
            if "work" not in {row[1] for row in db.execute("PRAGMA table_info(jobs)")}:
                db.execute("ALTER TABLE jobs ADD COLUMN work INTEGER")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        # In WAL mode NORMAL loses nothing a process crash could take: only a power cut may
        # lose the last commits, never the file.
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """Yield a connection inside one immediate (write-locked) transaction, committed on success."""
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def submit(self, kind: str, document: Mapping[str, Any], limits: SearchLimits, max_queued: int) -> Job | None:
        """Return the new queued job, or None when `max_queued` jobs are already waiting."""
        job_id = uuid.uuid4().hex
        with self._write() as db:
            (waiting,) = db.execute("SELECT count(*) FROM jobs WHERE status = 'queued'").fetchone()
            if waiting >= max_queued:
                return None
            db.execute("INSERT INTO jobs (id, kind, status, document, time_limit, seed, patience, solution_limit, "
                       "work, created_at) VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)",
                       (job_id, kind, json.dumps(document), limits.time_limit, limits.seed, limits.patience,
                        limits.solution_limit, limits.work, _now()))
        job = self.get(job_id)
        assert job is not None
        return job

    def get(self, job_id: str) -> Job | None:
        """Return the job, or None when there is none with this id."""
        with closing(self._connect()) as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else _job(row)

    def claim(self) -> Claimed | None:
        """Return the oldest queued job, now `running` under a new claim token; None when the queue is empty."""
        token = uuid.uuid4().hex
        with self._write() as db:
            row = db.execute("SELECT id, kind, document, time_limit, seed, patience, solution_limit, work FROM jobs "
                             "WHERE status = 'queued' "
                             "ORDER BY created_at, rowid LIMIT 1").fetchone()
            if row is None:
                return None
            db.execute("UPDATE jobs SET status = 'running', claim = ?, started_at = ?, attempts = attempts + 1 "
                       "WHERE id = ?", (token, _now(), row[0]))
        return Claimed(id=row[0], kind=row[1], document=json.loads(row[2]), limits=SearchLimits(*row[3:8]),
                       token=token)

    def report_progress(self, claimed: Claimed, progress: Mapping[str, Any]) -> None:
        """Record how the running job is going (ignored once the claim is lost)."""
        with self._write() as db:
            db.execute("UPDATE jobs SET progress = ? WHERE id = ? AND claim = ? AND status = 'running'",
                       (json.dumps(dict(progress)), claimed.id, claimed.token))

    def should_stop(self, claimed: Claimed) -> bool:
        """Return True when the job was cancelled or is no longer this claim's to run."""
        with closing(self._connect()) as db:
            row = db.execute("SELECT cancel_requested, claim, status FROM jobs WHERE id = ?",
                             (claimed.id,)).fetchone()
        return row is None or bool(row[0]) or row[1] != claimed.token or row[2] != "running"

    def finish(self, claimed: Claimed, status: JobStatus, plan: Mapping[str, Any] | None = None,
               error: str | None = None) -> bool:
        """End the job with its plan or error and erase its problem document; False if the claim was lost."""
        assert status in FINISHED
        with self._write() as db:
            cursor = db.execute(
                "UPDATE jobs SET status = ?, plan = ?, error = ?, finished_at = ?, document = NULL, claim = NULL "
                "WHERE id = ? AND claim = ? AND status = 'running'",
                (status, None if plan is None else json.dumps(dict(plan)), error, _now(), claimed.id, claimed.token))
            return cursor.rowcount == 1

    def release(self, claimed: Claimed) -> None:
        """Put a job this claim holds back in the queue, not counted as an attempt (the service is stopping)."""
        with self._write() as db:
            db.execute("UPDATE jobs SET status = 'queued', claim = NULL, started_at = NULL, progress = NULL, "
                       "attempts = attempts - 1 WHERE id = ? AND claim = ? AND status = 'running'",
                       (claimed.id, claimed.token))

    def cancel(self, job_id: str) -> Job | None:
        """Cancel a job: a queued one at once, a running one when its worker next polls; None if unknown."""
        with self._write() as db:
            db.execute("UPDATE jobs SET status = 'cancelled', finished_at = ?, document = NULL "
                       "WHERE id = ? AND status = 'queued'", (_now(), job_id))
            db.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND status = 'running'", (job_id,))
        return self.get(job_id)

    def recover(self) -> tuple[int, int]:
        """Re-queue the jobs a stopped service left running (or fail them, "interrupted"); return both counts."""
        with self._write() as db:
            # A job whose cancel was asked for is not run again: it ends cancelled, without a plan.
            db.execute("UPDATE jobs SET status = 'cancelled', error = ?, finished_at = ?, document = NULL, "
                       "claim = NULL WHERE status = 'running' AND cancel_requested = 1", (INTERRUPTED, _now()))
            failed = db.execute(
                "UPDATE jobs SET status = 'failed', error = ?, finished_at = ?, document = NULL, claim = NULL "
                "WHERE status = 'running' AND attempts >= ?", (INTERRUPTED, _now(), MAX_ATTEMPTS)).rowcount
            requeued = db.execute(
                "UPDATE jobs SET status = 'queued', claim = NULL, progress = NULL WHERE status = 'running'"
            ).rowcount
        return requeued, failed

    def counts(self) -> dict[str, int]:
        """Return how many jobs are in each status."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall()
        return {status: 0 for status in ("queued", "running", "done", "failed", "cancelled")} | dict(rows)


def _job(row: tuple[Any, ...]) -> Job:
    (job_id, kind, status, time_limit, seed, patience, solution_limit, work, created_at, started_at, finished_at,
     attempts, cancel_requested, progress, plan, error) = row
    return Job(id=job_id, kind=kind, status=status, time_limit=time_limit, seed=seed, patience=patience,
               solution_limit=solution_limit, work=work, created_at=created_at,
               started_at=started_at, finished_at=finished_at, attempts=attempts,
               cancel_requested=bool(cancel_requested), progress=None if progress is None else json.loads(progress),
               plan=None if plan is None else json.loads(plan), error=error)
