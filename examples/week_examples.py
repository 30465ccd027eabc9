"""Writes the two example weeks: examples/trondheim_week.json and examples/homecare_week.json.

Run ``python examples/week_examples.py``; the data are made up (seeded), the places near Trondheim.

- trondheim_week: the children's home hospital, Monday to Friday, 15 children, 7 nurses with
  rostered days off; blood samples every few days, daily medication, chemotherapy on fixed
  dates with a blood test before it (`after`), a two-nurse visit, a remote follow-up.
- homecare_week: municipal home care for a whole week, 25 clients, 12 staff on day and evening
  shifts; four meals a day linked in pairs, daily medication, weekly showers, wound care three
  times a week: about 500 occurrences.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MONDAY = dt.date(2026, 11, 23)
BREAK = [{"earliest_start": "11:00", "latest_end": "13:00", "minutes": 30}]
EVENING_BREAK = [{"earliest_start": "18:00", "latest_end": "19:30", "minutes": 30}]


def _dates(n: int) -> list[str]:
    return [(MONDAY + dt.timedelta(days=i)).isoformat() for i in range(n)]


def _near(rng: random.Random, lat: float, lon: float, spread: float) -> dict[str, float]:
    return {"lat": round(lat + rng.uniform(-spread, spread), 5),
            "lon": round(lon + rng.uniform(-2 * spread, 2 * spread), 5)}


def _day(date: str, start: str, end: str, breaks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"date": date, "shift": {"start": start, "end": end}, "overtime_minutes": 0, "breaks": breaks}


def trondheim_week() -> dict[str, Any]:
    """Return the children's home hospital week document."""
    rng = random.Random(15)
    dates = _dates(5)
    skills = [["blood_sample", "medication", "chemotherapy"], ["blood_sample", "medication"],
              ["blood_sample", "medication", "wound_care"], ["blood_sample", "medication", "chemotherapy"],
              ["medication", "wound_care"], ["blood_sample", "medication"],
              ["blood_sample", "medication", "wound_care"]]
    off = {0: [], 1: [4], 2: [0], 3: [2], 4: [1, 3], 5: [], 6: [4]}
    staff = [{"id": f"n{i + 1}", "role": "specialist_nurse" if "chemotherapy" in skills[i] else "nurse",
              "skills": skills[i], "avoid": ["dog"] if i == 4 else [],
              "max_week_minutes": 1800 if len(off[i]) == 0 and i in (0, 5) else None,
              "days": [_day(d, "08:00", "15:30", BREAK) for k, d in enumerate(dates) if k not in off[i]]}
             for i in range(7)]
    patients = []
    for i in range(15):
        patients.append({"id": f"p{i + 1}", "age_years": rng.randint(1, 17),
                         "location": _near(rng, 63.41, 10.40, 0.05),
                         "attributes": ["dog"] if i in (3, 9) else (["cat"] if i == 6 else []),
                         "parking_minutes": 5 if i % 4 == 0 else 0,
                         "preferred_staff": [f"n{i % 7 + 1}"] if i % 3 == 0 else [], "excluded_staff": []})
    visits: list[dict[str, Any]] = []
    for i, p in enumerate(patients):
        pid = p["id"]
        if i % 2 == 0:
            visits.append({"id": f"blood-{pid}", "patient": pid, "kind": "blood_sample", "duration_minutes": 20,
                           "windows": [{"start": "08:00", "end": "11:00"}], "skills": ["blood_sample"],
                           "recurrence": {"count": 2, "dates": None, "min_days_apart": 2}})
        if i % 3 == 1:
            visits.append({"id": f"med-{pid}", "patient": pid, "kind": "medication", "duration_minutes": 15,
                           "windows": [{"start": "09:00", "end": "14:00"}], "skills": ["medication"],
                           "recurrence": {"count": 5, "dates": None, "min_days_apart": 0}})
        if i in (2, 8):
            day = dates[1 if i == 2 else 3]
            visits.append({"id": f"pre-chemo-{pid}", "patient": pid, "kind": "blood_sample", "duration_minutes": 15,
                           "windows": [{"start": "08:00", "end": "10:00"}], "skills": ["blood_sample"], "date": day})
            visits.append({"id": f"chemo-{pid}", "patient": pid, "kind": "chemotherapy", "duration_minutes": 60,
                           "skills": ["chemotherapy"], "date": day,
                           "after": {"visit": f"pre-chemo-{pid}", "min_minutes": 90, "max_minutes": 240}})
        if i in (5, 11, 14):
            visits.append({"id": f"wound-{pid}", "patient": pid, "kind": "wound_care", "duration_minutes": 40,
                           "windows": [{"start": "09:00", "end": "15:00"}], "skills": ["wound_care"],
                           "recurrence": {"count": 3, "dates": None, "min_days_apart": 2}})
        if i == 7:
            visits.append({"id": f"port-{pid}", "patient": pid, "kind": "central_line", "duration_minutes": 45,
                           "windows": [{"start": "10:00", "end": "13:00"}], "skills": ["medication"],
                           "staff_count": 2, "date": dates[2]})
        if i in (1, 12):
            visits.append({"id": f"call-{pid}", "patient": pid, "kind": "follow_up", "duration_minutes": 15,
                           "mode": "remote", "windows": [{"start": "13:00", "end": "15:00"}],
                           "recurrence": {"count": 1, "dates": [dates[3], dates[4]], "min_days_apart": 0}})
    return {"schema_version": 1, "kind": "week", "dates": dates,
            "base": {"id": "base", "name": "St. Olavs hospital", "location": {"lat": 63.4208, "lon": 10.3886}},
            "policy": {"max_travel_minutes_from_base": 60, "max_patient_age_years": 18},
            "travel": {"provider": "geodesic"}, "staff": staff, "patients": patients, "visits": visits}


