"""Exports open in the tools they are for: GeoJSON structure, .ics parsed back with icalendar, CSV read by pandas."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from builders import BASE, day, nurse, patient, visit
from planned_days import morning, three_homes

from ahs_routing import Base, InputError, Location, TravelModel
from ahs_routing.io.exports import CSV_COLUMNS, export_plan, plan_to_csv, plan_to_geojson, plan_to_ical

icalendar = pytest.importorskip("icalendar")

def test_geojson_has_a_line_per_route_and_a_lon_lat_point_per_stop() -> None:
    problem, plan = three_homes()
    document = json.loads(json.dumps(plan_to_geojson(problem, plan)))  # plain JSON, nothing exotic
    assert document["type"] == "FeatureCollection"
    features = document["features"]
    assert all(f["type"] == "Feature" and set(f) == {"type", "geometry", "properties"} for f in features)
    lines = [f for f in features if f["geometry"]["type"] == "LineString"]
    points = [f for f in features if f["geometry"]["type"] == "Point"]
    assert [f["properties"]["staff"] for f in lines] == ["n1", "n2"]
    assert len(points) == 3
    base = [BASE.location.lon, BASE.location.lat]
    # Matrix travel knows no roads: straight from the base through each stop and back.
    assert lines[0]["geometry"]["coordinates"] == [base, [10.41, 63.43], [10.35, 63.44], base]
    assert lines[0]["properties"]["geometry"] == "straight"
    first = points[0]
    assert first["geometry"]["coordinates"] == [10.41, 63.43]  # [lon, lat], RFC 7946
    assert first["properties"] | {} == {"feature": "stop", "date": "2026-11-23", "staff": "n1", "sequence": 1,
                                        "visit": "v1", "patient": "a", "kind": "blood_sample", "mode": "home",
                                        "travel_minutes": 10, "arrival": "08:30", "start": "08:30",
                                        "end": "09:00", "waiting_minutes": 0}
    for feature in features:
        coordinates = feature["geometry"]["coordinates"]
        for lon, lat in coordinates if feature["geometry"]["type"] == "LineString" else [coordinates]:
            assert -180 <= lon <= 180 and -90 <= lat <= 90


def _graphml(path: Path, base: Location, near: Location, side: Location) -> Path:
    """base <-> near 10 km at 60 km/h; near -> side -> base is quicker back (1 km + 3 km)."""
    graph = nx.MultiDiGraph()
    for name, where in {"B": base, "n1": near, "n3": side}.items():
        graph.add_node(name, x=where.lon, y=where.lat)
    for a, b in (("B", "n1"), ("n1", "B")):
        graph.add_edge(a, b, length=10_000.0, speed_kph=60.0, highway="trunk")
    graph.add_edge("n1", "n3", length=1_000.0, highway="residential")
    graph.add_edge("n3", "B", length=3_000.0, highway="primary")
    nx.write_graphml(graph, path)
    return path


def test_geojson_follows_the_roads_when_the_provider_knows_them(tmp_path: Path) -> None:
    base, near, side = Location(63.40, 10.40), Location(63.41, 10.40), Location(63.41, 10.41)
    roads = _graphml(tmp_path / "roads.graphml", base, near, side)
    problem = replace(day([nurse("n1")], [patient("a", location=near)], [visit("v1", "a", 30)], {"a": 10}),
                      base=Base("base", base), travel=TravelModel(provider="graph", path=str(roads)))
    plan = morning(problem, {"n1": ["v1"]})
    line = plan_to_geojson(problem, plan)["features"][0]
    assert line["properties"]["geometry"] == "road"
    # Out on the direct road, back by the quicker one-way street past `side`.
    assert line["geometry"]["coordinates"] == [[10.40, 63.40], [10.40, 63.41], [10.41, 63.41], [10.40, 63.40]]
    straight = plan_to_geojson(problem, plan, road_geometry=False)["features"][0]
    assert straight["geometry"]["coordinates"] == [[10.40, 63.40], [10.40, 63.41], [10.40, 63.40]]


def test_ics_parses_back_with_one_event_per_stop_in_floating_time() -> None:
    problem, plan = three_homes()
    calendar = icalendar.Calendar.from_ical(plan_to_ical(problem, plan))
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 3
    first = events[0]
    assert first.decoded("dtstart").isoformat() == "2026-11-23T08:30:00"  # naive: floating local time
    assert first.decoded("dtend").isoformat() == "2026-11-23T09:00:00"
    assert str(first["summary"]) == "blood_sample v1 (patient a)"
    assert (first["geo"].latitude, first["geo"].longitude) == (63.43, 10.41)
    assert len({str(e["uid"]) for e in events}) == 3
    assert not list(calendar.walk("VTIMEZONE"))


def test_ics_in_a_zone_carries_it_and_its_definition() -> None:
    problem, plan = three_homes()
    calendar = icalendar.Calendar.from_ical(plan_to_ical(problem, plan, timezone="Europe/Oslo"))
    start = next(iter(calendar.walk("VEVENT"))).decoded("dtstart")
    assert start.isoformat() == "2026-11-23T08:30:00+01:00"
    assert [str(z["tzid"]) for z in calendar.walk("VTIMEZONE")] == ["Europe/Oslo"]
    with pytest.raises(InputError) as error:
        plan_to_ical(problem, plan, timezone="Mars/Olympus")
    assert error.value.problems[0].path == "timezone"


def test_an_explicit_ics_zone_overrides_the_problems() -> None:
    problem, plan = three_homes()
    other = plan_to_ical(replace(problem, timezone="Europe/Oslo"), plan, timezone="America/New_York")
    start = next(iter(icalendar.Calendar.from_ical(other).walk("VEVENT"))).decoded("dtstart")
    assert start.isoformat() == "2026-11-23T08:30:00-05:00"


def test_a_stop_after_midnight_is_on_the_next_day_in_the_calendar() -> None:
    problem, plan = three_homes()
    late = replace(plan, routes=(replace(plan.routes[1], stops=(replace(plan.routes[1].stops[0], start=25 * 3600,
                                                                        end=25 * 3600 + 1800),)),))
    event = next(iter(icalendar.Calendar.from_ical(plan_to_ical(problem, late)).walk("VEVENT")))
    assert event.decoded("dtstart").isoformat() == "2026-11-24T01:00:00"


def test_csv_loads_in_pandas_with_one_row_per_stop() -> None:
    problem, plan = three_homes()
    frame = pd.read_csv(io.StringIO(plan_to_csv(problem, plan)))
    assert tuple(frame.columns) == CSV_COLUMNS
    assert frame[["staff", "sequence", "visit", "start"]].values.tolist() == [
        ["n1", 1, "v1", "08:30"], ["n1", 2, "v2", "09:10"], ["n2", 1, "v3", "10:00"]]
    assert frame.loc[0, ["lat", "lon"]].tolist() == [63.43, 10.41]


def test_one_staff_members_route_only_and_ids_are_checked() -> None:
    problem, plan = three_homes()
    frame = pd.read_csv(io.StringIO(plan_to_csv(problem, plan, staff="n2")))
    assert frame["visit"].tolist() == ["v3"]
    assert [f["properties"]["staff"] for f in plan_to_geojson(problem, plan, staff="n2")["features"]] == ["n2"] * 2
    with pytest.raises(InputError) as error:
        plan_to_csv(problem, plan, staff="n9")
    assert str(error.value) == "staff: unknown staff 'n9'"
    stranger = replace(plan, routes=(replace(plan.routes[0], staff="x"),))
    with pytest.raises(InputError) as error:
        export_plan(problem, stranger, "geojson")
    assert [p.path for p in error.value.problems] == ["routes[0].staff"]


def test_nothing_is_written_that_the_problem_does_not_hold() -> None:
    """The base's name is in the problem but names a place, not a route: no export writes it, nor any name."""
    problem, plan = three_homes()
    for fmt in ("geojson", "ics", "csv"):
        assert BASE.name.encode() not in export_plan(problem, plan, fmt)
