"""Great-circle geometry: one radius, distances that agree, destinations that land where asked."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ahs_routing.geo import EARTH_RADIUS_KM, destination, great_circle_km, haversine_km

TRONDHEIM = (63.4305, 10.3951)
OSLO = (59.9139, 10.7522)


def test_a_quarter_meridian_is_a_quarter_of_the_circumference() -> None:
    """Equator to pole along a meridian: pi/2 x the radius."""
    assert haversine_km(np.array(0.0), np.array(0.0), np.array(90.0), np.array(0.0)) == pytest.approx(
        math.pi / 2 * EARTH_RADIUS_KM)


def test_pairwise_and_all_pairs_distances_agree() -> None:
    """Trondheim-Oslo is about 392 km as the crow flies, whichever function measures it."""
    pair = float(haversine_km(np.array(TRONDHEIM[0]), np.array(TRONDHEIM[1]), np.array(OSLO[0]), np.array(OSLO[1])))
    table = great_circle_km(np.radians([TRONDHEIM[0], OSLO[0]]), np.radians([TRONDHEIM[1], OSLO[1]]))
    assert pair == pytest.approx(392, abs=2)
    assert table[0, 1] == pytest.approx(pair) and table[1, 0] == pytest.approx(pair) and table[0, 0] == 0


@pytest.mark.parametrize("bearing", [0.0, math.pi / 3, math.pi, 5.0])
def test_a_destination_lies_the_given_distance_away(bearing: float) -> None:
    """Going 25 km from Trondheim in any direction lands 25 km from Trondheim."""
    lat, lon = destination(*TRONDHEIM, bearing, 25.0)
    assert float(haversine_km(np.array(TRONDHEIM[0]), np.array(TRONDHEIM[1]), np.array(lat), np.array(lon))) == \
        pytest.approx(25.0, rel=1e-9)
