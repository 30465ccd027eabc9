"""From a problem's `travel` block to a provider, and from a provider to the problem's matrix.

Providers: `geodesic` (the offline default), `matrix` (the caller's minutes), `graph` (a road
network file) and `osrm` (a self-hosted server); `cache` keeps road matrices on disk. Only the
provider the caller configured is ever used, and only `osrm` touches the network, at the
address given. docs/TRAVEL.md has the calibration.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from ahs_routing.domain.model import Location, Problem, TravelModel
from ahs_routing.errors import InputError, TravelError
from ahs_routing.travel.cache import CacheableProvider, CachedProvider
from ahs_routing.travel.geodesic import DETOUR_FACTOR, LEG_OVERHEAD_MINUTES, GeodesicProvider
from ahs_routing.travel.graph import ACCESS_KMH, GraphProvider
from ahs_routing.travel.matrix import SNAP_WARNING_M, MatrixProvider, TravelMatrix, TravelProvider
from ahs_routing.travel.options import option_number, travel_option_problems
from ahs_routing.travel.osrm import (
    DEFAULT_BACKOFF_SECONDS,
    DEFAULT_MAX_TABLE_SIZE,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT_SECONDS,
    OsrmProvider,
)

logger = logging.getLogger(__name__)


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


def provider_for(model: TravelModel) -> TravelProvider:
    """Return the provider a problem's `travel` block configures (cached and with a fallback if asked)."""
    options = dict(model.options)
    problems = travel_option_problems(model.provider, options)
    if problems:
        raise InputError(problems).under("travel")
    if model.provider == "geodesic":
        return GeodesicProvider(
            detour_factor=option_number(options, "detour_factor", DETOUR_FACTOR),
            leg_overhead_minutes=option_number(options, "leg_overhead_minutes", LEG_OVERHEAD_MINUTES),
        )
    if model.provider == "matrix":
        return MatrixProvider.from_model(model)
    road = _road_provider(model, options)
    chosen: TravelProvider = CachedProvider(road, str(options["cache"])) if "cache" in options else road
    # The fallback sits outside the cache, so that its rougher figures are never stored as road times.
    if options.get("fallback") == "geodesic":
        chosen = FallbackProvider(chosen, GeodesicProvider())
    return chosen


def _road_provider(model: TravelModel, options: Mapping[str, object]) -> CacheableProvider:
    if model.provider == "graph":
        return GraphProvider(
            str(model.path),
            snap_warning_m=option_number(options, "snap_warning_m", SNAP_WARNING_M),
            access_kmh=option_number(options, "access_kmh", ACCESS_KMH),
        )
    # TravelModel admits no provider but geodesic, matrix, graph and osrm.
    return OsrmProvider(
        str(model.url),
        profile=str(options.get("profile", "driving")),
        max_table_size=int(option_number(options, "max_table_size", DEFAULT_MAX_TABLE_SIZE)),
        timeout_seconds=option_number(options, "timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
        retries=int(option_number(options, "retries", DEFAULT_RETRIES)),
        backoff_seconds=option_number(options, "backoff_seconds", DEFAULT_BACKOFF_SECONDS),
    )


def travel_matrix(problem: Problem, provider: TravelProvider | None = None) -> TravelMatrix:
    """Return the travel matrix between every place of a problem (base, homes, staff places)."""
    chosen = provider if provider is not None else provider_for(problem.travel)
    return chosen.matrix(problem.places)
