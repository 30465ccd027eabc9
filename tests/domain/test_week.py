"""The week model: recurrences that can or cannot be met, spacing, occurrences and derived day problems."""

from __future__ import annotations

import datetime as dt
import itertools

from builders import visit
from hypothesis import given
from hypothesis import strategies as st
from weeks import DATES, MON, THU, TUE, small_week

from ahs_routing import InputError
from ahs_routing.domain.week import Recurrence, WeekVisit, max_spaced, well_spaced


@given(st.lists(st.integers(0, 13), min_size=1, max_size=8, unique=True), st.integers(0, 5))
def test_max_spaced_is_the_largest_well_spaced_subset(offsets: list[int], gap: int) -> None:
    dates = [MON + dt.timedelta(days=k) for k in offsets]
    best = max(n for n in range(len(dates) + 1)
               if any(well_spaced(c, gap) for c in itertools.combinations(sorted(dates), n)))
    assert max_spaced(dates, gap) == best


@given(st.integers(1, 5), st.sets(st.sampled_from(DATES), min_size=1), st.integers(0, 4))
def test_a_recurrence_is_accepted_exactly_when_it_can_be_met(count: int, allowed: set[dt.date], gap: int) -> None:
    week = small_week()
    item = WeekVisit(visit("r", "p1", 10), recurrence=Recurrence(count, tuple(sorted(allowed)), gap))
    feasible = count <= len(allowed) and max_spaced(allowed, gap) >= count
    try:
        small_week(visits=(*week.visits, item))
    except InputError as error:
        assert not feasible
        assert all(p.path.startswith("visits[4].recurrence") for p in error.problems)
    else:
        assert feasible


def test_the_day_problem_holds_the_rostered_staff_and_the_occurrences() -> None:
    week = small_week()
    problem = week.day_problem(MON, ["meal", "meal-later", "twice"])
    assert problem.date == MON
    assert [s.id for s in problem.staff] == ["n1"]  # n2 works Tuesday to Thursday
    assert [v.id for v in problem.visits] == ["twice@2026-11-23", "meal@2026-11-23", "meal-later@2026-11-23"]
    assert problem.visit_by_id["meal-later@2026-11-23"].after.visit == "meal@2026-11-23"  # type: ignore[union-attr]
    assert [s.id for s in week.day_problem(THU, []).staff] == ["n2"]
    assert [s.id for s in week.staff_on(TUE)] == ["n1", "n2"]


def test_preferred_staff_off_that_day_are_left_out_of_its_day_problem() -> None:
    from ahs_routing import Patient

    week = small_week()
    patients = tuple(Patient(p.id, p.location, preferred_staff=("n2",)) if p.id == "p1" else p for p in week.patients)
    fond = small_week(patients=patients)
    assert fond.day_problem(MON, ["twice"]).patient_by_id["p1"].preferred_staff == ()
    assert fond.day_problem(TUE, ["fixed"]).patient_by_id["p1"].preferred_staff == ("n2",)
