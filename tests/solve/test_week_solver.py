"""The week solver: plans pass the week checker, dates follow the recurrences, caps hold, same seed same plan."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from builders import hm, line_travel, minutes, patient, visit
from weeks import DATES, MON, POSITIONS, THU, TUE, WED, roster, small_week

from ahs_routing import InputError, SolveOptions, UnassignedReason
from ahs_routing.check.week import check_week_plan
from ahs_routing.domain.model import Break, Shift
from ahs_routing.domain.week import Recurrence, RosterDay, Week, WeekStaff, WeekVisit, split_occurrence
from ahs_routing.domain.week_plan import served_dates, week_minutes
from ahs_routing.io.week import read_week
from ahs_routing.solve.week import solve_week
from ahs_routing.solve.week_options import WeekOptions, baseline_options, week_options

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: Small days: a day with one person and two linked visits offers the search no new solutions, so it stops
#: at its time limit rather than its solution budget; keep that short.
FAST = SolveOptions(time_limit=0.3, seed=1, solution_limit=20)


def options(**changes: object) -> WeekOptions:
    return dataclasses.replace(WeekOptions(day=FAST), **changes)  # type: ignore[arg-type]


def test_the_small_week_is_served_in_full_and_passes_the_checker() -> None:
    week = small_week()
    plan = solve_week(week, options())
    assert check_week_plan(week, plan) == []
    assert plan.unassigned == ()
    assert plan.kpis.visits_served == plan.kpis.visits == 11
    dates = served_dates(plan.days)
    assert dates["meal"] == dates["meal-later"] == list(DATES)  # linked visits stay on their dates
    assert dates["fixed"] == [TUE]
    assert len(dates["twice"]) == 2 and (dates["twice"][1] - dates["twice"][0]).days >= 2


def test_same_seed_and_solution_budget_give_the_same_week_plan() -> None:
    """W5: the week is searched in a fixed order on day solves stopped by a solution budget."""
    week = small_week()
    # Plans compare without `meta` (provenance: `solved_at` differs on every run).
    first, again = (solve_week(week, options()) for _ in range(2))
    assert first == again  # every day plan's routes, times, unassigned and KPIs, and the week's


def test_day_plans_name_the_weeks_travel_provider() -> None:
    """The day solves get the week's own matrix; their meta names the week's travel, not "caller:TravelMatrix"."""
    week = small_week()
    plan = solve_week(week, options())
    assert {day.plan.meta["travel_provider"] for day in plan.days} == {plan.meta["travel_provider"]}
    assert plan.meta["travel_provider"] == week.template.travel.provider


def test_max_week_minutes_is_hard() -> None:
    """n1 may work 5 hours in the week instead of 24: the shifts are narrowed and the cap holds."""
    week = small_week()
    staff = tuple(dataclasses.replace(s, max_week=5 * 3600) if s.id == "n1" else s for s in week.staff)
    capped = small_week(staff=staff)
    plan = solve_week(capped, options())
    assert check_week_plan(capped, plan) == []
    assert week_minutes(plan.days).get("n1", 0) <= 5 * 3600


def test_nobody_is_planned_on_a_day_off() -> None:
    week = small_week()
    plan = solve_week(week, options())
    for day in plan.days:
        assert {r.staff for r in day.plan.routes} <= {s.id for s in week.staff_on(day.date)}
    assert not any(r.staff == "n1" for r in plan.plan_on(THU).routes)  # type: ignore[union-attr]
    assert not any(r.staff == "n2" for r in plan.plan_on(MON).routes)  # type: ignore[union-attr]


def test_a_recurring_visit_no_one_can_do_is_listed_with_missing_and_reason() -> None:
    week = small_week()
    skilled = WeekVisit(visit("wound", "p1", 30, skills=frozenset({"wound_care"})), recurrence=Recurrence(3))
    harder = small_week(visits=(*week.visits, skilled))
    plan = solve_week(harder, options())
    assert check_week_plan(harder, plan) == []
    [entry] = plan.unassigned
    assert (entry.visit, entry.missing, entry.reason) == ("wound", 3, UnassignedReason.NO_QUALIFIED_STAFF)


def test_recurring_visits_of_an_ineligible_patient_are_missing_with_patient_ineligible() -> None:
    week = small_week()
    far = patient("far", age_years=19.0)
    policy = dataclasses.replace(week.policy, max_patient_age_years=18.0)
    visits = (*week.visits, WeekVisit(visit("far-check", "far", 20), recurrence=Recurrence(2)))
    harder = small_week(patients=(*week.patients, far), visits=visits, policy=policy,
                        travel=line_travel({**POSITIONS, "far": 5.0}))
    plan = solve_week(harder, options())
    assert check_week_plan(harder, plan) == []
    assert [(u.visit, u.missing, u.reason) for u in plan.unassigned] == [
        ("far-check", 2, UnassignedReason.PATIENT_INELIGIBLE)]
    assert all(p.patient == "far" for day in plan.days for p in day.plan.ineligible_patients)
    assert all(day.plan.ineligible_patients for day in plan.days)


def test_a_day_left_out_is_moved_to_another_allowed_date() -> None:
    """`once` may happen Mon or Wed; on Monday n1's shift is too short for it, so it goes to Wednesday."""
    week = small_week()
    once = WeekVisit(visit("once", "p2", 120), recurrence=Recurrence(1, (MON, WED)))
    staff = list(week.staff)
    n1 = staff[0]
    staff[0] = dataclasses.replace(n1, days=(*roster(MON, end="10:30"), *n1.days[1:]))
    harder = small_week(staff=tuple(staff), visits=(*week.visits, once))
    plan = solve_week(harder, options())
    assert check_week_plan(harder, plan) == []
    assert served_dates(plan.days)["once"] == [WED]


