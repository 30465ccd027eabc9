"""Problems from pandas tables and plans as tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from test_examples import EXAMPLES

from ahs_routing import InputError, SolveOptions, check_plan, read_problem, solve
from ahs_routing.io.contract import problem_to_dict
from ahs_routing.io.tables import plan_to_frame, problem_from_tables, problem_to_tables, unassigned_to_frame

BASE = {"id": "base", "name": "St. Olavs", "lat": 63.4208, "lon": 10.3886}


def tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    staff = pd.DataFrame([
        {"id": "n1", "role": "nurse", "skills": "blood_sample, medication", "shift_start": "08:00",
         "shift_end": "15:30", "avoid": "dog", "break_earliest_start": "11:00", "break_latest_end": "13:00",
         "break_minutes": 30},
        {"id": "n2", "role": "nurse", "skills": ["medication"], "shift_start": "09:00", "shift_end": "16:00",
         "avoid": math.nan, "break_minutes": math.nan},
    ])
    patients = pd.DataFrame([
        {"id": "p1", "age_years": 7, "lat": 63.41, "lon": 10.42, "attributes": "cat", "parking_minutes": 5},
        {"id": "p2", "age_years": 12, "lat": 63.36, "lon": 10.37, "attributes": math.nan, "parking_minutes": math.nan},
    ])
    visits = pd.DataFrame([
        {"id": "v1", "patient": "p1", "duration_minutes": 20, "windows": "08:00-10:00; 13:00-14:00",
         "skills": "blood_sample", "after_visit": math.nan},
        {"id": "v2", "patient": "p2", "duration_minutes": 30, "windows": math.nan, "skills": math.nan,
         "after_visit": "v1", "after_min_minutes": 120},
    ])
    return staff, patients, visits


def test_tables_become_a_validated_problem() -> None:
    """List cells, window strings, empty cells and one-break columns are read as the contract says."""
    problem = problem_from_tables(*tables(), date="2026-11-23", base=BASE)
    n1, n2 = problem.staff
    assert n1.skills == {"blood_sample", "medication"} and n1.avoid == {"dog"} and len(n1.breaks) == 1
    assert n2.breaks == () and n2.avoid == frozenset()
    v1, v2 = problem.visits
    assert len(v1.windows) == 2 and v2.windows == ()
    assert v2.after is not None and v2.after.min_gap == 120 * 60
    assert problem.patients[0].parking == 300


def test_bad_rows_are_all_reported_with_row_numbers_and_ids() -> None:
    """Every bad row at once, named by row number and id."""
    staff, patients, visits = tables()
    visits.loc[0, "windows"] = "10:00-09:00"
    visits.loc[1, "patient"] = "p99"
    patients.loc[1, "lat"] = 123.0
    with pytest.raises(InputError) as error:
        problem_from_tables(staff, patients, visits, date="2026-11-23", base=BASE)
    text = str(error.value)
    assert "visits row 0 (id 'v1').windows[0]: end 09:00 is before start 10:00" in text
    assert "patients row 1 (id 'p2').location.lat" in text


def test_unknown_columns_are_errors() -> None:
    """A misspelt column is reported, not ignored."""
    staff, patients, visits = tables()
    visits["prioirty"] = "high"
    with pytest.raises(InputError, match="prioirty"):
        problem_from_tables(staff, patients, visits, date="2026-11-23", base=BASE)


def test_problem_round_trips_through_tables() -> None:
    """The example day -> tables -> problem gives the same contract document."""
    problem = read_problem(EXAMPLES / "trondheim_weekday.json")
    staff, patients, visits = problem_to_tables(problem)
    again = problem_from_tables(staff, patients, visits, date=problem.date,
                                base={"id": problem.base.id, "name": problem.base.name,
                                      "lat": problem.base.location.lat, "lon": problem.base.location.lon},
                                policy={"max_travel_minutes_from_base": 60, "max_patient_age_years": 18})
    assert problem_to_dict(again) == problem_to_dict(problem)


def test_plan_as_a_frame_has_one_row_per_stop() -> None:
    """Each stop is a row with times as HH:MM and as minutes; unassigned visits have their own frame."""
    problem = problem_from_tables(*tables(), date="2026-11-23", base=BASE)
    plan = solve(problem, SolveOptions(time_limit=1))
    assert check_plan(problem, plan) == []
    frame = plan_to_frame(plan, problem)
    assert len(frame) == sum(len(r.stops) for r in plan.routes)
    assert {"staff", "visit", "start", "start_minute", "travel_minutes", "waiting_minutes"} <= set(frame.columns)
    assert list(unassigned_to_frame(plan).columns) == ["visit", "reason", "detail"]
