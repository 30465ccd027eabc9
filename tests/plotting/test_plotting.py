"""Pictures: the reach area, the route map, the Gantt chart's pieces, the service-level curve, `plan --map --gantt`."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest
from builders import BASE, day, hm, nurse, patient, visit

from ahs_routing import (
    Base,
    Break,
    InputError,
    Location,
    Patient,
    Plan,
    PlanStatus,
    Policy,
    Problem,
    Route,
    Shift,
    SolveOptions,
    Staff,
    Stop,
    TimeWindow,
    Visit,
    check_plan,
    dumps,
    problem_to_dict,
    solve,
)
from ahs_routing.domain.kpis import compute_kpis
from ahs_routing.domain.plan import BreakTaken
from ahs_routing.travel import GeodesicProvider, MatrixProvider, travel_matrix

pytest.importorskip("matplotlib")
folium = pytest.importorskip("folium")
from ahs_routing import plotting  # noqa: E402  (after the skips: needs the plots extra)
from ahs_routing.cli import main as cli  # noqa: E402
from ahs_routing.plotting.route_map import _destination  # noqa: E402
from ahs_routing.plotting.style import INELIGIBLE_COLOUR, STAFF_COLOURS, require_extra  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"
ST_OLAVS = Location(63.4210, 10.3880)


def test_reach_polygon_runs_along_the_limit() -> None:
    """Each outline point is within 60 min of the base, and 1 km further along its bearing is not."""
    outline = plotting.reach_polygon(ST_OLAVS, 60, GeodesicProvider(), bearings=8)
    assert outline is not None and len(outline) == 8
    for k, point in enumerate(outline):
        beyond = _destination(ST_OLAVS, 2 * math.pi * k / 8, _km(ST_OLAVS, point) + 1.0)
        matrix = GeodesicProvider().matrix({"base": ST_OLAVS, "edge": point, "beyond": beyond})
        assert matrix.minutes("base", "edge") <= 60 < matrix.minutes("base", "beyond")
        assert 40 < _km(ST_OLAVS, point) < 46  # the geodesic hour: about 58 road km, 43 km as the crow flies


def test_reach_polygon_needs_a_provider_that_prices_free_points() -> None:
    """The matrix provider knows only its named places: no outline."""
    provider = MatrixProvider(("base", "p1"), ((0.0, 5.0), (5.0, 0.0)))
    assert plotting.reach_polygon(ST_OLAVS, 60, provider, bearings=4) is None


def _km(a: Location, b: Location) -> float:
    matrix = GeodesicProvider().matrix({"a": a, "b": b})
    km = matrix.km("a", "b")
    assert km is not None
    return km / GeodesicProvider().detour_factor


def _map_day() -> tuple[Problem, Plan]:
    """Two homes in Trondheim and one in Oppdal (beyond the hour); one nurse."""
    problem = Problem(
        date=dt.date(2026, 3, 2),
        base=Base("base", ST_OLAVS, "St. Olavs"),
        staff=(Staff("n1", Shift(hm("08:00"), hm("16:00"))),),
        patients=(Patient("p1", Location(63.4305, 10.3951)), Patient("p2", Location(63.3610, 10.3970)),
                  Patient("p3", Location(62.5940, 9.6910))),
        visits=(Visit("v1", "p1", 1800), Visit("v2", "p2", 1800), Visit("v3", "p3", 1800)),
        policy=Policy(max_travel_minutes_from_base=60),
    )
    plan = solve(problem, SolveOptions(time_limit=5, seed=0, solution_limit=10, warm_start="none"))
    assert check_plan(problem, plan) == []
    assert [p.patient for p in plan.ineligible_patients] == ["p3"]
    return problem, plan


def test_route_map_shows_routes_homes_greyed_homes_and_reach(tmp_path: Path) -> None:
    """The HTML holds the route line, both served homes, Oppdal in grey and the shaded hour."""
    problem, plan = _map_day()
    path = plotting.save_route_map(problem, plan, tmp_path / "map.html", tiles=None)
    html = path.read_text(encoding="utf-8")
    assert html.count("L.polyline(") == 1
    assert html.count("L.polygon(") == 1
    assert html.count("L.circleMarker(") == 3
    assert INELIGIBLE_COLOUR in html and STAFF_COLOURS[0] in html
    assert "min from base, limit 60" in html  # the greyed home says why, in the plan's words
    assert "within 60 min of base" in html


def test_gantt_pieces_of_a_hand_checked_route() -> None:
    """Travel ends at arrival, waiting is split around the break, and the trip home follows the last visit.

    The base is at 0, p1 10 minutes out, p2 20: leave 08:50, v1 09:00-09:30, drive to p2 (arrive 09:40),
    wait, break 10:00-10:30, wait, v2 11:00-11:30, home by 11:50.
    """
    problem = day(
        [nurse("n1", breaks=(Break(hm("10:00"), hm("12:00"), 1800),))],
        [patient("p1"), patient("p2")],
        [visit("v1", "p1", 30, [("09:00", "09:30")]), visit("v2", "p2", 30, [("11:00", "11:30")])],
        {"p1": 10, "p2": 20},
    )
    route = Route("n1", hm("08:50"), hm("11:50"), 40 * 60, None, (
        Stop("v1", "p1", 600, hm("09:00"), hm("09:00"), hm("09:30")),
        Stop("v2", "p2", 600, hm("09:40"), hm("11:00"), hm("11:30")),
    ), (BreakTaken(hm("10:00"), hm("10:30")),))
    plan = Plan(problem.date, PlanStatus.COMPLETE, (route,), (), (),
                compute_kpis(problem, [route], has_km=travel_matrix(problem).has_km))
    assert check_plan(problem, plan) == []
    pieces = [(kind, start, end) for kind, start, end, _, _ in plotting.gantt_segments(problem, route)]
    assert pieces == [
        ("travel", hm("08:50"), hm("09:00")), ("visit", hm("09:00"), hm("09:30")),
        ("travel", hm("09:30"), hm("09:40")), ("wait", hm("09:40"), hm("10:00")),
        ("break", hm("10:00"), hm("10:30")), ("wait", hm("10:30"), hm("11:00")),
        ("visit", hm("11:00"), hm("11:30")), ("travel", hm("11:30"), hm("11:50")),
    ]


def test_gantt_chart_is_a_png_drawn_with_agg(tmp_path: Path) -> None:
    """The chart renders on the Agg canvas (no pyplot, no display) and saves as PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    problem, plan = _map_day()
    figure = plotting.gantt_chart(problem, plan)
    assert isinstance(figure.canvas, FigureCanvasAgg)
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == ["n1"]
    path = plotting.save_gantt_chart(problem, plan, tmp_path / "gantt.png")
    assert path.read_bytes()[:8] == PNG


