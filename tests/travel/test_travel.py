"""The TravelMatrix type and the built-in geodesic and matrix providers."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from geopy.distance import geodesic
from test_examples import EXAMPLES

from ahs_routing import (
    GeodesicProvider,
    InputError,
    Location,
    MatrixProvider,
    TravelMatrix,
    TravelModel,
    json_schemas,
    problem_from_dict,
)
from ahs_routing.domain.model import TRAVEL_PROVIDERS
from ahs_routing.geo import great_circle_km
from ahs_routing.travel import TRAVEL_OPTIONS, provider_for

TRONDHEIM = Location(63.4208, 10.3886)
MELHUS = Location(63.2847, 10.2781)
STJORDAL = Location(63.4694, 10.9170)


def test_matrix_is_read_only_and_indexed_by_place_id() -> None:
    """Values are looked up by id; the underlying array cannot be written."""
    matrix = TravelMatrix(["a", "b"], [[0, 60], [120, 0]], [[0, 1.0], [2.0, 0]])
    assert matrix.seconds("a", "b") == 60 and matrix.minutes("b", "a") == 2.0
    assert matrix.km("b", "a") == 2.0
    with pytest.raises(ValueError):
        matrix.seconds_array()[0, 1] = 5


def test_matrix_rejects_negative_times_and_duplicate_ids() -> None:
    """Negative travel and repeated place ids are refused."""
    with pytest.raises(ValueError):
        TravelMatrix(["a", "b"], [[0, -1], [1, 0]])
    with pytest.raises(ValueError):
        TravelMatrix(["a", "a"], [[0, 1], [1, 0]])


def test_haversine_agrees_with_geopy_geodesic() -> None:
    """The vectorised great circle is within 0.5% of geopy's ellipsoidal geodesic at Trondheim's latitude."""
    places = [TRONDHEIM, MELHUS, STJORDAL]
    km = great_circle_km(np.radians([p.lat for p in places]), np.radians([p.lon for p in places]))
    for i, a in enumerate(places):
        for j, b in enumerate(places):
            if i != j:
                reference = geodesic((a.lat, a.lon), (b.lat, b.lon)).km
                assert km[i, j] == pytest.approx(reference, rel=0.005)


def test_geodesic_provider_is_whole_minutes_symmetric_and_zero_on_the_spot() -> None:
    """Minutes are whole, rounded up; a place to itself is 0; times grow with distance."""
    matrix = GeodesicProvider().matrix({"base": TRONDHEIM, "melhus": MELHUS, "stjordal": STJORDAL, "same": TRONDHEIM})
    seconds = matrix.seconds_array()
    assert (seconds % 60 == 0).all()
    assert matrix.seconds("base", "same") == 0
    assert matrix.seconds("base", "melhus") == matrix.seconds("melhus", "base")
    assert matrix.seconds("base", "melhus") < matrix.seconds("base", "stjordal")


def test_geodesic_figures_are_plausible_for_trondheim() -> None:
    """Trondheim-Melhus (about 22 km by road) and Trondheim-Stjørdal (about 35 km) take 20-45 minutes."""
    matrix = GeodesicProvider().matrix({"base": TRONDHEIM, "melhus": MELHUS, "stjordal": STJORDAL})
    assert 18 <= matrix.minutes("base", "melhus") <= 35
    assert 25 <= matrix.minutes("base", "stjordal") <= 45


def test_geodesic_speed_bands_are_continuous() -> None:
    """Driving time never drops when the distance grows (band by band, like tax brackets)."""
    provider = GeodesicProvider()
    km = np.linspace(0.01, 120, 2000)
    minutes = provider.road_minutes(km)
    assert (np.diff(minutes) >= 0).all()


def test_matrix_provider_rounds_fractional_minutes_up_to_the_second() -> None:
    """10.01 minutes is 601 seconds: never less than given, so plans stay feasible on the road."""
    provider = MatrixProvider(("a", "b"), ((0, 10.01), (10.0, 0)))
    matrix = provider.matrix({"b": TRONDHEIM, "a": TRONDHEIM})
    assert matrix.seconds("a", "b") == 601 and matrix.seconds("b", "a") == 600


def test_matrix_provider_names_missing_places() -> None:
    """A place not in travel.locations is an InputError naming it."""
    with pytest.raises(InputError, match="'c'"):
        MatrixProvider(("a", "b"), ((0, 1), (1, 0))).matrix({"a": TRONDHEIM, "c": TRONDHEIM})


def test_travel_model_checks_matrix_shape() -> None:
    """A ragged or negative matrix is reported with the row and column."""
    with pytest.raises(InputError, match=r"minutes\[1\]"):
        TravelModel(provider="matrix", locations=("a", "b"), minutes=((0, 1), (1,)))
    with pytest.raises(InputError, match=r"minutes\[0\]\[1\]"):
        TravelModel(provider="matrix", locations=("a", "b"), minutes=((0, -1), (1, 0)))


def test_provider_for_geodesic_needs_no_settings() -> None:
    """The default travel block gives the offline geodesic provider."""
    assert isinstance(provider_for(TravelModel()), GeodesicProvider)


def test_the_options_table_covers_every_provider_the_model_admits() -> None:
    """TravelModel, the contract's schema and the options table know the same four providers."""
    assert set(TRAVEL_OPTIONS) == set(TRAVEL_PROVIDERS) == {"geodesic", "matrix", "graph", "osrm"}
    schema = json_schemas()["problem"]["$defs"]["TravelDoc"]["properties"]["provider"]
    assert schema["enum"] == list(TRAVEL_PROVIDERS)


