"""Pictures of plans and studies: a route map (folium HTML), a staff Gantt chart and the
service-level curve (matplotlib PNG).

matplotlib is used through its object API with the Agg canvas only (no pyplot, no global
backend switch), so it works on servers and leaves a notebook's own backend alone; figures
still show inline in Jupyter. folium and matplotlib come with the `plots` extra.

The map's HTML holds the homes' coordinates (it is for the people who plan), and loads Leaflet
and the map tiles from the web when it is opened in a browser; nothing is fetched while it is
written.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ahs_routing.domain.model import Location, Mode, Priority, Problem
from ahs_routing.domain.plan import Plan, Route
from ahs_routing.errors import InputError
from ahs_routing.geo import destination
from ahs_routing.times import SECONDS_PER_HOUR, SECONDS_PER_MINUTE, format_clock
from ahs_routing.travel import GeodesicProvider, TravelProvider, provider_for

if TYPE_CHECKING:
    import folium
    import pandas as pd
    from matplotlib.figure import Figure

#: One colour per staff member, in route order (matplotlib's tab10, then tab20's light tones).
STAFF_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#9edae5", "#dbdb8d",
)
INELIGIBLE_COLOUR = "#9e9e9e"
UNSERVED_COLOUR = "#000000"
REACH_COLOUR = "#3388ff"
PRIORITY_COLOURS = {
    Priority.CRITICAL: "#c62828",
    Priority.HIGH: "#ef6c00",
    Priority.NORMAL: "#1565c0",
    Priority.LOW: "#78909c",
}
TRAVEL_COLOUR = "#616161"
WAIT_COLOUR = "#fff59d"
BREAK_COLOUR = "#66bb6a"
SHIFT_COLOUR = "#eeeeee"

#: The reach area is traced along this many bearings from the base ...
REACH_BEARINGS = 72
#: ... out to this far (km, great circle), in steps of this many km.
REACH_MAX_KM = 150.0
REACH_STEP_KM = 1.0


def _require(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{module} is needed for this picture: pip install 'ahs_routing[plots]'") from None


# Reach area ------------------------------------------------------------------------------------------


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


# Route map -------------------------------------------------------------------------------------------


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
    fl = _require("folium")
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


def staff_colours(problem: Problem) -> dict[str, str]:
    """Return a colour per staff member, in the problem's staff order."""
    return {s.id: STAFF_COLOURS[i % len(STAFF_COLOURS)] for i, s in enumerate(problem.staff)}


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


# Gantt chart -----------------------------------------------------------------------------------------


