"""Great-circle geometry on one Earth radius: distances and destinations between WGS84 coordinates."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from geopy.distance import EARTH_RADIUS

FloatArray = npt.NDArray[np.float64]

#: The mean Earth radius in km, as geopy uses it (6371.009); the one radius in the library.
EARTH_RADIUS_KM: float = EARTH_RADIUS


def great_circle_km(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Return the all-pairs haversine distance (km) for coordinates in radians."""
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    distance: FloatArray = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return distance


def haversine_km(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> FloatArray:
    """Return the element-wise great-circle distance (km) between coordinates in degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    result: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return result


def destination(lat: float, lon: float, bearing: float, km: float) -> tuple[float, float]:
    """Return (lat, lon) in degrees reached from (lat, lon) after `km` along `bearing` (radians)."""
    lat1, lon1 = math.radians(lat), math.radians(lon)
    delta = km / EARTH_RADIUS_KM
    lat2 = math.asin(math.sin(lat1) * math.cos(delta) + math.cos(lat1) * math.sin(delta) * math.cos(bearing))
    lon2 = lon1 + math.atan2(math.sin(bearing) * math.sin(delta) * math.cos(lat1),
                             math.cos(delta) - math.sin(lat1) * math.sin(lat2))
    return math.degrees(lat2), (math.degrees(lon2) + 540.0) % 360.0 - 180.0
