"""Plans in the formats staff and GIS tools open: GeoJSON (map layers), iCalendar (calendars), CSV (spreadsheets).

Every export names only what the problem and plan hold: ids, visit kinds, coordinates, times.
Nothing is added (no names, no addresses, no geocoding). Times are the plan date's clock times;
`"25:30"`-style times past midnight become the next day's date in iCalendar.

- GeoJSON (RFC 7946): a FeatureCollection with one LineString per route (start, each stop, end,
  along the roads when the travel provider knows them: `graph`; straight lines otherwise) and one
  Point per stop, coordinates `[lon, lat]`.
- iCalendar (RFC 5545, the `export` extra): one VEVENT per stop, in the zone `timezone` when given
  (an IANA name), else floating local time.
- CSV: one row per stop, with a header.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ahs_routing.domain.model import Location, Problem, Visit
from ahs_routing.domain.plan import Plan, Route, Stop
from ahs_routing.errors import InputError, ProblemCollector
from ahs_routing.io.timestamps import timestamp_at
from ahs_routing.times import format_clock, seconds_to_minutes
from ahs_routing.travel import provider_for

ExportFormat = Literal["geojson", "ics", "csv"]
FORMATS: tuple[ExportFormat, ...] = ("geojson", "ics", "csv")

#: The CSV columns, in order.
CSV_COLUMNS = ("date", "staff", "sequence", "visit", "patient", "kind", "mode", "lat", "lon", "travel_minutes",
               "arrival", "start", "end", "waiting_minutes")


class LegGeometry(Protocol):
    """A travel provider that knows the road between two places (`GraphProvider`)."""

    def leg_geometry(self, origin: Location, destination: Location) -> list[Location]:
        """Return the points of the route from `origin` to `destination`, both included."""


@dataclass(frozen=True, slots=True)
class _StopRow:
    """One stop with what the exports say about it."""

    route: Route
    sequence: int
    stop: Stop
    visit: Visit
    location: Location


def export_plan(problem: Problem, plan: Plan, fmt: str, *, staff: str | None = None, timezone: str | None = None,
                road_geometry: bool = True) -> bytes:
    """Return the plan exported in `fmt` ("geojson", "ics" or "csv") as UTF-8 bytes."""
    if fmt == "geojson":
        import json

        document = plan_to_geojson(problem, plan, staff=staff, road_geometry=road_geometry)
        return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()
    if fmt == "ics":
        return plan_to_ical(problem, plan, staff=staff, timezone=timezone)
    if fmt == "csv":
        return plan_to_csv(problem, plan, staff=staff).encode()
    raise InputError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}", path="format")


def plan_to_geojson(problem: Problem, plan: Plan, *, staff: str | None = None,
                    road_geometry: bool = True) -> dict[str, Any]:
    """Return a GeoJSON FeatureCollection: a LineString per route and a Point per stop ([lon, lat])."""
    routes = _routes(problem, plan, staff)
    leg = _leg_geometry(problem) if road_geometry else None
    features: list[dict[str, Any]] = []
    for route in routes:
        places = [problem.places[p] for p in problem.route_places(problem.staff_by_id[route.staff],
                                                                   route.visit_ids)]
        points = _path(places, leg)
        features.append({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [_lon_lat(p) for p in points]},
            "properties": {
                "feature": "route", "date": plan.date.isoformat(), "staff": route.staff,
                "start": format_clock(route.start), "end": format_clock(route.end),
                "travel_minutes": seconds_to_minutes(route.travel), "distance_km": route.distance_km,
                "visits": len(route.stops), "geometry": "road" if leg is not None else "straight",
            },
        })
    for row in _stop_rows(problem, routes):
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": _lon_lat(row.location)},
            "properties": {"feature": "stop", "date": plan.date.isoformat()} | _stop_fields(row),
        })
    return {"type": "FeatureCollection", "features": features}


def plan_to_ical(problem: Problem, plan: Plan, *, staff: str | None = None, timezone: str | None = None) -> bytes:
    """Return an iCalendar file with one VEVENT per stop (zone `timezone`, an IANA name, else the problem's
    `timezone`; floating local time when neither is given)."""
    try:
        import icalendar
    except ImportError:
        raise ImportError("the iCalendar export needs icalendar: pip install 'ahs_routing[export]'") from None
    zone = _zone(timezone if timezone is not None else problem.timezone)
    routes = _routes(problem, plan, staff)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//ahs_routing//plan export//EN")
    calendar.add("version", "2.0")
    stamp = _stamp(plan)
    for row in _stop_rows(problem, routes):
        event = icalendar.Event()
        # The same stop gets the same UID on every export, so a calendar updates it instead of adding it twice.
        event.add("uid", f"{plan.date.isoformat()}/{row.route.staff}/{row.visit.id}@ahs_routing")
        event.add("dtstamp", stamp)
        event.add("dtstart", _moment(plan.date, row.stop.start, zone))
        event.add("dtend", _moment(plan.date, row.stop.end, zone))
        event.add("summary", f"{row.visit.kind or 'visit'} {row.visit.id} (patient {row.stop.patient})")
        event.add("geo", (row.location.lat, row.location.lon))
        event.add("location", f"{row.location.lat:.6f}, {row.location.lon:.6f}")
        event.add("description", "\n".join(f"{key}: {value}" for key, value in _stop_fields(row).items()
                                           if value is not None))
        event.add("categories", [row.route.staff])
        calendar.add_component(event)
    if zone is not None:
        calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data


def plan_to_csv(problem: Problem, plan: Plan, *, staff: str | None = None) -> str:
    """Return CSV text with a header and one row per stop (`CSV_COLUMNS`)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in _stop_rows(problem, _routes(problem, plan, staff)):
        writer.writerow({"date": plan.date.isoformat(), "lat": row.location.lat, "lon": row.location.lon}
                        | {key: value for key, value in _stop_fields(row).items() if key in CSV_COLUMNS})
    return out.getvalue()


