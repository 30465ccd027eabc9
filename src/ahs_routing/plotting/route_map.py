"""The route map (folium HTML): base, homes, each staff member's route, and the area within the travel limit.

The map's HTML holds the homes' coordinates (it is for the people who plan), and loads Leaflet
and the map tiles from the web when it is opened in a browser; nothing is fetched while it is
written.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ahs_routing.domain.model import Location, Mode, Problem
from ahs_routing.domain.plan import Plan, Route
from ahs_routing.errors import InputError
from ahs_routing.geo import destination
from ahs_routing.plotting.style import (
    INELIGIBLE_COLOUR,
    REACH_COLOUR,
    UNSERVED_COLOUR,
    require_extra,
    staff_colours,
)
from ahs_routing.times import SECONDS_PER_MINUTE, format_clock
from ahs_routing.travel import GeodesicProvider, TravelProvider, provider_for

if TYPE_CHECKING:
    import folium

#: The reach area is traced along this many bearings from the base ...
REACH_BEARINGS = 72
#: ... out to this far (km, great circle), in steps of this many km.
REACH_MAX_KM = 150.0
REACH_STEP_KM = 1.0


def reach_polygon(
    base: Location,
    minutes: float,
    provider: TravelProvider | None = None,
    *,
    bearings: int = REACH_BEARINGS,
    max_km: float = REACH_MAX_KM,
    step_km: float = REACH_STEP_KM,
) -> list[Location] | None:
    """Return the outline of the area reachable from `base` within `minutes`, or None if the provider cannot say.

    Along each of `bearings` directions, points every `step_km` out to `max_km` are priced
    by the travel provider from the base; the outline runs through the farthest point reached
    in time on each bearing (so a fjord that the road goes round shows as a dent). A provider
    that only knows named places (the `matrix` provider) cannot price free points: None.
    """
    chosen = provider if provider is not None else GeodesicProvider()
    steps = max(1, int(max_km / step_km))
    distances = np.arange(1, steps + 1) * step_km
    outline = []
    for k in range(bearings):
        angle = 2 * math.pi * k / bearings
        points = {"base": base} | {f"r{i}": _destination(base, angle, d) for i, d in enumerate(distances)}
        try:
            matrix = chosen.matrix(points)
        except (InputError, KeyError, ValueError):
            return None
        seconds = matrix.seconds_array()[matrix.index("base"), 1:]
        reached = np.nonzero(seconds <= minutes * SECONDS_PER_MINUTE)[0]
        outline.append(points[f"r{reached[-1]}"] if len(reached) else base)
    return outline


def _destination(start: Location, bearing: float, km: float) -> Location:
    return Location(*destination(start.lat, start.lon, bearing, km))


def route_map(
    problem: Problem,
    plan: Plan,
    *,
    provider: TravelProvider | None = None,
    reach_minutes: float | None = None,
    tiles: str | None = "OpenStreetMap",
) -> folium.Map:
    """Return a folium map of the plan: base, homes, each staff member's route, ineligible homes in grey,
    unserved homes ringed in black, and the area within the travel limit shaded.

    `reach_minutes` defaults to the policy's travel limit; the area is computed with `provider`
    (default: the problem's own travel model) and left out when that provider cannot price free points.
    Routes are drawn as straight lines between stops.
    """
    fl = require_extra("folium")
    centre = [problem.base.location.lat, problem.base.location.lon]
    fmap: folium.Map = fl.Map(location=centre, zoom_start=9, tiles=tiles)
    limit = reach_minutes if reach_minutes is not None else problem.policy.max_travel_minutes_from_base
    if limit is not None:
        chosen = provider if provider is not None else _provider_or_none(problem)
        outline = reach_polygon(problem.base.location, limit, chosen) if chosen is not None else None
        if outline is not None:
            layer = fl.FeatureGroup(name=f"within {limit:g} min of base")
            fl.Polygon([(p.lat, p.lon) for p in outline], color=REACH_COLOUR, weight=1, fill=True,
                           fill_color=REACH_COLOUR, fill_opacity=0.08,
                           tooltip=f"reachable within {limit:g} min from {problem.base.name or problem.base.id}",
                           ).add_to(layer)
            layer.add_to(fmap)

    served_by = {stop.visit: route.staff for route, stop in plan.stops()}
    ineligible = {p.patient: p for p in plan.ineligible_patients}
    unassigned = {u.visit: u for u in plan.unassigned}
    colours = staff_colours(problem)

    for route in plan.routes:
        layer = fl.FeatureGroup(name=f"{route.staff} ({len(route.stops)} visits)")
        points = _route_points(problem, route)
        fl.PolyLine([(p.lat, p.lon) for p in points], color=colours[route.staff], weight=3, opacity=0.8,
                        tooltip=f"{route.staff}: {format_clock(route.start)}-{format_clock(route.end)}, "
                                f"travel {route.travel // SECONDS_PER_MINUTE} min").add_to(layer)
        layer.add_to(fmap)

    homes = fl.FeatureGroup(name="homes")
    greyed = fl.FeatureGroup(name="ineligible homes")
    for patient in problem.patients:
        visits = [v for v in problem.visits if v.patient == patient.id and v.mode is Mode.HOME]
        if not visits:
            continue
        lines = [f"<b>{patient.id}</b>"]
        for visit in visits:
            if visit.id in served_by:
                lines.append(f"{visit.id} {visit.kind}: {served_by[visit.id]}")
            elif visit.id in unassigned:
                lines.append(f"{visit.id} {visit.kind}: not planned ({unassigned[visit.id].reason.value})")
        where = (patient.location.lat, patient.location.lon)
        if patient.id in ineligible:
            fl.CircleMarker(where, radius=5, color=INELIGIBLE_COLOUR, fill=True, fill_color=INELIGIBLE_COLOUR,
                                fill_opacity=0.6, tooltip=f"{patient.id}: {ineligible[patient.id].detail}",
                                ).add_to(greyed)
            continue
        staff = next((served_by[v.id] for v in visits if v.id in served_by), None)
        missing = any(v.id not in served_by for v in visits)
        fill = colours[staff] if staff is not None else "#ffffff"
        fl.CircleMarker(where, radius=6, color=UNSERVED_COLOUR if missing else fill, weight=2 if missing else 1,
                            fill=True, fill_color=fill, fill_opacity=0.9, tooltip="<br>".join(lines)).add_to(homes)
    homes.add_to(fmap)
    greyed.add_to(fmap)
    fl.Marker((problem.base.location.lat, problem.base.location.lon),
                  tooltip=problem.base.name or problem.base.id,
                  icon=fl.Icon(color="red", icon="plus")).add_to(fmap)
    fl.LayerControl(collapsed=True).add_to(fmap)
    return fmap


def save_route_map(problem: Problem, plan: Plan, path: str | Path, **options: Any) -> Path:
    """Write the plan's route map as a standalone HTML file; return its path."""
    target = Path(path)
    route_map(problem, plan, **options).save(str(target))
    return target


def _provider_or_none(problem: Problem) -> TravelProvider | None:
    try:
        return provider_for(problem.travel)
    except InputError:
        return None


def _route_points(problem: Problem, route: Route) -> list[Location]:
    person = problem.staff_by_id[route.staff]
    start = person.start_location.location if person.start_location else problem.base.location
    end = person.end_location.location if person.end_location else problem.base.location
    points = [start]
    for stop in route.stops:
        visit = problem.visit_by_id[stop.visit]
        points.append(problem.base.location if visit.mode is Mode.REMOTE else problem.patient_of(visit).location)
    points.append(end)
    return points
