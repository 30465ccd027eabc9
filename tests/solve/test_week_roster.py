"""The staff the week search may plan under weekly caps: shifts that add up to the cap at most, each inside
its rostered shift and holding its breaks."""

from __future__ import annotations

import datetime as dt

from builders import hm, minutes, visit
from hypothesis import given, settings
from hypothesis import strategies as st
from weeks import DATES, THU, WED, small_week

from ahs_routing.domain.model import Break, Shift
from ahs_routing.domain.week import Recurrence, RosterDay, Week, WeekStaff, WeekVisit
from ahs_routing.solve.week_roster import planned_staff

LUNCH = (Break(hm("11:00"), hm("13:00"), minutes(30)),)


def _week(ends: tuple[str, ...], cap_minutes: int) -> Week:
    """n1 from 08:00 to each end in turn (one per date, lunch between 11:00 and 13:00), with a weekly cap."""
    days = tuple(RosterDay(d, Shift(hm("08:00"), hm(end)), breaks=LUNCH) for d, end in zip(DATES, ends, strict=False))
    check = WeekVisit(visit("check", "p1", 15), recurrence=Recurrence(2, (WED, THU)))
    return small_week(staff=(WeekStaff("n1", days, max_week=minutes(cap_minutes)),), visits=(check,))


def _holds(week: Week) -> None:
    """Every planned shift lies inside its roster and holds its breaks; the shifts add up to the cap at most."""
    planned = planned_staff(week)
    person = week.staff[0]
    total = 0
    for date, people in planned.items():
        for narrowed in people:
            rostered = person.on(date)
            assert rostered is not None
            assert narrowed.shift.start == rostered.shift.start
            assert narrowed.latest_end <= rostered.latest_end
            assert narrowed.breaks == rostered.breaks  # (Staff checks they fit its shift)
            # A whole-minute roster stays whole: a 14:33:45 end would put seconds on the plan.
            assert narrowed.shift.end % 60 == 0 and narrowed.latest_end % 60 == 0
            total += narrowed.latest_end - narrowed.shift.start
    assert person.max_week is not None and total <= person.max_week


def test_dates_with_work_come_first_and_keep_their_lunch() -> None:
    """A 600-minute cap over four 08:00-15:30 days: proportional shares (08:00-10:30) hold no lunch, so the
    cap goes to Wednesday and Thursday (the check's dates), each past its lunch, and nobody else."""
    week = _week(("15:30",) * 4, 600)
    planned = planned_staff(week)
    assert [d for d, people in planned.items() if people] == [WED, THU]
    assert all(p.latest_end >= hm("11:30") for d in (WED, THU) for p in planned[d])
    _holds(week)


def test_spare_cap_never_stretches_a_shift_past_its_roster() -> None:
    """Three 08:00-11:40 days, cap 500: two are taken at 08:00-11:30 at least; the 80 minutes left may lengthen
    them by their 10 spare minutes only."""
    week = _week(("11:40",) * 3, 500)
    planned = planned_staff(week)
    assert sum(len(people) for people in planned.values()) == 2
    assert all(p.latest_end == hm("11:40") for people in planned.values() for p in people)
    _holds(week)


def test_proportional_shares_end_on_whole_minutes() -> None:
    """Cap 1000 over three 08:00-15:30 days: 333 1/3 minutes each, so every shift ends at 13:33, not 13:33:20."""
    week = _week(("15:30",) * 3, 1000)
    planned = planned_staff(week)
    assert [p.latest_end for people in planned.values() for p in people] == [hm("13:33")] * 3
    _holds(week)


def test_a_cap_the_roster_fits_under_changes_nothing() -> None:
    week = _week(("15:30",) * 2, 900)
    assert all(people == (week.staff[0].on(d),) for d, people in planned_staff(week).items() if d in DATES[:2])


@settings(max_examples=40, deadline=None)
@given(ends=st.lists(st.sampled_from(["11:30", "11:45", "12:00", "13:00", "15:30"]), min_size=1, max_size=4),
       cap=st.integers(0, 1800))
def test_planned_shifts_hold_the_cap_and_the_roster(ends: list[str], cap: int) -> None:
    _holds(_week(tuple(ends), cap))


def test_uncapped_staff_keep_their_roster() -> None:
    week = small_week()
    planned = planned_staff(week)
    assert planned == {d: week.staff_on(d) for d in week.dates}
    assert isinstance(next(iter(planned)), dt.date)
