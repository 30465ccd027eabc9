"""The `osrm` provider against a fake table server (always runs) and a real osrm-routed (when found).

The fake server puts every coordinate on a line: a place at longitude 10 + x/1000 is x
minutes (and x km) east of longitude 10, so travel between two places is |x - y| minutes.
The real server serves the Oslo extract (tests/travel/conftest.py; `make unit` prepares it with
scripts/osrm_for_tests.sh); its tests skip without OSRM binaries, except with CI=true, where they fail.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from builders import day, nurse, patient, visit

from ahs_routing import InputError, Location, Policy, TravelError, TravelModel, travel_matrix
from ahs_routing.check.eligibility import ineligible_patients
from ahs_routing.travel import (
    FallbackProvider,
    GeodesicProvider,
    GraphProvider,
    OsrmProvider,
    provider_for,
    travel_from,
)
from ahs_routing.travel.graph import load_road_graph

ROOT = Path(__file__).resolve().parents[2]
OSLO = ROOT.parent / "shared" / "data" / "osm" / "oslo-center.osm.pbf"


def at(x: float) -> Location:
    """A place x minutes east of the fake server's origin."""
    return Location(63.4, 10.0 + x / 1000)


@dataclass
class FakeOsrm:
    """Behaviour of the fake /table server, changed by each test."""

    max_table_size: int = 100
    fail_first: int = 0  # answer 503 to this many requests first
    delay_s: float = 0.0  # sleep before answering
    answer: Callable[[list[tuple[float, float]]], dict[str, object]] | None = None
    requests: list[tuple[int, int]] = field(default_factory=list)  # (sources, destinations) per request
    seen: int = 0

    def table(self, path: str) -> tuple[int, dict[str, object]]:
        parts = urllib.parse.urlsplit(path)
        coordinates = [tuple(map(float, c.split(","))) for c in parts.path.split("/")[-1].split(";")]
        query = urllib.parse.parse_qs(parts.query)
        sources = [int(i) for i in query["sources"][0].split(";")]
        destinations = [int(i) for i in query["destinations"][0].split(";")]
        if len(coordinates) < 2:
            return 400, {"code": "InvalidOptions", "message": "Number of coordinates needs to be at least two."}
        if len(sources) * len(destinations) > self.max_table_size**2:
            return 400, {"code": "TooBig", "message": "Too many table coordinates"}
        self.requests.append((len(sources), len(destinations)))
        if self.answer is not None:
            return 200, self.answer(coordinates)  # type: ignore[arg-type]
        x = [(lon - 10.0) * 1000 for lon, _ in coordinates]
        return 200, {
            "code": "Ok",
            "durations": [[abs(x[s] - x[d]) * 60 for d in destinations] for s in sources],
            "distances": [[abs(x[s] - x[d]) * 1000 for d in destinations] for s in sources],
            "sources": [{"distance": 5.0, "location": list(coordinates[s])} for s in sources],
        }


@pytest.fixture
def fake() -> Iterator[tuple[FakeOsrm, str]]:
    state = FakeOsrm()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.seen += 1
            if state.delay_s:
                time.sleep(state.delay_s)
            if state.seen <= state.fail_first:
                self.send_response(503)
                self.end_headers()
                return
            status, body = state.table(self.path)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a client that gave up (the timeout tests) leaves a broken pipe: expected

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_large_matrices_are_fetched_in_blocks_under_the_table_limit(fake: tuple[FakeOsrm, str]) -> None:
    """7 places with a limit of 3: 3 x 3 = 9 requests of at most 3 x 3, assembled correctly."""
    state, url = fake
    places = {f"p{x}": at(x) for x in (0, 4, 9, 1, 16, 25, 2)}
    matrix = OsrmProvider(url, max_table_size=3).matrix(places)
    assert len(state.requests) == 9 and all(s <= 3 and d <= 3 for s, d in state.requests)
    for a, xa in ((p, float(p[1:])) for p in places):
        for b, xb in ((p, float(p[1:])) for p in places):
            assert matrix.minutes(a, b) == pytest.approx(abs(xa - xb), abs=1e-6)
            assert matrix.km(a, b) == pytest.approx(abs(xa - xb), abs=1e-6)


def test_one_to_many_asks_for_one_row_only(fake: tuple[FakeOsrm, str]) -> None:
    """From the base to 5 homes with a limit of 2: 3 requests of 1 x 2 at most; rounded up like the matrix."""
    state, url = fake
    places = {"base": at(0), **{f"h{x}": at(x + 0.25) for x in range(5)}}
    row = travel_from(OsrmProvider(url, max_table_size=2), "base", places)
    assert all(s == 1 and d <= 2 for s, d in state.requests) and len(state.requests) == 3
    assert row == {"base": 0, "h0": 60, "h1": 120, "h2": 180, "h3": 240, "h4": 300}