def test_the_baseline_takes_the_first_allowed_dates() -> None:
    week = small_week()
    plan = solve_week(week, baseline_options(FAST))
    assert check_week_plan(week, plan) == []
    assert served_dates(plan.days)["twice"] == [MON, WED]


def test_week_options_share_the_time_and_reject_nonsense() -> None:
    shared = week_options(SolveOptions(time_limit=30, seed=3), dates=5)
    assert shared.day.time_limit == pytest.approx(2.0) and shared.day.seed == 3 and shared.time_limit == 30
    assert shared.day.work is None
    counted = week_options(SolveOptions(time_limit=30, seed=3, work=15_000), dates=5)
    assert counted.day.work == 1000  # 5 dates x (1 + 2 rounds) day solves share the week's work
    with pytest.raises(InputError):
        WeekOptions(assignment="random")
    with pytest.raises(InputError):
        WeekOptions(improvement_rounds=-1)
    for name in ("start_spread_weight", "primary_staff_minutes"):
        with pytest.raises(InputError):
            WeekOptions(**{name: -1.0})  # type: ignore[arg-type]
    assert baseline_options(FAST).start_spread_weight == 0.0


def test_the_childrens_example_week_is_planned_in_full() -> None:
    week = read_week(EXAMPLES / "trondheim_week.json")
    plan = solve_week(week, WeekOptions(day=SolveOptions(time_limit=1, seed=1, solution_limit=10),
                                        improvement_rounds=0))
    assert check_week_plan(week, plan) == []
    assert plan.kpis.visits_served == plan.kpis.visits
    assert all(split_occurrence(s.visit) is not None for d in plan.days for _, s in d.plan.stops())


def test_continuity_gives_each_patient_one_nurse_when_the_same_two_work_every_day() -> None:
    """n1 and n2 both work Monday to Thursday and could each serve anyone: every patient sees one of them."""
    both = tuple(dataclasses.replace(s, days=roster(*DATES)) for s in small_week().staff)
    week = small_week(staff=both)
    plan = solve_week(week, options())
    assert check_week_plan(week, plan) == []
    assert plan.kpis.staff_per_patient == 1.0


def test_weekly_hours_are_balanced_when_asked() -> None:
    """With `balance_weight`, routes go to whoever has worked less this week (soft, off by default)."""
    both = tuple(dataclasses.replace(s, days=roster(*DATES)) for s in small_week().staff)
    week = small_week(staff=both)
    day = dataclasses.replace(FAST, balance_weight=10)
    plan = solve_week(week, options(day=day, continuity_minutes=0.0 + 1e-9))
    assert check_week_plan(week, plan) == []
    worked = week_minutes(plan.days)
    assert set(worked) == {"n1", "n2"}  # without the weight n1 takes every day (39000 s against none)
    assert abs(worked["n1"] - worked["n2"]) < 0.5 * sum(worked.values())


def test_a_daily_visit_pinned_to_someone_is_served_on_their_days_and_missing_on_the_others() -> None:
    """`meal` is pinned to n1 (Mon-Wed): Thursday's meal cannot be served, nor the linked `meal-later`."""
    week = small_week()
    pinned = tuple(dataclasses.replace(v, visit=dataclasses.replace(v.visit, pinned_staff="n1"))
                   if v.id == "meal" else v for v in week.visits)
    harder = small_week(visits=pinned)
    plan = solve_week(harder, options())
    assert check_week_plan(harder, plan) == []
    assert served_dates(plan.days)["meal"] == list(DATES[:3])
    assert {(u.visit, u.missing, u.reason) for u in plan.unassigned} == {
        ("meal", 1, UnassignedReason.NO_COMPATIBLE_STAFF), ("meal-later", 1, UnassignedReason.LINKED_VISIT_UNSERVED)}