def homecare_week() -> dict[str, Any]:
    """Return the municipal home-care week document (day and evening shifts, daily linked meals)."""
    rng = random.Random(25)
    dates = _dates(7)
    staff = []
    for i in range(12):
        evening = i >= 7
        skills = ["personal_care", "meals", "medication"] + (["wound_care"] if i % 3 == 0 else [])
        free = {(i * 2) % 7, (i * 2 + 1) % 7}  # two days off a week, spread over the team
        start, end, breaks = ("15:00", "22:30", EVENING_BREAK) if evening else ("07:30", "15:00", BREAK)
        staff.append({"id": f"{'e' if evening else 'd'}{i + 1}", "role": "care_worker", "skills": skills,
                      "avoid": ["smoking"] if i == 2 else [], "max_week_minutes": 2250,
                      "days": [_day(d, start, end, breaks) for k, d in enumerate(dates) if k not in free]})
    patients = [{"id": f"c{i + 1}", "age_years": rng.randint(68, 97), "location": _near(rng, 63.43, 10.40, 0.03),
                 "attributes": ["smoking"] if i % 9 == 4 else [], "parking_minutes": 0,
                 "preferred_staff": [], "excluded_staff": []} for i in range(25)]
    visits: list[dict[str, Any]] = []
    for i, p in enumerate(patients):
        cid = p["id"]
        if i < 12:
            visits += [
                {"id": f"breakfast-{cid}", "patient": cid, "kind": "meal", "duration_minutes": 15,
                 "windows": [{"start": "07:30", "end": "09:30"}], "skills": ["meals"],
                 "recurrence": {"count": 7, "dates": None, "min_days_apart": 0}},
                {"id": f"lunch-{cid}", "patient": cid, "kind": "meal", "duration_minutes": 15,
                 "windows": [{"start": "11:00", "end": "13:30"}], "skills": ["meals"],
                 "after": {"visit": f"breakfast-{cid}", "min_minutes": 180, "max_minutes": 330},
                 "recurrence": {"count": 7, "dates": None, "min_days_apart": 0}},
                {"id": f"dinner-{cid}", "patient": cid, "kind": "meal", "duration_minutes": 20,
                 "windows": [{"start": "15:30", "end": "17:30"}], "skills": ["meals"],
                 "recurrence": {"count": 7, "dates": None, "min_days_apart": 0}},
                {"id": f"supper-{cid}", "patient": cid, "kind": "meal", "duration_minutes": 15,
                 "windows": [{"start": "19:30", "end": "21:30"}], "skills": ["meals"],
                 "after": {"visit": f"dinner-{cid}", "min_minutes": 180, "max_minutes": 330},
                 "recurrence": {"count": 7, "dates": None, "min_days_apart": 0}},
            ]
        if i % 2 == 1 or i >= 12:
            visits.append({"id": f"med-{cid}", "patient": cid, "kind": "medication", "duration_minutes": 10,
                           "windows": [{"start": "16:00", "end": "21:00"}], "skills": ["medication"],
                           "recurrence": {"count": 7, "dates": None, "min_days_apart": 0}})
        visits.append({"id": f"shower-{cid}", "patient": cid, "kind": "shower", "duration_minutes": 45,
                       "windows": [{"start": "09:00", "end": "14:00"}], "skills": ["personal_care"],
                       "recurrence": {"count": 1 if i % 3 else 2, "dates": None, "min_days_apart": 3}})
        if i % 5 == 2:
            visits.append({"id": f"wound-{cid}", "patient": cid, "kind": "wound_care", "duration_minutes": 30,
                           "windows": [{"start": "09:30", "end": "14:30"}], "skills": ["wound_care"],
                           "recurrence": {"count": 3, "dates": dates[:6], "min_days_apart": 2}})
        if i == 20:
            visits.append({"id": f"doctor-{cid}", "patient": cid, "kind": "escort", "duration_minutes": 60,
                           "windows": [{"start": "10:00", "end": "11:00"}], "skills": ["personal_care"],
                           "staff_count": 2, "date": dates[2]})
    return {"schema_version": 1, "kind": "week", "dates": dates,
            "base": {"id": "base", "name": "Home care office", "location": {"lat": 63.4305, "lon": 10.3951}},
            "policy": {"max_travel_minutes_from_base": 60, "max_patient_age_years": None},
            "travel": {"provider": "geodesic"}, "staff": staff, "patients": patients, "visits": visits}


def main() -> None:
    """Write both example weeks beside this script."""
    for name, document in (("trondheim_week", trondheim_week()), ("homecare_week", homecare_week())):
        (HERE / f"{name}.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
