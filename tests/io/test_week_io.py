"""Week documents: JSON and table round trips, and bad input reported all at once with paths."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from weeks import VALID_ROUTES, hand_plan, small_week

from ahs_routing import InputError
from ahs_routing.domain.week import occurrence_id, split_occurrence
from ahs_routing.io.week import (
    document_kind,
    read_week,
    week_from_dict,
    week_json_schemas,
    week_plan_from_dict,
    week_plan_to_dict,
    week_to_dict,
)
from ahs_routing.io.week_tables import week_from_tables, week_plan_to_frame, week_to_tables, week_unassigned_to_frame

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def document() -> dict[str, Any]:
    return week_to_dict(small_week())


def test_week_json_round_trip_and_kind() -> None:
    doc = document()
    assert doc["kind"] == "week" and document_kind(doc) == "week"
    assert week_to_dict(week_from_dict(doc)) == doc
    assert week_from_dict(doc) == small_week()


def test_week_plan_json_round_trip() -> None:
    plan = replace(hand_plan(small_week(), VALID_ROUTES), meta={"seed": 1})
    doc = week_plan_to_dict(plan)
    assert doc["meta"] == {"seed": 1} and "meta" not in week_plan_to_dict(replace(plan, meta={}))
    assert document_kind(doc) == "week_plan"
    assert [d["date"] for d in doc["days"]] == ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26"]
    assert doc["kpis"]["staff_per_patient"] == pytest.approx(4 / 3)
    assert week_plan_from_dict(doc) == plan and week_plan_from_dict(doc).meta == {"seed": 1}


def test_occurrence_ids() -> None:
    assert occurrence_id("shower-p3", dt.date(2026, 11, 25)) == "shower-p3@2026-11-25"
    assert split_occurrence("shower-p3@2026-11-25") == ("shower-p3", dt.date(2026, 11, 25))
    assert split_occurrence("shower-p3") is None
    assert split_occurrence("x@2026-13-01") is None


def test_every_week_fault_is_reported_at_once_with_its_path() -> None:
    """Duplicate date, roster entry outside the week, fixed date outside, count above the allowed dates,
    impossible spacing, an `after` link across dates: one InputError naming all six."""
    doc = document()
    doc["dates"].append("2026-11-23")
    doc["staff"][0]["days"][0]["date"] = "2026-12-01"
    doc["visits"][0]["date"] = "2026-11-30"
    doc["visits"][1]["recurrence"] = {"count": 3, "dates": ["2026-11-23", "2026-11-24"], "min_days_apart": 0}
    doc["visits"][2]["recurrence"] = {"count": 3, "dates": None, "min_days_apart": 2}
    doc["visits"][3]["after"] = {"visit": "twice", "min_minutes": 0, "max_minutes": None}
    with pytest.raises(InputError) as caught:
        week_from_dict(doc)
    paths = {p.path for p in caught.value.problems}
    assert {"dates[4]", "staff[0].days[0].date", "visits[0].date", "visits[1].recurrence.count",
            "visits[2].recurrence.min_days_apart", "visits[3].after.visit"} <= paths


def test_day_faults_and_week_faults_come_together() -> None:
    doc = document()
    doc["visits"][0]["windows"] = [{"start": "09:00", "end": "07:00"}]
    doc["visits"][1]["recurrence"]["dates"] = ["2026-11-23", "2027-01-01"]
    doc["staff"][1]["days"][0]["shift"]["start"] = "8am"
    doc["visits"][2]["bogus"] = 1
    with pytest.raises(InputError) as caught:
        week_from_dict(doc)
    paths = {p.path for p in caught.value.problems}
    assert {"visits[0].windows[0]", "visits[1].recurrence.dates[1]", "staff[1].days[0].shift.start",
            "visits[2].bogus"} <= paths


def test_a_visit_needs_exactly_one_of_date_and_recurrence_and_ids_without_at() -> None:
    doc = document()
    doc["visits"][0]["recurrence"] = {"count": 1}
    doc["visits"][2]["recurrence"] = None
    doc["visits"][1]["id"] = "a@b"
    with pytest.raises(InputError) as caught:
        week_from_dict(doc)
    paths = {p.path for p in caught.value.problems}
    assert {"visits[0]", "visits[2]", "visits[1].id"} <= paths


def test_a_roster_date_listed_twice_and_a_weekly_cap_below_zero() -> None:
    doc = document()
    doc["staff"][0]["days"].append(copy.deepcopy(doc["staff"][0]["days"][0]))
    doc["staff"][1]["max_week_minutes"] = -5
    with pytest.raises(InputError) as caught:
        week_from_dict(doc)
    paths = {p.path for p in caught.value.problems}
    assert {"staff[0].days[3].date", "staff[1].max_week_minutes"} <= paths


def test_a_fixed_date_visit_pinned_to_someone_off_that_day_is_an_input_error() -> None:
    doc = document()
    doc["visits"][0]["pinned_staff"] = "n2"
    doc["visits"][0]["date"] = "2026-11-23"  # n2 works Tue-Thu
    with pytest.raises(InputError, match=r"visits\[0\].pinned_staff"):
        week_from_dict(doc)


def test_week_tables_round_trip() -> None:
    week = small_week()
    tables = week_to_tables(week)
    assert set(tables) == {"staff", "roster", "patients", "visits"}
    assert len(tables["roster"]) == 6
    back = week_from_tables(tables, dates=week.dates,
                            base={"id": "base", "name": week.base.name, "lat": week.base.location.lat,
                                  "lon": week.base.location.lon},
                            policy={"max_travel_minutes_from_base": 60, "max_patient_age_years": None},
                            travel=week_to_dict(week)["travel"])
    assert back == week


def test_a_bad_table_row_is_reported_by_path() -> None:
    week = small_week()
    tables = week_to_tables(week)
    tables["roster"].loc[0, "date"] = "2026-12-24"
    with pytest.raises(InputError, match=r"staff\[0\].days\[0\].date"):
        week_from_tables(tables, dates=week.dates, base={"id": "base", "lat": 63.4, "lon": 10.4},
                         travel=week_to_dict(week)["travel"])


def test_week_plan_as_tables() -> None:
    plan = hand_plan(small_week(), VALID_ROUTES)
    frame = week_plan_to_frame(plan)
    assert len(frame) == 11
    assert list(frame["date"].unique()) == ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26"]
    assert set(frame["week_visit"]) == {"fixed", "twice", "meal", "meal-later"}
    assert week_unassigned_to_frame(plan).empty


def test_the_example_weeks_round_trip_and_have_what_they_promise() -> None:
    for name in ("trondheim_week", "homecare_week"):
        week = read_week(EXAMPLES / f"{name}.json")
        assert week_to_dict(week_from_dict(week_to_dict(week))) == week_to_dict(week)
    children = read_week(EXAMPLES / "trondheim_week.json")
    assert (len(children.dates), len(children.patients), len(children.staff)) == (5, 15, 7)
    care = read_week(EXAMPLES / "homecare_week.json")
    assert len(care.dates) == 7 and len(care.patients) == 25 and len(care.staff) == 12
    assert 450 <= sum(care.wanted_count(v) for v in care.visits) <= 550
    assert {s.days[0].shift.start for s in care.staff} == {7 * 3600 + 1800, 15 * 3600}


def test_week_schemas() -> None:
    schemas = week_json_schemas()
    assert schemas["week"]["properties"]["kind"]["const"] == "week"
    assert "timezone" in schemas["week"]["properties"]  # what `ahs-routing schema week` prints
    assert "staff_per_patient" in schemas["week_plan"]["$defs"]["WeekKpisDoc"]["properties"]


def test_a_week_may_name_its_time_zone() -> None:
    doc = document() | {"timezone": "Europe/Oslo"}
    week = week_from_dict(doc)
    assert week.timezone == "Europe/Oslo"
    # The derived day problems keep the zone, so what a day solve reads of timestamps is on the week's clock.
    assert week.template.timezone == "Europe/Oslo"
    assert all(week.day_problem(d, ()).timezone == "Europe/Oslo" for d in week.dates)
    assert week_to_dict(week_from_dict(doc)) == doc
    with pytest.raises(InputError, match="timezone"):
        week_from_dict(document() | {"timezone": "Mars/Olympus"})


def test_week_plan_continuity_round_trips_and_a_plan_without_it_is_read() -> None:
    """The `continuity` section is written in minutes and read back; a document without it (older writers) reads
    with `continuity` None."""
    plan = hand_plan(small_week(), VALID_ROUTES)
    doc = week_plan_to_dict(plan)
    assert doc["kpis"]["continuity"] == {"staff_per_patient_mean": pytest.approx(4 / 3), "staff_per_patient_max": 2,
                                         "start_spread_mean_minutes": 0, "start_spread_max_minutes": 0,
                                         "recurring_visits_measured": 3}
    assert week_plan_from_dict(doc) == plan
    late = copy.deepcopy(doc)
    late["kpis"]["continuity"] |= {"start_spread_mean_minutes": 53.3333, "start_spread_max_minutes": 100.5}
    read = week_plan_from_dict(late).kpis.continuity
    assert read is not None and (read.start_spread_mean_seconds, read.start_spread_max_seconds) == (3200.0, 6030)
    del doc["kpis"]["continuity"]
    old = week_plan_from_dict(doc)
    assert old.kpis.continuity is None and old.kpis.staff_per_patient == pytest.approx(4 / 3)
    assert "continuity" not in week_plan_to_dict(old)["kpis"]
    assert "continuity" in week_json_schemas()["week_plan"]["$defs"]["WeekKpisDoc"]["properties"]