@pytest.mark.parametrize(("travel", "expected"), [
    # a value out of range and an unknown key, both reported
    ({"provider": "geodesic", "options": {"detour_factor": 0, "speed": 1}},
     ["travel.options.detour_factor: 0 must be a number > 0",
      "travel.options.speed: unknown option for the geodesic provider (known: detour_factor, leg_overhead_minutes)"]),
    # a count that is not whole, a text that is empty, a fallback that is not the geodesic one
    ({"provider": "osrm", "url": "http://127.0.0.1:5000", "options": {"retries": 1.5, "cache": " ", "fallback": "x"}},
     ["travel.options.retries: 1.5 must be a whole number >= 0", "travel.options.cache: ' ' must be a non-empty string",
      "travel.options.fallback: 'x' must be 'geodesic'"]),
    # the matrix provider takes no options at all
    ({"provider": "matrix", "locations": ["a"], "minutes": [[0]], "options": {"cache": "c.sqlite"}},
     ["travel.options.cache: unknown option for the matrix provider (known: none)"]),
])
def test_bad_options_read_the_same_from_json_and_from_python(travel: dict[str, Any], expected: list[str]) -> None:
    """The one rule set gives the same messages when a document is read and when a model built in Python is used."""
    document = json.loads((EXAMPLES / "trondheim_weekday.json").read_text(encoding="utf-8"))
    document["travel"] = travel
    with pytest.raises(InputError) as read:
        problem_from_dict(document)
    assert [str(p) for p in read.value.problems] == expected
    fields = {k: tuple(tuple(r) for r in v) if k == "minutes" else tuple(v) if k == "locations" else v
              for k, v in travel.items()}
    with pytest.raises(InputError) as built:
        provider_for(TravelModel(**fields))
    assert [str(p) for p in built.value.problems] == expected


def test_two_hundred_places_take_milliseconds() -> None:
    """The geodesic matrix is vectorised: 200 x 200 well under a second (geopy alone took 2.4 s)."""
    import time

    rng = np.random.default_rng(1)
    places = {f"p{i}": Location(63.4 + rng.uniform(-0.3, 0.3), 10.4 + rng.uniform(-0.6, 0.6)) for i in range(200)}
    started = time.perf_counter()
    GeodesicProvider().matrix(places)
    assert time.perf_counter() - started < 0.5
