"""The week plan checker: each rule W1-W4 with a plan that keeps it and one that breaks it (hand-built plans)."""

from __future__ import annotations

import dataclasses

from builders import line_travel, patient, visit
from weeks import HAND_DETAIL, MON, POSITIONS, THU, TUE, VALID_ROUTES, WED, hand_plan, replace_day, small_week

from ahs_routing import IneligiblePatient, IneligibleReason, Stop, UnassignedReason
from ahs_routing.check.week import check_week_plan
from ahs_routing.domain.week import Recurrence, Week, WeekStaff, WeekVisit
from ahs_routing.domain.week_plan import WeekPlan, WeekUnassigned


def rules(week_plan_violations: list) -> set[str]:  # type: ignore[type-arg]
    return {v.rule for v in week_plan_violations}


def test_a_hand_checked_week_plan_is_valid() -> None:
    """Every day valid, `twice` on Mon and Wed (2 days apart), nobody on a day off, KPIs as computed."""
    week = small_week()
    plan = hand_plan(week, VALID_ROUTES)
    assert check_week_plan(week, plan) == []
    assert plan.kpis.visits == 1 + 2 + 4 + 4
    assert plan.kpis.visits_served == 11
    # p1 and p2 see n1 only; p3 sees n1 (Mon-Wed) and n2 (Thu): (1 + 1 + 2) / 3.
    assert plan.kpis.staff_per_patient == 4 / 3


# W1: each day plan valid for its derived day problem -----------------------------------------------


def test_w1_a_day_rule_broken_on_one_date_is_reported_with_its_date() -> None:
    week = small_week()
    plan = hand_plan(week, VALID_ROUTES)
    route = plan.days[1].plan.routes[0]
    early = dataclasses.replace(route.stops[0], start=route.stops[0].start - 3600)  # before its window opens
    broken = replace_day(plan, TUE, routes=(dataclasses.replace(route, stops=(early, *route.stops[1:])),))
    found = check_week_plan(week, broken)
    assert any(v.rule == "window" and v.message.startswith("2026-11-24") for v in found)


def test_w1_a_fixed_date_visit_missing_from_its_day_plan_is_reported() -> None:
    week = small_week()
    routes = {d: dict(r) for d, r in VALID_ROUTES.items()}
    routes[TUE] = {"n1": ["meal@2026-11-24", "meal-later@2026-11-24"]}
    found = check_week_plan(week, hand_plan(week, routes))
    assert any(v.rule == "recurrence" and v.visit == "fixed" for v in found)


def test_w1_a_linked_occurrence_served_without_its_partner_breaks_rule_8() -> None:
    week = small_week()
    routes = {d: dict(r) for d, r in VALID_ROUTES.items()}
    routes[THU] = {"n2": ["meal@2026-11-26"]}
    found = check_week_plan(week, hand_plan(week, routes))
    assert "after" in rules(found) or "visit_accounted" in rules(found)


def test_w1_an_occurrence_of_another_date_is_reported() -> None:
    week = small_week()
    plan = hand_plan(week, VALID_ROUTES)
    route = plan.days[0].plan.routes[0]
    wrong = dataclasses.replace(route.stops[2], visit="twice@2026-11-26")
    broken = replace_day(plan, MON, routes=(dataclasses.replace(route, stops=(*route.stops[:2], wrong)),))
    assert "occurrence" in rules(check_week_plan(week, broken))


def test_w1_day_plans_must_follow_the_weeks_dates() -> None:
    week = small_week()
    plan = hand_plan(week, VALID_ROUTES)
    shuffled = dataclasses.replace(plan, days=(plan.days[1], plan.days[0], *plan.days[2:]))
    assert "week_days" in rules(check_week_plan(week, shuffled))


# W2: recurrences ---------------------------------------------------------------------------------


