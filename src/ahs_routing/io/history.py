"""A plan document read as a history: what was done, strictly; the output-only figures as given, to compare.

Another system's export of a day (`ahs-routing compare`, `analysis.replay`) states what was done
(routes, stops and their times) and, often, figures of its own: `kpis` (all, some or none),
`status`, `unassigned`, `ineligible_patients`, travel minutes and km. The library recomputes all
of those from the problem and its travel model and never trusts them (docs/HISTORY.md). This
module reads the records strictly (ids, times and structure: a bad one is an `InputError`
naming field and value) and keeps each given figure as it comes (`Given`), so that the replay
can report every one that disagrees with its own (`history_warnings`), never as a failure.
A figure given as `null` counts as not given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ahs_routing.domain.plan import (
    BreakTaken,
    IneligiblePatient,
    IneligibleReason,
    Kpis,
    Plan,
    PlanStatus,
    Route,
    Stop,
    Unassigned,
    UnassignedReason,
)
from ahs_routing.errors import InputError, ProblemCollector
from ahs_routing.io.documents import HistoryPlanDoc, parse_document
from ahs_routing.times import SECONDS_PER_MINUTE, minutes_to_seconds, parse_clock

#: The plan format's KPIs and how a given figure is compared with the recomputed one.
KPI_KINDS: Mapping[str, str] = {
    "visits": "count", "visits_served": "count", "travel_minutes": "minutes", "distance_km": "km",
    "overtime_minutes": "minutes", "continuity_rate": "rate", "staff_used": "count",
}
#: How far apart a given and a recomputed figure may lie and still agree (any rounding of the same value).
TOLERANCE: Mapping[str, float] = {"count": 0.0, "minutes": 1.0 - 1e-9, "km": 0.1, "rate": 0.01}
#: Ids listed in one warning line before the rest are counted.
SHOWN_IDS = 8


@dataclass(frozen=True, slots=True)
class HistoryStop:
    """A visit as recorded: `end` None = not recorded (the problem's duration), `arrival` None = inferred."""

    where: str
    visit: str
    patient: str
    start: int
    end: int | None
    arrival: int | None


@dataclass(frozen=True, slots=True)
class HistoryRoute:
    """A staff member's day as recorded; None = not recorded (`breaks` None: no `breaks` key, inferred)."""

    where: str
    staff: str
    start: int | None
    end: int | None
    breaks: tuple[tuple[int, int], ...] | None
    stops: tuple[HistoryStop, ...]


@dataclass(frozen=True, slots=True)
class Given:
    """One output-only figure as the document gives it: its path, value, and kind (see `history_warnings`)."""

    path: str
    value: Any
    kind: str
    staff: str | None = None
    visit: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryDocument:
    """A plan document read as a history: its records, its given figures, and notes on unreadable ones."""

    date: dt.date
    routes: tuple[HistoryRoute, ...]
    given: tuple[Given, ...]
    notes: tuple[str, ...]
    unassigned: tuple[Unassigned, ...] = ()
    ineligible_patients: tuple[IneligiblePatient, ...] = ()


def history_from_dict(data: Any) -> HistoryDocument:
    """Return a plan document read as a history; an `InputError` names every bad record at once."""
    if not isinstance(data, dict):
        raise InputError(f"the plan document must be a JSON object, got {type(data).__name__}")
    doc = parse_document(HistoryPlanDoc, data)
    problems = ProblemCollector()

    def clock(path: str, text: str | None) -> int | None:
        if text is None:
            return None
        try:
            return parse_clock(text)
        except InputError as error:
            problems.problems.extend(error.under(path).problems)
            return None

    routes: list[HistoryRoute] = []
    given: list[Given] = []
    notes: list[str] = []
    raw_routes = data["routes"]
    for i, r in enumerate(doc.routes):
        p = f"routes[{i}]"
        stops = []
        for j, s in enumerate(r.stops):
            q = f"{p}.stops[{j}]"
            start = clock(f"{q}.start", s.start)
            stops.append(HistoryStop(q, s.visit, s.patient, start or 0, clock(f"{q}.end", s.end),
                                     clock(f"{q}.arrival", s.arrival)))
            if raw_routes[i]["stops"][j].get("travel_minutes") is not None:
                given.append(Given(f"{q}.travel_minutes", s.travel_minutes, "minutes", r.staff, s.visit))
        breaks = tuple((clock(f"{p}.breaks[{j}].start", b.start) or 0, clock(f"{p}.breaks[{j}].end", b.end) or 0)
                       for j, b in enumerate(r.breaks))
        routes.append(HistoryRoute(p, r.staff, clock(f"{p}.start", r.start), clock(f"{p}.end", r.end),
                                   breaks if "breaks" in raw_routes[i] else None, tuple(stops)))
        for key, kind in (("travel_minutes", "minutes"), ("distance_km", "km")):
            if raw_routes[i].get(key) is not None:
                given.append(Given(f"{p}.{key}", raw_routes[i][key], kind, r.staff))
    date = dt.date.min
    try:
        date = dt.date.fromisoformat(doc.date)
    except ValueError:
        problems.add("date", f"{doc.date!r} is not a date YYYY-MM-DD")
    problems.raise_if_any()
    _given_outputs(data, given, notes)
    return HistoryDocument(date, tuple(routes), tuple(given), tuple(notes),
                           tuple(_stated(data.get("unassigned"), "visit", UnassignedReason, Unassigned,
                                         UnassignedReason.CAPACITY)),
                           tuple(_stated(data.get("ineligible_patients"), "patient", IneligibleReason,
                                         IneligiblePatient, IneligibleReason.TRAVEL_LIMIT)))


def _stated(items: Any, field: str, reasons: Any, make: Any, fallback: Any) -> list[Any]:
    """Return the readable entries of a given `unassigned`/`ineligible_patients` list (an unknown reason as
    `fallback`), for `history_plan` only."""
    if not isinstance(items, list):
        return []
    found = []
    for item in items:
        if isinstance(item, Mapping) and isinstance(item.get(field), str):
            known = {r.value for r in reasons}
            reason = reasons(item["reason"]) if item.get("reason") in known else fallback
            detail = item.get("detail")
            found.append(make(item[field], reason, detail if isinstance(detail, str) else ""))
    return found


def _given_outputs(data: Mapping[str, Any], given: list[Given], notes: list[str]) -> None:
    """Add the document's plan-level output figures to `given`; anything unreadable to `notes`."""
    kpis = data.get("kpis")
    if isinstance(kpis, Mapping):
        for key, value in kpis.items():
            if value is None:  # null: not stated
                continue
            if key in KPI_KINDS:
                given.append(Given(f"kpis.{key}", value, KPI_KINDS[key]))
            else:
                notes.append(f"history kpis.{key}: not a KPI of the plan format, ignored")
    elif kpis is not None:
        notes.append(f"history kpis: {_shown(kpis)} given, not an object; ignored")
    if "status" in data and data["status"] is not None:
        given.append(Given("status", data["status"], "status"))
    for key, field, kind in (("unassigned", "visit", "visits"), ("ineligible_patients", "patient", "patients")):
        items = data.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            notes.append(f"history {key}: {_shown(items)} given, not a list; ignored")
            continue
        ids = []
        for k, item in enumerate(items):
            if isinstance(item, Mapping) and isinstance(item.get(field), str):
                ids.append(item[field])
            else:
                notes.append(f"history {key}[{k}]: {_shown(item)} given, no {field} id; ignored")
        given.append(Given(key, frozenset(ids), kind))


# Figures compared ----------------------------------------------------------------------------------


def history_warnings(document: HistoryDocument, plan: Plan) -> list[str]:
    """Return one line per given figure that disagrees with the replayed `plan`'s (and each unreadable one).

    ``history kpis.travel_minutes: 410 given, 398 recomputed``: the recomputed figure is the one
    the library uses; the given one is only reported.
    """
    lines = list(document.notes)
    for figure in document.given:
        recomputed = _recomputed(plan, figure)
        given = figure.value
        if figure.kind in TOLERANCE:
            if not _readable_number(given):
                lines.append(f"history {figure.path}: {_shown(given)} given, not a number; ignored")
                continue
            if _agree(given, recomputed, TOLERANCE[figure.kind]):
                continue
        elif figure.kind == "status":
            if given == recomputed:
                continue
        elif given == recomputed:
            continue
        lines.append(f"history {figure.path}{_whose(figure)}: {_shown(given)} given, {_shown(recomputed)} recomputed")
    return lines


def _recomputed(plan: Plan, figure: Given) -> Any:
    if figure.path.startswith("kpis."):
        k = plan.kpis
        values: dict[str, Any] = {
            "visits": k.visits, "visits_served": k.visits_served, "travel_minutes": _minutes(k.travel_seconds),
            "distance_km": k.distance_km, "overtime_minutes": _minutes(k.overtime_seconds),
            "continuity_rate": k.continuity_rate, "staff_used": k.staff_used}
        return values[figure.path.removeprefix("kpis.")]
    if figure.path == "status":
        return plan.status.value
    if figure.path == "unassigned":
        return frozenset(u.visit for u in plan.unassigned)
    if figure.path == "ineligible_patients":
        return frozenset(p.patient for p in plan.ineligible_patients)
    route = plan.route_of(figure.staff) if figure.staff is not None else None
    if figure.visit is not None:
        stop = next((s for s in route.stops if s.visit == figure.visit), None) if route is not None else None
        return None if stop is None else _minutes(stop.travel)
    if figure.path.endswith(".distance_km"):
        return None if route is None or not route.stops else route.distance_km
    return 0 if route is None or not route.stops else _minutes(route.travel)


def _minutes(seconds: int) -> float:
    return seconds / SECONDS_PER_MINUTE


def _readable_number(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool) and value == value)


