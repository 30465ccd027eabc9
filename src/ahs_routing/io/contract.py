"""The JSON contract (schema_version 1): problem and plan documents read into the domain model and written back.

The documents' shapes are the pydantic models of `ahs_routing.io.documents` (unknown keys are
errors); functions here turn them into the domain model and back. Every problem in a document
is reported at once, as an `InputError` whose paths follow the JSON
(``visits[3].windows[0]: end 07:00 is before start 09:00``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ahs_routing.domain.model import (
    SCHEMA_VERSION,
    After,
    Base,
    Break,
    Location,
    Mode,
    Patient,
    Place,
    Policy,
    Priority,
    Problem,
    Shift,
    Staff,
    TimeWindow,
    TravelModel,
    Visit,
)
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
from ahs_routing.io.documents import (
    BreakDoc,
    LocationDoc,
    PatientDoc,
    PlaceDoc,
    PlanDoc,
    ProblemDoc,
    ProblemHeaderDoc,
    RouteDoc,
    StaffDoc,
    TravelDoc,
    VisitDoc,
    WindowDoc,
    parse_document,
    parse_part,
)
from ahs_routing.io.history import history_from_dict, history_plan
from ahs_routing.times import format_clock, minutes_to_seconds, parse_clock, seconds_to_minutes
from ahs_routing.travel import travel_option_problems

T = TypeVar("T")


# Reading ---------------------------------------------------------------------------------


def _parse_items(problems: ProblemCollector, label: str, model: type[T], items: list[Any]) -> list[T | None]:
    """Validate each item of a list on its own, so one bad item does not hide the others' faults."""
    return [parse_part(problems, f"{label}[{i}]", model, item) for i, item in enumerate(items)]


class _Reported(Exception):
    """A part failed and its problem is already recorded; skip whatever was built from it."""


def _clock(problems: ProblemCollector, path: str, text: str) -> int:
    try:
        return parse_clock(text)
    except InputError as error:
        problems.problems.extend(error.under(path).problems)
        raise _Reported from None


def _build(problems: ProblemCollector, path: str, make: Callable[..., T], *args: Any) -> T | None:
    try:
        with problems.at(path):
            return make(*args)
    except _Reported:
        pass
    return None


def _location(doc: LocationDoc) -> Location:
    return Location(doc.lat, doc.lon)


def staff_from_doc(doc: StaffDoc, path: str, problems: ProblemCollector) -> Staff | None:
    """Return the `Staff` of a contract document, or None with each fault recorded in `problems` under `path`."""
    shift = _build(
        problems, f"{path}.shift",
        lambda: Shift(*_clocks(problems, f"{path}.shift", start=doc.shift.start, end=doc.shift.end)),
    )
    breaks = []
    for j, b in enumerate(doc.breaks):
        bpath = f"{path}.breaks[{j}]"
        brk = _build(problems, bpath, _break, problems, b, bpath)
        if brk is not None:
            breaks.append(brk)

    def place(p: PlaceDoc | None, label: str) -> Place | None:
        if p is None:
            return None
        return _build(problems, f"{path}.{label}", lambda: Place(_location(p), p.id))

    start_location = place(doc.start_location, "start_location")
    end_location = place(doc.end_location, "end_location")
    if shift is None or len(breaks) != len(doc.breaks):
        return None
    return _build(problems, path, lambda: Staff(
        id=doc.id,
        role=doc.role,
        shift=shift,
        skills=frozenset(doc.skills),
        overtime=minutes_to_seconds(doc.overtime_minutes),
        breaks=tuple(breaks),
        avoid=frozenset(doc.avoid),
        max_travel=None if doc.max_travel_minutes is None else minutes_to_seconds(doc.max_travel_minutes),
        capacity=doc.capacity,
        start_location=start_location,
        end_location=end_location,
    ))


def _clocks(problems: ProblemCollector, path: str, **texts: str) -> list[int]:
    """Parse several clock fields, recording every bad one before giving up."""
    values, failed = [], False
    for name, text in texts.items():
        try:
            values.append(_clock(problems, f"{path}.{name}", text))
        except _Reported:
            failed = True
    if failed:
        raise _Reported
    return values


def _break(problems: ProblemCollector, doc: BreakDoc, path: str) -> Break:
    start, end = _clocks(problems, path, earliest_start=doc.earliest_start, latest_end=doc.latest_end)
    return Break(start, end, minutes_to_seconds(doc.minutes))