def test_service_level_curve(tmp_path: Path) -> None:
    """One solid and one dashed line per travel limit; a table without the study's columns is refused."""
    table = pd.DataFrame({
        "travel_limit": [45.0, 45.0, 60.0, 60.0], "staff": [3, 4, 3, 4],
        "served_share": [0.7, 0.9, 0.6, 0.85], "critical_served_share": [0.9, 1.0, 0.8, 1.0],
        "served_share_min": [0.5, 0.8, 0.4, 0.7], "served_share_max": [0.8, 1.0, 0.7, 0.95],
    })
    figure = plotting.service_level_curve(table)
    lines = figure.axes[0].get_lines()
    assert len(lines) == 4 and [line.get_linestyle() for line in lines] == ["-", "--", "-", "--"]
    assert list(lines[0].get_ydata()) == pytest.approx([70, 90])
    assert plotting.save_service_level_curve(table, tmp_path / "curve.png").read_bytes()[:8] == PNG
    with pytest.raises(InputError):
        plotting.service_level_curve(table.drop(columns=["critical_served_share"]))


def test_a_missing_extra_says_what_to_install() -> None:
    """A picture whose library is not installed names it and the `plots` extra."""
    assert require_extra("matplotlib.figure").Figure is not None
    with pytest.raises(ImportError, match=r"no_such_module is needed for this picture: .*'ahs_routing\[plots\]'"):
        require_extra("no_such_module")


def test_cli_plan_writes_map_and_gantt(tmp_path: Path) -> None:
    """`ahs-routing plan DAY.json --map plan.html --gantt plan.png` writes both next to the plan."""
    problem = Problem(dt.date(2026, 3, 2), BASE, (Staff("n1", Shift(hm("08:00"), hm("16:00"))),),
                      (Patient("p1", Location(63.43, 10.40)),),
                      (Visit("v1", "p1", 1800, windows=(TimeWindow(hm("09:00"), hm("10:00")),)),))
    source = tmp_path / "day.json"
    source.write_text(dumps(problem_to_dict(problem)), encoding="utf-8")
    html, png = tmp_path / "plan.html", tmp_path / "plan.png"
    code = cli.main(["plan", str(source), "-o", str(tmp_path / "plan.json"), "--time-limit", "3",
                     "--solution-limit", "10", "--map", str(html), "--gantt", str(png)])
    assert code == cli.EXIT_OK
    assert "L.polyline(" in html.read_text(encoding="utf-8")
    assert png.read_bytes()[:8] == PNG
