"""The week calendar (matplotlib PNG): a row per staff member, a column per date, each cell that day's Gantt.

Each cell shows the person's rostered shift (grey; days off stay blank) and their route that day
with travel, waiting, visits and breaks, as `gantt` draws a day. Visits are coloured by patient,
so a patient seen by the same person all week shows as one colour along that person's row.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ahs_routing.domain.week import Week, split_occurrence
from ahs_routing.domain.week_plan import WeekPlan
from ahs_routing.plotting.gantt import gantt_segments
from ahs_routing.plotting.style import (
    SHIFT_COLOUR,
    STAFF_COLOURS,
    activity_legend,
    require_extra,
)
from ahs_routing.times import SECONDS_PER_HOUR

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Share of a date's column the day is drawn in (the rest separates the dates).
CELL = 0.92


def week_calendar(week: Week, plan: WeekPlan, *, title: str | None = None) -> Figure:
    """Return the week calendar: one row per staff member, one column per date, each cell that day's route."""
    figure_module = require_extra("matplotlib.figure")
    backend = require_extra("matplotlib.backends.backend_agg")
    staff = list(week.staff)
    figure: Figure = figure_module.Figure(figsize=(3 + 2.6 * len(week.dates), 0.5 * len(staff) + 1.8),
                                          layout="constrained")
    backend.FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    moments = [moment for person in staff for d in person.days for moment in (d.shift.start, d.shift.end + d.overtime)]
    moments += [t for day in plan.days for r in day.plan.routes for t in (r.start, r.end)]
    first = (min(moments) // SECONDS_PER_HOUR) * SECONDS_PER_HOUR if moments else 8 * SECONDS_PER_HOUR
    last = -(-max(moments) // SECONDS_PER_HOUR) * SECONDS_PER_HOUR if moments else 16 * SECONDS_PER_HOUR
    span = max(last - first, 1)
    colour = {p.id: STAFF_COLOURS[i % len(STAFF_COLOURS)] for i, p in enumerate(week.patients)}

    def x(column: int, moment: int) -> float:
        return column + CELL * (moment - first) / span

    def width(seconds: int) -> float:
        return CELL * seconds / span

    row = {person.id: len(staff) - 1 - i for i, person in enumerate(staff)}
    for column, date in enumerate(week.dates):
        for person in staff:
            day = person.roster_on(date)
            if day is not None:
                ax.broken_barh([(x(column, day.shift.start), width(day.shift.end - day.shift.start))],
                               (row[person.id] - 0.4, 0.8), facecolors=SHIFT_COLOUR, edgecolors="none")
        day_plan = plan.plan_on(date)
        if day_plan is None:
            continue
        named = {stop.visit for _, stop in day_plan.stops()}
        ids = [parts[0] for v in sorted(named) if (parts := split_occurrence(v)) is not None
               and parts[0] in week.visit_by_id]
        problem = week.day_problem(date, ids)
        for route in day_plan.routes:
            if route.staff not in row:
                continue
            y = row[route.staff]
            for kind, start, end, _, shade in gantt_segments(problem, route):
                fill, edge = shade, "none"
                if kind == "break":
                    edge = "black"
                if kind == "visit":
                    stop = next(s for s in route.stops if s.start == start and s.end == end)
                    fill = colour.get(stop.patient, shade)
                height = 0.3 if kind == "travel" else 0.6
                ax.broken_barh([(x(column, start), width(end - start))], (y - height / 2, height), facecolors=fill,
                               edgecolors="white" if kind == "visit" else edge, linewidth=0.4,
                               hatch="///" if kind == "break" else None)
    ax.set_yticks(range(len(staff)), [p.id for p in reversed(staff)])
    ax.set_xticks([c + CELL / 2 for c in range(len(week.dates))],
                  [d.strftime("%a %d %b") for d in week.dates])
    ax.set_xlim(-0.05, len(week.dates))
    ax.set_ylim(-0.7, len(staff) - 0.3)
    for column in range(1, len(week.dates)):
        ax.axvline(column - (1 - CELL) / 2, color="#bbbbbb", linewidth=0.6)
    legend = activity_legend()
    ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=4, fontsize=8, frameon=False)
    k = plan.kpis
    spp = "-" if k.staff_per_patient is None else f"{k.staff_per_patient:.2f}"
    ax.set_title(title or f"{k.visits_served} of {k.visits} visits, travel {k.travel_minutes} min, "
                          f"{spp} staff per patient (visits coloured by patient)")
    return figure


def save_week_calendar(week: Week, plan: WeekPlan, path: str | Path, **options: Any) -> Path:
    """Write the week calendar as an image (PNG by the file's suffix); return its path."""
    target = Path(path)
    week_calendar(week, plan, **options).savefig(target, dpi=110)
    return target
