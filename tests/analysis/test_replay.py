"""Replaying historical days: KPIs as driven, every broken rule with its minutes, and clear errors for bad logs.

The hand-made day (travel minutes = distance on a line; base at 0, h3 at 5, h1 at 10, h2 at 20):

- n1 (skill a, 08:00-12:00, lunch of 30 min due between 10:00 and 11:00) drives to h1 for v1
  08:10-08:40, then to h2 (arrives 08:50) and starts v2 at 10:25, 25 minutes after its window
  closed at 10:00; v2 ends 10:45 and n1 is back 11:05. Lunch never had room: before the drive to
  h2 only 08:40-10:15 is free (10:00-10:30 does not fit), after it 08:50-10:25 (25 minutes), and
  after v2 it would end 11:15. Missed: 30 minutes.
- n2 (no skills, 08:00-08:55, no overtime) does v3 (needs a, window 08:00-08:30) 08:40-08:55:
  10 minutes late, 15 minutes of care without the skill, back at 09:00: 5 minutes past the shift.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from builders import day, hm, minutes, nurse, patient, visit

from ahs_routing import (
    After,
    Break,
    BreakTaken,
    Plan,
    PlanStatus,
    Problem,
    Route,
    SolveOptions,
    Stop,
    check_plan,
    solve,
)
from ahs_routing.analysis.replay import log_time, read_visit_log, replay, score_plan
from ahs_routing.domain.kpis import compute_kpis
from ahs_routing.errors import InputError
from ahs_routing.io.tables import plan_to_frame
from ahs_routing.studies.scenarios import generate_day
from ahs_routing.travel import travel_matrix

LUNCH = (Break(hm("10:00"), hm("11:00"), minutes(30)),)


def hand_day(**visit_fields: object) -> Problem:
    return day(
        [nurse("n1", end="12:00", skills=frozenset({"a"}), breaks=LUNCH), nurse("n2", end="08:55")],
        [patient("h1"), patient("h2"), patient("h3")],
        [visit("v1", "h1", 30, [("08:00", "09:00")], skills=frozenset({"a"})),
         visit("v2", "h2", 20, [("09:00", "10:00")]),
         visit("v3", "h3", 15, [("08:00", "08:30")], skills=frozenset({"a"}), **visit_fields)],
        {"h1": 10, "h2": 20, "h3": 5},
    )


def hand_log() -> pd.DataFrame:
    return pd.DataFrame([
        {"staff": "n1", "visit": "v1", "patient": "h1", "arrival": "08:10", "start": "08:10", "end": "08:40"},
        {"staff": "n2", "visit": "v3", "patient": "h3", "arrival": None, "start": "08:40", "end": "08:55"},
        {"staff": "n1", "visit": "v2", "patient": "h2", "arrival": None, "start": "10:25", "end": "10:45"},
    ])


def found(problem: Problem, history: object) -> set[tuple[str, str | None, str | None, int | float | None]]:
    return {(v.rule, v.staff, v.visit, v.minutes) for v in replay(problem, history).violations}  # type: ignore[arg-type]


def test_the_hand_made_history_breaks_exactly_the_rules_worked_out_by_hand() -> None:
    """Each broken rule is found once, with the minutes worked out in the module docstring."""
    assert found(hand_day(), hand_log()) == {
        ("window", "n1", "v2", 25),
        ("break", "n1", None, 30),
        ("window", "n2", "v3", 10),
        ("skills", "n2", "v3", 15),
        ("shift", "n2", None, 5),
    }


def test_the_hand_made_history_kpis() -> None:
    """Travel 40 + 10 by the line model, 5 min overtime, 35 min late over 2 visits, 95 min at h2's door."""
    result = replay(hand_day(), hand_log())
    kpis = result.score.to_dict()
    assert (kpis["visits_served"], kpis["travel_minutes"], kpis["overtime_minutes"]) == (3, 50, 5)
    assert (kpis["late_minutes"], kpis["late_visits"], kpis["waiting_minutes"]) == (35, 2, 95)
    assert result.minutes_by_rule() == {"break": 30, "shift": 5, "skills": 15, "window": 35}
    n1 = result.plan.route_of("n1")
    assert n1 is not None and (n1.start, n1.end, n1.breaks) == (hm("08:00"), hm("11:05"), ())


def test_the_same_day_as_a_plan_document_scores_the_same_and_counts_a_short_break() -> None:
    """Routes as driven, with a 15-minute lunch recorded: the break rule is 15 minutes short, not 30."""
    problem = hand_day()
    n1 = Route("n1", hm("08:00"), hm("11:05"), minutes(40), None, (
        Stop("v1", "h1", minutes(10), hm("08:10"), hm("08:10"), hm("08:40")),
        Stop("v2", "h2", minutes(10), hm("08:50"), hm("10:25"), hm("10:45"))),
        breaks=(BreakTaken(hm("10:45"), hm("11:00")),))
    n2 = Route("n2", hm("08:35"), hm("09:00"), minutes(10), None,
               (Stop("v3", "h3", minutes(5), hm("08:40"), hm("08:40"), hm("08:55")),))
    driven = Plan(problem.date, PlanStatus.COMPLETE, (n1, n2), (), (),
                  compute_kpis(problem, [n1, n2], has_km=travel_matrix(problem).has_km))
    assert ("break", "n1", None, 15) in found(problem, driven)
    n1_back = replay(problem, driven).plan.route_of("n1")
    assert n1_back is not None and n1_back.end == hm("11:20")  # lunch at h2, then 20 minutes home