def test_a_lone_place_and_a_one_by_one_block_work(fake: tuple[FakeOsrm, str]) -> None:
    """OSRM refuses a table of one coordinate: one place alone, or the last 1 x 1 block of
    5 places in blocks of 2, is still answered (0 to itself)."""
    _, url = fake
    assert OsrmProvider(url).matrix({"a": at(0)}).seconds("a", "a") == 0
    matrix = OsrmProvider(url, max_table_size=2).matrix({f"p{x}": at(x) for x in range(5)})
    assert matrix.minutes("p4", "p4") == 0 and matrix.minutes("p4", "p0") == 4


def test_a_server_with_a_smaller_limit_gets_smaller_blocks(fake: tuple[FakeOsrm, str]) -> None:
    """The client believes 4, the server allows 2: TooBig makes it halve the blocks and finish."""
    state, url = fake
    state.max_table_size = 2
    places = {f"p{x}": at(x) for x in range(5)}
    matrix = OsrmProvider(url, max_table_size=4).matrix(places)
    assert matrix.minutes("p0", "p4") == 4
    assert all(s <= 2 and d <= 2 for s, d in state.requests)


def test_failed_requests_are_retried_with_backoff(fake: tuple[FakeOsrm, str]) -> None:
    """Two 503s then an answer: retries=2 succeeds, after at least 0.05 + 0.1 s of backoff."""
    state, url = fake
    state.fail_first = 2
    started = time.perf_counter()
    matrix = OsrmProvider(url, retries=2, backoff_seconds=0.05).matrix({"a": at(0), "b": at(3)})
    assert matrix.minutes("a", "b") == 3
    assert time.perf_counter() - started >= 0.15 and state.seen == 3


def test_retries_run_out_with_a_clear_error(fake: tuple[FakeOsrm, str]) -> None:
    """Three 503s with one retry allowed: TravelError naming the server and the attempts."""
    state, url = fake
    state.fail_first = 3
    with pytest.raises(TravelError, match=rf"OSRM server {url} did not answer after 2 attempts: HTTP 503"):
        OsrmProvider(url, retries=1, backoff_seconds=0.01).matrix({"a": at(0), "b": at(3)})


def test_a_slow_server_times_out_instead_of_hanging(fake: tuple[FakeOsrm, str]) -> None:
    """A server that takes 3 s per answer, timeout 0.3 s and one retry: an error in well under 3 s."""
    state, url = fake
    state.delay_s = 3.0
    started = time.perf_counter()
    with pytest.raises(TravelError, match=r"no answer within 0\.3 s"):
        OsrmProvider(url, timeout_seconds=0.3, retries=1, backoff_seconds=0.01).matrix({"a": at(0), "b": at(3)})
    assert time.perf_counter() - started < 2.0


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_server_that_is_down_fails_fast_and_names_the_address() -> None:
    """Connection refused on every attempt: TravelError with the address, no coordinates."""
    url = f"http://127.0.0.1:{_closed_port()}"
    started = time.perf_counter()
    with pytest.raises(TravelError, match=rf"OSRM server {url} did not answer after 3 attempts") as caught:
        OsrmProvider(url, retries=2, backoff_seconds=0.01).matrix({"a": at(0), "b": at(3)})
    assert "63.4" not in str(caught.value) and time.perf_counter() - started < 2.0


def test_fallback_only_when_asked_for_and_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    """Without `fallback` a dead server is an error; with it the geodesic matrix comes back, logged."""
    url = f"http://127.0.0.1:{_closed_port()}"
    options = {"retries": 0}
    with pytest.raises(TravelError):
        provider_for(TravelModel(provider="osrm", url=url, options=options)).matrix({"a": at(0), "b": at(30)})
    chosen = provider_for(TravelModel(provider="osrm", url=url, options={**options, "fallback": "geodesic"}))
    assert isinstance(chosen, FallbackProvider)
    places = {"a": at(0), "b": at(30)}
    with caplog.at_level(logging.WARNING):
        matrix = chosen.matrix(places)
    assert matrix.seconds_array().tolist() == GeodesicProvider().matrix(places).seconds_array().tolist()
    assert any("using the fallback GeodesicProvider" in r.getMessage() for r in caplog.records)


def test_no_route_is_unreachable_and_unknown_places_are_named(fake: tuple[FakeOsrm, str]) -> None:
    """null durations become 'no way there'; OSRM's 'coordinate 1' becomes the place id."""
    state, url = fake
    state.answer = lambda coordinates: {
        "code": "Ok", "durations": [[0, None], [60, 0]], "distances": [[0, None], [1000, 0]],
        "sources": [{"distance": 1}, {"distance": 1}],
    }
    matrix = OsrmProvider(url).matrix({"a": at(0), "b": at(1)})
    assert matrix.minutes("a", "b") == 7 * 24 * 60 and matrix.minutes("b", "a") == 1
    state.answer = lambda coordinates: {"code": "NoSegment", "message": "Could not find a matching segment for "
                                        "coordinate 1"}
    with pytest.raises(TravelError, match="NoSegment: Could not find a matching segment for place 'b'"):
        OsrmProvider(url).matrix({"a": at(0), "b": at(1)})


