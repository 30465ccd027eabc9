"""Weeks from pandas tables and back, and week plans as tables (one row per stop, with its date).

The tables are those of a day (`ahs_routing.io.tables`: the contract's field names as columns)
with the week's additions: a `roster` table, one row per person and date worked (`staff`,
`date`, `shift_start`, `shift_end`, `overtime_minutes`, one break as `break_earliest_start`,
`break_latest_end`, `break_minutes`); `max_week_minutes` in the staff table; and in the visits
table `date`, or `recurrence_count`, `recurrence_dates` (dates separated by ";" or empty for
every date) and `min_days_apart`. The week is validated by the same code as its JSON, so every
problem is reported at once, by its row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ahs_routing.domain.week import Week
from ahs_routing.domain.week_plan import WeekPlan
from ahs_routing.errors import InputError
from ahs_routing.io.tables import (
    _empty,
    _patient_doc,
    _plain,
    _record,
    _rows,
    _visit_doc,
    plan_to_frame,
)
from ahs_routing.io.week import week_from_dict, week_to_dict

_STAFF_COMPOSITE = ("start_lat", "start_lon", "start_id", "end_lat", "end_lon", "end_id")
_RECURRENCE = ("date", "recurrence_count", "recurrence_dates", "min_days_apart")
_ROSTER_COLUMNS = ["staff", "date", "shift_start", "shift_end", "overtime_minutes", "break_earliest_start",
                   "break_latest_end", "break_minutes"]


def _staff_doc(row: Mapping[str, Any], roster: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    doc = _record(row, _STAFF_COMPOSITE)
    for prefix in ("start", "end"):
        if not _empty(row.get(f"{prefix}_lat")) or not _empty(row.get(f"{prefix}_lon")):
            place: dict[str, Any] = {"lat": _plain(row.get(f"{prefix}_lat")), "lon": _plain(row.get(f"{prefix}_lon"))}
            if not _empty(row.get(f"{prefix}_id")):
                place["id"] = str(row[f"{prefix}_id"])
            doc[f"{prefix}_location"] = place
    days = []
    for entry in roster:
        day: dict[str, Any] = {"date": str(entry.get("date", "")),
                               "shift": {"start": str(entry.get("shift_start", "")),
                                         "end": str(entry.get("shift_end", ""))}}
        if not _empty(entry.get("overtime_minutes")):
            day["overtime_minutes"] = _plain(entry["overtime_minutes"])
        if not _empty(entry.get("break_minutes")):
            day["breaks"] = [{"earliest_start": str(entry.get("break_earliest_start", "")),
                              "latest_end": str(entry.get("break_latest_end", "")),
                              "minutes": _plain(entry["break_minutes"])}]
        days.append(day)
    doc["days"] = days
    return doc


def _week_visit_doc(row: Mapping[str, Any]) -> dict[str, Any]:
    doc = _visit_doc({k: v for k, v in row.items() if k not in _RECURRENCE})
    if not _empty(row.get("date")):
        doc["date"] = str(row["date"])
    if not _empty(row.get("recurrence_count")):
        dates = row.get("recurrence_dates")
        doc["recurrence"] = {
            "count": int(_plain(row["recurrence_count"])),
            "dates": None if _empty(dates) else [d.strip() for d in str(dates).split(";") if d.strip()],
            "min_days_apart": 0 if _empty(row.get("min_days_apart")) else int(_plain(row["min_days_apart"])),
        }
    return doc


def week_from_tables(
    tables: Mapping[str, pd.DataFrame],
    *,
    dates: Sequence[dt.date | str],
    base: Mapping[str, Any],
    policy: Mapping[str, Any] | None = None,
    travel: Mapping[str, Any] | None = None,
) -> Week:
    """Return the validated `Week` of `staff`, `roster`, `patients` and `visits` tables.

    `base` is ``{"id", "name", "lat", "lon"}``; `policy` and `travel` are the contract's blocks.
    """
    missing = sorted({"staff", "roster", "patients", "visits"} - set(tables))
    if missing:
        raise InputError(f"missing tables: {', '.join(missing)}")
    roster = _rows(tables["roster"])
    staff = [_staff_doc(row, [r for r in roster if str(r.get("staff")) == str(row.get("id"))])
             for row in _rows(tables["staff"])]
    known = {str(row.get("id")) for row in _rows(tables["staff"])}
    stray = sorted({str(r.get("staff")) for r in roster} - known)
    if stray:
        raise InputError(f"roster rows for unknown staff {stray}", path="roster")
    document: dict[str, Any] = {
        "schema_version": 1,
        "kind": "week",
        "dates": [d.isoformat() if isinstance(d, dt.date) else str(d) for d in dates],
        "base": {"id": str(base["id"]), "name": str(base.get("name", "")),
                 "location": {"lat": float(base["lat"]), "lon": float(base["lon"])}},
        "staff": staff,
        "patients": [_patient_doc(row) for row in _rows(tables["patients"])],
        "visits": [_week_visit_doc(row) for row in _rows(tables["visits"])],
    }
    if policy is not None:
        document["policy"] = dict(policy)
    if travel is not None:
        document["travel"] = dict(travel)
    return week_from_dict(document)


def week_to_tables(week: Week) -> dict[str, pd.DataFrame]:
    """Return the `staff`, `roster`, `patients` and `visits` tables of a week (inverse of `week_from_tables`)."""
    document = week_to_dict(week)
    staff, roster = [], []
    for s in document["staff"]:
        row = {k: v for k, v in s.items() if k not in ("days", "start_location", "end_location")}
        for prefix in ("start", "end"):
            place = s[f"{prefix}_location"]
            if place is not None:
                row |= {f"{prefix}_lat": place["lat"], f"{prefix}_lon": place["lon"], f"{prefix}_id": place.get("id")}
        staff.append(row)
        for day in s["days"]:
            if len(day["breaks"]) > 1:
                raise InputError(f"staff {s['id']!r} has {len(day['breaks'])} breaks on {day['date']}; "
                                 "a roster row holds one")
            brk = day["breaks"][0] if day["breaks"] else {}
            roster.append({"staff": s["id"], "date": day["date"], "shift_start": day["shift"]["start"],
                           "shift_end": day["shift"]["end"], "overtime_minutes": day["overtime_minutes"],
                           "break_earliest_start": brk.get("earliest_start"), "break_latest_end": brk.get("latest_end"),
                           "break_minutes": brk.get("minutes")})
    patients = [{k: v for k, v in p.items() if k != "location"} | {"lat": p["location"]["lat"],
                                                                  "lon": p["location"]["lon"]}
                for p in document["patients"]]
    visits = []
    for v in document["visits"]:
        row = {k: val for k, val in v.items() if k not in ("windows", "after", "recurrence")}
        row["windows"] = "; ".join(f"{w['start']}-{w['end']}" for w in v["windows"]) or None
        if v["after"] is not None:
            row |= {"after_visit": v["after"]["visit"], "after_min_minutes": v["after"]["min_minutes"],
                    "after_max_minutes": v["after"]["max_minutes"]}
        rule = v["recurrence"]
        if rule is not None:
            row |= {"recurrence_count": rule["count"],
                    "recurrence_dates": None if rule["dates"] is None else "; ".join(rule["dates"]),
                    "min_days_apart": rule["min_days_apart"]}
        visits.append(row)
    return {"staff": pd.DataFrame(staff), "roster": pd.DataFrame(roster, columns=_ROSTER_COLUMNS),
            "patients": pd.DataFrame(patients), "visits": pd.DataFrame(visits)}


def week_plan_to_frame(plan: WeekPlan) -> pd.DataFrame:
    """Return one row per stop of the week: its date, the visit's week id, and the day table's columns."""
    frames = []
    for day in plan.days:
        frame = plan_to_frame(day.plan)
        frame.insert(0, "date", day.date.isoformat())
        frame.insert(3, "week_visit", [v.rpartition("@")[0] for v in frame["visit"]])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def week_unassigned_to_frame(plan: WeekPlan) -> pd.DataFrame:
    """Return one row per occurrence not served: date (empty for a recurring visit's missing dates), visit,
    missing, reason, detail."""
    rows: list[dict[str, Any]] = []
    for day in plan.days:
        rows += [{"date": day.date.isoformat(), "visit": u.visit, "missing": 1, "reason": u.reason.value,
                  "detail": u.detail} for u in day.plan.unassigned]
    rows += [{"date": None, "visit": u.visit, "missing": u.missing, "reason": u.reason.value, "detail": u.detail}
             for u in plan.unassigned]
    return pd.DataFrame(rows, columns=["date", "visit", "missing", "reason", "detail"])
