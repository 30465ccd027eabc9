"""Travel times between places: the `TravelMatrix` type and the providers that fill it.

A provider turns places (id -> WGS84 location) into a `TravelMatrix`: read-only integer
travel times indexed by place id, and kilometres where the provider knows them. The
matrix holds **seconds** (the library's time unit) so that a matrix given in fractional
minutes keeps its precision; every provider rounds *up*, never down, so a plan that is
feasible in the matrix is feasible on the road. The `geodesic` default works in whole
minutes.

Providers: `geodesic` (here, the offline default), `matrix` (here), `graph` (a road network
file, travel_graph.py) and `osrm` (a self-hosted server, osrm.py); travel_cache.py keeps their
matrices on disk. Only the provider the caller configured is ever used, and only `osrm`
touches the network, at the address given. docs/TRAVEL.md has the calibration.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from geopy.distance import EARTH_RADIUS

from ahs_routing.domain.model import Location, Problem, TravelModel
from ahs_routing.errors import InputError, InputProblem, TravelError
from ahs_routing.times import SECONDS_PER_MINUTE, minutes_to_seconds_up

logger = logging.getLogger(__name__)

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
#: valleys and fjords push it up. Measured against OSRM on central Oslo (docs/TRAVEL.md): road
#: km = 1.34 x great circle + 0.45 km beyond 1 km, so 1.35 holds with the constant inside the
#: per-leg overhead; as used, the default is 1.17-1.94 x road time in the median by band.
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


def travel_from(provider: TravelProvider, origin: str, places: Mapping[str, Location]) -> dict[str, int]:
    """Return travel seconds from `origin` (one of `places`) to every place: the eligibility question.

    Road providers answer it with one search (`row`) instead of a whole matrix; their figures
    are the same as the matrix row's.
    """
    row = getattr(provider, "row", None)
    if callable(row):
        answer: dict[str, int] = row(origin, places)
        return answer
    matrix = provider.matrix(places)
    return {place: matrix.seconds(origin, place) for place in places}


@dataclass(frozen=True, slots=True)
class FallbackProvider:
    """Uses `primary`; when it fails with TravelError, logs a WARNING and uses `fallback` instead.

    Only for callers who ask for it (`travel.options.fallback`): by default a failing provider
    is an error, never a silent switch to rougher figures.
    """

    primary: TravelProvider
    fallback: TravelProvider

    def matrix(self, places: Mapping[str, Location]) -> TravelMatrix:
        """Return the primary provider's matrix, or the fallback's when the primary fails."""
        try:
            return self.primary.matrix(places)
        except TravelError as error:
            logger.warning("travel provider %s failed (%s); using the fallback %s for %d places",
                           type(self.primary).__name__, error, type(self.fallback).__name__, len(places))
            return self.fallback.matrix(places)


# The `travel.options` extension ------------------------------------------------------------------

_POSITIVE = "a number > 0"
_NON_NEGATIVE = "a number >= 0"
_COUNT = "a whole number >= 0"
_SIZE = "a whole number >= 1"
_TEXT = "a non-empty string"
_GEODESIC = "'geodesic'"

#: Allowed `travel.options` keys per provider, with the kind of value each takes (docs/CONTRACT.md).
TRAVEL_OPTIONS: Mapping[str, Mapping[str, str]] = {
    "geodesic": {"detour_factor": _POSITIVE, "leg_overhead_minutes": _NON_NEGATIVE},
    "matrix": {},
    "graph": {"cache": _TEXT, "snap_warning_m": _POSITIVE, "access_kmh": _POSITIVE, "fallback": _GEODESIC},
    "osrm": {"cache": _TEXT, "profile": _TEXT, "max_table_size": _SIZE, "timeout_seconds": _POSITIVE,
             "retries": _COUNT, "backoff_seconds": _NON_NEGATIVE, "fallback": _GEODESIC},
}


def _option_fits(kind: str, value: object) -> bool:
    if kind == _TEXT:
        return isinstance(value, str) and bool(value.strip())
    if kind == _GEODESIC:
        return value == "geodesic"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    if kind in (_COUNT, _SIZE) and not isinstance(value, int):
        return False
    lowest = {_POSITIVE: 0.0, _NON_NEGATIVE: 0.0, _COUNT: 0.0, _SIZE: 1.0}[kind]
    return value > lowest if kind == _POSITIVE else value >= lowest


def travel_option_problems(provider: str, options: Mapping[str, object]) -> list[InputProblem]:
    """Return every problem with a `travel.options` object (unknown keys, wrong values), paths under it."""
    allowed = TRAVEL_OPTIONS.get(provider, {})
    found = []
    for key, value in options.items():
        if key not in allowed:
            known = ", ".join(allowed) or "none"
            found.append(InputProblem(f"options.{key}", f"unknown option for the {provider} provider (known: {known})"))
        elif not _option_fits(allowed[key], value):
            found.append(InputProblem(f"options.{key}", f"{value!r} must be {allowed[key]}"))
    return found


def _number(options: Mapping[str, object], key: str, default: float) -> float:
    value = options.get(key, default)
    return float(value) if isinstance(value, int | float) else default


def provider_for(model: TravelModel) -> TravelProvider:
    """Return the provider a problem's `travel` block configures (cached and with a fallback if asked)."""
    options = dict(model.options)
    problems = travel_option_problems(model.provider, options)
    if problems:
        raise InputError(problems).under("travel")
    if model.provider == "geodesic":
        return GeodesicProvider(
            detour_factor=_number(options, "detour_factor", DETOUR_FACTOR),
            leg_overhead_minutes=_number(options, "leg_overhead_minutes", LEG_OVERHEAD_MINUTES),
        )
    if model.provider == "matrix":
        return MatrixProvider.from_model(model)
    # Imported here: the road providers need scipy's graph code, which the defaults do not.
    from ahs_routing.travel.cache import CacheableProvider, CachedProvider

    road: CacheableProvider
    if model.provider == "graph":
        from ahs_routing.travel.graph import ACCESS_KMH, SNAP_WARNING_M, GraphProvider

        road = GraphProvider(
            str(model.path),
            snap_warning_m=_number(options, "snap_warning_m", SNAP_WARNING_M),
            access_kmh=_number(options, "access_kmh", ACCESS_KMH),
        )
    elif model.provider == "osrm":
        from ahs_routing.travel.osrm import (
            DEFAULT_BACKOFF_SECONDS,
            DEFAULT_MAX_TABLE_SIZE,
            DEFAULT_RETRIES,
            DEFAULT_TIMEOUT_SECONDS,
            OsrmProvider,
        )

        road = OsrmProvider(
            str(model.url),
            profile=str(options.get("profile", "driving")),
            max_table_size=int(_number(options, "max_table_size", DEFAULT_MAX_TABLE_SIZE)),
            timeout_seconds=_number(options, "timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
            retries=int(_number(options, "retries", DEFAULT_RETRIES)),
            backoff_seconds=_number(options, "backoff_seconds", DEFAULT_BACKOFF_SECONDS),
        )
    else:
        raise InputError(f"unknown provider {model.provider!r}", path="travel.provider")
    chosen: TravelProvider = CachedProvider(road, str(options["cache"])) if "cache" in options else road
    # The fallback sits outside the cache, so that its rougher figures are never stored as road times.
    if options.get("fallback") == "geodesic":
        chosen = FallbackProvider(chosen, GeodesicProvider())
    return chosen


def travel_matrix(problem: Problem, provider: TravelProvider | None = None) -> TravelMatrix:
    """Return the travel matrix between every place of a problem (base, homes, staff places)."""
    chosen = provider if provider is not None else provider_for(problem.travel)
    return chosen.matrix(problem.places)
