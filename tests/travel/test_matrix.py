"""The travel matrix: kilometres along a route, and the places a route passes."""

from __future__ import annotations

import pytest
from builders import day, nurse, patient, visit

from ahs_routing import Mode, Place, TravelMatrix


def test_path_km_sums_the_legs_in_order_and_is_none_without_km() -> None:
    """base -> a (3 km) -> b (4 km) -> base (5 km) is 12 km; the same matrix without km has none."""
    ids = ["base", "a", "b"]
    km = [[0, 3, 5], [3, 0, 4], [5, 4, 0]]
    assert TravelMatrix(ids, [[0] * 3] * 3, km).path_km(["base", "a", "b", "base"]) == pytest.approx(12.0)
    assert TravelMatrix(ids, [[0] * 3] * 3).path_km(["base", "a", "b", "base"]) is None


def test_a_route_passes_its_start_each_visits_place_and_its_end() -> None:
    """n1 starts at home h1 and ends at the base; the phone visit happens at the base."""
    problem = day([nurse("n1", start_location=Place(patient("x").location, "h1"))], [patient("a"), patient("b")],
                  [visit("v1", "a"), visit("v2", "b", mode=Mode.REMOTE), visit("v3", "b")],
                  {"a": 10, "b": 20, "h1": 5})
    assert problem.route_places(problem.staff[0], ["v1", "v2", "v3"]) == ["h1", "a", "base", "b", "base"]
