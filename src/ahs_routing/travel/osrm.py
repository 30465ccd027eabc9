"""Travel times from a self-hosted OSRM server's table service: the `osrm` provider.

The only part of the library that talks to a network, and only to the address the caller
configured. A matrix larger than the server's table limit (`osrm-routed --max-table-size`,
100 by default) is fetched in blocks of at most `max_table_size` origins x as many
destinations; a server that answers "TooBig" anyway gets smaller blocks.

Every request has a deadline for the whole answer (`timeout_seconds`, not just per socket
read), failed requests are retried with exponential backoff, and when the server stays down
the provider raises `TravelError` naming the server — it never hangs and never falls back
silently (wrap it in `travel.FallbackProvider` to fall back, with a WARNING, when asked for).
Request URLs hold coordinates, so they are never logged or put in error messages.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import re
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ahs_routing.domain.model import Location
from ahs_routing.errors import InputError, TravelError
from ahs_routing.travel.matrix import (
    SNAP_WARNING_M,
    FloatArray,
    RoadTravel,
    TravelMatrix,
    matrix_from_road_seconds,
    whole_minute_seconds,
)
from ahs_routing.travel.options import travel_option_problems

logger = logging.getLogger(__name__)


#: osrm-routed's default `--max-table-size`: sources x destinations may not exceed its square.
DEFAULT_MAX_TABLE_SIZE = 100
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF_SECONDS = 0.5
_RETRY_STATUS = {429, 500, 502, 503, 504}
_READ_CHUNK = 1 << 16


class _Transient(Exception):
    """A failure worth retrying (connection refused, timeout, 5xx)."""


class _TooBig(Exception):
    """The server refused the block size."""


@dataclass(frozen=True, slots=True)
class OsrmProvider:
    """Road travel times from an OSRM server's /table service; whole minutes, rounded up."""

    url: str
    profile: str = "driving"
    max_table_size: int = DEFAULT_MAX_TABLE_SIZE
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    retries: int = DEFAULT_RETRIES
    backoff_seconds: float = DEFAULT_BACKOFF_SECONDS
    snap_warning_m: float = SNAP_WARNING_M

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(f"{self.url!r} is not an http(s) address of an OSRM server", path="travel.url")
        # Built directly in Python it has no travel block in front of it, so it checks the limits
        # it cannot fetch without (a block size, an attempt, time to wait) by the travel block's rules.
        limits = {"max_table_size": self.max_table_size, "timeout_seconds": self.timeout_seconds,
                  "retries": self.retries}
        problems = travel_option_problems("osrm", limits)
        if problems:
            raise InputError(problems).under("travel")

    @property
    def server(self) -> str:
        """Return the server's address without any path or query (safe to show)."""
        parts = urllib.parse.urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def matrix(self, places: Mapping[str, Location]) -> TravelMatrix:
        """Return whole-minute (rounded up) road times and road km; TravelError when the server fails."""
        road = self.road_travel(places)
        return matrix_from_road_seconds(road.ids, road.seconds, road.metres / 1000.0)

    def road_travel(self, places: Mapping[str, Location]) -> RoadTravel:
        """Return unrounded seconds and metres between the places (inf where OSRM finds no route)."""
        ids = tuple(places)
        seconds, metres, snap_m = self._fetch(ids, [places[p] for p in ids], list(range(len(ids))))
        return RoadTravel(ids, seconds, metres, snap_m)

    def row(self, origin: str, places: Mapping[str, Location]) -> dict[str, int]:
        """Return whole-minute (rounded up) seconds from one place to each place: one table row."""
        ids = tuple(places)
        seconds, _, _ = self._fetch(ids, [places[p] for p in ids], [ids.index(origin)])
        whole = whole_minute_seconds(seconds[0])
        whole[ids.index(origin)] = 0
        return {p: int(value) for p, value in zip(ids, whole, strict=True)}

    def _fetch(
        self, ids: Sequence[str], coordinates: Sequence[Location], sources: list[int]
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Return seconds and metres from `sources` to every place, and every place's snap distance."""
        size = len(ids)
        seconds = np.full((len(sources), size), np.inf)
        metres = np.full((len(sources), size), np.inf)
        snap_m = np.zeros(size)
        block = min(self.max_table_size, max(size, 1))
        start = 0

        def cut(size_of_block: int) -> list[tuple[int, int]]:
            return [(r, c) for r in range(0, len(sources), size_of_block) for c in range(0, size, size_of_block)]

        blocks = cut(block)
        while start < len(blocks):
            rows_at, cols_at = blocks[start]
            rows = list(range(rows_at, min(rows_at + block, len(sources))))
            cols = list(range(cols_at, min(cols_at + block, size)))
            try:
                durations, distances, row_snaps, col_snaps = self._table(
                    ids, coordinates, [sources[r] for r in rows], cols)
            except _TooBig:
                if block == 1:
                    raise TravelError(f"OSRM server {self.server} refuses even a 1x1 table") from None
                block = max(1, block // 2)
                logger.info("OSRM server %s: table too big, retrying in blocks of %d", self.server, block)
                blocks = cut(block)
                start = 0
                continue
            seconds[np.ix_(rows, cols)] = durations
            metres[np.ix_(rows, cols)] = distances
            snap_m[[sources[r] for r in rows]] = row_snaps
            snap_m[cols] = col_snaps
            start += 1
        for place, distance in zip(ids, snap_m, strict=True):
            if distance > self.snap_warning_m:
                logger.warning("place %r is %.0f m from the nearest road known to OSRM", place, distance)
        return seconds, metres, snap_m

    def cache_settings(self) -> dict[str, object]:
        """Return what the matrix depends on besides the places: the server and its profile."""
        return {"provider": "osrm", "server": self.server, "path": urllib.parse.urlsplit(self.url).path,
                "profile": self.profile}

    # One table request ---------------------------------------------------------------------------

    def _table(
        self, ids: Sequence[str], coordinates: Sequence[Location], rows: list[int], cols: list[int]
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        in_rows = set(rows)
        points = rows + [c for c in cols if c not in in_rows]
        position = {p: i for i, p in enumerate(points)}
        # OSRM wants two coordinates at least: a lone one (a 1 x 1 block) is sent twice.
        sent = points if len(points) > 1 else points * 2
        text = ";".join(f"{coordinates[p].lon:.6f},{coordinates[p].lat:.6f}" for p in sent)
        query = urllib.parse.urlencode({
            "sources": ";".join(str(position[r]) for r in rows),
            "destinations": ";".join(str(position[c]) for c in cols),
            "annotations": "duration,distance",
        })
        base = urllib.parse.urlsplit(self.url)
        path = f"{base.path.rstrip('/')}/table/v1/{urllib.parse.quote(self.profile)}/{text}?{query}"
        body = self._get_with_retries(path)
        code = body.get("code")
        if code != "Ok":
            message = str(body.get("message", ""))
            raise TravelError(f"OSRM server {self.server} answered {code}: {_name_places(message, points, ids)}")
        try:
            durations = _table_array(body["durations"], len(rows), len(cols))
            distances = _table_array(body["distances"], len(rows), len(cols))
            snaps = np.array([float(s.get("distance", 0.0)) for s in body["sources"]], dtype=np.float64)
            targets = body.get("destinations", [])
            col_snaps = np.array([float(s.get("distance", 0.0)) for s in targets] if len(targets) == len(cols)
                                 else np.zeros(len(cols)), dtype=np.float64)
        except (KeyError, TypeError, ValueError) as error:
            raise TravelError(f"OSRM server {self.server} sent a table without durations and distances "
                              "(annotations=duration,distance needs OSRM 5.19 or later)") from error
        return durations, distances, snaps, col_snaps

    def _get_with_retries(self, path: str) -> dict[str, Any]:
        failure = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_seconds * 2 ** (attempt - 1))
            try:
                return self._get(path)
            except _Transient as error:
                failure = str(error)
                logger.info("OSRM server %s: attempt %d of %d failed: %s",
                            self.server, attempt + 1, self.retries + 1, failure)
        raise TravelError(f"OSRM server {self.server} did not answer after {self.retries + 1} attempts: {failure}")

    def _get(self, path: str) -> dict[str, Any]:
        base = urllib.parse.urlsplit(self.url)
        connection_type = http.client.HTTPSConnection if base.scheme == "https" else http.client.HTTPConnection
        deadline = time.monotonic() + self.timeout_seconds
        connection = connection_type(base.hostname or "", base.port, timeout=self.timeout_seconds)
        try:
            connection.request("GET", path, headers={"Accept": "application/json"})
            response = connection.getresponse()
            chunks = []
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _Transient(f"no complete answer within {self.timeout_seconds:g} s")
                if connection.sock is not None:
                    connection.sock.settimeout(remaining)
                chunk = response.read1(_READ_CHUNK)
                if not chunk:
                    break
                chunks.append(chunk)
            status = response.status
        except TimeoutError:
            raise _Transient(f"no answer within {self.timeout_seconds:g} s") from None
        except (OSError, http.client.HTTPException) as error:
            raise _Transient(f"{type(error).__name__}: {error}") from None
        finally:
            connection.close()
        if status in _RETRY_STATUS:
            raise _Transient(f"HTTP {status}")
        try:
            body = json.loads(b"".join(chunks))
        except ValueError:
            raise TravelError(f"OSRM server {self.server} answered HTTP {status} with something other "
                              "than JSON; is the url an OSRM server?") from None
        if not isinstance(body, dict):
            raise TravelError(f"OSRM server {self.server} answered HTTP {status} with unexpected JSON")
        if body.get("code") == "TooBig":
            raise _TooBig()
        return body


def _table_array(rows: Any, height: int, width: int) -> FloatArray:
    """Return a table of OSRM figures as floats; null (no route) becomes inf."""
    # numpy reads JSON null as NaN with a float dtype, much faster than a Python loop.
    table = np.array(rows, dtype=np.float64)
    table[np.isnan(table)] = math.inf
    if table.shape != (height, width):
        raise ValueError(f"table of shape {table.shape}, expected {(height, width)}")
    return table


def _name_places(message: str, points: Sequence[int], ids: Sequence[str]) -> str:
    """Return OSRM's message with 'coordinate 3' replaced by the place id (never the coordinates)."""

    def place(match: re.Match[str]) -> str:
        number = int(match.group(1))
        return f"place {ids[points[number]]!r}" if number < len(points) else match.group(0)

    return re.sub(r"coordinate (\d+)", place, message)

