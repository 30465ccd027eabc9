"""The week plan checker: rules W1-W4 of the contract's week documents, on top of every day rule.

Like `ahs_routing.check.checker` it shares no code with the solver. Each day plan is held to
the day rules (`check_plan`) against the day problem derived from the week problem and that day
plan: the staff rostered that date, and every occurrence the day plan names (in its routes or
its `unassigned`) plus the occurrences linked to them. Week rules come on top: a recurring visit
on at most `count` allowed, well-spaced dates and listed with the right `missing` when short
(W2), nobody working a day off (W3), `max_week_minutes` (W4). W5 (same seed, same plan) is the
solver's and is tested there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

from ahs_routing.check.checker import Violation, check_plan
from ahs_routing.check.eligibility import ineligible_patients
from ahs_routing.domain.plan import Plan, UnassignedReason
from ahs_routing.domain.week import Week, split_occurrence, well_spaced
from ahs_routing.domain.week_plan import WeekPlan, served_dates, staff_per_patient, week_minutes
from ahs_routing.errors import InputError
from ahs_routing.times import seconds_to_minutes
from ahs_routing.travel import TravelMatrix, travel_matrix

WEEK_RULES = (
    "week_days",  # one day plan per date, in order, dated as its entry
    "occurrence",  # day plans name occurrences "{visit}@{date}" of that date, allowed there
    "recurrence",  # W2: at most count dates, allowed, spaced; fixed-date visits in their day's plan
    "week_unassigned",  # W2: short recurring visits listed with the right `missing`, nothing else
    "day_off",  # W3
    "max_week_minutes",  # W4
    "week_kpis",  # the week KPIs agree with the day plans
)


def _day(date: dt.date, violation: Violation) -> Violation:
    """Return a day rule's violation with its date in front of the message."""
    return dataclasses.replace(violation, message=f"{date.isoformat()}: {violation.message}")


def day_visit_ids(week: Week, date: dt.date, plan: Plan, found: list[Violation]) -> set[str]:
    """Return the week visit ids whose occurrences the derived day problem holds (named ones and their links).

    A name that is no occurrence of this date, or of a visit not allowed on it, is reported in `found`.
    """
    named = [stop.visit for _, stop in plan.stops()] + [u.visit for u in plan.unassigned]
    ids: set[str] = set()
    for name in dict.fromkeys(named):
        parts = split_occurrence(name)
        if parts is None or parts[0] not in week.visit_by_id:
            found.append(Violation("occurrence", f"{date.isoformat()}: {name!r} is not an occurrence of a week visit",
                                   visit=name))
        elif parts[1] != date:
            found.append(Violation("occurrence", f"{date.isoformat()}: {name!r} is an occurrence of another date",
                                   visit=name))
        elif date not in week.allowed_dates(week.visit_by_id[parts[0]]):
            found.append(Violation("recurrence", f"{date.isoformat()} is not an allowed date of {parts[0]}",
                                   visit=name))
        else:
            ids.add(parts[0])
    for item in week.visits:
        if item.date == date:
            if item.id not in ids:
                found.append(Violation("recurrence", f"{date.isoformat()}: fixed-date visit {item.id} is missing "
                                       "from its day plan (neither routed nor unassigned)", visit=item.id))
            ids.add(item.id)
    # Linked occurrences belong to the day problem too, so that a lone partner is caught by rule 8.
    links = {item.id: item.visit.after.visit for item in week.visits if item.visit.after is not None}
    grown = True
    while grown:
        extra = {links[v] for v in ids if v in links} | {v for v, partner in links.items() if partner in ids}
        grown = not extra <= ids
        ids |= extra
    return ids