def gantt_chart(problem: Problem, plan: Plan, *, title: str | None = None) -> Figure:
    """Return a Gantt chart of the day: one row per staff member with shift, travel, waiting, visits and breaks."""
    figure_module = _require("matplotlib.figure")
    patches = _require("matplotlib.patches")
    backend = _require("matplotlib.backends.backend_agg")
    staff = list(problem.staff)
    figure: Figure = figure_module.Figure(figsize=(12, 0.55 * len(staff) + 1.8), layout="constrained")
    backend.FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    routes = {r.staff: r for r in plan.routes}
    hours = [s.shift.start for s in staff] + [s.shift.end + s.overtime for s in staff]
    hours += [r.start for r in plan.routes] + [r.end for r in plan.routes]
    first = (min(hours) // SECONDS_PER_HOUR) if hours else 8
    last = -(-max(hours) // SECONDS_PER_HOUR) if hours else 16
    for row, person in enumerate(staff):
        y = len(staff) - 1 - row
        ax.broken_barh([(_h(person.shift.start), _h(person.shift.end - person.shift.start))], (y - 0.4, 0.8),
                       facecolors=SHIFT_COLOUR, edgecolors="none")
        route = routes.get(person.id)
        if route is None:
            continue
        for kind, start, end, label, colour in gantt_segments(problem, route):
            height = 0.3 if kind == "travel" else 0.6
            ax.broken_barh([(_h(start), _h(end - start))], (y - height / 2, height), facecolors=colour,
                           edgecolors="white" if kind == "visit" else "none", linewidth=0.5)
            if kind == "visit" and end - start >= 25 * SECONDS_PER_MINUTE:
                ax.text(_h((start + end) // 2), y, label, ha="center", va="center", fontsize=7, color="white")
    ax.set_yticks(range(len(staff)), [s.id for s in reversed(staff)])
    ax.set_xlim(first, last)
    ax.set_xticks(range(int(first), int(last) + 1), [f"{h:02d}:00" for h in range(int(first), int(last) + 1)])
    ax.set_ylim(-0.7, len(staff) - 0.3)
    ax.grid(axis="x", color="#dddddd", linewidth=0.5)
    ax.set_axisbelow(True)
    legend = [patches.Patch(color=SHIFT_COLOUR, label="shift"), patches.Patch(color=TRAVEL_COLOUR, label="travel"),
              patches.Patch(color=WAIT_COLOUR, label="waiting"), patches.Patch(color=BREAK_COLOUR, label="break")]
    legend += [patches.Patch(color=c, label=f"{p.label} priority") for p, c in PRIORITY_COLOURS.items()]
    ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=8, fontsize=8, frameon=False)
    k = plan.kpis
    ax.set_title(title or f"{plan.date.isoformat()}: {k.visits_served} of {k.visits} visits, "
                          f"travel {k.travel_minutes} min, overtime {k.overtime_minutes} min")
    return figure


def save_gantt_chart(problem: Problem, plan: Plan, path: str | Path, **options: Any) -> Path:
    """Write the plan's Gantt chart as an image (PNG by the file's suffix); return its path."""
    target = Path(path)
    gantt_chart(problem, plan, **options).savefig(target, dpi=120)
    return target


def gantt_segments(problem: Problem, route: Route) -> list[tuple[str, int, int, str, str]]:
    """Return a route's pieces as (kind, start, end, label, colour), kind one of visit/travel/wait/break.

    Travel to a stop is driven in one piece and ends at its arrival (the contract's convention);
    waiting is the time between arrival and start not spent on a break; the trip home is placed
    in the first gap after the last visit that holds it outside breaks.
    """
    breaks = sorted((b.start, b.end) for b in route.breaks)
    pieces: list[tuple[str, int, int, str, str]] = [("break", s, e, "break", BREAK_COLOUR) for s, e in breaks]
    for stop in route.stops:
        visit = problem.visit_by_id[stop.visit]
        if stop.travel:
            pieces.append(("travel", stop.arrival - stop.travel, stop.arrival, "", TRAVEL_COLOUR))
        for start, end in _minus(stop.arrival, stop.start, breaks):
            pieces.append(("wait", start, end, "", WAIT_COLOUR))
        pieces.append(("visit", stop.start, stop.end, stop.visit, PRIORITY_COLOURS[visit.priority]))
    home = route.travel - sum(s.travel for s in route.stops)
    if home > 0:
        after = route.stops[-1].end if route.stops else route.start
        for start, end in _minus(after, route.end, breaks):
            if end - start >= home:
                pieces.append(("travel", start, start + home, "", TRAVEL_COLOUR))
                break
    return sorted(pieces, key=lambda p: (p[1], p[2]))


def _minus(start: int, end: int, cuts: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return [start, end) without the given intervals."""
    parts = []
    cursor = start
    for cut_start, cut_end in cuts:
        if cut_end <= cursor or cut_start >= end:
            continue
        if cut_start > cursor:
            parts.append((cursor, cut_start))
        cursor = max(cursor, cut_end)
    if cursor < end:
        parts.append((cursor, end))
    return parts


def _h(seconds: int) -> float:
    return seconds / SECONDS_PER_HOUR


# Service-level curve ---------------------------------------------------------------------------------


def service_level_curve(table: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Return the study's service-level curve: share of visits served (and of critical ones) against staff,
    one line per travel limit, with the range over days shaded."""
    figure_module = _require("matplotlib.figure")
    backend = _require("matplotlib.backends.backend_agg")
    ticker = _require("matplotlib.ticker")
    figure: Figure = figure_module.Figure(figsize=(8, 5), layout="constrained")
    backend.FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    missing = {"travel_limit", "staff", "served_share", "critical_served_share"} - set(table.columns)
    if missing:
        raise InputError(f"the table lacks the columns {sorted(missing)}; pass CapacityStudy.run()'s table")
    for i, (limit, group) in enumerate(table.groupby("travel_limit", dropna=False, sort=True)):
        group = group.sort_values("staff")
        colour = STAFF_COLOURS[i % len(STAFF_COLOURS)]
        label = "no travel limit" if _is_missing(limit) else f"{limit:g} min limit"
        ax.plot(group["staff"], 100 * group["served_share"], marker="o", color=colour, label=f"all visits, {label}")
        ax.plot(group["staff"], 100 * group["critical_served_share"], marker="^", linestyle="--", color=colour,
                label=f"critical visits, {label}")
        if {"served_share_min", "served_share_max"} <= set(group.columns):
            ax.fill_between(group["staff"], 100 * group["served_share_min"], 100 * group["served_share_max"],
                            color=colour, alpha=0.12, linewidth=0)
    ax.set_xlabel("staff on duty")
    ax.set_ylabel("visits served (% of eligible patients' visits)")
    ax.set_ylim(0, 102)
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.grid(color="#dddddd", linewidth=0.5)
    ax.legend(fontsize=8)
    ax.set_title(title or "Service level by staffing (shaded: range over days)")
    return figure


def save_service_level_curve(table: pd.DataFrame, path: str | Path, **options: Any) -> Path:
    """Write the service-level curve as an image (PNG by the file's suffix); return its path."""
    target = Path(path)
    service_level_curve(table, **options).savefig(target, dpi=120)
    return target


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))

