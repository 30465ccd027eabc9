"""Faults of the SQLite travel cache on disk: damaged entries are rebuilt, unreadable or locked files are
clear errors, and never is a wrong matrix returned. Real files, and a real process holding the lock."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from test_travel_cache import A, B, C, Counting

from ahs_routing import Location, TravelError
from ahs_routing.travel import CachedProvider
from ahs_routing.travel import cache as cache_module

PLACES = {"a": A, "b": B, "c": C}


def truth() -> list[list[int]]:
    return Counting().matrix(PLACES).seconds_array().tolist()


def cached(path: Path) -> tuple[list[list[int]], CachedProvider]:
    provider = CachedProvider(Counting(), str(path))
    return provider.matrix(PLACES).seconds_array().tolist(), provider


def damage(path: Path, change: str) -> None:
    """Change the one stored entry behind SQLite's back, as a bad disk or a hand edit would."""
    with sqlite3.connect(path) as connection:
        seconds = bytearray(connection.execute("SELECT seconds FROM matrices").fetchone()[0])
        if change == "flip":
            seconds[9] ^= 0x40  # a travel time 'a' -> 'b' grows by 2**14 s, still a plausible number
            connection.execute("UPDATE matrices SET seconds = ?", (bytes(seconds),))
        elif change == "truncate":
            connection.execute("UPDATE matrices SET seconds = ?", (bytes(seconds[:-8]),))
        elif change == "size":
            connection.execute("UPDATE matrices SET size = 2")
        elif change == "no digest":
            connection.execute("UPDATE matrices SET digest = NULL")


@pytest.mark.parametrize("change", ["flip", "truncate", "size", "no digest"])
def test_a_damaged_entry_is_recomputed_and_rewritten(
        tmp_path: Path, change: str, caplog: pytest.LogCaptureFixture) -> None:
    """Before digests a flipped byte came back as a wrong matrix and a short blob crashed numpy."""
    path = tmp_path / "travel.sqlite"
    assert cached(path)[0] == truth()
    damage(path, change)
    with caplog.at_level(logging.WARNING, logger="ahs_routing.travel.cache"):
        again, provider = cached(path)
    assert again == truth() and (provider.stats.hits, provider.stats.misses) == (0, 1)
    assert "a damaged entry was recomputed" in caplog.text and "63.4" not in caplog.text
    third, provider = cached(path)
    assert third == truth() and provider.stats.hits == 1


def test_a_file_from_before_digests_gets_the_column_and_its_entries_recomputed_once(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE matrices (key TEXT PRIMARY KEY, provider TEXT NOT NULL, size INTEGER NOT "
                           "NULL, created REAL NOT NULL, seconds BLOB NOT NULL, km BLOB)")
    first, provider = cached(path)
    assert first == truth() and provider.stats.misses == 1
    with sqlite3.connect(path) as connection:
        assert "digest" in {row[1] for row in connection.execute("PRAGMA table_info(matrices)")}


def test_a_file_that_is_not_a_database_is_a_clear_error_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "travel.sqlite"
    path.write_bytes(b"these are someone's notes, not a travel cache\n" * 100)
    with pytest.raises(TravelError, match=r"travel cache .* cannot be read \(file is not a database\); it holds "
                                          r"only travel figures: delete it and it is rebuilt"):
        cached(path)
    assert path.read_bytes().startswith(b"these are someone's notes")
    path.unlink()
    assert cached(path)[0] == truth()


def test_a_database_with_overwritten_pages_is_never_a_wrong_matrix(tmp_path: Path) -> None:
    """Bytes in the middle of a real cache file zeroed (20 entries stored): every lookup either
    gives the true matrix (the digest caught it) or a clear error; after deleting the file, all work."""
    path = tmp_path / "travel.sqlite"
    homes = [{f"h{i}": Location(63.3 + 0.01 * k, 10.2 + 0.01 * i) for i in range(8)} for k in range(20)]
    truths = [Counting().matrix(h).seconds_array().tolist() for h in homes]
    for h in homes:
        CachedProvider(Counting(), str(path)).matrix(h)
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 4096] = bytes(4096)
    path.write_bytes(bytes(data))
    outcomes = []
    for h, expected in zip(homes, truths, strict=True):
        try:
            outcomes.append(CachedProvider(Counting(), str(path)).matrix(h).seconds_array().tolist() == expected)
        except TravelError as error:
            assert "cannot be read" in str(error) and "delete it and it is rebuilt" in str(error)
            outcomes.append(True)
    assert all(outcomes)
    path.unlink()
    Path(f"{path}-wal").unlink(missing_ok=True)
    Path(f"{path}-shm").unlink(missing_ok=True)
    assert CachedProvider(Counting(), str(path)).matrix(homes[0]).seconds_array().tolist() == truths[0]


LOCKER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA locking_mode=EXCLUSIVE")
connection.execute("BEGIN EXCLUSIVE")
connection.execute("INSERT INTO matrices (key, provider, size, created, seconds) VALUES ('x', 'x', 0, 0, x'')")
print("locked", flush=True)
time.sleep(60)
"""


def test_a_cache_locked_by_another_process_is_a_clear_error_then_works_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process holds an exclusive lock: after the busy timeout (0.5 s here, 30 s by default)
    a TravelError names the file; once that process ends the same lookup works."""
    path = tmp_path / "travel.sqlite"
    assert cached(path)[0] == truth()
    monkeypatch.setattr(cache_module, "_BUSY_TIMEOUT_S", 0.5)
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(TravelError, match=r"is locked by another process \(waited 0\.5 s\)"):
            CachedProvider(Counting(), str(path)).matrix({"a": A, "b": B, "c": Location(63.5, 10.5)})
        assert time.monotonic() - started < 5
    finally:
        locker.kill()
        locker.wait(timeout=10)
    assert cached(path)[0] == truth()
    assert np.array_equal(CachedProvider(Counting(), str(path)).matrix(PLACES).seconds_array(), truth())
