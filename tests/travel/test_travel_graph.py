"""The `graph` provider: road networks from GraphML and OSM files, snapping, Dijkstra, eligibility.

The tiny networks are laid out along the meridian 10.40 E with lengths given explicitly, so
every time is worked out on paper: length / speed, plus nothing (places sit on nodes).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from builders import day, nurse, patient, visit

from ahs_routing import InputError, Location, Policy, TravelError, TravelModel, travel_matrix
from ahs_routing.check.eligibility import ineligible_patients
from ahs_routing.travel import (
    CachedProvider,
    FallbackProvider,
    GeodesicProvider,
    GraphProvider,
    provider_for,
    travel_from,
)
from ahs_routing.travel.graph import load_road_graph, parse_maxspeed

OSLO = Path(__file__).resolve().parents[3] / "shared" / "data" / "osm" / "oslo-center.osm.pbf"

BASE = Location(63.40, 10.40)
NEAR = Location(63.41, 10.40)
FAR = Location(63.42, 10.40)
SIDE = Location(63.41, 10.41)
DANGLING = Location(63.43, 10.40)


def _write_graphml(path: Path) -> Path:
    """B <-> n1: 10 km at 60 km/h (10 min); n1 <-> n2: 50 km, maxspeed 50 -> 40 km/h (75 min);
    n1 -> n3 one way, 1 km residential at 25 km/h (144 s); n3 -> B 3 km primary at 65 km/h;
    n2 -> d one way only (d cannot get back: not in the strongly connected part);
    a second, slower B -> n1 edge that must not be added to the first."""
    graph = nx.MultiDiGraph()
    for name, where in {"B": BASE, "n1": NEAR, "n2": FAR, "n3": SIDE, "d": DANGLING}.items():
        graph.add_node(name, x=where.lon, y=where.lat)
    for a, b in (("B", "n1"), ("n1", "B")):
        graph.add_edge(a, b, length=10_000.0, speed_kph=60.0, highway="trunk")
    graph.add_edge("B", "n1", length=20_000.0, speed_kph=60.0, highway="trunk")
    for a, b in (("n1", "n2"), ("n2", "n1")):
        graph.add_edge(a, b, length=50_000.0, maxspeed="50", highway="primary")
    graph.add_edge("n1", "n3", length=1_000.0, highway="residential")
    graph.add_edge("n3", "B", length=3_000.0, highway="['primary', 'secondary']")
    graph.add_edge("n2", "d", length=1_000.0, highway="residential")
    nx.write_graphml(graph, path)
    return path


@pytest.fixture
def graphml(tmp_path: Path) -> Path:
    return _write_graphml(tmp_path / "roads.graphml")


def test_times_are_length_over_speed_along_the_fastest_route(graphml: Path) -> None:
    """Seconds and metres follow the hand-worked routes, one-way streets included."""
    places = {"base": BASE, "near": NEAR, "far": FAR, "side": SIDE}
    road = GraphProvider(str(graphml)).road_travel(places)
    seconds = dict(zip(road.ids, road.seconds, strict=True))
    index = {p: i for i, p in enumerate(road.ids)}
    assert seconds["base"][index["near"]] == pytest.approx(600.0, abs=0.01)
    assert seconds["base"][index["far"]] == pytest.approx(600.0 + 4500.0, abs=0.01)
    assert seconds["near"][index["side"]] == pytest.approx(144.0, abs=0.01)
    # side -> near has no direct way back: side -> base -> near.
    assert seconds["side"][index["near"]] == pytest.approx(3000 / 65 * 3.6 + 600.0, abs=0.01)
    assert road.metres[index["base"], index["far"]] == pytest.approx(60_000.0, abs=0.1)
    assert (road.snap_m < 0.01).all()


def test_matrix_is_whole_minutes_rounded_up_with_km(graphml: Path) -> None:
    """144 s becomes 3 minutes, never 2; km come along; a place to itself is 0."""
    matrix = GraphProvider(str(graphml)).matrix({"base": BASE, "near": NEAR, "side": SIDE})
    assert matrix.seconds("near", "side") == 180
    assert matrix.seconds("base", "near") == 600
    assert matrix.km("base", "near") == pytest.approx(10.0)
    assert matrix.seconds("side", "side") == 0


def test_only_the_strongly_connected_part_is_kept_and_far_snaps_warn(
    graphml: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The dead-end node d is dropped: a home there snaps to n2 (1.1 km away) with a warning
    that names the place but not its coordinates."""
    graph = load_road_graph(graphml)
    assert graph.nodes == 4
    with caplog.at_level(logging.WARNING, logger="ahs_routing.travel.graph"):
        road = GraphProvider(str(graphml), snap_warning_m=300, access_kmh=15).road_travel(
            {"base": BASE, "home": DANGLING})
    assert road.snap_m[1] == pytest.approx(1112, rel=0.01)
    assert road.seconds[0, 1] == pytest.approx(5100 + road.snap_m[1] / 15 * 3.6, abs=0.01)
    [record] = caplog.records
    assert "'home'" in record.getMessage() and "63.4" not in record.getMessage()