def _with_lunch(dates: tuple[dt.date, ...]) -> tuple[RosterDay, ...]:
    """08:00-15:30 shifts with a 30-minute break between 11:00 and 13:00."""
    lunch = (Break(hm("11:00"), hm("13:00"), minutes(30)),)
    return tuple(RosterDay(d, Shift(hm("08:00"), hm("15:30")), breaks=lunch) for d in dates)


def _capped_week(cap_minutes: int) -> Week:
    """n1 alone, rostered every date with a lunch break and a weekly cap; a check on p1 Wednesday and Thursday."""
    staff = (WeekStaff("n1", _with_lunch(DATES), max_week=minutes(cap_minutes)),)
    check = WeekVisit(visit("check", "p1", 15), recurrence=Recurrence(2, (WED, THU)))
    return small_week(staff=staff, visits=(check,))


def test_a_weekly_cap_leaves_whole_shifts_with_their_breaks_rather_than_nobody() -> None:
    """A 600-minute cap over four 450-minute days: narrowing every day in proportion (to 08:00-10:30) would
    leave no room for the 11:00-13:00 break and nobody to plan; the cap goes to the dates with work instead."""
    week = _capped_week(600)
    plan = solve_week(week, options())
    assert check_week_plan(week, plan) == []
    assert plan.unassigned == ()
    assert served_dates(plan.days)["check"] == [WED, THU]
    assert week_minutes(plan.days)["n1"] <= minutes(600)


def test_a_visit_the_weekly_cap_leaves_no_room_for_is_missing_for_capacity() -> None:
    """A 300-minute cap holds one day with its break, not two: one check is served, the other is `capacity`."""
    week = _capped_week(300)
    plan = solve_week(week, options())
    assert check_week_plan(week, plan) == []
    assert len(served_dates(plan.days)["check"]) == 1
    [entry] = plan.unassigned
    assert (entry.visit, entry.missing, entry.reason) == ("check", 1, UnassignedReason.CAPACITY)
    assert "max_week_minutes" in entry.detail
    assert week_minutes(plan.days)["n1"] <= minutes(300)


def test_a_visit_on_a_date_nobody_works_is_unreachable_not_unqualified() -> None:
    """Nobody is rostered on Thursday: the Thursday-only visit has no shift to be served in."""
    week = small_week(staff=(WeekStaff("n1", roster(*DATES[:3])),),
                      visits=(WeekVisit(visit("thu-only", "p1", 20), recurrence=Recurrence(1, (THU,))),))
    plan = solve_week(week, options())
    assert check_week_plan(week, plan) == []
    [entry] = plan.unassigned
    assert (entry.visit, entry.missing, entry.reason) == ("thu-only", 1, UnassignedReason.UNREACHABLE_IN_SHIFT)
    assert "rostered" in entry.detail and THU.isoformat() in entry.detail


def test_a_two_person_visit_on_a_date_with_one_person_rostered_is_unreachable_not_unqualified() -> None:
    """Monday has only n1: the two-person lift is served Tuesday and missing once, for want of people."""
    lift = WeekVisit(visit("lift", "p2", 30, staff_count=2), recurrence=Recurrence(2, (MON, TUE)))
    week = small_week(visits=(lift,))
    plan = solve_week(week, options())
    assert check_week_plan(week, plan) == []
    assert served_dates(plan.days)["lift"] == [TUE]
    [entry] = plan.unassigned
    assert (entry.visit, entry.missing, entry.reason) == ("lift", 1, UnassignedReason.UNREACHABLE_IN_SHIFT)
    assert "2 people" in entry.detail and MON.isoformat() in entry.detail


def test_a_fixed_visit_pinned_to_someone_the_weekly_cap_keeps_off_that_date_is_capacity() -> None:
    """n1 may work 300 minutes: Thursday (more of n1's work) holds them, so Monday's pinned check has no one,
    for want of room under the cap (`capacity`), not for a conflict (`no_compatible_staff`)."""
    staff = (WeekStaff("n1", _with_lunch(DATES), max_week=minutes(300)),)
    visits = (WeekVisit(visit("check", "p1", 15, pinned_staff="n1"), date=MON),
              WeekVisit(visit("dressing", "p2", 40, pinned_staff="n1"), date=THU))
    week = small_week(staff=staff, visits=visits)
    plan = solve_week(week, options())
    assert check_week_plan(week, plan) == []
    assert served_dates(plan.days) == {"dressing": [THU]}
    [entry] = plan.plan_on(MON).unassigned  # type: ignore[union-attr]
    assert (entry.visit, entry.reason) == ("check@2026-11-23", UnassignedReason.CAPACITY)
    assert "max_week_minutes" in entry.detail