def test_w2_a_recurring_visit_on_more_dates_than_its_count_is_reported() -> None:
    week = small_week()
    routes = {d: dict(r) for d, r in VALID_ROUTES.items()}
    routes[THU] = {"n2": ["meal@2026-11-26", "meal-later@2026-11-26", "twice@2026-11-26"]}
    found = check_week_plan(week, hand_plan(week, routes))
    assert any(v.rule == "recurrence" and v.visit == "twice" and "count is 2" in v.message for v in found)


def test_w2_dates_closer_than_min_days_apart_are_reported() -> None:
    week = small_week()
    routes = {d: dict(r) for d, r in VALID_ROUTES.items()}
    routes[WED] = {"n1": ["meal@2026-11-25", "meal-later@2026-11-25"]}
    routes[TUE] = {"n1": ["meal@2026-11-24", "meal-later@2026-11-24", "fixed@2026-11-24", "twice@2026-11-24"]}
    found = check_week_plan(week, hand_plan(week, routes))
    assert any(v.rule == "recurrence" and "days apart" in v.message for v in found)


def test_w2_a_short_recurring_visit_must_be_listed_with_the_right_missing() -> None:
    week = small_week()
    routes = {d: dict(r) for d, r in VALID_ROUTES.items()}
    routes[WED] = {"n1": ["meal@2026-11-25", "meal-later@2026-11-25"]}
    plan = hand_plan(week, routes)
    assert plan.unassigned == (WeekUnassigned("twice", 1, UnassignedReason.CAPACITY, HAND_DETAIL),)
    assert check_week_plan(week, plan) == []
    unlisted = dataclasses.replace(plan, unassigned=())
    assert any(v.rule == "week_unassigned" and v.visit == "twice" for v in check_week_plan(week, unlisted))
    wrong = dataclasses.replace(plan, unassigned=(WeekUnassigned("twice", 2, UnassignedReason.CAPACITY),))
    assert any("missing 2" in v.message for v in check_week_plan(week, wrong))
    fixed = dataclasses.replace(plan, unassigned=(*plan.unassigned,
                                                  WeekUnassigned("fixed", 1, UnassignedReason.CAPACITY)))
    assert any(v.rule == "week_unassigned" and v.visit == "fixed" for v in check_week_plan(week, fixed))


def test_w2_a_recurring_occurrence_on_a_date_outside_its_dates_is_reported() -> None:
    from ahs_routing.domain.week import Recurrence, WeekVisit

    week = small_week()
    twice = week.visit_by_id["twice"]
    narrowed = dataclasses.replace(twice, recurrence=Recurrence(2, (MON, WED, THU), 2))
    week = small_week(visits=tuple(narrowed if v.id == "twice" else v for v in week.visits))
    assert isinstance(narrowed, WeekVisit)
    routes = {d: dict(r) for d, r in VALID_ROUTES.items()}
    routes[WED] = {"n1": ["meal@2026-11-25", "meal-later@2026-11-25"]}
    routes[TUE] = {"n1": ["meal@2026-11-24", "meal-later@2026-11-24", "fixed@2026-11-24", "twice@2026-11-24"]}
    routes[THU] = {"n2": ["meal@2026-11-26", "meal-later@2026-11-26", "twice@2026-11-26"]}
    found = check_week_plan(week, hand_plan(week, routes))
    assert any(v.rule == "recurrence" and "not an allowed date" in v.message for v in found)


# W3: nobody works a day off ---------------------------------------------------------------------


def test_w3_a_route_on_a_day_off_is_reported() -> None:
    week = small_week()
    routes = {d: dict(r) for d, r in VALID_ROUTES.items()}
    routes[THU] = {"n1": ["meal@2026-11-26", "meal-later@2026-11-26"]}  # n1 works Mon-Wed
    found = check_week_plan(week, hand_plan(week, routes))
    assert any(v.rule == "day_off" and v.staff == "n1" for v in found)


# W4: max_week_minutes -----------------------------------------------------------------------------