def _agree(given: float | None, recomputed: float | None, tolerance: float) -> bool:
    if given is None or recomputed is None:
        return given is None and recomputed is None
    return abs(given - recomputed) <= tolerance


def _whose(figure: Given) -> str:
    if figure.visit is not None:
        return f" ({figure.staff}, {figure.visit})"
    return f" ({figure.staff})" if figure.staff is not None else ""


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, frozenset):
        ids = sorted(value)
        if not ids:
            return "none"
        more = f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else ""
        return ", ".join(ids[:SHOWN_IDS]) + more
    if isinstance(value, float) and not isinstance(value, bool):
        return f"{value:.0f}" if value.is_integer() else f"{value:.2f}".rstrip("0")
    if isinstance(value, str | int):
        return str(value)
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# A history as a Plan (no problem at hand) -----------------------------------------------------------


def history_plan(document: HistoryDocument) -> Plan:
    """Return the `Plan` a history document states by itself (`plan_from_dict(data, history=True)`).

    Without the problem nothing can be inferred, so each route's `start`/`end` and each stop's
    `arrival`/`end` are needed (an `InputError` names each missing one; `replay` and `compare`
    read the document with its problem and infer them). Given output-only figures are kept
    where readable (travel absent = 0); KPIs are the given ones only when all of them are
    readable, else the counts the routes give. None of it is trusted by `analysis.replay`.
    """
    problems = ProblemCollector()
    figures = {g.path: g.value for g in document.given}

    def needed(path: str, value: int | None) -> int:
        if value is None:
            problems.add(path, "Field required (a history read without its problem needs it; replay and "
                         "compare read it with the problem and infer it)")
            return 0
        return value

    def minutes(path: str) -> int:
        value = figures.get(path)
        return minutes_to_seconds(value) if _readable_number(value) and value is not None else 0

    routes = []
    for r in document.routes:
        stops = tuple(Stop(s.visit, s.patient, minutes(f"{s.where}.travel_minutes"),
                           needed(f"{s.where}.arrival", s.arrival), s.start, needed(f"{s.where}.end", s.end))
                      for s in r.stops)
        km = figures.get(f"{r.where}.distance_km")
        routes.append(Route(r.staff, needed(f"{r.where}.start", r.start), needed(f"{r.where}.end", r.end),
                            minutes(f"{r.where}.travel_minutes"),
                            float(km) if _readable_number(km) and km is not None else None, stops,
                            tuple(BreakTaken(a, b) for a, b in r.breaks or ())))
    problems.raise_if_any()
    built = tuple(routes)
    unassigned, ineligible = document.unassigned, document.ineligible_patients
    status = figures.get("status")
    return Plan(
        date=document.date,
        status=PlanStatus(status) if status in ("complete", "partial") else
        (PlanStatus.PARTIAL if unassigned else PlanStatus.COMPLETE),
        routes=built, unassigned=unassigned, ineligible_patients=ineligible,
        kpis=_given_kpis(figures) or stated_kpis(built, unassigned),
    )


