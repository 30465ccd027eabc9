"""An on-disk cache of travel matrices, so that re-planning the same homes costs nothing.

Matrices live in one SQLite file keyed by a hash of the provider's settings
(`cache_settings()`: provider, file identity or server, speeds, ...) and of the places'
coordinates. Place ids are not part of the key: the same homes under other ids (or in
another order) hit the same entry, because the key uses the distinct coordinates sorted,
and the cached matrix is rearranged to the order asked for. Nothing but coordinates and
travel figures is stored, and only on the caller's disk.

Safe under concurrent processes: the database runs in WAL mode (readers never block the
writer), every write is one short transaction retried under a busy timeout, and entries
are written with INSERT OR REPLACE of identical content, so two processes computing the
same matrix at once both succeed and agree.

Never a wrong matrix: each entry carries a SHA-256 digest of its key, size and figures, and
an entry whose figures do not match it (a damaged disk, a file edited by hand, an entry from
before digests) is recomputed and rewritten, with a WARNING. A file SQLite cannot read (not a
database, malformed) or that another process keeps locked past the busy timeout is a
`TravelError` naming the file and what to do; the file is never deleted behind the caller's back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from ahs_routing.domain.model import Location
from ahs_routing.errors import TravelError
from ahs_routing.travel.matrix import TravelMatrix

logger = logging.getLogger(__name__)

#: Coordinates are keyed to 1e-7 degrees (about 1 cm): the same home always hits.
_COORDINATE_DIGITS = 7
_BUSY_TIMEOUT_S = 30.0
#: Pause between tries to switch a file to WAL while another process holds it.
_WAL_RETRY_S = 0.01
_SCHEMA = """
CREATE TABLE IF NOT EXISTS matrices (
    key TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    size INTEGER NOT NULL,
    created REAL NOT NULL,
    seconds BLOB NOT NULL,
    km BLOB,
    digest TEXT
)
"""


@runtime_checkable
class CacheableProvider(Protocol):
    """A travel provider whose matrices depend only on its settings and the coordinates."""

    def matrix(self, places: Mapping[str, Location]) -> TravelMatrix:
        """Return the travel matrix between all the given places."""
        ...

    def cache_settings(self) -> Mapping[str, object]:
        """Return every setting the matrix depends on, as JSON-serialisable values."""
        ...


@dataclass(frozen=True, slots=True)
class CacheStats:
    """What a cached provider did: lookups answered from disk and matrices computed."""

    hits: int
    misses: int


@dataclass(slots=True)
class _Counter:
    hits: int = 0
    misses: int = 0


@dataclass(frozen=True, slots=True)
class CachedProvider:
    """Wraps a provider: matrices come from the SQLite file at `path` when they were computed before."""

    provider: CacheableProvider
    path: str
    _counter: _Counter = field(default_factory=_Counter, repr=False, compare=False)

    @property
    def stats(self) -> CacheStats:
        """Return the hits and misses of this wrapper so far."""
        return CacheStats(self._counter.hits, self._counter.misses)

    def matrix(self, places: Mapping[str, Location]) -> TravelMatrix:
        """Return the matrix from the cache, or from the provider (then stored) on a miss."""
        ids = list(places)
        points = sorted({_rounded(places[p]) for p in ids})
        position = {point: i for i, point in enumerate(points)}
        key = _key(self.provider.cache_settings(), points)
        rows = np.array([position[_rounded(places[p])] for p in ids], dtype=np.int64)
        stored = self._read(key)
        if stored is not None and not _intact(key, len(points), *stored):
            logger.warning("travel cache %s: a damaged entry was recomputed and rewritten", Path(self.path).name)
            stored = None
        if stored is not None:
            self._counter.hits += 1
            size, seconds_blob, km_blob, _ = stored
            seconds = np.frombuffer(seconds_blob, dtype=np.int64).reshape(size, size)
            km = None if km_blob is None else np.frombuffer(km_blob, dtype=np.float64).reshape(size, size)
        else:
            self._counter.misses += 1
            # Compute over the distinct points only: duplicates would just repeat rows.
            unique = {f"p{i}": Location(lat, lon) for i, (lat, lon) in enumerate(points)}
            computed = self.provider.matrix(unique)
            seconds = np.ascontiguousarray(computed.seconds_array(), dtype=np.int64)
            km_array = computed.km_array()
            km = None if km_array is None else np.ascontiguousarray(km_array, dtype=np.float64)
            self._store(key, len(points), seconds, km)
        picked_km = None if km is None else km[np.ix_(rows, rows)]
        # Two places on the very same spot are no trip, whatever the provider said for a point to itself.
        return TravelMatrix(ids, seconds[np.ix_(rows, rows)], picked_km)

    def _read(self, key: str) -> tuple[int, bytes, bytes | None, str | None] | None:
        """Return the stored (size, seconds, km, digest) of a key, None when absent; TravelError when unreadable."""
        try:
            with _connect(self.path) as connection:
                row = connection.execute("SELECT size, seconds, km, digest FROM matrices WHERE key = ?",
                                         (key,)).fetchone()
        except sqlite3.Error as error:
            raise _unreadable(self.path, error) from error
        return None if row is None else (row[0], row[1], row[2], row[3])

    def _store(self, key: str, size: int, seconds: npt.NDArray[np.int64], km: npt.NDArray[np.float64] | None) -> None:
        provider = str(self.provider.cache_settings().get("provider", type(self.provider).__name__))
        seconds_blob, km_blob = seconds.tobytes(), None if km is None else km.tobytes()
        try:
            with _connect(self.path) as connection:
                connection.execute(
                    "INSERT OR REPLACE INTO matrices (key, provider, size, created, seconds, km, digest)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (key, provider, size, time.time(), seconds_blob, km_blob,
                     _digest(key, size, seconds_blob, km_blob)),
                )
        except sqlite3.Error as error:
            # The matrix is correct either way; a cache that cannot be written only costs time.
            logger.warning("travel cache %s: could not store a matrix: %s", Path(self.path).name, error)


def _digest(key: str, size: int, seconds: bytes, km: bytes | None) -> str:
    digest = hashlib.sha256(f"{key}:{size}:".encode())
    digest.update(seconds)
    digest.update(b"-" if km is None else b"+" + km)
    return digest.hexdigest()


def _intact(key: str, size: int, stored_size: object, seconds: object, km: object, digest: object) -> bool:
    """True when a stored entry is whole: the size asked for, and figures matching their digest."""
    cells = size * size * 8  # int64 seconds and float64 km
    return (stored_size == size and isinstance(seconds, bytes) and len(seconds) == cells
            and (km is None or (isinstance(km, bytes) and len(km) == cells))
            and digest == _digest(key, size, seconds, km))


def _unreadable(path: str, error: sqlite3.Error) -> TravelError:
    """Return the error for a cache file SQLite cannot use, saying what to do about it."""
    if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
        return TravelError(f"travel cache {path!r} is locked by another process (waited {_BUSY_TIMEOUT_S:g} s): "
                           f"{error}; end that process or use another cache file")
    return TravelError(f"travel cache {path!r} cannot be read ({error}); it holds only travel figures: "
                       "delete it and it is rebuilt")


def _rounded(location: Location) -> tuple[float, float]:
    return round(location.lat, _COORDINATE_DIGITS), round(location.lon, _COORDINATE_DIGITS)


def _key(settings: Mapping[str, object], points: list[tuple[float, float]]) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    digest.update(np.array(points, dtype=np.float64).tobytes())
    return digest.hexdigest()


def _use_wal(connection: sqlite3.Connection) -> None:
    """Put the file in WAL mode (it stays so), waiting up to the busy timeout for other openers.

    Switching needs the file to itself and SQLite answers "database is locked" at once, without
    its busy handler, while another process creates or switches the same file: measured 38 of
    2400 concurrent first opens (12 processes) before this wait.
    """
    deadline = time.monotonic() + _BUSY_TIMEOUT_S
    while True:
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(_WAL_RETRY_S)


class _connect:
    """A short-lived connection in WAL mode that commits on success and always closes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.connection: sqlite3.Connection | None = None

    def __enter__(self) -> sqlite3.Connection:
        try:
            parent = Path(self.path).parent
            if not parent.exists():
                os.makedirs(parent, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
            _use_wal(connection)
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(_SCHEMA)
            _add_digests(connection)
        except sqlite3.Error as error:
            raise _unreadable(self.path, error) from error
        except OSError as error:
            raise TravelError(f"travel cache {self.path!r} cannot be opened: {error}") from error
        self.connection = connection
        return connection

    def __exit__(self, *exc: object) -> None:
        if self.connection is not None:
            self.connection.close()


def _add_digests(connection: sqlite3.Connection) -> None:
    """Give a cache file from before digests its digest column (its entries are then recomputed once)."""
    columns = {row[1] for row in connection.execute("PRAGMA table_info(matrices)")}
    if "digest" not in columns:
        try:
            connection.execute("ALTER TABLE matrices ADD COLUMN digest TEXT")
        except sqlite3.OperationalError as error:
            if "duplicate column" not in str(error):  # another process added it first
                raise


def clear_cache(path: str | os.PathLike[str]) -> int:
    """Delete every cached matrix in the file at `path`; return how many there were."""
    with _connect(os.fspath(path)) as connection:
        count = int(connection.execute("SELECT COUNT(*) FROM matrices").fetchone()[0])
        connection.execute("DELETE FROM matrices")
    return count