def _routes(problem: Problem, plan: Plan, staff: str | None) -> list[Route]:
    """Return the plan's routes (one staff member's, if `staff`), after checking the plan's ids against the problem."""
    problems = ProblemCollector()
    if plan.date != problem.date:
        problems.add("plan.date", f"{plan.date.isoformat()} is not the problem's date {problem.date.isoformat()}")
    for i, route in enumerate(plan.routes):
        if route.staff not in problem.staff_by_id:
            problems.add(f"routes[{i}].staff", f"unknown staff {route.staff!r}")
        for j, stop in enumerate(route.stops):
            if stop.visit not in problem.visit_by_id:
                problems.add(f"routes[{i}].stops[{j}].visit", f"unknown visit {stop.visit!r}")
    if staff is not None and staff not in problem.staff_by_id:
        problems.add("staff", f"unknown staff {staff!r}")
    problems.raise_if_any()
    return [r for r in plan.routes if staff is None or r.staff == staff]


def _stop_rows(problem: Problem, routes: Sequence[Route]) -> Iterator[_StopRow]:
    for route in routes:
        for sequence, stop in enumerate(route.stops, start=1):
            visit = problem.visit_by_id[stop.visit]
            yield _StopRow(route, sequence, stop, visit, problem.places[problem.place_of_visit(visit)])


def _stop_fields(row: _StopRow) -> dict[str, Any]:
    """Return what every format says about a stop, ids and clock times only."""
    stop = row.stop
    return {
        "staff": row.route.staff, "sequence": row.sequence, "visit": stop.visit, "patient": stop.patient,
        "kind": row.visit.kind, "mode": row.visit.mode.value, "travel_minutes": seconds_to_minutes(stop.travel),
        "arrival": format_clock(stop.arrival), "start": format_clock(stop.start), "end": format_clock(stop.end),
        "waiting_minutes": seconds_to_minutes(stop.waiting),
    }


def _leg_geometry(problem: Problem) -> Callable[[Location, Location], list[Location]] | None:
    """Return the road geometry of legs when the problem's travel provider knows roads, else None."""
    provider: Any = provider_for(problem.travel)
    # Cache and fallback wrappers hold the road provider inside.
    for attribute in ("primary", "provider"):
        provider = getattr(provider, attribute, provider)
    leg = getattr(provider, "leg_geometry", None)
    return leg if callable(leg) else None


def _path(places: Sequence[Location], leg: Callable[[Location, Location], list[Location]] | None) -> list[Location]:
    """Return the points of a route through `places`: straight between them, or along the roads."""
    if leg is None:
        return list(places)
    points = [places[0]]
    for origin, destination in itertools.pairwise(places):
        if origin != destination:
            for point in leg(origin, destination)[1:]:
                # A place snaps to a road node at (or near) itself: one point where they coincide.
                if point != points[-1]:
                    points.append(point)
    return points


def _lon_lat(location: Location) -> list[float]:
    return [location.lon, location.lat]


def _zone(timezone: str | None) -> ZoneInfo | None:
    if timezone is None:
        return None
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {timezone!r}; expected an IANA name such as 'Europe/Oslo'",
                         path="timezone") from None


def _moment(date: dt.date, seconds: int, zone: ZoneInfo | None) -> dt.datetime:
    """Return the moment `seconds` after midnight of `date` (past 24 h: the next day): floating local time,
    or in the zone, read on the date's clock (`io.timestamps`: exact across a daylight-saving night)."""
    if zone is None:
        return dt.datetime.combine(date, dt.time()) + dt.timedelta(seconds=seconds)
    return timestamp_at(seconds, date, zone.key)


def _stamp(plan: Plan) -> dt.datetime:
    """Return when the plan was made (its `meta`), else now: the events' DTSTAMP, in UTC."""
    solved_at = plan.meta.get("solved_at")
    if isinstance(solved_at, str):
        try:
            return dt.datetime.fromisoformat(solved_at).astimezone(dt.UTC)
        except ValueError:
            pass
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
