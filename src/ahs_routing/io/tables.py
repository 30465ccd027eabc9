"""Problems from pandas tables, and plans as tables (one row per stop).

Tables use the contract's field names as columns. Cells may be empty (NaN) for "use the
default". List fields (`skills`, `avoid`, `attributes`, `preferred_staff`,
`excluded_staff`) take a list or a string separated by commas or semicolons. Locations are
`lat` and `lon` columns; a staff member's own start/end place is
`start_lat`/`start_lon`(/`start_id`) and `end_lat`/`end_lon`(/`end_id`). Windows are a
`windows` column such as ``"08:00-10:00; 13:00-14:00"``, or `window_start`/`window_end`
columns for one window; a break is `break_earliest_start`/`break_latest_end`/`break_minutes`;
`after` is `after_visit`/`after_min_minutes`/`after_max_minutes`.

Each row becomes a contract object and the whole day is validated by the same code as JSON
(`ahs_routing.io.contract`), so a bad table reports every bad row at once, by row number:
``visits row 4 (id 'v5').windows[0]: end 07:00 is before start 09:00``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ahs_routing.domain.model import Problem
from ahs_routing.domain.plan import Plan
from ahs_routing.errors import InputError, InputProblem
from ahs_routing.io.contract import problem_from_dict, problem_to_dict
from ahs_routing.times import SECONDS_PER_MINUTE, format_clock

_LIST_FIELDS = {"skills", "avoid", "attributes", "preferred_staff", "excluded_staff"}
_SPLIT = re.compile(r"[;,]")
_ROW_PATH = re.compile(r"^(staff|patients|visits)\[(\d+)\](.*)$")


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _plain(value: Any) -> Any:
    """Return a JSON-like Python value for a cell (numpy scalars become int/float)."""
    if hasattr(value, "item") and not isinstance(value, list | tuple | str):
        return value.item()
    return value


def _list(value: Any) -> list[str]:
    if _empty(value):
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if not _empty(v)]
    return [part.strip() for part in _SPLIT.split(str(value)) if part.strip()]


def _windows(row: Mapping[str, Any]) -> list[dict[str, str]] | None:
    if not _empty(row.get("windows")):
        found = []
        for part in str(row["windows"]).split(";"):
            start, _, end = part.strip().partition("-")
            found.append({"start": start.strip(), "end": end.strip()})
        return found
    if not _empty(row.get("window_start")) or not _empty(row.get("window_end")):
        return [{"start": str(row.get("window_start", "")), "end": str(row.get("window_end", ""))}]
    return None


def _place(row: Mapping[str, Any], prefix: str) -> dict[str, Any] | None:
    lat, lon = row.get(f"{prefix}_lat"), row.get(f"{prefix}_lon")
    if _empty(lat) and _empty(lon):
        return None
    place: dict[str, Any] = {"lat": _plain(lat), "lon": _plain(lon)}
    if not _empty(row.get(f"{prefix}_id")):
        place["id"] = str(row[f"{prefix}_id"])
    return place


def _record(row: Mapping[str, Any], handled: Iterable[str]) -> dict[str, Any]:
    """Copy the plain columns of a row (not the composite ones), dropping empty cells."""
    out: dict[str, Any] = {}
    skip = set(handled)
    for key, value in row.items():
        if key in skip or _empty(value):
            continue
        out[key] = _list(value) if key in _LIST_FIELDS else _plain(value)
    return out


_STAFF_COMPOSITE = ("shift_start", "shift_end", "start_lat", "start_lon", "start_id", "end_lat", "end_lon", "end_id",
                    "break_earliest_start", "break_latest_end", "break_minutes")
_PATIENT_COMPOSITE = ("lat", "lon")
_VISIT_COMPOSITE = ("windows", "window_start", "window_end", "after_visit", "after_min_minutes", "after_max_minutes")


def _staff_doc(row: Mapping[str, Any]) -> dict[str, Any]:
    doc = _record(row, _STAFF_COMPOSITE)
    doc["shift"] = {"start": str(row.get("shift_start", "")), "end": str(row.get("shift_end", ""))}
    for prefix in ("start", "end"):
        place = _place(row, prefix)
        if place is not None:
            doc[f"{prefix}_location"] = place
    if not _empty(row.get("break_minutes")):
        doc["breaks"] = [{"earliest_start": str(row.get("break_earliest_start", "")),
                          "latest_end": str(row.get("break_latest_end", "")),
                          "minutes": _plain(row["break_minutes"])}]
    return doc


def _patient_doc(row: Mapping[str, Any]) -> dict[str, Any]:
    doc = _record(row, _PATIENT_COMPOSITE)
    doc["location"] = {"lat": _plain(row.get("lat")), "lon": _plain(row.get("lon"))}
    return doc


def _visit_doc(row: Mapping[str, Any]) -> dict[str, Any]:
    doc = _record(row, _VISIT_COMPOSITE)
    windows = _windows(row)
    if windows is not None:
        doc["windows"] = windows
    if not _empty(row.get("after_visit")):
        after: dict[str, Any] = {"visit": str(row["after_visit"])}
        for key in ("min_minutes", "max_minutes"):
            if not _empty(row.get(f"after_{key}")):
                after[key] = _plain(row[f"after_{key}"])
        doc["after"] = after
    return doc


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]


def problem_from_tables(
    staff: pd.DataFrame,
    patients: pd.DataFrame,
    visits: pd.DataFrame,
    *,
    date: dt.date | str,
    base: Mapping[str, Any],
    policy: Mapping[str, Any] | None = None,
    travel: Mapping[str, Any] | None = None,
) -> Problem:
    """Return the validated `Problem` described by staff, patients and visits tables.

    `base` is ``{"id", "name", "lat", "lon"}``; `policy` and `travel` are the contract's blocks.
    """
    tables = {"staff": staff, "patients": patients, "visits": visits}
    ids = {label: [str(row.get("id", "")) for row in _rows(frame)] for label, frame in tables.items()}
    document: dict[str, Any] = {
        "schema_version": 1,
        "date": date.isoformat() if isinstance(date, dt.date) else str(date),
        "base": {"id": str(base["id"]), "name": str(base.get("name", "")),
                 "location": {"lat": float(base["lat"]), "lon": float(base["lon"])}},
        "staff": [_staff_doc(row) for row in _rows(staff)],
        "patients": [_patient_doc(row) for row in _rows(patients)],
        "visits": [_visit_doc(row) for row in _rows(visits)],
    }
    if policy is not None:
        document["policy"] = dict(policy)
    if travel is not None:
        document["travel"] = dict(travel)
    try:
        return problem_from_dict(document)
    except InputError as error:
        raise InputError(_as_rows(p, ids) for p in error.problems) from None


def _as_rows(problem: InputProblem, ids: Mapping[str, list[str]]) -> InputProblem:
    """Turn `visits[3].windows[0]` into `visits row 3 (id 'v4').windows[0]` (rows count from 0, as pandas)."""
    match = _ROW_PATH.match(problem.path)
    if match is None:
        return problem
    label, index, rest = match.group(1), int(match.group(2)), match.group(3)
    row_id = ids[label][index] if index < len(ids[label]) else ""
    return InputProblem(f"{label} row {index} (id {row_id!r}){rest}", problem.message)


def problem_to_tables(problem: Problem) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return the staff, patients and visits tables of a problem (inverse of `problem_from_tables`)."""
    document = problem_to_dict(problem)
    staff = []
    for s in document["staff"]:
        row = {k: v for k, v in s.items() if k not in ("shift", "breaks", "start_location", "end_location")}
        row |= {"shift_start": s["shift"]["start"], "shift_end": s["shift"]["end"]}
        for prefix in ("start", "end"):
            place = s[f"{prefix}_location"]
            if place is not None:
                row |= {f"{prefix}_lat": place["lat"], f"{prefix}_lon": place["lon"], f"{prefix}_id": place.get("id")}
        if len(s["breaks"]) > 1:
            raise InputError(f"staff {s['id']!r} has {len(s['breaks'])} breaks; a table row holds one")
        if s["breaks"]:
            brk = s["breaks"][0]
            row |= {"break_earliest_start": brk["earliest_start"], "break_latest_end": brk["latest_end"],
                    "break_minutes": brk["minutes"]}
        staff.append(row)
    patients = [{k: v for k, v in p.items() if k != "location"} | {"lat": p["location"]["lat"],
                                                                  "lon": p["location"]["lon"]}
                for p in document["patients"]]
    visits = []
    for v in document["visits"]:
        row = {k: val for k, val in v.items() if k not in ("windows", "after")}
        row["windows"] = "; ".join(f"{w['start']}-{w['end']}" for w in v["windows"]) or None
        if v["after"] is not None:
            row |= {"after_visit": v["after"]["visit"], "after_min_minutes": v["after"]["min_minutes"],
                    "after_max_minutes": v["after"]["max_minutes"]}
        visits.append(row)
    return pd.DataFrame(staff), pd.DataFrame(patients), pd.DataFrame(visits)


