"""The staff Gantt chart (matplotlib PNG): a row per staff member with shift, travel, waiting, visits, breaks."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ahs_routing.domain.model import Problem
from ahs_routing.domain.plan import Plan, Route
from ahs_routing.plotting.style import (
    BREAK_COLOUR,
    PRIORITY_COLOURS,
    SHIFT_COLOUR,
    TRAVEL_COLOUR,
    WAIT_COLOUR,
    activity_legend,
    require_extra,
)
from ahs_routing.times import SECONDS_PER_HOUR, SECONDS_PER_MINUTE

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def gantt_chart(problem: Problem, plan: Plan, *, title: str | None = None) -> Figure:
    """Return a Gantt chart of the day: one row per staff member with shift, travel, waiting, visits and breaks."""
    figure_module = require_extra("matplotlib.figure")
    patches = require_extra("matplotlib.patches")
    backend = require_extra("matplotlib.backends.backend_agg")
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
    legend = activity_legend()
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
