"""Whole-minute problems get whole-minute plans: no `HH:MM:SS` on the clock of a day, a week, a re-plan or a
suggestion (issue 23)."""

from __future__ import annotations

import re
from typing import Any

from builders import hm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import QUICK, small_days
from weeks import DATES, small_week

from ahs_routing import (
    SolveOptions,
    WeekOptions,
    check_plan,
    plan_to_dict,
    problem_from_dict,
    solve,
    solve_week,
    week_plan_to_dict,
)
from ahs_routing.check.week import check_week_plan
from ahs_routing.domain.events import AddVisit
from ahs_routing.domain.model import Shift, TimeWindow, Visit
from ahs_routing.domain.week import RosterDay, WeekStaff
from ahs_routing.intraday.replan import ReplanOptions, replan, replan_to_dict
from ahs_routing.intraday.suggest import apply_suggestion, suggest
from ahs_routing.studies.scenarios import generate_day

CLOCK = re.compile(r"^\d\d:\d\d(:\d\d)?$")


def _clock_texts(node: Any) -> list[str]:
    """Every string in a JSON document that reads as a clock time."""
    if isinstance(node, dict):
        return [text for value in node.values() for text in _clock_texts(value)]
    if isinstance(node, list):
        return [text for value in node for text in _clock_texts(value)]
    return [node] if isinstance(node, str) and CLOCK.match(node) else []


def _assert_whole(document: Any) -> None:
    with_seconds = [text for text in _clock_texts(document) if text.count(":") == 2]
    assert with_seconds == []


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_days())
def test_whole_minute_days_plan_on_whole_minutes(document: Any) -> None:
    problem = problem_from_dict(document)
    plan = solve(problem, QUICK)
    assert check_plan(problem, plan) == []
    _assert_whole(plan_to_dict(plan))


def _roster(end: str) -> tuple[RosterDay, ...]:
    return tuple(RosterDay(d, Shift(hm("08:00"), hm(end))) for d in DATES)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(caps=st.tuples(st.integers(60, 1900), st.integers(60, 1900)),
       ends=st.tuples(st.sampled_from(["12:00", "13:10", "15:30", "16:00"]), st.sampled_from(["14:00", "16:00"])))
def test_whole_minute_weeks_under_weekly_caps_plan_on_whole_minutes(caps: tuple[int, int],
                                                                    ends: tuple[str, str]) -> None:
    """Weekly caps that narrow shifts by odd fractions (1000 minutes over 4 days) still give HH:MM plans."""
    staff = tuple(WeekStaff(name, _roster(end), max_week=cap * 60)
                  for name, end, cap in zip(("n1", "n2"), ends, caps, strict=True))
    week = small_week(staff=staff)
    options = WeekOptions(day=SolveOptions(time_limit=0.3, seed=1, solution_limit=20), improvement_rounds=1)
    plan = solve_week(week, options)
    assert check_week_plan(week, plan) == []
    _assert_whole(week_plan_to_dict(plan))



@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(1, 1000), now=st.sampled_from(["09:00", "10:15", "12:30"]),
       duration=st.sampled_from([0, 15, 25, 40]))
def test_replans_and_suggestions_at_a_whole_minute_stay_on_whole_minutes(seed: int, now: str, duration: int) -> None:
    """A generated day re-planned at a whole-minute `now` after an urgent visit, and a suggestion applied."""
    problem = generate_day(12, seed=seed)
    plan = solve(problem, QUICK)
    urgent = Visit("urgent", problem.visits[0].patient, duration * 60,
                   windows=(TimeWindow(hm(now), hm(now) + 3 * 3600),))
    result = replan(problem, plan, [AddVisit(urgent)], hm(now), ReplanOptions(solve=QUICK))
    assert check_plan(result.problem, result.plan) == []
    _assert_whole(replan_to_dict(result))
    for suggestion in suggest(problem, plan, urgent, k=3):
        updated, applied = apply_suggestion(problem, plan, urgent, suggestion)
        assert check_plan(updated, applied) == []
        _assert_whole(plan_to_dict(applied))