def plan_to_frame(plan: Plan, problem: Problem | None = None) -> pd.DataFrame:
    """Return one row per stop: staff, order, visit, patient, kind, times (HH:MM and minutes), travel, waiting."""
    rows = []
    for route in plan.routes:
        for order, stop in enumerate(route.stops, start=1):
            visit = problem.visit_by_id.get(stop.visit) if problem is not None else None
            rows.append({
                "staff": route.staff,
                "order": order,
                "visit": stop.visit,
                "patient": stop.patient,
                "kind": visit.kind if visit is not None else None,
                "travel_minutes": stop.travel / SECONDS_PER_MINUTE,
                "arrival": format_clock(stop.arrival),
                "start": format_clock(stop.start),
                "end": format_clock(stop.end),
                "start_minute": stop.start / SECONDS_PER_MINUTE,
                "end_minute": stop.end / SECONDS_PER_MINUTE,
                "waiting_minutes": stop.waiting / SECONDS_PER_MINUTE,
            })
    columns = ["staff", "order", "visit", "patient", "kind", "travel_minutes", "arrival", "start", "end",
               "start_minute", "end_minute", "waiting_minutes"]
    return pd.DataFrame(rows, columns=columns)


def unassigned_to_frame(plan: Plan) -> pd.DataFrame:
    """Return one row per unassigned visit: visit, reason code, detail."""
    return pd.DataFrame([{"visit": u.visit, "reason": u.reason.value, "detail": u.detail} for u in plan.unassigned],
                        columns=["visit", "reason", "detail"])
