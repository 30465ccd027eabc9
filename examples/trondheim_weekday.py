"""Write examples/trondheim_weekday.json: a realistic weekday of a children's home hospital.

St. Olavs hospital in Trondheim; seven staff of the team's roles; 26 visits to 15 children
around Trondheim, Melhus, Malvik, Skaun and Stjørdal, and one family in Oppdal, beyond the
one-hour limit. Homes and names are invented; places are real districts.

    python examples/trondheim_weekday.py      # rewrites the JSON next to this file
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ahs_routing import (
    After,
    Base,
    Break,
    Location,
    Mode,
    Patient,
    Policy,
    Priority,
    Problem,
    Shift,
    Staff,
    TimeWindow,
    Visit,
)
from ahs_routing.io.contract import dumps, problem_to_dict
from ahs_routing.times import parse_clock

HERE = Path(__file__).resolve().parent


def t(text: str) -> int:
    return parse_clock(text)


def window(start: str, end: str) -> tuple[TimeWindow, ...]:
    return (TimeWindow(t(start), t(end)),)


def lunch() -> tuple[Break, ...]:
    return (Break(t("11:00"), t("13:00"), 30 * 60),)


def staff() -> list[Staff]:
    day = Shift(t("08:00"), t("15:30"))
    return [
        Staff("sn-anna", day, role="specialist_paediatric_nurse", overtime=30 * 60, breaks=lunch(),
              skills=frozenset({"blood_sample", "feeding_tube", "medication", "chemotherapy"})),
        Staff("sn-bjorn", day, role="specialist_paediatric_nurse", overtime=30 * 60, breaks=lunch(),
              skills=frozenset({"blood_sample", "feeding_tube", "medication"}), avoid=frozenset({"dog"})),
        Staff("sn-cecilie", Shift(t("08:30"), t("16:00")), role="specialist_paediatric_nurse", breaks=lunch(),
              skills=frozenset({"blood_sample", "feeding_tube", "medication", "chemotherapy"}),
              avoid=frozenset({"cat"})),
        Staff("dr-dag", Shift(t("09:00"), t("15:30")), role="paediatrician", breaks=lunch(),
              skills=frozenset({"medical_assessment", "palliative_care", "medication", "blood_sample"})),
        Staff("pn-eva", day, role="psychiatric_nurse_palliative", breaks=lunch(),
              skills=frozenset({"palliative_care", "care_conversation", "medication"})),
        Staff("hn-frida", day, role="public_health_nurse", breaks=lunch(),
              skills=frozenset({"care_conversation", "feeding_training", "follow_up"})),
        Staff("co-geir", day, role="coordinator", breaks=lunch(),
              skills=frozenset({"follow_up"})),
    ]


def patients() -> list[Patient]:
    def home(pid: str, age: float, lat: float, lon: float, **fields: object) -> Patient:
        return Patient(pid, Location(lat, lon), age_years=age, **fields)  # type: ignore[arg-type]

    return [
        home("p01", 4, 63.4305, 10.4010, attributes=frozenset({"cat"}), parking=5 * 60,
             preferred_staff=("sn-anna",)),  # Bakklandet: hard to park
        home("p02", 11, 63.3495, 10.3580, preferred_staff=("sn-bjorn",)),  # Heimdal
        home("p03", 2, 63.3610, 10.3970, attributes=frozenset({"dog"})),  # Tiller
        home("p04", 16, 63.4070, 10.3500, preferred_staff=("pn-eva",)),  # Byåsen
        home("p05", 7, 63.4450, 10.4400, attributes=frozenset({"dog"}), preferred_staff=("sn-anna",)),  # Lade
        home("p06", 0.5, 63.4310, 10.5230),  # Ranheim
        home("p07", 13, 63.4110, 10.4360, parking=5 * 60),  # Moholt
        home("p08", 9, 63.2850, 10.2780, preferred_staff=("sn-cecilie",)),  # Melhus
        home("p09", 5, 63.4130, 10.7940, attributes=frozenset({"cat"}),
             excluded_staff=frozenset({"sn-anna"})),  # Hommelvik, Malvik
        home("p10", 15, 63.4700, 10.9180),  # Stjørdal
        home("p11", 3, 63.3300, 10.0600),  # Børsa, Skaun
        home("p12", 12, 63.2970, 10.4850, attributes=frozenset({"dog"})),  # Klæbu
        home("p13", 8, 63.4260, 10.3950, parking=10 * 60),  # Midtbyen
        home("p14", 1, 63.3900, 10.4200),  # Nardo
        home("p15", 17, 63.3700, 10.3300, preferred_staff=("hn-frida",)),  # Saupstad
        home("p16", 6, 62.5940, 9.6910),  # Oppdal: beyond one hour from St. Olavs
    ]


def visits() -> list[Visit]:
    def v(vid: str, pid: str, kind: str, minutes: int, skills: set[str], start: str | None = None,
          end: str | None = None, **fields: object) -> Visit:
        windows = window(start, end) if start and end else ()
        return Visit(vid, pid, minutes * 60, kind=kind, windows=windows,  # type: ignore[arg-type]
                     skills=frozenset(skills), **fields)

    return [
        v("v01", "p01", "blood_sample", 20, {"blood_sample"}, "08:00", "09:30", priority=Priority.HIGH),
        v("v02", "p01", "chemotherapy", 60, {"chemotherapy"}, "10:00", "13:00", priority=Priority.CRITICAL,
          after=After("v01", 120 * 60)),  # the blood test result must be in before treatment
        v("v03", "p02", "feeding_tube", 40, {"feeding_tube"}, "08:30", "11:00"),
        v("v04", "p03", "blood_sample", 15, {"blood_sample"}, "08:00", "10:00"),
        v("v05", "p04", "care_conversation", 60, {"care_conversation"}, "12:00", "15:00"),
        v("v06", "p05", "medication", 20, {"medication"}, "08:00", "09:00", priority=Priority.HIGH),
        v("v07", "p05", "medication", 20, {"medication"}, priority=Priority.HIGH,
          after=After("v06", 330 * 60, 390 * 60)),  # the second dose six hours later, +- 30 min
        v("v08", "p06", "feeding_training", 60, {"feeding_training"}, "09:00", "12:00"),
        v("v09", "p07", "palliative_care", 45, {"palliative_care"}, "10:00", "14:00",
          priority=Priority.CRITICAL),
        v("v10", "p07", "medical_assessment", 45, {"medical_assessment"}, priority=Priority.CRITICAL,
          after=After("v09", 0, 0)),  # paediatrician and palliative nurse together
        v("v11", "p08", "chemotherapy", 90, {"chemotherapy"}, "09:00", "12:00", priority=Priority.CRITICAL,
          pinned_staff="sn-cecilie"),
        v("v12", "p09", "blood_sample", 20, {"blood_sample"}, "08:30", "11:30"),
        v("v13", "p10", "medication", 30, {"medication"}, "10:00", "14:00"),
        v("v14", "p11", "feeding_tube", 45, {"feeding_tube"}, "11:00", "14:30"),
        v("v15", "p12", "blood_sample", 15, {"blood_sample"}, "08:00", "10:30"),
        v("v16", "p12", "care_conversation", 45, {"care_conversation"}, "13:00", "15:00", priority=Priority.LOW),
        v("v17", "p13", "medication", 20, {"medication"}, "09:00", "10:00"),
        v("v18", "p13", "medication", 20, {"medication"}, "13:30", "14:30", after=After("v17", 240 * 60)),
        v("v19", "p14", "medical_assessment", 30, {"medical_assessment"}, "11:00", "14:00",
          priority=Priority.HIGH),
        v("v20", "p15", "care_conversation", 50, {"care_conversation"}, "09:30", "12:00"),
        v("v21", "p02", "follow_up", 15, {"follow_up"}, "13:00", "15:00", mode=Mode.REMOTE),
        v("v22", "p04", "follow_up", 20, {"follow_up"}, "09:00", "11:00", mode=Mode.REMOTE,
          priority=Priority.LOW),
        v("v23", "p10", "follow_up", 15, {"follow_up"}, "14:00", "15:00", mode=Mode.REMOTE),
        v("v24", "p09", "chemotherapy", 60, {"chemotherapy"}, "12:00", "15:00"),  # nobody compatible
        v("v25", "p06", "blood_sample", 15, {"blood_sample", "feeding_training"}, "13:00", "14:00",
          priority=Priority.LOW),  # needs a skill pair nobody has: the plan explains why
        v("v26", "p16", "medication", 30, {"medication"}, "10:00", "14:00"),
    ]


def weekday() -> Problem:
    """Return the example day."""
    return Problem(
        date=dt.date(2026, 11, 23),
        base=Base("st-olavs", Location(63.4208, 10.3886), "St. Olavs hospital"),
        staff=tuple(staff()),
        patients=tuple(patients()),
        visits=tuple(visits()),
        policy=Policy(max_travel_minutes_from_base=60, max_patient_age_years=18),
    )


if __name__ == "__main__":
    (HERE / "trondheim_weekday.json").write_text(dumps(problem_to_dict(weekday())) + "\n", encoding="utf-8")