def _window(problems: ProblemCollector, doc: WindowDoc, path: str) -> TimeWindow:
    return TimeWindow(*_clocks(problems, path, start=doc.start, end=doc.end))


def patient_from_doc(doc: PatientDoc, path: str, problems: ProblemCollector) -> Patient | None:
    """Return the `Patient` of a contract document, or None with each fault recorded in `problems` under `path`."""
    location = _build(problems, f"{path}.location", lambda: _location(doc.location))
    if location is None:
        return None
    return _build(problems, path, lambda: Patient(
        id=doc.id,
        location=location,
        age_years=doc.age_years,
        attributes=frozenset(doc.attributes),
        parking=minutes_to_seconds(doc.parking_minutes),
        preferred_staff=tuple(doc.preferred_staff),
        excluded_staff=frozenset(doc.excluded_staff),
    ))


def visit_from_doc(doc: VisitDoc, path: str, problems: ProblemCollector) -> Visit | None:
    """Return the `Visit` of a contract document, or None with each fault recorded in `problems` under `path`."""
    windows = []
    for j, w in enumerate(doc.windows or []):
        wpath = f"{path}.windows[{j}]"
        window = _build(problems, wpath, _window, problems, w, wpath)
        if window is not None:
            windows.append(window)
    after = None
    if doc.after is not None:
        a = doc.after
        after = _build(problems, f"{path}.after", lambda: After(
            a.visit,
            minutes_to_seconds(a.min_minutes),
            None if a.max_minutes is None else minutes_to_seconds(a.max_minutes),
        ))
    if len(windows) != len(doc.windows or []) or (doc.after is not None and after is None):
        return None
    return _build(problems, path, lambda: Visit(
        id=doc.id,
        patient=doc.patient,
        kind=doc.kind,
        duration=minutes_to_seconds(doc.duration_minutes),
        windows=tuple(windows),
        skills=frozenset(doc.skills),
        staff_count=doc.staff_count,
        priority=Priority.parse(doc.priority),
        mode=Mode(doc.mode),
        demand=doc.demand,
        after=after,
        pinned_staff=doc.pinned_staff,
        late=minutes_to_seconds(doc.late_minutes),
    ))


def _travel(doc: TravelDoc) -> TravelModel:
    def table(rows: list[list[float]] | None) -> tuple[tuple[float, ...], ...] | None:
        return None if rows is None else tuple(tuple(row) for row in rows)

    options = doc.options or {}
    problems = travel_option_problems(doc.provider, options)
    if problems:
        raise InputError(problems)
    return TravelModel(
        provider=doc.provider,
        locations=None if doc.locations is None else tuple(doc.locations),
        minutes=table(doc.minutes),
        km=table(doc.km),
        path=doc.path,
        url=doc.url,
        options=options,
    )


def problem_from_dict(data: Any) -> Problem:
    """Return the validated `Problem` for a contract problem document (a parsed JSON dict)."""
    if not isinstance(data, dict):
        raise InputError(f"the problem document must be a JSON object, got {type(data).__name__}")
    doc = parse_document(ProblemHeaderDoc, data)
    problems = ProblemCollector()
    staff_docs = _parse_items(problems, "staff", StaffDoc, doc.staff)
    patient_docs = _parse_items(problems, "patients", PatientDoc, doc.patients)
    visit_docs = _parse_items(problems, "visits", VisitDoc, doc.visits)
    date = _build(problems, "date", lambda: _date(doc.date))
    base = _build(problems, "base", lambda: Base(doc.base.id, _location(doc.base.location), doc.base.name or ""))
    policy = _build(problems, "policy", lambda: Policy(
        doc.policy.max_travel_minutes_from_base, doc.policy.max_patient_age_years
    ))
    travel = _build(problems, "travel", lambda: _travel(doc.travel))
    staff = [staff_from_doc(s, f"staff[{i}]", problems) for i, s in enumerate(staff_docs) if s is not None]
    patients = [patient_from_doc(p, f"patients[{i}]", problems) for i, p in enumerate(patient_docs) if p is not None]
    visits = [visit_from_doc(v, f"visits[{i}]", problems) for i, v in enumerate(visit_docs) if v is not None]
    problems.raise_if_any()
    assert date and base and policy and travel  # every failure above was recorded and raised
    return Problem(
        date=date,
        base=base,
        policy=policy,
        travel=travel,
        staff=tuple(s for s in staff if s is not None),
        patients=tuple(p for p in patients if p is not None),
        visits=tuple(v for v in visits if v is not None),
        timezone=doc.timezone,
    )


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{text!r} is not a date YYYY-MM-DD") from None