def test_w4_max_week_minutes_holds_and_is_broken_one_minute_below() -> None:
    week = small_week()
    plan = hand_plan(week, VALID_ROUTES)
    worked = sum(r.end - r.start for d in plan.days for r in d.plan.routes if r.staff == "n1")

    def capped(seconds: int) -> object:
        staff = tuple(dataclasses.replace(s, max_week=seconds) if s.id == "n1" else s for s in week.staff)
        assert all(isinstance(s, WeekStaff) for s in staff)
        return small_week(staff=staff)

    assert check_week_plan(capped(worked), plan) == []  # type: ignore[arg-type]
    found = check_week_plan(capped(worked - 60), plan)  # type: ignore[arg-type]
    assert [(v.rule, v.staff, v.seconds) for v in found] == [("max_week_minutes", "n1", 60)]


def test_week_kpis_that_disagree_with_the_days_are_reported() -> None:
    week = small_week()
    plan = hand_plan(week, VALID_ROUTES)
    wrong = dataclasses.replace(plan, kpis=dataclasses.replace(plan.kpis, staff_per_patient=1.0))
    assert "week_kpis" in rules(check_week_plan(week, wrong))


def test_a_stop_for_an_unknown_visit_is_reported_not_raised() -> None:
    week = small_week()
    plan = hand_plan(week, VALID_ROUTES)
    route = plan.days[0].plan.routes[0]
    stray = Stop("ghost@2026-11-23", "p1", 600, route.stops[-1].end + 600, route.stops[-1].end + 600,
                 route.stops[-1].end + 1200)
    broken = replace_day(plan, MON, routes=(dataclasses.replace(route, stops=(*route.stops, stray)),))
    assert "occurrence" in rules(check_week_plan(week, broken))


def test_every_day_plan_lists_the_weeks_ineligible_patients() -> None:
    from ahs_routing import IneligiblePatient, IneligibleReason

    week = small_week()
    plan = hand_plan(week, VALID_ROUTES)
    wrong = replace_day(plan, MON, ineligible_patients=(IneligiblePatient("p1", IneligibleReason.AGE_LIMIT),))
    assert [v.rule for v in check_week_plan(week, wrong)] == ["ineligible"]


def test_w2_a_week_unassigned_entry_needs_a_detail_sentence() -> None:
    """The contract gives each week `unassigned` entry a `detail`: one without is reported, by visit."""
    week = small_week()
    routes = {d: dict(r) for d, r in VALID_ROUTES.items()}
    routes[WED] = {"n1": ["meal@2026-11-25", "meal-later@2026-11-25"]}
    plan = hand_plan(week, routes)
    assert check_week_plan(week, plan) == []
    bare = dataclasses.replace(plan, unassigned=(WeekUnassigned("twice", 1, UnassignedReason.CAPACITY, " "),))
    found = check_week_plan(week, bare)
    assert [(v.rule, v.visit) for v in found] == [("week_unassigned", "twice")] and "detail" in found[0].message


def _with_far_patient() -> tuple[Week, WeekPlan]:
    """`small_week` plus a 19-year-old (over the age limit of 18) with a check twice a week, never routed."""
    week = small_week()
    policy = dataclasses.replace(week.policy, max_patient_age_years=18.0)
    far = WeekVisit(visit("far-check", "far", 20), recurrence=Recurrence(2))
    week = small_week(patients=(*week.patients, patient("far", age_years=19.0)), visits=(*week.visits, far),
                      policy=policy, travel=line_travel({**POSITIONS, "far": 5.0}))
    plan = hand_plan(week, VALID_ROUTES)
    listed = (IneligiblePatient("far", IneligibleReason.AGE_LIMIT, "19 years old, limit 18"),)
    for date in week.dates:
        plan = replace_day(plan, date, ineligible_patients=listed)
    return week, plan


