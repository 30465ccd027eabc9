"""The plan for a week: one day `Plan` per date, recurring visits short of their count, and week KPIs.

Day plans name occurrence ids (``"{visit}@{date}"``, `ahs_routing.domain.week`). The KPIs are
computed from the day plans alone; durations are seconds, as in `ahs_routing.domain.plan`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ahs_routing.domain.plan import InMinutes, Meta, Plan, UnassignedReason
from ahs_routing.domain.week import Week, split_occurrence
from ahs_routing.times import format_clock, seconds_to_minutes


@dataclass(frozen=True, slots=True)
class WeekDay:
    """One date of the week and its day plan."""

    date: dt.date
    plan: Plan


@dataclass(frozen=True, slots=True)
class WeekUnassigned:
    """A recurring visit served on fewer dates than its count: how many are missing, the main reason, a sentence."""

    visit: str
    missing: int
    reason: UnassignedReason
    detail: str = ""


@dataclass(frozen=True, slots=True)
class WeekContinuity:
    """Continuity across the week: who comes to each patient, and how steady recurring visits' times are.

    Staff per patient is over patients with a served visit (every member of a team visit counts).
    The start spread of a recurring week visit served on 2 or more dates is its latest start minus its
    earliest, as clock times (seconds; the JSON shows minutes); `recurring_visits_measured` counts those
    visits. Figures are None when nothing is measured.
    """

    staff_per_patient_mean: float | None = None
    staff_per_patient_max: int | None = None
    start_spread_mean_seconds: float | None = None
    start_spread_max_seconds: int | None = None
    recurring_visits_measured: int = 0

    @property
    def start_spread_mean_minutes(self) -> float | None:
        """Return the mean start spread in minutes, as the JSON shows it."""
        return None if self.start_spread_mean_seconds is None else round(self.start_spread_mean_seconds / 60, 4)

    @property
    def start_spread_max_minutes(self) -> int | float | None:
        """Return the largest start spread in minutes, as the JSON shows it."""
        return None if self.start_spread_max_seconds is None else seconds_to_minutes(self.start_spread_max_seconds)


@dataclass(frozen=True, slots=True)
class WeekKpis(InMinutes):
    """Key figures of a week plan (durations in seconds; the JSON shows minutes).

    `visits` counts the occurrences the week asks for (1 per fixed-date visit, `count` per
    recurring one); `staff_per_patient` is the mean, over patients with a served visit, of the
    distinct staff who visited them during the week (None when no visit is served). `continuity`
    adds the maximum and the start spreads (`WeekContinuity`); None on a plan read from a document
    without it (an addition to the contract).
    """

    visits: int
    visits_served: int
    travel_seconds: int
    overtime_seconds: int
    staff_per_patient: float | None
    continuity_rate: float | None
    continuity: WeekContinuity | None = None


@dataclass(frozen=True, slots=True)
class WeekPlan:
    """The answer for a week: a day plan per date in order, recurring visits short of their count, KPIs.

    `meta` is the week's provenance, as a day plan's (`Plan.meta`): read-only, not part of equality.
    """

    days: tuple[WeekDay, ...]
    unassigned: tuple[WeekUnassigned, ...]
    kpis: WeekKpis
    meta: Mapping[str, Any] = field(default_factory=Meta, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.meta, Meta):
            object.__setattr__(self, "meta", Meta(self.meta))

    def plan_on(self, date: dt.date) -> Plan | None:
        """Return the day plan of a date, or None when the week plan has none."""
        return next((day.plan for day in self.days if day.date == date), None)

    def summary(self) -> str:
        """Return a short, human-readable account of the week (ids only, no personal data)."""
        k = self.kpis
        spp = "-" if k.staff_per_patient is None else f"{k.staff_per_patient:.2f}"
        lines = [f"Week of {len(self.days)} dates: {k.visits_served} of {k.visits} visits served, "
                 f"travel {k.travel_minutes} min, overtime {k.overtime_minutes} min, {spp} staff per patient"]
        c = k.continuity
        if c is not None and c.staff_per_patient_max is not None:
            spread = ("" if c.start_spread_mean_minutes is None else
                      f"; start spread of {c.recurring_visits_measured} recurring visits: mean "
                      f"{c.start_spread_mean_minutes:.0f} min, max {c.start_spread_max_minutes} min")
            lines.append(f"  continuity: at most {c.staff_per_patient_max} staff per patient{spread}")
        for day in self.days:
            p = day.plan
            people = " ".join(f"{r.staff}({format_clock(r.start)}-{format_clock(r.end)})" for r in p.routes)
            lines.append(f"  {day.date.isoformat()}: {p.kpis.visits_served} of {p.kpis.visits} served; {people}")
        lines += [f"  missing {u.visit} x{u.missing}: {u.reason.value} ({u.detail})" for u in self.unassigned]
        return "\n".join(lines)


def visitors_by_patient(days: Iterable[WeekDay]) -> dict[str, set[str]]:
    """Return, per patient with a served visit, the staff who visited them in the week (every team member)."""
    seen: dict[str, set[str]] = defaultdict(set)
    for day in days:
        for route, stop in day.plan.stops():
            seen[stop.patient].add(route.staff)
    return dict(seen)


def staff_per_patient(days: Iterable[WeekDay]) -> float | None:
    """Return the mean number of distinct staff per patient with a served visit (None when none is served)."""
    seen = visitors_by_patient(days)
    return sum(len(staff) for staff in seen.values()) / len(seen) if seen else None


def recurring_starts(week: Week, days: Iterable[WeekDay]) -> dict[str, dict[dt.date, int]]:
    """Return, per recurring week visit, the start of its occurrence on each date it is served.

    A date's start is the earliest start among the stops serving that occurrence (a team's members start together).
    """
    starts: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for day in days:
        for _, stop in day.plan.stops():
            parts = split_occurrence(stop.visit)
            item = None if parts is None else week.visit_by_id.get(parts[0])
            if parts is None or item is None or item.recurrence is None or parts[1] != day.date:
                continue
            known = starts[parts[0]].get(day.date)
            starts[parts[0]][day.date] = stop.start if known is None else min(known, stop.start)
    return dict(starts)


def start_spreads(week: Week, days: Iterable[WeekDay]) -> dict[str, int]:
    """Return, per recurring week visit served on 2 or more dates, its latest start minus its earliest (seconds)."""
    return {visit: max(by_date.values()) - min(by_date.values())
            for visit, by_date in sorted(recurring_starts(week, days).items()) if len(by_date) >= 2}


def week_continuity(week: Week, days: Sequence[WeekDay]) -> WeekContinuity:
    """Return the continuity figures of day plans for a week."""
    seen = visitors_by_patient(days)
    spreads = start_spreads(week, days)
    return WeekContinuity(
        staff_per_patient_mean=staff_per_patient(days),
        staff_per_patient_max=max((len(s) for s in seen.values()), default=None),
        start_spread_mean_seconds=round(sum(spreads.values()) / len(spreads), 1) if spreads else None,
        start_spread_max_seconds=max(spreads.values(), default=None),
        recurring_visits_measured=len(spreads),
    )


def week_minutes(days: Iterable[WeekDay]) -> dict[str, int]:
    """Return each person's sum over the week of (route end - route start), in seconds."""
    total: dict[str, int] = defaultdict(int)
    for day in days:
        for route in day.plan.routes:
            total[route.staff] += route.end - route.start
    return dict(total)