def test_one_search_from_the_base_gives_the_matrix_row(graphml: Path) -> None:
    """travel_from answers with one Dijkstra search and the very figures of the full matrix."""
    places = {"base": BASE, "near": NEAR, "far": FAR, "side": SIDE, "off": DANGLING}
    provider = GraphProvider(str(graphml))
    matrix = provider.matrix(places)
    row = travel_from(provider, "base", places)
    assert row == {p: matrix.seconds("base", p) for p in places}
    assert row["far"] == 85 * 60 and row["base"] == 0


def test_eligibility_with_the_graph_provider_uses_road_times(graphml: Path) -> None:
    """A home 10 road-minutes away is eligible, one 85 minutes away is not (limit 60)."""
    problem = day([nurse("n1")], [patient("near", location=NEAR), patient("far", location=FAR)],
                  [visit("v1", "near"), visit("v2", "far")], {"near": 0, "far": 0}, policy=Policy(60, None))
    problem = dataclasses.replace(problem, base=dataclasses.replace(problem.base, location=BASE),
                                  travel=TravelModel(provider="graph", path=str(graphml)))
    found = {p.patient: p.detail for p in ineligible_patients(problem, travel_matrix(problem))}
    assert found == {"far": "85 min from base, limit 60"}


@pytest.mark.parametrize(("tag", "kmh"), [
    ("50", 50.0),
    ("30 mph", 48.28032),
    ("NO:urban", 50.0),  # Norwegian zone defaults
    ("NO:rural", 80.0),
    ("signals", None),  # variable limits: use the road class
    (None, None),
])
def test_parse_maxspeed(tag: str | None, kmh: float | None) -> None:
    """Numbers, mph and country zones are read; anything else falls back to the road class."""
    assert parse_maxspeed(tag) == (pytest.approx(kmh) if kmh is not None else None)


OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="63.40" lon="10.40" version="1"/>
  <node id="2" lat="63.41" lon="10.40" version="1"/>
  <node id="3" lat="63.42" lon="10.40" version="1"/>
  <node id="4" lat="63.41" lon="10.42" version="1"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="primary"/><tag k="maxspeed" v="80"/></way>
  <way id="11" version="1"><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
  <way id="12" version="1"><nd ref="3"/><nd ref="1"/>
    <tag k="highway" v="secondary"/><tag k="oneway" v="yes"/></way>
  <way id="13" version="1"><nd ref="2"/><nd ref="4"/><tag k="highway" v="footway"/></way>
  <way id="14" version="1"><nd ref="1"/><nd ref="4"/>
    <tag k="highway" v="residential"/><tag k="access" v="private"/></way>
  <way id="15" version="1"><nd ref="2"/><nd ref="99"/><tag k="highway" v="residential"/></way>
