"""The historical generator: days planned the way a coordinator plans by hand, then driven with delays."""

from __future__ import annotations

from collections import Counter

from ahs_routing import check_plan
from ahs_routing.analysis.replay import replay
from ahs_routing.studies.history import historical_day, historical_days

WEEK = historical_days(5, visits=24)


def test_the_same_seed_gives_the_same_day() -> None:
    """Reproducible: problem and driven plan are equal for equal seeds, different for another."""
    again = historical_day(24, 1)
    assert (again.problem, again.driven) == (WEEK[0].problem, WEEK[0].driven)
    assert again.driven != WEEK[1].driven


def test_each_nurse_keeps_their_own_patients() -> None:
    """Every single-nurse visit is made by the patient's regular nurse, who is the patient's preferred staff."""
    for day in WEEK:
        for route, stop in day.driven.stops():
            visit = day.problem.visit_by_id[stop.visit]
            if visit.staff_count == 1:
                assert day.problem.patient_of(visit).preferred_staff == (route.staff,)


def test_visits_come_in_the_order_families_asked_for() -> None:
    """Along each route, the visits with windows come in the order of their windows' starts."""
    for day in WEEK:
        for route in day.driven.routes:
            opens = [min(w.start for w in v.windows) for v in (day.problem.visit_by_id[s.visit] for s in route.stops)
                     if v.windows]
            assert opens == sorted(opens)


def test_the_driven_days_are_physically_possible_but_break_rules() -> None:
    """Over a week: some late starts; only window, shift, break or team rules broken, never travel or sequence."""
    broken: Counter[str] = Counter()
    for day in WEEK:
        broken.update(v.rule for v in check_plan(day.problem, day.driven))
    assert broken["window"] > 0
    assert set(broken) <= {"window", "shift", "break", "team"}


def test_an_overfull_day_moves_its_last_requests_to_another_day() -> None:
    """With two nurses for 30 visits the coordinator cannot fit them all: the rest are listed, not dropped."""
    crowded = historical_day(30, 2, staff=2)
    served = {s.visit for _, s in crowded.driven.stops()}
    moved = [u for u in crowded.driven.unassigned if "another day" in u.detail]
    assert moved and len(served) + len(crowded.driven.unassigned) == 30
    assert "visit_accounted" not in {v.rule for v in check_plan(crowded.problem, crowded.driven)}


def test_the_visit_log_replays_like_the_plan() -> None:
    """The log (no breaks, no trip home recorded) gives the same served visits, travel and late starts."""
    for day in WEEK[:3]:
        from_plan, from_log = replay(day.problem, day.driven), replay(day.problem, day.log())
        assert list(day.log().columns) == ["staff", "visit", "patient", "arrival", "start", "end"]
        for attribute in ("visits_served", "travel_seconds", "lateness_seconds", "late_visits"):
            assert getattr(from_log.score, attribute) == getattr(from_plan.score, attribute), attribute