def served_dates(days: Iterable[WeekDay]) -> dict[str, list[dt.date]]:
    """Return, per week visit id, the dates its occurrence is served on (in the week's order)."""
    found: dict[str, list[dt.date]] = defaultdict(list)
    for day in days:
        served = {stop.visit for _, stop in day.plan.stops()}
        for occurrence in sorted(served):
            parts = split_occurrence(occurrence)
            if parts is not None and parts[1] == day.date:
                found[parts[0]].append(day.date)
    return dict(found)


def week_kpis(week: Week, days: Sequence[WeekDay]) -> WeekKpis:
    """Return the KPIs of day plans for a week (travel and overtime as the day plans state them)."""
    preferred = {p.id: p.preferred_staff for p in week.patients}
    counted = liked = 0
    for day in days:
        for route, stop in day.plan.stops():
            wanted = preferred.get(stop.patient, ())
            if wanted:
                counted += 1
                liked += route.staff in wanted
    return WeekKpis(
        visits=sum(week.wanted_count(item) for item in week.visits),
        visits_served=sum(len({s.visit for _, s in day.plan.stops()}) for day in days),
        travel_seconds=sum(day.plan.kpis.travel_seconds for day in days),
        overtime_seconds=sum(day.plan.kpis.overtime_seconds for day in days),
        staff_per_patient=staff_per_patient(days),
        continuity_rate=liked / counted if counted else None,
        continuity=week_continuity(week, days),
    )


def missing_counts(week: Week, days: Sequence[WeekDay]) -> Mapping[str, int]:
    """Return, per recurring visit served on fewer than `count` dates, how many dates are missing."""
    served = served_dates(days)
    return {item.id: item.recurrence.count - len(served.get(item.id, []))
            for item in week.visits
            if item.recurrence is not None and len(served.get(item.id, [])) < item.recurrence.count}