</osm>
"""


def test_osm_tags_decide_speeds_directions_and_access(tmp_path: Path) -> None:
    """maxspeed x 0.8, class speed where untagged, oneway honoured, footways and private roads
    left out, a way through a node missing from the extract cut there."""
    file = tmp_path / "tiny.osm"
    file.write_text(OSM_XML)
    graph = load_road_graph(file)
    assert graph.nodes == 3  # node 4 is reachable only by foot or private road; 99 is missing
    places = {"a": Location(63.40, 10.40), "b": Location(63.41, 10.40), "c": Location(63.42, 10.40)}
    road = GraphProvider(str(file)).road_travel(places)
    metres_ab = road.metres[0, 1]
    assert road.seconds[0, 1] == pytest.approx(metres_ab / 64 * 3.6, abs=0.01)  # 80 km/h x 0.8
    assert road.seconds[1, 2] == pytest.approx(road.metres[1, 2] / 25 * 3.6, abs=0.01)
    # c -> a takes the one-way secondary road (55 km/h): shorter than back through b.
    assert road.seconds[2, 0] == pytest.approx(road.metres[2, 0] / 55 * 3.6, abs=0.01)
    assert road.metres[2, 0] == pytest.approx(2 * 1112, rel=0.01)
    # a -> c may not use it against its direction: a -> b -> c.
    assert road.seconds[0, 2] == pytest.approx(road.seconds[0, 1] + road.seconds[1, 2], abs=0.01)


def test_missing_and_unreadable_files_are_clear_errors(tmp_path: Path) -> None:
    """A path that does not exist is an InputError at travel.path; a broken file a TravelError."""
    with pytest.raises(InputError, match=r"travel\.path"):
        GraphProvider(str(tmp_path / "nowhere.osm.pbf")).matrix({"a": BASE})
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"this is not a PBF file")
    with pytest.raises(TravelError, match=r"broken\.osm\.pbf"):
        GraphProvider(str(broken)).matrix({"a": BASE})
    other = tmp_path / "roads.shp"
    other.write_bytes(b"")
    with pytest.raises(InputError, match="unknown road network format"):
        GraphProvider(str(other)).matrix({"a": BASE})


def test_provider_for_wires_graph_options_cache_and_fallback(graphml: Path, tmp_path: Path) -> None:
    """The travel block's options reach the provider; cache and fallback wrap it when asked for."""
    plain = provider_for(TravelModel(provider="graph", path=str(graphml), options={"access_kmh": 10}))
    assert plain == GraphProvider(str(graphml), access_kmh=10.0)
    wrapped = provider_for(TravelModel(provider="graph", path=str(graphml),
                                       options={"cache": str(tmp_path / "c.sqlite"), "fallback": "geodesic"}))
    assert isinstance(wrapped, FallbackProvider) and isinstance(wrapped.fallback, GeodesicProvider)
    assert isinstance(wrapped.primary, CachedProvider)
    with pytest.raises(InputError, match=r"travel\.options\.access_kmh: -1 must be a number > 0"):
        provider_for(TravelModel(provider="graph", path=str(graphml), options={"access_kmh": -1}))


@pytest.mark.skipif(not OSLO.is_file(), reason=f"the Oslo extract is not at {OSLO}")
def test_oslo_extract_gives_plausible_city_times() -> None:
    """On real Oslo streets (© OpenStreetMap contributors): every pair has a route, trips over
    1 km average 10-50 km/h, and the clipped Copenhagen ferry (16.5 h for the whole crossing)
    does not leak into any trip."""
    pytest.importorskip("osmium")
    graph = load_road_graph(OSLO)
    assert graph.nodes > 10_000 and graph.kept_share > 0.8
    rng = np.random.default_rng(7)
    nodes = rng.choice(graph.nodes, 200, replace=False)
    places = {f"h{i}": Location(float(graph.lat[n]), float(graph.lon[n])) for i, n in enumerate(nodes)}
    started = time.perf_counter()
    road = GraphProvider(str(OSLO)).road_travel(places)
    elapsed = time.perf_counter() - started
    assert np.isfinite(road.seconds).all()
    off = road.metres > 1000
    kmh = road.metres[off] / road.seconds[off] * 3.6
    assert 10 < float(np.median(kmh)) < 50
    assert road.seconds.max() < 30 * 60
    assert elapsed < 30, f"200x200 took {elapsed:.1f} s"


def test_cli_travel_lists_minutes_from_the_base(
    graphml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ahs-routing travel` prints each home's road minutes and whether it is within the limit."""
    import json

    from ahs_routing import problem_to_dict
    from ahs_routing.cli.main import main

    problem = day([nurse("n1")], [patient("near", location=NEAR), patient("far", location=FAR)],
                  [visit("v1", "near")], {"near": 0, "far": 0}, policy=Policy(60, None))
    document = problem_to_dict(problem)
    document["base"]["location"] = {"lat": BASE.lat, "lon": BASE.lon}
    document["travel"] = {"provider": "graph", "path": str(graphml)}
    file = tmp_path / "day.json"
    file.write_text(json.dumps(document))
    assert main(["travel", str(file), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"patient": "near", "minutes_from_base": 10.0, "within_limit": True},
        {"patient": "far", "minutes_from_base": 85.0, "within_limit": False},
    ]
    assert main(["travel", str(file)]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["near          10  yes", "far           85  NO"]