def load_json(path: str | Path) -> Any:
    """Return the parsed JSON of a file, or raise `InputError` naming the file and the fault."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path} is not valid JSON: {error}") from None


def read_problem(path: str | Path) -> Problem:
    """Return the validated `Problem` stored in a JSON file."""
    return problem_from_dict(load_json(path))


# Writing ---------------------------------------------------------------------------------


def _minutes(seconds: int | None) -> int | float | None:
    return None if seconds is None else seconds_to_minutes(seconds)


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """Return the contract problem document for a `Problem`, every field written out."""

    def place(p: Place | None) -> dict[str, Any] | None:
        if p is None:
            return None
        out: dict[str, Any] = {"lat": p.location.lat, "lon": p.location.lon}
        if p.id is not None:
            out["id"] = p.id
        return out

    travel: dict[str, Any] = {"provider": problem.travel.provider}
    for key in ("path", "url"):
        if getattr(problem.travel, key) is not None:
            travel[key] = getattr(problem.travel, key)
    if problem.travel.locations is not None:
        travel["locations"] = list(problem.travel.locations)
    if problem.travel.options:
        travel["options"] = dict(problem.travel.options)
    for key in ("minutes", "km"):
        table = getattr(problem.travel, key)
        if table is not None:
            travel[key] = [list(row) for row in table]
    return {
        "schema_version": SCHEMA_VERSION,
        "date": problem.date.isoformat(),
        **({"timezone": problem.timezone} if problem.timezone is not None else {}),
        "base": {"id": problem.base.id, "name": problem.base.name,
                 "location": {"lat": problem.base.location.lat, "lon": problem.base.location.lon}},
        "policy": {"max_travel_minutes_from_base": problem.policy.max_travel_minutes_from_base,
                   "max_patient_age_years": problem.policy.max_patient_age_years},
        "travel": travel,
        "staff": [
            {"id": s.id, "role": s.role, "skills": sorted(s.skills),
             "shift": {"start": format_clock(s.shift.start), "end": format_clock(s.shift.end)},
             "overtime_minutes": _minutes(s.overtime),
             "breaks": [{"earliest_start": format_clock(b.earliest_start),
                         "latest_end": format_clock(b.latest_end), "minutes": _minutes(b.duration)}
                        for b in s.breaks],
             "avoid": sorted(s.avoid), "max_travel_minutes": _minutes(s.max_travel),
             "capacity": s.capacity, "start_location": place(s.start_location),
             "end_location": place(s.end_location)}
            for s in problem.staff
        ],
        "patients": [
            {"id": p.id, "age_years": p.age_years,
             "location": {"lat": p.location.lat, "lon": p.location.lon},
             "attributes": sorted(p.attributes), "parking_minutes": _minutes(p.parking),
             "preferred_staff": list(p.preferred_staff), "excluded_staff": sorted(p.excluded_staff)}
            for p in problem.patients
        ],
        "visits": [
            {"id": v.id, "patient": v.patient, "kind": v.kind, "duration_minutes": _minutes(v.duration),
             "windows": [{"start": format_clock(w.start), "end": format_clock(w.end)} for w in v.windows],
             "skills": sorted(v.skills), "staff_count": v.staff_count, "priority": v.priority.label,
             "mode": v.mode.value, "demand": v.demand,
             "after": None if v.after is None else {
                 "visit": v.after.visit, "min_minutes": _minutes(v.after.min_gap),
                 "max_minutes": _minutes(v.after.max_gap)},
             "pinned_staff": v.pinned_staff}
            | ({"late_minutes": _minutes(v.late)} if v.late else {})
            for v in problem.visits
        ],
    }


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """Return the contract plan document for a `Plan`."""
    kpis = plan.kpis
    return {
        "schema_version": SCHEMA_VERSION,
        "date": plan.date.isoformat(),
        "status": plan.status.value,
        "routes": [
            {"staff": r.staff, "start": format_clock(r.start), "end": format_clock(r.end),
             "travel_minutes": seconds_to_minutes(r.travel), "distance_km": _km(r.distance_km),
             "stops": [
                 {"visit": s.visit, "patient": s.patient, "travel_minutes": seconds_to_minutes(s.travel),
                  "arrival": format_clock(s.arrival), "start": format_clock(s.start),
                  "end": format_clock(s.end)}
                 for s in r.stops
             ],
             "breaks": [{"start": format_clock(b.start), "end": format_clock(b.end)} for b in r.breaks]}
            for r in plan.routes
        ],
        "unassigned": [{"visit": u.visit, "reason": u.reason.value, "detail": u.detail} for u in plan.unassigned],
        "ineligible_patients": [
            {"patient": p.patient, "reason": p.reason.value, "detail": p.detail} for p in plan.ineligible_patients
        ],
        "kpis": {
            "visits": kpis.visits,
            "visits_served": kpis.visits_served,
            "travel_minutes": seconds_to_minutes(kpis.travel_seconds),
            "distance_km": _km(kpis.distance_km),
            "overtime_minutes": seconds_to_minutes(kpis.overtime_seconds),
            "continuity_rate": None if kpis.continuity_rate is None else round(kpis.continuity_rate, 4),
            "staff_used": kpis.staff_used,
        },
    } | ({"meta": dict(plan.meta)} if plan.meta else {})


def _km(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def plan_from_dict(data: Any, *, history: bool = False) -> Plan:
    """Return the `Plan` of a contract plan document (times parsed, nothing checked).

    With `history`, the document is read as a record of a day (`ahs_routing.io.history`): its
    output-only fields (`kpis`, `status`, `unassigned`, `ineligible_patients`, travel minutes
    and km) may be absent or partial, as in another system's export. The `Plan` then holds what
    the document states, an absent travel as 0 and absent or partial KPIs as the counts the
    routes give; `analysis.replay` recomputes all of them from the problem and never reads them.
    """
    if history:
        return history_plan(history_from_dict(data))
    if not isinstance(data, dict):
        raise InputError(f"the plan document must be a JSON object, got {type(data).__name__}")
    doc = parse_document(PlanDoc, data)
    problems = ProblemCollector()

    def clock(path: str, text: str) -> int:
        return _clock(problems, path, text)

    def route(i: int, r: RouteDoc) -> Route:
        p = f"routes[{i}]"
        stops = tuple(
            Stop(visit=s.visit, patient=s.patient, travel=minutes_to_seconds(s.travel_minutes),
                 arrival=clock(f"{p}.stops[{j}].arrival", s.arrival),
                 start=clock(f"{p}.stops[{j}].start", s.start), end=clock(f"{p}.stops[{j}].end", s.end))
            for j, s in enumerate(r.stops)
        )
        breaks = tuple(
            BreakTaken(clock(f"{p}.breaks[{j}].start", b.start), clock(f"{p}.breaks[{j}].end", b.end))
            for j, b in enumerate(r.breaks)
        )
        return Route(staff=r.staff, start=clock(f"{p}.start", r.start), end=clock(f"{p}.end", r.end),
                     travel=minutes_to_seconds(r.travel_minutes), distance_km=r.distance_km,
                     stops=stops, breaks=breaks)

    routes = [_build(problems, f"routes[{i}]", route, i, r) for i, r in enumerate(doc.routes)]
    date = _build(problems, "date", lambda: _date(doc.date))
    problems.raise_if_any()
    assert date is not None
    built = tuple(r for r in routes if r is not None)
    unassigned = tuple(Unassigned(u.visit, UnassignedReason(u.reason), u.detail) for u in doc.unassigned)
    k = doc.kpis
    kpis = Kpis(
        visits=k.visits, visits_served=k.visits_served, travel_seconds=minutes_to_seconds(k.travel_minutes),
        distance_km=k.distance_km, overtime_seconds=minutes_to_seconds(k.overtime_minutes),
        continuity_rate=k.continuity_rate, staff_used=k.staff_used)
    return Plan(
        date=date,
        status=PlanStatus(doc.status),
        routes=built,
        unassigned=unassigned,
        ineligible_patients=tuple(
            IneligiblePatient(p.patient, IneligibleReason(p.reason), p.detail) for p in doc.ineligible_patients
        ),
        kpis=kpis,
        meta=doc.meta,
    )


def read_plan(path: str | Path) -> Plan:
    """Return the `Plan` stored in a JSON file."""
    return plan_from_dict(load_json(path))


def dumps(document: dict[str, Any]) -> str:
    """Return a contract document as indented JSON text."""
    return json.dumps(document, indent=2, ensure_ascii=False)


def json_schemas() -> dict[str, Any]:
    """Return the JSON Schemas of the problem and plan documents."""
    return {"problem": ProblemDoc.model_json_schema(), "plan": PlanDoc.model_json_schema()}