def _given_kpis(figures: Mapping[str, Any]) -> Kpis | None:
    values: dict[str, Any] = {key: figures.get(f"kpis.{key}") for key in KPI_KINDS}
    nullable = ("distance_km", "continuity_rate")
    # A nullable KPI given as null is not in `figures`; any other missing or unreadable one: not all given.
    if any(not _readable_number(v) or (v is None and key not in nullable) for key, v in values.items()):
        return None
    return Kpis(visits=int(values["visits"]), visits_served=int(values["visits_served"]),
                travel_seconds=minutes_to_seconds(values["travel_minutes"]), distance_km=values["distance_km"],
                overtime_seconds=minutes_to_seconds(values["overtime_minutes"]),
                continuity_rate=values["continuity_rate"], staff_used=int(values["staff_used"]))


def stated_kpis(routes: tuple[Route, ...], unassigned: tuple[Unassigned, ...]) -> Kpis:
    """Return the KPIs a history's routes state by themselves (no problem, no travel model at hand)."""
    served = {s.visit for r in routes for s in r.stops}
    km = [r.distance_km for r in routes]
    return Kpis(visits=len(served | {u.visit for u in unassigned}), visits_served=len(served),
                travel_seconds=sum(r.travel for r in routes),
                distance_km=None if not km or any(k is None for k in km) else float(sum(k or 0.0 for k in km)),
                overtime_seconds=0, continuity_rate=None, staff_used=sum(1 for r in routes if r.stops))
