"""Travel times on a road network read from a file: the `graph` provider.

The network comes from an OpenStreetMap PBF (read with pyosmium, the `roads` extra) or from a
GraphML file in osmnx's format (read with networkx). Each drivable way becomes directed edges
whose time is length / speed: the way's `maxspeed` x 0.8 where it is tagged, else a speed by
road class. Both figures are OSRM's car profile (car.lua, osrm-backend 26.10), so this provider
and a self-hosted OSRM server built from the same file agree closely (docs/TRAVEL.md states by
how much); OSRM's turn and signal penalties are not modelled, so this provider is the faster of
the two in dense city grids.

Only the largest strongly connected part of the network is kept (a clipped extract leaves
fragments from which nothing can be reached). Places are snapped to its nearest node with a
KD-tree; the snap distance is reported and driven at `access_kmh`, and a snap longer than
`snap_warning_m` is logged at WARNING level with the place id only (never coordinates).

Many-to-many times come from scipy's sparse Dijkstra, one search per distinct origin node.
Edges carry one lexicographic weight, time (ms) x 10^7 + length (dm), so that a single search
finds the fastest route *and* its length exactly (integers below 2^53 are exact in float64).
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from ahs_routing.domain.model import Location
from ahs_routing.errors import InputError, TravelError
from ahs_routing.geo import EARTH_RADIUS_KM, haversine_km
from ahs_routing.travel.matrix import (
    SNAP_WARNING_M,
    FloatArray,
    RoadTravel,
    TravelMatrix,
    matrix_from_road_seconds,
    whole_minute_seconds,
)

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]

#: Speed (km/h) by OSM `highway` class where a way has no usable `maxspeed`: OSRM's car profile
#: (profiles/car.lua `speeds.highway`, osrm-backend 26.10).
ROAD_CLASS_KMH: Mapping[str, float] = {
    "motorway": 90, "motorway_link": 45, "trunk": 85, "trunk_link": 40,
    "primary": 65, "primary_link": 30, "secondary": 55, "secondary_link": 25,
    "tertiary": 40, "tertiary_link": 20, "unclassified": 25, "residential": 25,
    "living_street": 10, "service": 15,
}

#: A tagged `maxspeed` is driven at this share of the limit (OSRM car.lua `speed_reduction`).
MAXSPEED_SHARE = 0.8

#: Ferry legs, when the way has no `duration` tag (OSRM car.lua `route_speeds.ferry`).
#: Waiting for the boat is not included: see docs/TRAVEL.md.
FERRY_KMH = 5.0

#: Implicit limits written as `maxspeed=NO:urban` etc. (Norwegian traffic rules, section 13).
MAXSPEED_ZONES_KMH: Mapping[str, float] = {"urban": 50, "rural": 80, "motorway": 110, "trunk": 80, "living_street": 8}

#: Speed (km/h) for the stretch between a place and its snapped road node (driveway, yard).
ACCESS_KMH = 15.0

_ONEWAY_IMPLIED = {"motorway", "motorway_link"}
_NO_ACCESS = {"no", "private", "agricultural", "forestry", "delivery", "emergency", "psv", "bus"}
_YES_ACCESS = {"yes", "permissive", "designated", "destination", "customers"}

_MS_PER_S = 1000.0
_DM_PER_M = 10.0
#: The weight is time_ms * _LENGTH_SLOTS + length_dm: lengths up to 1000 km fit below the factor.
_LENGTH_SLOTS = 10_000_000.0
_BATCH_SOURCES = 64
_EARTH_RADIUS_METRES = EARTH_RADIUS_KM * 1000.0


@dataclass(frozen=True, slots=True)
class Snap:
    """Where places meet the network: node per place and the straight-line distance to it (m)."""

    nodes: IntArray
    distances_m: FloatArray


@dataclass(frozen=True, slots=True)
class RoadGraph:
    """A directed road network restricted to its largest strongly connected component."""

    lat: FloatArray
    lon: FloatArray
    #: Edge weights: time_ms * 10^7 + length_dm (see the module docstring).
    weights: csr_matrix
    source: str
    kept_share: float
    _tree: cKDTree = field(repr=False)
    _origin: tuple[float, float] = field(repr=False)
    #: Node numbers of the KD-tree's points (road nodes, not ferry-only ones).
    _snappable: IntArray = field(repr=False)

    @property
    def nodes(self) -> int:
        """Return the number of road nodes kept."""
        return len(self.lat)

    @property
    def edges(self) -> int:
        """Return the number of directed road edges kept."""
        return int(self.weights.nnz)

    def snap(self, locations: Sequence[Location]) -> Snap:
        """Return the nearest kept node of each location and its distance in metres."""
        xy = _project(np.array([p.lat for p in locations]), np.array([p.lon for p in locations]), self._origin)
        distances, points = self._tree.query(xy)
        return Snap(self._snappable[np.asarray(points, dtype=np.int64)], np.asarray(distances, dtype=np.float64))

    def travel(self, origins: IntArray, destinations: IntArray) -> tuple[FloatArray, FloatArray]:
        """Return (seconds, metres) of the fastest route from each origin node to each destination node."""
        seconds = np.empty((len(origins), len(destinations)))
        metres = np.empty((len(origins), len(destinations)))
        unique, inverse = np.unique(origins, return_inverse=True)
        for start in range(0, len(unique), _BATCH_SOURCES):
            batch = unique[start : start + _BATCH_SOURCES]
            weight = dijkstra(self.weights, directed=True, indices=batch)[:, destinations]
            # Unreachable stays inf in both parts; the kept component is strongly connected, so
            # this happens only for nodes passed in from outside it.
            time_ms = np.floor(weight / _LENGTH_SLOTS)
            rows = np.flatnonzero(np.isin(inverse, np.arange(start, start + len(batch))))
            seconds[rows] = (time_ms / _MS_PER_S)[inverse[rows] - start]
            metres[rows] = ((weight - time_ms * _LENGTH_SLOTS) / _DM_PER_M)[inverse[rows] - start]
        return seconds, metres


    def path(self, origin: int, destination: int) -> list[int]:
        """Return the nodes of the fastest route from one node to another, both included."""
        _, predecessors = dijkstra(self.weights, directed=True, indices=origin, return_predecessors=True)
        nodes = [destination]
        while nodes[-1] != origin:
            previous = int(predecessors[nodes[-1]])
            if previous < 0:  # unreachable: only nodes from outside the kept component
                return [origin, destination]
            nodes.append(previous)
        return nodes[::-1]


def _project(lat: FloatArray, lon: FloatArray, origin: tuple[float, float]) -> FloatArray:
    """Return local equirectangular x/y in metres (accurate to well under 1% over a county)."""
    lat0, lon0 = origin
    x = np.radians(lon - lon0) * math.cos(math.radians(lat0)) * _EARTH_RADIUS_METRES
    y = np.radians(lat - lat0) * _EARTH_RADIUS_METRES
    return np.column_stack([x, y])



def _haversine_metres(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> FloatArray:
    return haversine_km(lat1, lon1, lat2, lon2) * 1000.0


# Building the graph ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Segments:
    """Directed road segments collected from a file, before indexing."""

    tail: list[int] = field(default_factory=list)
    head: list[int] = field(default_factory=list)
    kmh: list[float] = field(default_factory=list)
    #: Fixed duration in seconds for the whole segment (ferries with a `duration`), else NaN.
    fixed_s: list[float] = field(default_factory=list)
    coords: dict[int, tuple[float, float]] = field(default_factory=dict)
    #: Pre-computed lengths (m) from GraphML; NaN where the length is computed from coordinates.
    length_m: list[float] = field(default_factory=list)

    #: Whether the segment is a ferry crossing: its nodes are no place to snap a home to.
    ferry: list[bool] = field(default_factory=list)

    def add(self, tail: int, head: int, kmh: float, fixed_s: float = math.nan, length_m: float = math.nan,
            *, ferry: bool = False) -> None:
        self.ferry.append(ferry)
        self.tail.append(tail)
        self.head.append(head)
        self.kmh.append(kmh)
        self.fixed_s.append(fixed_s)
        self.length_m.append(length_m)


def parse_maxspeed(value: str | None) -> float | None:
    """Return a `maxspeed` tag as km/h, or None when it is missing or not understood."""
    if not value:
        return None
    text = value.strip().lower()
    match = re.match(r"^(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?$", text)
    if match:
        speed = float(match.group(1))
        return speed * 1.609344 if match.group(2) == "mph" else speed
    if ":" in text:
        return MAXSPEED_ZONES_KMH.get(text.split(":", 1)[1])
    return None


def _parse_duration_s(value: str | None) -> float:
    """Return an OSM `duration` (HH:MM[:SS] or minutes) in seconds, NaN when absent or unreadable."""
    if not value:
        return math.nan
    parts = value.strip().split(":")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return math.nan
    if len(numbers) == 1:
        return numbers[0] * 60.0
    scale = (3600.0, 60.0, 1.0)
    return sum(n * s for n, s in zip(numbers, scale, strict=False))


def _way_is_drivable(tags: Mapping[str, str]) -> bool:
    highway = tags.get("highway")
    if highway not in ROAD_CLASS_KMH or tags.get("area") == "yes":
        return False
    for key in ("motor_vehicle", "motorcar", "vehicle"):
        value = tags.get(key)
        if value in _YES_ACCESS:
            return True
        if value in _NO_ACCESS:
            return False
    return tags.get("access") not in _NO_ACCESS


def _directions(tags: Mapping[str, str]) -> tuple[bool, bool]:
    """Return (forward, backward) for a way's oneway tags (OSRM's reading)."""
    oneway = tags.get("oneway")
    if oneway in ("yes", "true", "1"):
        return True, False
    if oneway in ("-1", "reverse"):
        return False, True
    if oneway == "no":
        return True, True
    if tags.get("junction") in ("roundabout", "circular") or tags.get("highway") in _ONEWAY_IMPLIED:
        return True, False
    return True, True


def _read_pbf(path: Path) -> _Segments:
    try:
        import osmium
    except ImportError as error:  # the `roads` extra
        raise TravelError("reading OSM PBF files needs pyosmium: pip install 'ahs_routing[roads]'") from error
    segments = _Segments()
    roads = osmium.filter.KeyFilter("highway", "route")
    for way in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations().with_filter(roads):
        if not isinstance(way, osmium.osm.Way):
            continue
        tags = {tag.k: tag.v for tag in way.tags}
        fixed_s = math.nan
        if tags.get("route") == "ferry" and tags.get("motor_vehicle", tags.get("motorcar")) in ("yes", None):
            kmh, forward, backward = FERRY_KMH, True, True
            fixed_s = _parse_duration_s(tags.get("duration"))
        elif _way_is_drivable(tags):
            limit = parse_maxspeed(tags.get("maxspeed"))
            kmh = limit * MAXSPEED_SHARE if limit else ROAD_CLASS_KMH[tags["highway"]]
            forward, backward = _directions(tags)
        else:
            continue
        refs: list[int | None] = []
        for node in way.nodes:
            if node.location.valid():
                segments.coords[node.ref] = (node.location.lat, node.location.lon)
                refs.append(node.ref)
            else:
                refs.append(None)  # a node clipped off the extract breaks the way here
        pairs = [(a, b) for a, b in itertools.pairwise(refs) if a is not None and b is not None and a != b]
        if None in refs:
            fixed_s = math.nan  # a clipped crossing: its duration is for more than what is left
        shares = _length_shares(pairs, segments.coords) if pairs and not math.isnan(fixed_s) else None
        ferry = tags.get("route") == "ferry"
        for k, (a, b) in enumerate(pairs):
            share = fixed_s * shares[k] if shares is not None else math.nan
            if forward:
                segments.add(a, b, kmh, share, ferry=ferry)
            if backward:
                segments.add(b, a, kmh, share, ferry=ferry)
    return segments


def _length_shares(pairs: Sequence[tuple[int, int]], coords: Mapping[int, tuple[float, float]]) -> FloatArray:
    """Return each segment's share of the way's length (a ferry's duration is spread by length)."""
    a = np.array([coords[p[0]] for p in pairs])
    b = np.array([coords[p[1]] for p in pairs])
    lengths = _haversine_metres(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    total = float(lengths.sum())
    shares: FloatArray = lengths / total if total > 0 else np.full(len(pairs), 1.0 / len(pairs))
    return shares


def _first(value: Any) -> str | None:
    """Return the first entry of an osmnx list-valued attribute ("['a', 'b']") or the value itself."""
    if value is None:
        return None
    text = str(value)
    if text.startswith("["):
        items = re.findall(r"'([^']*)'", text)
        return items[0] if items else None
    return text


def _read_graphml(path: Path) -> _Segments:
    import networkx as nx

    try:
        graph = nx.read_graphml(path)
    except Exception as error:  # networkx raises many types for a malformed file
        raise TravelError(f"travel.path: cannot read GraphML file: {error}") from error
    segments = _Segments()
    ids = {name: i for i, name in enumerate(graph.nodes)}
    for name, data in graph.nodes(data=True):
        try:
            segments.coords[ids[name]] = (float(data["y"]), float(data["x"]))
        except (KeyError, ValueError) as error:
            raise TravelError(f"travel.path: GraphML node {name!r} has no numeric x/y (lon/lat)") from error
    for tail, head, data in graph.edges(data=True):
        length = float(data.get("length", math.nan))
        if "travel_time" in data:
            segments.add(ids[tail], ids[head], math.nan, float(data["travel_time"]), length)
            continue
        if "speed_kph" in data:
            kmh = float(data["speed_kph"])
        else:
            limit = parse_maxspeed(_first(data.get("maxspeed")))
            kmh = limit * MAXSPEED_SHARE if limit else ROAD_CLASS_KMH.get(_first(data.get("highway")) or "", 25.0)
        segments.add(ids[tail], ids[head], kmh, math.nan, length)
    return segments


def _build(segments: _Segments, source: str) -> RoadGraph:
    if not segments.tail:
        raise TravelError(f"{source}: no drivable roads found")
    refs, index = np.unique(np.array(segments.tail + segments.head, dtype=np.int64), return_inverse=True)
    tail, head = index[: len(segments.tail)], index[len(segments.tail) :]
    lat = np.array([segments.coords[int(r)][0] for r in refs])
    lon = np.array([segments.coords[int(r)][1] for r in refs])
    length_m = np.array(segments.length_m)
    computed = _haversine_metres(lat[tail], lon[tail], lat[head], lon[head])
    length_m = np.where(np.isnan(length_m), computed, length_m)
    kmh = np.array(segments.kmh)
    fixed_s = np.array(segments.fixed_s)
    seconds = np.where(np.isnan(fixed_s), length_m / np.maximum(kmh, 1e-3) * 3.6, fixed_s)
    # Round each edge's time up to the millisecond: sums stay exact and never below the truth.
    weight = np.maximum(np.ceil(seconds * _MS_PER_S), 1.0) * _LENGTH_SLOTS + np.round(length_m * _DM_PER_M)

    size = len(refs)
    _, labels = connected_components(
        csr_matrix((np.ones(len(tail)), (tail, head)), shape=(size, size)), directed=True, connection="strong"
    )
    largest = np.bincount(labels).argmax()
    keep = labels == largest
    renumber = np.cumsum(keep) - 1
    on = keep[tail] & keep[head]
    tail, head, weight = renumber[tail[on]], renumber[head[on]], weight[on]
    # Parallel edges (two ways joining the same nodes): keep the lightest, since csr would sum them.
    order = np.lexsort((weight, head, tail))
    tail, head, weight = tail[order], head[order], weight[order]
    first = np.ones(len(tail), dtype=bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    kept = int(keep.sum())
    weights = csr_matrix((weight[first], (tail[first], head[first])), shape=(kept, kept))
    # Homes are snapped to nodes on a road, never to a point of a ferry line out on the water.
    ferry = np.array(segments.ferry)
    on_road = np.zeros(size, dtype=bool)
    on_road[index[: len(segments.tail)][~ferry]] = True
    on_road[index[len(segments.tail) :][~ferry]] = True
    snappable = np.flatnonzero(on_road[keep])
    lat, lon = lat[keep], lon[keep]
    origin = (float(lat.mean()), float(lon.mean()))
    tree = cKDTree(_project(lat[snappable], lon[snappable], origin))
    logger.info("road network %s: %d of %d nodes in the largest strongly connected part, %d edges",
                source, kept, size, weights.nnz)
    return RoadGraph(lat, lon, weights, source, kept / size, tree, origin, snappable)


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, _mtime_ns: int, _size: int) -> RoadGraph:
    file = Path(path)
    name = file.name.lower()
    if name.endswith((".graphml", ".graphml.xml")):
        segments = _read_graphml(file)
    elif name.endswith((".pbf", ".osm.pbf", ".osm", ".osm.bz2", ".osm.gz")):
        try:
            segments = _read_pbf(file)
        except RuntimeError as error:  # libosmium's read errors
            raise TravelError(f"travel.path: cannot read OSM file {file.name}: {error}") from error
    else:
        raise InputError(f"unknown road network format {file.suffix!r}; expected .osm.pbf or .graphml",
                         path="travel.path")
    return _build(segments, file.name)


def load_road_graph(path: str | os.PathLike[str]) -> RoadGraph:
    """Return the drivable network of an OSM PBF or osmnx GraphML file (memoised per file version)."""
    file = Path(path)
    if not file.is_file():
        raise InputError(f"road network file {str(file)!r} not found", path="travel.path")
    stat = file.stat()
    return _load_cached(str(file.resolve()), stat.st_mtime_ns, stat.st_size)


# The provider -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GraphProvider:
    """Travel times on a road network file; whole minutes, rounded up (the `graph` provider)."""

    path: str
    snap_warning_m: float = SNAP_WARNING_M
    access_kmh: float = ACCESS_KMH

    def graph(self) -> RoadGraph:
        """Return the loaded road network (read once per file version and process)."""
        return load_road_graph(self.path)

    def road_travel(self, places: Mapping[str, Location]) -> RoadTravel:
        """Return unrounded road seconds and metres between the places, access stretches included."""
        ids = tuple(places)
        graph = self.graph()
        locations = [places[p] for p in ids]
        snap = graph.snap(locations)
        for place, distance in zip(ids, snap.distances_m, strict=True):
            if distance > self.snap_warning_m:
                logger.warning("place %r is %.0f m from the nearest road of %s", place, distance, graph.source)
        seconds, metres = graph.travel(snap.nodes, snap.nodes)
        access_s = snap.distances_m / self.access_kmh * 3.6
        seconds = seconds + access_s[:, None] + access_s[None, :]
        metres = metres + snap.distances_m[:, None] + snap.distances_m[None, :]
        # Places at the very same spot are no trip at all (as with the other providers).
        same = _same_spot(locations)
        seconds[same] = 0.0
        metres[same] = 0.0
        return RoadTravel(ids, seconds, metres, snap.distances_m)

    def matrix(self, places: Mapping[str, Location]) -> TravelMatrix:
        """Return whole-minute (rounded up) road travel times and road km between the places."""
        road = self.road_travel(places)
        return matrix_from_road_seconds(road.ids, road.seconds, road.metres / 1000.0)

    def row(self, origin: str, places: Mapping[str, Location]) -> dict[str, int]:
        """Return whole-minute (rounded up) seconds from one place to each place, with one search."""
        ids = tuple(places)
        graph = self.graph()
        locations = [places[p] for p in ids]
        snap = graph.snap(locations)
        at = ids.index(origin)
        seconds, _ = graph.travel(snap.nodes[[at]], snap.nodes)
        access_s = snap.distances_m / self.access_kmh * 3.6
        road = seconds[0] + access_s[at] + access_s
        road[_same_spot(locations)[at]] = 0.0
        return {p: int(value) for p, value in zip(ids, whole_minute_seconds(road), strict=True)}

    def leg_geometry(self, origin: Location, destination: Location) -> list[Location]:
        """Return the points of the road route between two places (for maps; the places themselves at each end)."""
        graph = self.graph()
        snap = graph.snap([origin, destination])
        nodes = graph.path(int(snap.nodes[0]), int(snap.nodes[1]))
        return [origin, *(Location(float(graph.lat[n]), float(graph.lon[n])) for n in nodes), destination]

    def cache_settings(self) -> dict[str, object]:
        """Return what the matrix depends on besides the places: the file's identity and settings."""
        file = Path(self.path)
        stat = file.stat() if file.is_file() else None
        return {
            "provider": "graph", "file": file.name,
            "size": stat.st_size if stat else None, "mtime_ns": stat.st_mtime_ns if stat else None,
            "access_kmh": self.access_kmh, "road_class_kmh": dict(ROAD_CLASS_KMH), "maxspeed_share": MAXSPEED_SHARE,
        }


def _same_spot(locations: Sequence[Location]) -> npt.NDArray[np.bool_]:
    lat = np.array([p.lat for p in locations])
    lon = np.array([p.lon for p in locations])
    same: npt.NDArray[np.bool_] = (lat[:, None] == lat[None, :]) & (lon[:, None] == lon[None, :])
    return same