def _check_after_an_early_visit() -> Week:
    """n1 alone, Monday to Thursday from 08:00: a daily `check` at p2 (window 08:00-12:00), and on Monday and
    Wednesday an hour at p1 that must start by 08:15, so that `check` starts at 09:20 those days."""
    visits = (WeekVisit(visit("check", "p2", 30, [("08:00", "12:00")]), recurrence=Recurrence(4)),
              WeekVisit(visit("early", "p1", 60, [("08:00", "08:15")]), recurrence=Recurrence(2, (MON, WED))))
    return small_week(staff=(WeekStaff("n1", roster(*DATES)),), visits=visits)


def test_a_recurring_visit_keeps_its_time_across_the_week_when_it_costs_no_travel() -> None:
    """Alone on Tuesday and Thursday, `check` could start at 08:20; at 09:20, as on Monday and Wednesday, it
    drives the same 40 minutes and the family sees the nurse at one time all week (spread 0, not 60 min)."""
    week = _check_after_an_early_visit()
    plan = solve_week(week, options())
    assert check_week_plan(week, plan) == []
    assert plan.kpis.visits_served == plan.kpis.visits == 6
    assert plan.kpis.travel_minutes == 4 * 40
    c = plan.kpis.continuity
    assert c is not None and c.recurring_visits_measured == 2
    assert (c.start_spread_max_seconds, c.start_spread_mean_seconds) == (0, 0.0)
    starts = {stop.start for day in plan.days for _, stop in day.plan.stops() if stop.visit.startswith("check")}
    assert starts == {hm("09:20")}


def test_without_a_price_on_spread_the_times_are_left_to_the_day_solves() -> None:
    """`start_spread_weight=0` and no continuity price: the baseline's 60-minute spread on the same week."""
    week = _check_after_an_early_visit()
    plan = solve_week(week, options(start_spread_weight=0.0, continuity_minutes=0.0))
    assert check_week_plan(week, plan) == []
    c = plan.kpis.continuity
    assert c is not None and c.start_spread_max_seconds == 60 * 60


def _two_rounds_or_one() -> Week:
    """n1 and n2 every date; `a` (20 minutes one way) and `b` (20 minutes the other way) daily by 10:00; on
    Monday and Wednesday an hour at `px`, next to the base, that must start by 08:05.

    On Monday and Wednesday one nurse does `x` and `a`, the other `b` (80 minutes); on Tuesday and Thursday
    one nurse doing both drives as far (80 minutes) as two doing one each.
    """
    visits = (WeekVisit(visit("x", "px", 60, [("08:00", "08:05")]), recurrence=Recurrence(2, (MON, WED))),
              WeekVisit(visit("a", "pa", 30, [("08:00", "10:00")]), recurrence=Recurrence(4)),
              WeekVisit(visit("b", "pb", 30, [("08:00", "10:00")]), recurrence=Recurrence(4)))
    return small_week(staff=(WeekStaff("n1", roster(*DATES)), WeekStaff("n2", roster(*DATES))), visits=visits,
                      patients=(patient("pa"), patient("pb"), patient("px")),
                      travel=line_travel({"pa": 20.0, "pb": -20.0, "px": 0.5}))


def test_two_nurses_who_could_each_serve_a_patient_on_alternate_dates_leave_one_face_per_patient() -> None:
    """Solved alone, Tuesday and Thursday put `a` and `b` in one route, so that one patient saw both nurses
    (4/3 staff per patient); Monday's two rounds on every date drive as far and give each patient one nurse."""
    week = _two_rounds_or_one()
    plan = solve_week(week, options())
    assert check_week_plan(week, plan) == []
    assert plan.kpis.visits_served == plan.kpis.visits == 10
    assert plan.kpis.travel_minutes == 4 * 80
    assert plan.kpis.staff_per_patient == 1.0
    c = plan.kpis.continuity
    assert c is not None and c.staff_per_patient_max == 1 and c.start_spread_max_seconds == 0


def test_a_weekly_visit_moves_to_the_date_its_patients_nurse_works_when_that_costs_less() -> None:
    """n1 works Monday only (to 12:10), n2 Tuesday to Thursday. Monday's check at p1 and two hours at p3 fill
    92% of n1's day, so the dates are chosen with the shower at p1 on Tuesday (n2): p1 would see two nurses.
    In Monday's route, after the check at the same home, it adds no travel: it moves there and p1 sees n1 alone."""
    visits = (WeekVisit(visit("check", "p1", 30), date=MON), WeekVisit(visit("long", "p3", 120), date=MON),
              WeekVisit(visit("shower", "p1", 30), recurrence=Recurrence(1)))
    staff = (WeekStaff("n1", roster(MON, end="12:10")), WeekStaff("n2", roster(TUE, WED, THU)))
    week = small_week(staff=staff, visits=visits)
    plan = solve_week(week, options())
    assert check_week_plan(week, plan) == []
    assert served_dates(plan.days)["shower"] == [MON]
    assert plan.kpis.staff_per_patient == 1.0 and plan.kpis.travel_minutes == 60
