"""The offline default: great-circle distance x a detour factor, at speeds that rise with distance."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ahs_routing.domain.model import Location
from ahs_routing.geo import great_circle_km
from ahs_routing.times import SECONDS_PER_MINUTE
from ahs_routing.travel.matrix import FloatArray, TravelMatrix

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


