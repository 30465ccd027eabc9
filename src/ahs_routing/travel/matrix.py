"""The `TravelMatrix` type, the provider protocol, and the rounding every provider applies.

A provider turns places (id -> WGS84 location) into a `TravelMatrix`: read-only integer
travel times indexed by place id, and kilometres where the provider knows them. The
matrix holds **seconds** (the library's time unit) so that a matrix given in fractional
minutes keeps its precision; every provider rounds *up*, never down, so a plan that is
feasible in the matrix is feasible on the road.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from ahs_routing.domain.model import Location, TravelModel
from ahs_routing.errors import InputError
from ahs_routing.times import SECONDS_PER_MINUTE, minutes_to_seconds_up

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class TravelMatrix:
    """Read-only travel seconds (and km where known) between places, indexed by place id."""

    __slots__ = ("_index", "_km", "_seconds", "ids")

    def __init__(self, ids: Sequence[str], seconds: npt.ArrayLike, km: npt.ArrayLike | None = None) -> None:
        self.ids: tuple[str, ...] = tuple(ids)
        self._index = {name: i for i, name in enumerate(self.ids)}
        if len(self._index) != len(self.ids):
            raise ValueError("place ids of a travel matrix must be unique")
        size = len(self.ids)
        matrix = np.array(seconds, dtype=np.int64).reshape(size, size)
        if (matrix < 0).any():
            raise ValueError("travel times must be >= 0")
        matrix.setflags(write=False)
        self._seconds: IntArray = matrix
        self._km: FloatArray | None = None
        if km is not None:
            km_matrix = np.array(km, dtype=np.float64).reshape(size, size)
            km_matrix.setflags(write=False)
            self._km = km_matrix

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, place: object) -> bool:
        return place in self._index

    def index(self, place: str) -> int:
        """Return the row of a place id."""
        return self._index[place]

    def seconds(self, origin: str, destination: str) -> int:
        """Return the travel time in seconds from one place to another."""
        return int(self._seconds[self._index[origin], self._index[destination]])

    def minutes(self, origin: str, destination: str) -> float:
        """Return the travel time in minutes from one place to another."""
        return self.seconds(origin, destination) / SECONDS_PER_MINUTE

    def km(self, origin: str, destination: str) -> float | None:
        """Return the road distance in km, or None when the provider does not know it."""
        if self._km is None:
            return None
        return float(self._km[self._index[origin], self._index[destination]])

    @property
    def has_km(self) -> bool:
        """Return True when the provider knows road kilometres."""
        return self._km is not None

    def path_km(self, places: Sequence[str]) -> float | None:
        """Return the km along places visited in this order, or None when the provider does not know km."""
        if self._km is None:
            return None
        return float(sum(self.km(a, b) or 0.0 for a, b in itertools.pairwise(places)))

    def seconds_array(self, places: Sequence[str] | None = None) -> IntArray:
        """Return the (read-only) seconds matrix, or its rows and columns for `places`."""
        if places is None:
            return self._seconds
        rows = [self._index[p] for p in places]
        return self._seconds[np.ix_(rows, rows)]

    def km_array(self, places: Sequence[str] | None = None) -> FloatArray | None:
        """Return the km matrix (or its part for `places`), None when unknown."""
        if self._km is None or places is None:
            return self._km
        rows = [self._index[p] for p in places]
        return self._km[np.ix_(rows, rows)]


@runtime_checkable
class TravelProvider(Protocol):
    """Computes travel between places."""

    def matrix(self, places: Mapping[str, Location]) -> TravelMatrix:
        """Return the travel matrix between all the given places."""
        ...


#: Matrix entries above this (a week) are taken as "no way there": no shift could drive them,
#: and capping keeps every figure in 64-bit integers.
UNREACHABLE_MINUTES = 7 * 24 * 60


@dataclass(frozen=True, slots=True)
class MatrixProvider:
    """Travel given by the caller as a matrix of minutes (and km) between named places."""

    locations: tuple[str, ...]
    minutes: tuple[tuple[float, ...], ...]
    km: tuple[tuple[float, ...], ...] | None = None

    @classmethod
    def from_model(cls, model: TravelModel) -> MatrixProvider:
        """Return the provider of a `matrix` travel model."""
        # TravelModel refuses a matrix model without both: this only narrows the types.
        assert model.locations is not None and model.minutes is not None
        return cls(model.locations, model.minutes, model.km)

    def matrix(self, places: Mapping[str, Location]) -> TravelMatrix:
        """Return the given matrix restricted to the places asked for, as seconds (rounded up)."""
        index = {name: i for i, name in enumerate(self.locations)}
        missing = [p for p in places if p not in index]
        if missing:
            raise InputError(f"travel.locations: missing {', '.join(map(repr, missing))}")
        rows = [index[p] for p in places]
        seconds = [[minutes_to_seconds_up(min(self.minutes[r][c], UNREACHABLE_MINUTES)) for c in rows] for r in rows]
        km = None if self.km is None else [[self.km[r][c] for c in rows] for r in rows]
        return TravelMatrix(list(places), seconds, km)


def matrix_from_road_seconds(ids: Sequence[str], seconds: npt.ArrayLike, km: npt.ArrayLike | None) -> TravelMatrix:
    """Return a TravelMatrix of whole minutes, rounded up, from road seconds (inf/NaN = no way there).

    Road providers round to whole minutes, like the geodesic default, so that plans read in
    "HH:MM"; a pair with no road between them gets `UNREACHABLE_MINUTES`.
    """
    whole = whole_minute_seconds(seconds)
    np.fill_diagonal(whole, 0)
    km_array = None
    if km is not None:
        km_array = np.array(km, dtype=np.float64)
        km_array[~np.isfinite(km_array)] = np.nan
        np.fill_diagonal(km_array, 0.0)
    return TravelMatrix(ids, whole, km_array)


def whole_minute_seconds(seconds: npt.ArrayLike) -> IntArray:
    """Return road seconds rounded up to whole minutes (in seconds); inf/NaN = `UNREACHABLE_MINUTES`."""
    raw = np.array(seconds, dtype=np.float64)
    unreachable = ~np.isfinite(raw)
    minutes = np.ceil(np.where(unreachable, 0.0, raw) / SECONDS_PER_MINUTE - 1e-9)
    minutes = np.minimum(np.where(unreachable, UNREACHABLE_MINUTES, minutes), UNREACHABLE_MINUTES)
    whole: IntArray = minutes.astype(np.int64) * SECONDS_PER_MINUTE
    return whole


# Road figures, shared by the road providers ---------------------------------------------------

#: A snap longer than this (metres) is logged as a warning: the home is probably off the extract.
SNAP_WARNING_M = 300.0


@dataclass(frozen=True, slots=True)
class RoadTravel:
    """Raw road figures between places: seconds and metres (floats) and the snap distances."""

    ids: tuple[str, ...]
    seconds: FloatArray
    metres: FloatArray
    snap_m: FloatArray


