"""Travel between places: matrices in whole seconds, and the providers that build them.

`matrix` holds the `TravelMatrix` type and the rounding; each provider (`geodesic`, `graph`,
`osrm`, and `cache` around a road provider) builds on it alone; `providers` wires a problem's
`travel` block to them. Code outside this package imports from here.
"""

from ahs_routing.travel.cache import CachedProvider, clear_cache
from ahs_routing.travel.geodesic import GeodesicProvider
from ahs_routing.travel.graph import GraphProvider
from ahs_routing.travel.matrix import UNREACHABLE_MINUTES, MatrixProvider, TravelMatrix, TravelProvider
from ahs_routing.travel.options import TRAVEL_OPTIONS, travel_option_problems
from ahs_routing.travel.osrm import OsrmProvider
from ahs_routing.travel.providers import FallbackProvider, provider_for, travel_from, travel_matrix

__all__ = [
    "TRAVEL_OPTIONS",
    "UNREACHABLE_MINUTES",
    "CachedProvider",
    "FallbackProvider",
    "GeodesicProvider",
    "GraphProvider",
    "MatrixProvider",
    "OsrmProvider",
    "TravelMatrix",
    "TravelProvider",
    "clear_cache",
    "provider_for",
    "travel_from",
    "travel_matrix",
    "travel_option_problems",
]
