"""Travel times between places: the `TravelMatrix` type and the providers that fill it.

A provider turns places (id -> WGS84 location) into a `TravelMatrix`: read-only integer
travel times indexed by place id, and kilometres where the provider knows them. The
matrix holds **seconds** (the library's time unit) so that a matrix given in fractional
minutes keeps its precision; every provider rounds *up*, never down, so a plan that is
feasible in the matrix is feasible on the road. The `geodesic` default works in whole
minutes.

Only the provider the caller configured is ever used; the built-in ones never touch the
network.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from geopy.distance import EARTH_RADIUS

from ahs_routing.errors import InputError
from ahs_routing.model import Location, Problem, TravelModel
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
        return self._km is not None

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


# The geodesic default ----------------------------------------------------------------------

#: Road distance / great-circle distance. Studies of road circuity report typical factors of
#: 1.2-1.4 (Ballou, Rahardja & Sakai 2002, Transportation Research A 36:843; Boscoe, Henry &
#: Zdeb 2012, Professional Geographer 64:188, mean 1.42 for trips to US hospitals). Norwegian
#: valleys and fjords push it up; see docs/TRAVEL.md for the calibration and its limits.
DETOUR_FACTOR = 1.35

#: Cruising speed (km/h) by road-distance band, applied band by band (like tax brackets) so
#: that time grows smoothly with distance. Norwegian limits: 30-50 km/h in built-up areas,
#: 80 km/h by default outside them, 90-110 on motorways (Vegtrafikkloven section 13 and
#: the speed-limit regulations); averages sit below the limits because of junctions.
SPEED_BANDS_KMH: tuple[tuple[float, float], ...] = ((3.0, 28.0), (10.0, 45.0), (30.0, 62.0), (math.inf, 75.0))

#: Minutes added to every trip between two different places: getting in and out of the
#: car, leaving the hospital car park, the last stretch at walking pace.
LEG_OVERHEAD_MINUTES = 2.0


@dataclass(frozen=True, slots=True)
class GeodesicProvider:
    """Great-circle distance x a detour factor, at distance-dependent speeds, plus an overhead.

    Works offline with no data. Results are whole minutes, rounded up.
    """

    detour_factor: float = DETOUR_FACTOR
    speed_bands_kmh: tuple[tuple[float, float], ...] = SPEED_BANDS_KMH
    leg_overhead_minutes: float = LEG_OVERHEAD_MINUTES

    def matrix(self, places: Mapping[str, Location]) -> TravelMatrix:
        """Return whole-minute travel times and road-km estimates between the places."""
        ids = list(places)
        lat = np.radians([places[p].lat for p in ids])
        lon = np.radians([places[p].lon for p in ids])
        road_km = great_circle_km(lat, lon) * self.detour_factor
        minutes = self.road_minutes(road_km)
        whole = np.ceil(minutes - 1e-9).astype(np.int64)
        return TravelMatrix(ids, whole * SECONDS_PER_MINUTE, road_km)

    def road_minutes(self, road_km: FloatArray) -> FloatArray:
        """Return driving minutes for road distances in km (0 stays 0)."""
        minutes = np.zeros_like(road_km)
        lower = 0.0
        for upper, speed in self.speed_bands_kmh:
            in_band = np.clip(road_km, lower, upper) - lower
            minutes += in_band / speed * 60.0
            lower = upper
        return np.where(road_km > 0, minutes + self.leg_overhead_minutes, 0.0)


def great_circle_km(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Return the all-pairs haversine distance (km) for coordinates in radians."""
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    distance: FloatArray = 2.0 * EARTH_RADIUS * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return distance


# The matrix provider ------------------------------------------------------------------------


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
        if model.locations is None or model.minutes is None:
            raise InputError("travel: the matrix provider needs locations and minutes")
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


def provider_for(model: TravelModel) -> TravelProvider:
    """Return the provider a problem's `travel` block configures."""
    if model.provider == "geodesic":
        return GeodesicProvider()
    if model.provider == "matrix":
        return MatrixProvider.from_model(model)
    raise InputError(
        f"provider {model.provider!r} is not available in this version; use 'geodesic' or 'matrix'",
        path="travel.provider",
    )


def travel_matrix(problem: Problem, provider: TravelProvider | None = None) -> TravelMatrix:
    """Return the travel matrix between every place of a problem (base, homes, staff places)."""
    chosen = provider if provider is not None else provider_for(problem.travel)
    return chosen.matrix(problem.places)