def test_team_and_after_rules_carry_their_minutes() -> None:
    """Two staff starting a team visit 7 minutes apart; a dose given 20 minutes after the earliest allowed."""
    problem = hand_day(staff_count=2)
    log = hand_log()
    log.loc[len(log)] = {"staff": "n1", "visit": "v3", "patient": "h3", "arrival": None, "start": "08:47",
                         "end": "09:02"}
    log.loc[0, ["arrival", "start", "end"]] = ["09:12", "09:12", "09:42"]
    rules = found(problem, log)
    assert ("team", None, "v3", 7) in rules
    v1, v2, v3 = hand_day().visits
    linked = hand_day().replace(visits=(v1, replace(v2, after=After("v1", minutes(30), minutes(60))), v3))
    rules = found(linked, hand_log())
    assert ("after", None, "v2", 75) in rules  # starts 135 min after v1; at most 60


def test_a_library_plan_replays_without_violations_and_with_its_own_kpis() -> None:
    """Replaying a checked plan, or its visit log (breaks then inferred), finds nothing and scores the same."""
    problem = generate_day(16, seed=3)
    plan = solve(problem, SolveOptions(time_limit=1, seed=1))
    assert check_plan(problem, plan) == []
    as_plan = replay(problem, plan)
    assert as_plan.violations == () and as_plan.score == score_plan(problem, plan)
    as_log = replay(problem, plan_to_frame(plan).drop(columns=["arrival"]))
    assert as_log.violations == ()
    assert as_log.score.travel_seconds == as_plan.score.travel_seconds
    assert as_log.score.visits_served == as_plan.score.visits_served


def test_bad_log_rows_are_all_reported_with_their_row_numbers() -> None:
    """Unknown ids, a wrong patient, an end before its start, one nurse on two visits at once: one error each."""
    log = pd.DataFrame([
        {"staff": "n1", "visit": "v1", "patient": "h1", "start": "08:10", "end": "08:40"},
        {"staff": "n9", "visit": "v2", "patient": "h2", "start": "09:00", "end": "09:20"},
        {"staff": "n2", "visit": "v7", "patient": "h3", "start": "09:00", "end": "09:20"},
        {"staff": "n2", "visit": "v3", "patient": "h1", "start": "08:40", "end": "08:30"},
        {"staff": "n1", "visit": "v2", "patient": "h2", "start": "08:30", "end": "08:50"},
        {"staff": "n1", "visit": "v3", "patient": "h3", "start": "soon", "end": "09:00"},
    ])
    with pytest.raises(InputError) as error:
        replay(hand_day(), log)
    shown = [str(p) for p in error.value.problems]
    assert "visit log row 1.staff: unknown staff 'n9'" in shown
    assert "visit log row 2.visit: unknown visit 'v7'" in shown
    assert "visit log row 3.patient: visit v3 is for patient h3, not 'h1'" in shown
    assert "visit log row 3.end: end 08:30 is before start 08:40" in shown
    assert any(s.startswith("visit log row 4.start: n1 starts visit v2 at 08:30, while still on visit v1 "
                            "(visit log row 0)") for s in shown)
    assert any(s.startswith("visit log row 5.start: 'soon' is not a time") for s in shown)
    assert len(shown) == 6


def test_a_csv_log_names_its_lines_and_missing_columns(tmp_path: Path) -> None:
    """CSV errors add the file's line number; a log without required columns says which are missing."""
    path = tmp_path / "log.csv"
    path.write_text("staff,visit,patient,start,end\nn1,v1,h1,08:10,08:40\nn1,v2,h2,09:30,09:10\n")
    with pytest.raises(InputError, match=r"visit log row 1 \(line 3 of .*log.csv\)\.end: end 09:10 is before"):
        replay(hand_day(), path)
    path.write_text("staff,visit,begin,end\n")
    with pytest.raises(InputError, match=r"lacks column.*patient, start"):
        replay(hand_day(), read_visit_log(path))


def test_log_times_may_be_clock_times_or_dates_and_times() -> None:
    """HH:MM, HH:MM:SS, ISO date-times on the day or the night after; other days are errors."""
    date = dt.date(2026, 11, 23)
    assert log_time("08:15", date) == hm("08:15")
    assert log_time("2026-11-23 08:15:30", date) == hm("08:15") + 30
    assert log_time(pd.Timestamp("2026-11-24T01:00"), date) == hm("25:00")
    with pytest.raises(InputError, match="not on the plan date"):
        log_time("2026-11-25 08:00", date)