def _check_day(week: Week, date: dt.date, plan: Plan, travel: TravelMatrix, found: list[Violation]) -> None:
    if plan.date != date:
        found.append(Violation("week_days", f"the day plan for {date.isoformat()} is dated {plan.date.isoformat()}"))
    rostered = {s.id for s in week.staff_on(date)}
    for route in plan.routes:
        if route.staff not in rostered:
            known = route.staff in week.staff_by_id
            found.append(Violation("day_off", f"{date.isoformat()}: {route.staff} has a route but "
                                   + ("no entry for this date" if known else "is not in the week's staff"),
                                   staff=route.staff))
    # Every ineligible patient of the week is listed in each day plan: the day rule `ineligible` checks it.
    ids = day_visit_ids(week, date, plan, found)
    for visit_id in sorted(ids):
        pinned = week.visit_by_id[visit_id].visit.pinned_staff
        if pinned is not None and pinned not in rostered:
            found.append(Violation("day_off", f"{date.isoformat()}: {visit_id} is pinned to {pinned}, who has no "
                                   "entry for this date", staff=pinned, visit=visit_id))
            ids.discard(visit_id)
    try:
        problem = week.day_problem(date, ids)
    except InputError as error:  # a day problem the week cannot form; each reason is reported
        found.extend(Violation("occurrence", f"{date.isoformat()}: {p}") for p in error.problems)
        return
    found.extend(_day(date, v) for v in check_plan(problem, plan, travel))


def _check_recurrences(week: Week, plan: WeekPlan, travel: TravelMatrix, found: list[Violation]) -> None:
    served = served_dates(plan.days)
    listed = Counter(u.visit for u in plan.unassigned)
    missing = {u.visit: u for u in plan.unassigned}
    excluded = {p.patient for p in ineligible_patients(week.template, travel)}
    for visit_id, times in listed.items():
        item = week.visit_by_id.get(visit_id)
        if item is None:
            found.append(Violation("week_unassigned", f"lists unknown visit {visit_id!r}", visit=visit_id))
        elif item.recurrence is None:
            found.append(Violation("week_unassigned", "a fixed-date visit belongs in its day's unassigned, "
                                   "not the week's", visit=visit_id))
        if times > 1:
            found.append(Violation("week_unassigned", f"listed {times} times", visit=visit_id))
    for item in week.visits:
        dates = served.get(item.id, [])
        if item.recurrence is None:
            continue
        rule = item.recurrence
        if len(dates) > rule.count:
            found.append(Violation("recurrence", f"served on {len(dates)} dates, count is {rule.count}",
                                   visit=item.id))
        if not well_spaced(dates, rule.min_days_apart):
            shown = ", ".join(d.isoformat() for d in dates)
            found.append(Violation("recurrence", f"served on {shown}; dates must be at least "
                                   f"{max(1, rule.min_days_apart)} days apart", visit=item.id))
        short = max(0, rule.count - len(dates))
        entry = missing.get(item.id)
        if short and entry is None:
            found.append(Violation("week_unassigned", f"served on {len(dates)} of {rule.count} dates but not listed "
                                   "in the week's unassigned", visit=item.id))
        elif entry is not None and entry.missing != short:
            found.append(Violation("week_unassigned", f"listed as missing {entry.missing}, "
                                   f"{short} are missing", visit=item.id))
        elif entry is not None and entry.reason is UnassignedReason.PATIENT_INELIGIBLE \
                and item.visit.patient not in excluded:
            found.append(Violation("week_unassigned", f"reason patient_ineligible, but patient "
                                   f"{item.visit.patient} is eligible", visit=item.id))
        elif entry is not None and entry.reason is not UnassignedReason.PATIENT_INELIGIBLE \
                and item.visit.patient in excluded:
            found.append(Violation("week_unassigned", f"reason {entry.reason.value}, but patient "
                                   f"{item.visit.patient} is ineligible: the reason must be patient_ineligible",
                                   visit=item.id))
        if entry is not None and not entry.detail.strip():
            found.append(Violation("week_unassigned", "listed without a detail sentence saying why",
                                   visit=item.id))


