"""The contract's week documents read into the domain model (`Week`, `WeekPlan`) and written back.

A week problem reports every fault at once, each with its JSON path, like a day problem: the
day fields through the day's parsers (`ahs_routing.io.contract`), the week's own rules
(duplicate dates, roster entries or fixed dates outside the week, recurrences that cannot be
met, `after` links across dates) through `Week`. `document_kind` tells the documents apart.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ahs_routing.domain.model import SCHEMA_VERSION, Break, Location, Place, Shift
from ahs_routing.domain.plan import UnassignedReason
from ahs_routing.domain.week import Recurrence, RosterDay, Week, WeekStaff, WeekVisit
from ahs_routing.domain.week_plan import WeekContinuity, WeekDay, WeekKpis, WeekPlan, WeekUnassigned
from ahs_routing.errors import InputError, InputProblem, ProblemCollector
from ahs_routing.io.contract import (
    load_json,
    patient_from_doc,
    plan_from_dict,
    plan_to_dict,
    problem_from_dict,
    problem_to_dict,
    visit_from_doc,
)
from ahs_routing.io.documents import PatientDoc, PlaceDoc, parse_document, parse_part
from ahs_routing.io.week_documents import (
    RosterDayDoc,
    WeekDoc,
    WeekHeaderDoc,
    WeekPlanDoc,
    WeekStaffDoc,
    WeekVisitDoc,
)
from ahs_routing.times import format_clock, minutes_to_seconds, parse_clock, seconds_to_minutes

T = TypeVar("T")
_INDEXED = re.compile(r"^(dates|staff|patients|visits)\[(\d+)\](.*)$")


def document_kind(data: Any) -> str:
    """Return what a parsed JSON document is: 'week', 'week_plan', or 'day' (a day problem or plan)."""
    kind = data.get("kind") if isinstance(data, dict) else None
    return kind if kind in ("week", "week_plan") else "day"


# Reading ------------------------------------------------------------------------------------


def _attempt(problems: ProblemCollector, path: str, make: Callable[..., T], *args: Any) -> T | None:
    with problems.at(path):
        return make(*args)
    return None


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InputError(f"{text!r} is not a date YYYY-MM-DD") from None


def _clocks(problems: ProblemCollector, path: str, **texts: str) -> list[int] | None:
    values = [_attempt(problems, f"{path}.{name}", parse_clock, text) for name, text in texts.items()]
    return None if any(v is None for v in values) else [v for v in values if v is not None]


def _place(doc: PlaceDoc | None) -> Place | None:
    return None if doc is None else Place(Location(doc.lat, doc.lon), doc.id)


def _roster_day(problems: ProblemCollector, path: str, doc: RosterDayDoc) -> RosterDay | None:
    date = _attempt(problems, f"{path}.date", lambda: _date(doc.date))
    span = _clocks(problems, f"{path}.shift", start=doc.shift.start, end=doc.shift.end)
    shift = None if span is None else _attempt(problems, f"{path}.shift", lambda: Shift(*span))
    breaks = []
    for j, b in enumerate(doc.breaks):
        limits = _clocks(problems, f"{path}.breaks[{j}]", earliest_start=b.earliest_start, latest_end=b.latest_end)
        if limits is not None:
            breaks.append(_attempt(problems, f"{path}.breaks[{j}]", Break, limits[0], limits[1],
                                   minutes_to_seconds(b.minutes)))
    if date is None or shift is None or any(b is None for b in breaks) or len(breaks) != len(doc.breaks):
        return None
    return RosterDay(date, shift, minutes_to_seconds(doc.overtime_minutes), tuple(b for b in breaks if b is not None))


def _staff(problems: ProblemCollector, path: str, doc: WeekStaffDoc) -> WeekStaff | None:
    days = [_roster_day(problems, f"{path}.days[{j}]", d) for j, d in enumerate(doc.days)]
    places = [_attempt(problems, f"{path}.{label}", _place, p)
              for label, p in (("start_location", doc.start_location), ("end_location", doc.end_location))]
    if any(d is None for d in days):
        return None
    return _attempt(problems, path, lambda: WeekStaff(
        id=doc.id, days=tuple(d for d in days if d is not None), role=doc.role, skills=frozenset(doc.skills),
        avoid=frozenset(doc.avoid),
        max_travel=None if doc.max_travel_minutes is None else minutes_to_seconds(doc.max_travel_minutes),
        capacity=doc.capacity, start_location=places[0], end_location=places[1],
        max_week=None if doc.max_week_minutes is None else minutes_to_seconds(doc.max_week_minutes),
    ))


def _week_visit(problems: ProblemCollector, path: str, doc: WeekVisitDoc) -> WeekVisit | None:
    visit = visit_from_doc(doc, path, problems)
    date = None if doc.date is None else _attempt(problems, f"{path}.date", lambda: _date(doc.date or ""))
    recurrence = None
    rule = doc.recurrence
    if rule is not None:
        dates = None if rule.dates is None else [
            _attempt(problems, f"{path}.recurrence.dates[{k}]", _date, text)
            for k, text in enumerate(rule.dates)]
        if dates is None or all(d is not None for d in dates):
            recurrence = _attempt(problems, f"{path}.recurrence", lambda: Recurrence(
                rule.count, None if dates is None else tuple(d for d in dates if d is not None), rule.min_days_apart))
    if visit is None or (doc.date is not None and date is None) or (rule is not None and recurrence is None):
        return None
    return _attempt(problems, path, lambda: WeekVisit(visit, date, recurrence))


def _kept(items: list[T | None]) -> tuple[tuple[T, ...], list[int]]:
    """Return the items that parsed and, for each, its index in the document."""
    indices = [i for i, item in enumerate(items) if item is not None]
    return tuple(items[i] for i in indices), indices  # type: ignore[misc]


def _renumber(problem: InputProblem, positions: dict[str, list[int]]) -> InputProblem:
    """Return a problem whose path indexes a list of parsed items with the index in the document."""
    match = _INDEXED.match(problem.path)
    if match is None:
        return problem
    label, index, rest = match.group(1), int(match.group(2)), match.group(3)
    kept = positions[label]
    original = kept[index] if index < len(kept) else index
    return InputProblem(f"{label}[{original}]{rest}", problem.message)


def week_from_dict(data: Any) -> Week:
    """Return the validated `Week` for a contract week document (a parsed JSON dict)."""
    if not isinstance(data, dict):
        raise InputError(f"the week document must be a JSON object, got {type(data).__name__}")
    doc = parse_document(WeekHeaderDoc, data)
    problems = ProblemCollector()
    dates = [_attempt(problems, f"dates[{i}]", _date, text) for i, text in enumerate(doc.dates)]
    staff_docs = [parse_part(problems, f"staff[{i}]", WeekStaffDoc, s) for i, s in enumerate(doc.staff)]
    patient_docs = [parse_part(problems, f"patients[{i}]", PatientDoc, p) for i, p in enumerate(doc.patients)]
    visit_docs = [parse_part(problems, f"visits[{i}]", WeekVisitDoc, v) for i, v in enumerate(doc.visits)]
    staff = [None if s is None else _staff(problems, f"staff[{i}]", s) for i, s in enumerate(staff_docs)]
    patients = [None if p is None else patient_from_doc(p, f"patients[{i}]", problems)
                for i, p in enumerate(patient_docs)]
    visits = [None if v is None else _week_visit(problems, f"visits[{i}]", v) for i, v in enumerate(visit_docs)]
    # The day-level fields go through the day's own reader, which knows their rules and messages.
    day: dict[str, Any] = {"schema_version": 1, "date": "2000-01-01", "base": data.get("base"),
                           "staff": [], "patients": [], "visits": []}
    day |= {k: data[k] for k in ("policy", "travel") if k in data}
    header = _attempt(problems, "", problem_from_dict, day)
    kept_dates, date_at = _kept(dates)
    kept_staff, staff_at = _kept(staff)
    kept_patients, patient_at = _kept(patients)
    kept_visits, visit_at = _kept(visits)
    week = None
    if header is not None:
        try:
            week = Week(dates=kept_dates, base=header.base, staff=kept_staff, patients=kept_patients,
                        visits=kept_visits, policy=header.policy, travel=header.travel, timezone=doc.timezone)
        except InputError as error:
            positions = {"dates": date_at, "staff": staff_at, "patients": patient_at, "visits": visit_at}
            problems.problems.extend(_renumber(p, positions) for p in error.problems)
    problems.raise_if_any()
    assert week is not None
    return week


def read_week(path: str | Path) -> Week:
    """Return the validated `Week` stored in a JSON file."""
    return week_from_dict(load_json(path))


def week_plan_from_dict(data: Any) -> WeekPlan:
    """Return the `WeekPlan` of a contract week plan document (times parsed, nothing checked)."""
    if not isinstance(data, dict):
        raise InputError(f"the week plan document must be a JSON object, got {type(data).__name__}")
    doc = parse_document(WeekPlanDoc, data)
    problems = ProblemCollector()
    days = []
    for i, entry in enumerate(doc.days):
        date = _attempt(problems, f"days[{i}].date", _date, entry.date)
        plan = _attempt(problems, f"days[{i}].plan", plan_from_dict, data["days"][i]["plan"])
        if date is not None and plan is not None:
            days.append(WeekDay(date, plan))
    problems.raise_if_any()
    k = doc.kpis
    c = k.continuity
    continuity = None if c is None else WeekContinuity(
        staff_per_patient_mean=c.staff_per_patient_mean, staff_per_patient_max=c.staff_per_patient_max,
        start_spread_mean_seconds=None if c.start_spread_mean_minutes is None
        else round(c.start_spread_mean_minutes * 60, 1),
        start_spread_max_seconds=None if c.start_spread_max_minutes is None
        else minutes_to_seconds(c.start_spread_max_minutes),
        recurring_visits_measured=c.recurring_visits_measured)
    return WeekPlan(
        days=tuple(days),
        unassigned=tuple(WeekUnassigned(u.visit, u.missing, UnassignedReason(u.reason), u.detail)
                         for u in doc.unassigned),
        kpis=WeekKpis(visits=k.visits, visits_served=k.visits_served,
                      travel_seconds=minutes_to_seconds(k.travel_minutes),
                      overtime_seconds=minutes_to_seconds(k.overtime_minutes),
                      staff_per_patient=k.staff_per_patient, continuity_rate=k.continuity_rate,
                      continuity=continuity),
        meta=doc.meta or {},
    )


def read_week_plan(path: str | Path) -> WeekPlan:
    """Return the `WeekPlan` stored in a JSON file."""
    return week_plan_from_dict(load_json(path))


# Writing --------------------------------------------------------------------------------------


def _minutes(seconds: int | None) -> int | float | None:
    return None if seconds is None else seconds_to_minutes(seconds)


def week_to_dict(week: Week) -> dict[str, Any]:
    """Return the contract week document for a `Week`, every field written out."""
    day = problem_to_dict(week.template)
    staff = []
    for person, written in zip(week.staff, day["staff"], strict=True):
        entry = {k: v for k, v in written.items() if k not in ("shift", "overtime_minutes", "breaks")}
        entry["max_week_minutes"] = _minutes(person.max_week)
        entry["days"] = [
            {"date": d.date.isoformat(),
             "shift": {"start": format_clock(d.shift.start), "end": format_clock(d.shift.end)},
             "overtime_minutes": _minutes(d.overtime),
             "breaks": [{"earliest_start": format_clock(b.earliest_start), "latest_end": format_clock(b.latest_end),
                         "minutes": _minutes(b.duration)} for b in d.breaks]}
            for d in person.days]
        staff.append(entry)
    visits = []
    for item, written in zip(week.visits, day["visits"], strict=True):
        rule = item.recurrence
        visits.append(written | {
            "date": None if item.date is None else item.date.isoformat(),
            "recurrence": None if rule is None else {
                "count": rule.count,
                "dates": None if rule.dates is None else [d.isoformat() for d in rule.dates],
                "min_days_apart": rule.min_days_apart},
        })
    zone = {} if week.timezone is None else {"timezone": week.timezone}
    return {"schema_version": SCHEMA_VERSION, "kind": "week", **zone, "dates": [d.isoformat() for d in week.dates],
            "base": day["base"], "policy": day["policy"], "travel": day["travel"], "staff": staff,
            "patients": day["patients"], "visits": visits}


def week_plan_to_dict(plan: WeekPlan) -> dict[str, Any]:
    """Return the contract week plan document for a `WeekPlan` (with its `meta` extension when it has one)."""
    k = plan.kpis
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "kind": "week_plan",
        "days": [{"date": day.date.isoformat(), "plan": plan_to_dict(day.plan)} for day in plan.days],
        "unassigned": [{"visit": u.visit, "missing": u.missing, "reason": u.reason.value, "detail": u.detail}
                       for u in plan.unassigned],
        "kpis": {"visits": k.visits, "visits_served": k.visits_served, "travel_minutes": k.travel_minutes,
                 "overtime_minutes": k.overtime_minutes, "staff_per_patient": k.staff_per_patient,
                 "continuity_rate": None if k.continuity_rate is None else round(k.continuity_rate, 4)},
    }
    c = k.continuity
    if c is not None:  # an addition to the contract: plans without it are read as before
        document["kpis"]["continuity"] = {
            "staff_per_patient_mean": c.staff_per_patient_mean, "staff_per_patient_max": c.staff_per_patient_max,
            "start_spread_mean_minutes": c.start_spread_mean_minutes,
            "start_spread_max_minutes": c.start_spread_max_minutes,
            "recurring_visits_measured": c.recurring_visits_measured}
    if plan.meta:
        document["meta"] = dict(plan.meta)
    return document


def week_json_schemas() -> dict[str, Any]:
    """Return the JSON Schemas of the week and week plan documents."""
    return {"week": WeekDoc.model_json_schema(), "week_plan": WeekPlanDoc.model_json_schema()}

