"""What `ahs-routing plan` prints for a person: a headline, each route with its times, what was left out.

Ids only: visit, patient and staff ids, visit kinds and staff roles, reason codes and their
sentences; never a name, an address or a coordinate, so the output may be logged.
"""

from __future__ import annotations

from collections.abc import Sequence

from ahs_routing.domain.model import Problem
from ahs_routing.domain.plan import Plan, Route
from ahs_routing.solve import SolveStats
from ahs_routing.times import format_clock


def day_summary(problem: Problem, plan: Plan, stats: SolveStats | None, seed: int | None = None) -> str:
    """Return the readable account of a day plan (no trailing newline)."""
    k = plan.kpis
    distance = f", {k.distance_km:.1f} km" if k.distance_km is not None else ""
    overtime = f", overtime {k.overtime_minutes} min" if k.overtime_seconds else ""
    lines = [f"Plan for {plan.date.isoformat()}: {k.visits_served} of {k.visits} visits served, "
             f"travel {k.travel_minutes} min{distance}{overtime}, {k.staff_used} of {len(problem.staff)} staff used, "
             f"status {plan.status.value}"]
    if stats is not None:
        first = "-" if stats.first_solution_seconds is None else f"{stats.first_solution_seconds:.2f} s"
        lines.append(f"Search: {stats.seconds:.1f} s, stopped by {stats.stopped_by.replace('_', ' ')} "
                     f"(first plan after {first}, {stats.solutions} solutions"
                     + (f", seed {seed})" if seed is not None else ")"))
    routes = [r for r in plan.routes if r.stops]
    if routes:
        lines += ["", "Routes (one line per stop: start-end, visit, kind, patient):"]
        tables = [_stop_rows(problem, route) for route in routes]
        # One set of columns for every route, so that the times line up down the page.
        aligned = iter(_columns([row for table in tables for row in table]))
        for route, table in zip(routes, tables, strict=True):
            lines.append(_route_headline(problem, route))
            lines += [f"    {next(aligned)}" for _ in table]
    if plan.unassigned:
        lines += ["", f"Unassigned ({len(plan.unassigned)}):"]
        width = max(len(u.visit) for u in plan.unassigned)
        lines += [f"  {u.visit:<{width}}  {u.reason.value}: {u.detail}" for u in plan.unassigned]
    if plan.ineligible_patients:
        lines += ["", f"Ineligible patients ({len(plan.ineligible_patients)}):"]
        width = max(len(p.patient) for p in plan.ineligible_patients)
        lines += [f"  {p.patient:<{width}}  {p.reason.value}: {p.detail}" for p in plan.ineligible_patients]
    return "\n".join(lines)


def _route_headline(problem: Problem, route: Route) -> str:
    person = problem.staff_by_id.get(route.staff)
    role = f" ({person.role})" if person is not None and person.role else ""
    overtime = max(0, route.end - person.shift.end) if person is not None else 0
    extra = f", overtime {round(overtime / 60)} min" if overtime else ""
    return (f"  {route.staff}{role} {format_clock(route.start)}-{format_clock(route.end)}: "
            f"{len(route.stops)} visits, travel {round(route.travel / 60)} min{extra}")


def _stop_rows(problem: Problem, route: Route) -> list[list[str]]:
    """Return the route's stops and breaks in time order, as cells."""
    rows: list[tuple[int, list[str]]] = []
    for stop in route.stops:
        visit = problem.visit_by_id.get(stop.visit)
        kind = visit.kind if visit is not None and visit.kind else "-"
        rows.append((stop.start, [f"{format_clock(stop.start)}-{format_clock(stop.end)}", stop.visit, kind,
                                  stop.patient]))
    rows += [(b.start, [f"{format_clock(b.start)}-{format_clock(b.end)}", "break"]) for b in route.breaks]
    rows.sort(key=lambda row: row[0])
    return [cells for _, cells in rows]


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows if len(row) > i) for i in range(max(len(r) for r in rows))]
    return ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