def _check_kpis(week: Week, plan: WeekPlan, found: list[Violation]) -> None:
    served = sum(len({s.visit for _, s in day.plan.stops()}) for day in plan.days)
    if plan.kpis.visits_served != served:
        found.append(Violation("week_kpis", f"kpis say {plan.kpis.visits_served} visits served, "
                               f"the day plans serve {served}"))
    wanted = sum(week.wanted_count(item) for item in week.visits)
    if plan.kpis.visits != wanted:
        found.append(Violation("week_kpis", f"kpis say {plan.kpis.visits} visits, the week asks for {wanted}"))
    spp, stated = staff_per_patient(plan.days), plan.kpis.staff_per_patient
    if (spp is None) != (stated is None) or (spp is not None and stated is not None and abs(spp - stated) > 1e-3):
        found.append(Violation("week_kpis", f"kpis say {stated} staff per patient, the day plans make it {spp}"))


def _continuity_figures(week: Week, plan: WeekPlan) -> dict[str, float | int | None]:
    """Return the continuity figures the day plans make, derived here on their own (seconds for spreads)."""
    visitors: dict[str, set[str]] = {}
    first: dict[tuple[str, dt.date], int] = {}
    for day in plan.days:
        for route in day.plan.routes:
            for stop in route.stops:
                visitors.setdefault(stop.patient, set()).add(route.staff)
                visit_id, _, when = stop.visit.rpartition("@")
                item = week.visit_by_id.get(visit_id)
                if item is None or item.recurrence is None or when != day.date.isoformat():
                    continue
                key = (visit_id, day.date)
                first[key] = min(first.get(key, stop.start), stop.start)
    by_visit: dict[str, list[int]] = {}
    for (visit_id, _), start in first.items():
        by_visit.setdefault(visit_id, []).append(start)
    spreads = [max(starts) - min(starts) for starts in by_visit.values() if len(starts) >= 2]
    counts = [len(staff) for staff in visitors.values()]
    return {
        "staff_per_patient_mean": sum(counts) / len(counts) if counts else None,
        "staff_per_patient_max": max(counts) if counts else None,
        "start_spread_mean_seconds": sum(spreads) / len(spreads) if spreads else None,
        "start_spread_max_seconds": max(spreads) if spreads else None,
        "recurring_visits_measured": len(spreads),
    }


def _check_continuity(week: Week, plan: WeekPlan, found: list[Violation]) -> None:
    """The `continuity` section, when the plan states one, agrees with the day plans (spreads within a second)."""
    stated = plan.kpis.continuity
    if stated is None:
        return  # an addition to the contract: a plan may leave it out
    for name, derived in _continuity_figures(week, plan).items():
        given = getattr(stated, name)
        tolerance = 1.0 if name.endswith("_seconds") else 1e-3
        if (given is None) != (derived is None) or (
                given is not None and derived is not None and abs(given - derived) > tolerance):
            found.append(Violation("week_kpis", f"kpis.continuity say {name} = {given}, "
                                   f"the day plans make it {derived}"))


def check_week_plan(week: Week, plan: WeekPlan, travel: TravelMatrix | None = None) -> list[Violation]:
    """Return every violation of W1-W4 and the day rules by a week plan (empty when the plan is valid)."""
    matrix = travel if travel is not None else travel_matrix(week.template)
    found: list[Violation] = []
    dates = [day.date for day in plan.days]
    if dates != list(week.dates):
        found.append(Violation("week_days", "day plans are for " + ", ".join(d.isoformat() for d in dates)
                               + "; the week's dates in order are " + ", ".join(d.isoformat() for d in week.dates)))
    for day in plan.days:
        if day.date in week.dates:
            _check_day(week, day.date, day.plan, matrix, found)
    _check_recurrences(week, plan, matrix, found)
    for person_id, seconds in sorted(week_minutes(plan.days).items()):
        person = week.staff_by_id.get(person_id)
        if person is not None and person.max_week is not None and seconds > person.max_week:
            found.append(Violation("max_week_minutes", f"works {seconds_to_minutes(seconds)} min in the week, "
                                   f"over the cap of {seconds_to_minutes(person.max_week)}", staff=person_id,
                                   seconds=seconds - person.max_week))
    _check_kpis(week, plan, found)
    _check_continuity(week, plan, found)
    return found
