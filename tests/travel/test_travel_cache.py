"""The on-disk matrix cache: hits, misses, keys, rearranged orders and concurrent processes."""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from ahs_routing import GeodesicProvider, Location, TravelError, TravelMatrix
from ahs_routing.travel import CachedProvider, clear_cache

A, B, C = Location(63.42, 10.39), Location(63.28, 10.28), Location(63.47, 10.92)


@dataclass
class Counting:
    """The geodesic provider, counting how often it is asked; `speed` stands for any setting."""

    speed: float = 1.0
    calls: list[int] = field(default_factory=list)

    def matrix(self, places: Mapping[str, Location]) -> TravelMatrix:
        self.calls.append(len(places))
        return GeodesicProvider(detour_factor=1.35 * self.speed).matrix(places)

    def cache_settings(self) -> Mapping[str, object]:
        return {"provider": "counting", "speed": self.speed}


def test_second_lookup_is_a_hit_with_the_same_figures(tmp_path: Path) -> None:
    """The provider is asked once; the cached matrix equals the computed one, km included."""
    inner = Counting()
    cached = CachedProvider(inner, str(tmp_path / "travel.sqlite"))
    places = {"base": A, "p1": B, "p2": C}
    first = cached.matrix(places)
    second = cached.matrix(places)
    assert inner.calls == [3] and (cached.stats.hits, cached.stats.misses) == (1, 1)
    direct = GeodesicProvider().matrix(places)
    assert second.seconds_array().tolist() == first.seconds_array().tolist() == direct.seconds_array().tolist()
    assert np.allclose(second.km_array(), direct.km_array())  # type: ignore[arg-type]


def test_other_ids_and_order_hit_and_are_rearranged(tmp_path: Path) -> None:
    """The key is the coordinates: other ids in another order hit, and rows follow the new order."""
    inner = Counting()
    cached = CachedProvider(inner, str(tmp_path / "travel.sqlite"))
    cached.matrix({"base": A, "p1": B, "p2": C})
    again = cached.matrix({"x": C, "y": A, "z": B})
    assert inner.calls == [3]
    direct = GeodesicProvider().matrix({"x": C, "y": A, "z": B})
    assert again.ids == ("x", "y", "z")
    assert again.seconds_array().tolist() == direct.seconds_array().tolist()


def test_settings_and_coordinates_are_part_of_the_key(tmp_path: Path) -> None:
    """Another setting, or a home moved by 10 m, is a miss; the same file serves both."""
    path = str(tmp_path / "travel.sqlite")
    slow = Counting(speed=2.0)
    CachedProvider(Counting(), path).matrix({"a": A, "b": B})
    CachedProvider(slow, path).matrix({"a": A, "b": B})
    moved = Location(B.lat + 0.0001, B.lon)
    CachedProvider(slow, path).matrix({"a": A, "b": moved})
    assert slow.calls == [2, 2]
    assert clear_cache(path) == 3


def test_places_on_the_same_spot_share_one_point(tmp_path: Path) -> None:
    """Two patients in one flat: computed once, 0 minutes between them, same rows otherwise."""
    inner = Counting()
    matrix = CachedProvider(inner, str(tmp_path / "travel.sqlite")).matrix({"base": A, "p1": B, "p2": B})
    assert inner.calls == [2]
    assert matrix.seconds("p1", "p2") == 0 and matrix.seconds("base", "p1") == matrix.seconds("base", "p2") > 0


def test_the_database_runs_in_wal_mode(tmp_path: Path) -> None:
    """WAL lets readers work while another process writes."""
    path = tmp_path / "travel.sqlite"
    CachedProvider(Counting(), str(path)).matrix({"a": A, "b": B})
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_unusable_cache_path_is_a_travel_error(tmp_path: Path) -> None:
    """A cache file that is a directory cannot be opened: a clear error, not a crash."""
    folder = tmp_path / "dir.sqlite"
    folder.mkdir()
    with pytest.raises(TravelError, match="travel cache"):
        CachedProvider(Counting(), str(folder)).matrix({"a": A, "b": B})


def _worker(path: str, seed: int) -> list[list[int]]:
    rng = np.random.default_rng(seed % 3)  # three workers share each set of homes
    results = []
    for _ in range(5):
        homes = {f"h{i}": Location(63.3 + rng.random() * 0.2, 10.2 + rng.random() * 0.5) for i in range(40)}
        results.append(CachedProvider(Counting(), path).matrix(homes).seconds_array().sum(axis=1).tolist())
    return results


def test_concurrent_processes_read_and_write_one_file(tmp_path: Path) -> None:
    """Six processes, each writing and reading five matrices at once (pairs of them the same):
    no errors, and processes that asked for the same homes got the same figures."""
    path = str(tmp_path / "travel.sqlite")
    # fork: the workers need no fresh interpreter, and spawning six costs seconds of imports.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with multiprocessing.get_context(method).Pool(6) as pool:
        results = pool.starmap(_worker, [(path, seed) for seed in range(6)])
    assert results[0] == results[3] and results[1] == results[4] and results[2] == results[5]
    assert clear_cache(path) == 15


def test_many_processes_opening_a_new_file_at_once_all_get_in(tmp_path: Path) -> None:
    """Twelve processes open each of 60 new cache files at the same moment: none is told the file
    is locked (before the WAL switch waited, about 1.6% of such opens failed)."""
    paths = [str(tmp_path / f"new{i}.sqlite") for i in range(60)]
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with multiprocessing.get_context(method).Pool(12) as pool:
        for path in paths:
            assert pool.map(clear_cache, [path] * 12) == [0] * 12