def test_settings_are_checked() -> None:
    """A url that is not http(s) and impossible limits are InputErrors naming the option (the travel block's rules)."""
    with pytest.raises(InputError, match=r"travel\.url"):
        OsrmProvider("ftp://example")
    with pytest.raises(InputError, match=r"travel\.options\.timeout_seconds: 0 must be a number > 0"):
        OsrmProvider("http://127.0.0.1:5000", timeout_seconds=0)
    with pytest.raises(InputError, match=r"travel\.options\.max_table_size: 0 must be a whole number >= 1"):
        provider_for(TravelModel(provider="osrm", url="http://127.0.0.1:5000", options={"max_table_size": 0}))


def test_eligibility_with_the_osrm_provider(fake: tuple[FakeOsrm, str]) -> None:
    """Homes 59.5 and 60 road-minutes away are eligible (rounded up to 60), 61 is not."""
    _, url = fake
    homes = {"a": 59.5, "b": 60.0, "c": 61.0}
    problem = day([nurse("n1")], [patient(p, location=at(x)) for p, x in homes.items()],
                  [visit("v1", "a")], dict.fromkeys(homes, 0.0), policy=Policy(60, None))
    import dataclasses

    problem = dataclasses.replace(problem, base=dataclasses.replace(problem.base, location=at(0)),
                                  travel=TravelModel(provider="osrm", url=url))
    found = {p.patient: p.detail for p in ineligible_patients(problem, travel_matrix(problem))}
    assert found == {"c": "61 min from base, limit 60"}


# A real osrm-routed on loopback (tests/travel/conftest.py) -------------------------------------


def test_real_osrm_agrees_with_the_graph_provider_on_oslo(osrm_server: str) -> None:
    """Same extract (© OpenStreetMap contributors), same speeds: road lengths agree to within 3 %
    in the median, and graph times are 0-25 % shorter (OSRM adds turn and signal penalties)."""
    pytest.importorskip("osmium")
    graph = load_road_graph(OSLO)
    rng = np.random.default_rng(3)
    nodes = rng.choice(graph.nodes, 120, replace=False)
    places = {f"h{i}": Location(float(graph.lat[n]), float(graph.lon[n])) for i, n in enumerate(nodes)}
    osrm = OsrmProvider(osrm_server, max_table_size=50).road_travel(places)
    road = GraphProvider(str(OSLO)).road_travel(places)
    pairs = osrm.metres > 500  # short hops are dominated by where each engine snaps
    length_ratio = np.median(road.metres[pairs] / osrm.metres[pairs])
    time_ratio = np.median(road.seconds[pairs] / osrm.seconds[pairs])
    assert 0.97 < length_ratio < 1.03
    assert 0.75 < time_ratio < 1.0


def test_real_osrm_eligibility_and_far_snaps(osrm_server: str, caplog: pytest.LogCaptureFixture) -> None:
    """Homes by their OSRM time from the base: the limit falls between them. A home out in the
    fjord, 5 km south of the extract, is snapped with a warning naming it (not where it is)."""
    base, near, far = Location(59.9110, 10.7500), Location(59.9130, 10.7520), Location(59.9370, 10.7700)
    seconds = OsrmProvider(osrm_server).road_travel({"base": base, "near": near, "far": far}).seconds
    limit = int(np.ceil(seconds[0, 1] / 60))
    assert seconds[0, 2] / 60 > limit + 1
    problem = day([nurse("n1")], [patient("near", location=near), patient("far", location=far)],
                  [visit("v1", "near")], {"near": 0, "far": 0}, policy=Policy(limit, None))
    import dataclasses

    problem = dataclasses.replace(problem, base=dataclasses.replace(problem.base, location=base),
                                  travel=TravelModel(provider="osrm", url=osrm_server))
    assert [p.patient for p in ineligible_patients(problem, travel_matrix(problem))] == ["far"]
    places = {"base": base, "near": near, "far": far}
    matrix = OsrmProvider(osrm_server).matrix(places)
    assert travel_from(OsrmProvider(osrm_server), "base", places) == {p: matrix.seconds("base", p) for p in places}
    with caplog.at_level(logging.WARNING, logger="ahs_routing.travel.osrm"):
        road = OsrmProvider(osrm_server).road_travel({"base": base, "boat": Location(59.85, 10.75)})
    assert road.snap_m[1] > 4000
    [record] = caplog.records
    assert "'boat'" in record.getMessage() and "59.8" not in record.getMessage()
