"""Calibrate the `geodesic` default against road travel times, and time the road providers.

Places are road nodes of an OSM extract (homes sit on streets), drawn at random; every ordered
pair is one trip. The reference is an OSRM server's table (car profile) when `--osrm URL` is
given, else the `graph` provider on the same file. For each great-circle distance band the
script prints the median and 90th percentile of estimated / road time for the geodesic
default as it stands, for its driving part alone (no per-leg overhead), and the measured road
circuity (road km / great-circle km) and road speed that the tuning starts from.

    python benchmarks/calibrate_geodesic.py ../shared/data/osm/oslo-center.osm.pbf \
        --osrm http://127.0.0.1:5000 --places 400 --timing 1000

Results from an OSM extract are © OpenStreetMap contributors (ODbL).
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ahs_routing import GeodesicProvider, Location
from ahs_routing.geo import great_circle_km
from ahs_routing.travel import CachedProvider, GraphProvider, OsrmProvider
from ahs_routing.travel.graph import load_road_graph
from ahs_routing.travel.matrix import RoadTravel

FloatArray = npt.NDArray[np.float64]
BANDS_KM = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, np.inf)


def sample_places(path: str, count: int, seed: int) -> dict[str, Location]:
    """Return `count` distinct road nodes of the file as places h0, h1, ..."""
    graph = load_road_graph(path)
    rng = np.random.default_rng(seed)
    nodes = rng.choice(graph.nodes, count, replace=False)
    return {f"h{i}": Location(float(graph.lat[n]), float(graph.lon[n])) for i, n in enumerate(nodes)}


def band_table(places: dict[str, Location], road: RoadTravel, provider: GeodesicProvider) -> list[str]:
    """Return markdown rows: per distance band, ratios of the geodesic estimate to road time."""
    lat = np.radians([p.lat for p in places.values()])
    lon = np.radians([p.lon for p in places.values()])
    crow = great_circle_km(lat, lon)
    estimate_km = crow * provider.detour_factor
    with_overhead = provider.road_minutes(estimate_km) * 60.0
    driving = with_overhead - provider.leg_overhead_minutes * 60.0
    rounded = np.ceil(with_overhead / 60.0 - 1e-9) * 60.0
    off = ~np.eye(len(places), dtype=bool) & np.isfinite(road.seconds) & (road.seconds > 0) & (crow > 0.05)
    rows = ["| great-circle km | trips | road min (median) | est./road as used: median, p10, p90 | under road time "
            "| est./road driving only: median, p90 | road km / great-circle km (median) | road km/h (median) |",
            "|---|---|---|---|---|---|---|---|"]
    for low, high in itertools.pairwise(BANDS_KM):
        pick = off & (crow >= low) & (crow < high)
        if pick.sum() < 20:
            continue
        used = rounded[pick] / road.seconds[pick]
        drive = driving[pick] / road.seconds[pick]
        circuity = road.metres[pick] / 1000.0 / crow[pick]
        kmh = road.metres[pick] / road.seconds[pick] * 3.6
        rows.append(
            f"| {low:g}-{high:g} | {int(pick.sum())} | {np.median(road.seconds[pick]) / 60:.1f} "
            f"| {np.median(used):.2f}, {np.percentile(used, 10):.2f}, {np.percentile(used, 90):.2f} "
            f"| {100 * float((used < 1).mean()):.0f} % "
            f"| {np.median(drive):.2f}, {np.percentile(drive, 90):.2f} "
            f"| {np.median(circuity):.2f} | {np.median(kmh):.1f} |"
        )
    return rows


#: Settings compared with the default: (detour factor, speed up to 3 road-km, per-leg overhead minutes).
ALTERNATIVES = ((1.35, 28.0, 2.0), (1.35, 28.0, 1.0), (1.40, 28.0, 1.0), (1.50, 25.0, 2.0), (1.35, 28.0, 3.0))


def alternatives(places: dict[str, Location], road: RoadTravel) -> list[str]:
    """Return lines comparing other detour / urban speed / overhead settings over all trips."""
    lat = np.radians([p.lat for p in places.values()])
    lon = np.radians([p.lon for p in places.values()])
    crow = great_circle_km(lat, lon)
    off = ~np.eye(len(places), dtype=bool) & np.isfinite(road.seconds) & (road.seconds > 0) & (crow > 0.05)
    lines = []
    base = GeodesicProvider()
    for detour, urban, overhead in ALTERNATIVES:
        provider = GeodesicProvider(detour, ((3.0, urban), *base.speed_bands_kmh[1:]), overhead)
        used = np.ceil(provider.road_minutes(crow[off] * detour) - 1e-9) * 60.0 / road.seconds[off]
        lines.append(f"detour {detour:.2f}, {urban:g} km/h, overhead {overhead:g} min: median {np.median(used):.2f}, "
                     f"p90 {np.percentile(used, 90):.2f}, under road time {100 * float((used < 1).mean()):.0f} %")
    return lines


def timing(path: str, url: str | None, count: int, seed: int) -> list[str]:
    """Return lines timing a count x count matrix: graph (cold file, warm file), OSRM, cache hit."""
    places = sample_places(path, count, seed + 1)
    lines = []
    provider = GraphProvider(path)
    started = time.perf_counter()
    provider.matrix(places)
    lines.append(f"graph {count}x{count} (network already read): {time.perf_counter() - started:.2f} s")
    if url:
        osrm = OsrmProvider(url, max_table_size=max(count, 100))
        started = time.perf_counter()
        osrm.matrix(places)
        lines.append(f"osrm {count}x{count} (one table request): {time.perf_counter() - started:.2f} s")
    with tempfile.TemporaryDirectory() as folder:
        cached = CachedProvider(provider, str(Path(folder) / "travel.sqlite"))
        cached.matrix(places)
        started = time.perf_counter()
        cached.matrix(places)
        lines.append(f"cache hit {count}x{count}: {time.perf_counter() - started:.3f} s")
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pbf", help="OSM extract (.osm.pbf) the road reference is built from")
    parser.add_argument("--osrm", help="URL of an OSRM server built from the same extract")
    parser.add_argument("--places", type=int, default=400, help="places drawn (trips = places x (places - 1))")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timing", type=int, default=0, help="also time a matrix of this many places")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    load_road_graph(args.pbf)
    print(f"read {Path(args.pbf).name}: {time.perf_counter() - started:.2f} s")
    places = sample_places(args.pbf, args.places, args.seed)
    reference = "graph"
    if args.osrm:
        road = OsrmProvider(args.osrm, max_table_size=max(args.places, 100)).road_travel(places)
        reference = f"OSRM at {args.osrm}"
    else:
        road = GraphProvider(args.pbf).road_travel(places)
    provider = GeodesicProvider()
    print(f"\nreference: {reference}; geodesic: detour {provider.detour_factor}, "
          f"speeds {provider.speed_bands_kmh}, overhead {provider.leg_overhead_minutes} min\n")
    print("\n".join(band_table(places, road, provider)))
    print("\n".join(["", "all bands together, other settings (as used):", *alternatives(places, road)]))
    if args.osrm:
        graph = GraphProvider(args.pbf).road_travel(places)
        off = ~np.eye(len(places), dtype=bool) & (road.metres > 500)
        time_ratio = graph.seconds[off] / road.seconds[off]
        km_ratio = graph.metres[off] / road.metres[off]
        print(f"\ngraph / OSRM over {int(off.sum())} trips > 500 m: time median {np.median(time_ratio):.3f} "
              f"(p10 {np.percentile(time_ratio, 10):.3f}, p90 {np.percentile(time_ratio, 90):.3f}); "
              f"km median {np.median(km_ratio):.3f} (p10 {np.percentile(km_ratio, 10):.3f}, "
              f"p90 {np.percentile(km_ratio, 90):.3f})")
    if args.timing:
        print()
        print("\n".join(timing(args.pbf, args.osrm, args.timing, args.seed)))
    print("\nRoad data © OpenStreetMap contributors (ODbL).")


if __name__ == "__main__":
    main()