def test_w2_recurring_visits_of_an_ineligible_patient_are_listed_as_patient_ineligible() -> None:
    """Listed with `missing` = count as `capacity` (or anything else) is reported; `patient_ineligible` is valid."""
    week, plan = _with_far_patient()
    assert plan.unassigned == (WeekUnassigned("far-check", 2, UnassignedReason.CAPACITY, HAND_DETAIL),)
    found = check_week_plan(week, plan)
    assert [(v.rule, v.visit) for v in found] == [("week_unassigned", "far-check")]
    assert "patient_ineligible" in found[0].message
    right = dataclasses.replace(plan, unassigned=(
        WeekUnassigned("far-check", 2, UnassignedReason.PATIENT_INELIGIBLE, "patient far is not eligible"),))
    assert check_week_plan(week, right) == []
    short = dataclasses.replace(plan, unassigned=(
        WeekUnassigned("far-check", 1, UnassignedReason.PATIENT_INELIGIBLE, "patient far is not eligible"),))
    assert [v.rule for v in check_week_plan(week, short)] == ["week_unassigned"]


def test_every_day_plan_lists_the_ineligible_patients_with_their_reason() -> None:
    """A day plan that leaves the week's ineligible patient out, or gives it the wrong reason, is reported."""
    week, plan = _with_far_patient()
    plan = dataclasses.replace(plan, unassigned=(
        WeekUnassigned("far-check", 2, UnassignedReason.PATIENT_INELIGIBLE, "patient far is not eligible"),))
    assert check_week_plan(week, plan) == []
    emptied = check_week_plan(week, replace_day(plan, TUE, ineligible_patients=()))
    assert [v.rule for v in emptied] == ["ineligible"] and emptied[0].message.startswith(TUE.isoformat())
    wrong = replace_day(plan, TUE, ineligible_patients=(IneligiblePatient("far", IneligibleReason.TRAVEL_LIMIT),))
    assert [v.rule for v in check_week_plan(week, wrong)] == ["ineligible"]


# The continuity section of the week KPIs (an addition to the contract) ---------------------------------

#: `VALID_ROUTES` with Wednesday's order changed: `twice` first (08:20, not 10:00), so the meals start later.
LATE_MEALS = {**VALID_ROUTES, WED: {"n1": ["twice@2026-11-25", "meal@2026-11-25", "meal-later@2026-11-25"]}}


def test_the_continuity_section_is_what_the_day_plans_make() -> None:
    """Meals at 08:30 / 09:30 on three dates and 09:00 / 10:00 on Wednesday (30 min spread each); `twice` at
    10:00 Monday and 08:20 Wednesday (100 min); p3 sees n1 and n2, the others n1: max 2, mean 4/3."""
    week = small_week()
    plan = hand_plan(week, LATE_MEALS)
    assert check_week_plan(week, plan) == []
    c = plan.kpis.continuity
    assert c is not None
    assert (c.staff_per_patient_mean, c.staff_per_patient_max) == (4 / 3, 2)
    assert c.recurring_visits_measured == 3  # meal, meal-later, twice; `fixed` has one date
    assert c.start_spread_max_seconds == 100 * 60 and c.start_spread_max_minutes == 100
    assert c.start_spread_mean_seconds == round((30 + 30 + 100) * 60 / 3, 1)
    assert c.start_spread_mean_minutes == round(160 / 3, 4)


def test_a_wrong_continuity_figure_is_reported_and_a_plan_without_the_section_is_not() -> None:
    week = small_week()
    plan = hand_plan(week, LATE_MEALS)
    c = plan.kpis.continuity
    assert c is not None
    changes = ({"staff_per_patient_max": 1}, {"start_spread_max_seconds": 0}, {"start_spread_mean_seconds": None},
               {"recurring_visits_measured": 4}, {"staff_per_patient_mean": 1.0})
    for change in changes:
        wrong = dataclasses.replace(c, **change)  # type: ignore[arg-type]
        stated = dataclasses.replace(plan, kpis=dataclasses.replace(plan.kpis, continuity=wrong))
        found = check_week_plan(week, stated)
        assert [v.rule for v in found] == ["week_kpis"] and "continuity" in found[0].message
    without = dataclasses.replace(plan, kpis=dataclasses.replace(plan.kpis, continuity=None))
    assert check_week_plan(week, without) == []
