"""Solve a planning week: `solve_week(week) -> WeekPlan`.

The search decides the dates and the routes together, with the day solver (`solve`) doing the routes:

1. Dates. Visits on a fixed date, and recurring visits due on every allowed date (daily meals, and
   so every `after`-linked visit), have no choice. Each other recurring visit gets the `count`
   allowed, well-spaced dates where it costs least: the detour from the nearest home already
   visited that date (or the base), plus its work weighted by how full that date's staff are
   (a mild pull towards emptier dates, a strong push away from dates over 60% full). The
   baseline (`assignment="first_dates"`) takes the first allowed dates that keep the spacing.
2. Routes. Each date is solved on its own by the day solver, for travel.
3. Continuity, free: each date's routes are handed, by an optimal assignment, to the colleagues
   rostered that date who already know their patients (same places, same breaks, a shift that
   holds the route: travel does not change).
4. Improvement, `improvement_rounds` times: an occurrence a day could not serve is moved to another
   allowed date with room, that date re-routed and the move kept only if it serves more; each date
   is re-routed from its own plan towards the week's primary staff per patient (`primary_staff`, as
   `SolveHints.preferred_staff`) and its recurring visits' usual starts (`SolveHints.target_starts`),
   the new day kept when it serves as much and the week costs less; then, without a day solve, each
   date is offered the other dates' routes at the times they had there (`copied_day`: the same
   rounds every day, so that handing routes out gives each patient the same few faces), kept on the
   same terms, with routes handed again, until nothing changes; single occurrences of flexible
   visits then move to other allowed dates where that costs the week less (`move_dates`, no day solve).

The week's cost is travel + overtime and visits by others than a patient's `preferred_staff` (at the
day solver's prices) + `continuity_minutes` per distinct staff-patient pair (a little more for a
pair with more visits: `_pair_price`) + `start_spread_weight` per second a recurring visit starts
more than ANCHOR_TOLERANCE from its usual start. `max_week_minutes` is
hard: when a person's rostered days could add up to more, the shifts are narrowed for the search so
that they add up to at most the cap while still holding their breaks (`week_roster`; the plan then
holds under the real roster too). Everything runs in a fixed
order on day solves, so the same week with the same seed and a solution or patience budget gives the
same plan (unless a day solve hits its time limit first). The plan is checked by
`ahs_routing.check.week` before it is returned.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

from ahs_routing.check.eligibility import ineligible_patients
from ahs_routing.check.week import check_week_plan
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.model import Problem, Staff, Visit
from ahs_routing.domain.plan import Plan, Unassigned, UnassignedReason
from ahs_routing.domain.week import (
    Week,
    WeekVisit,
    max_spaced,
    occurrence_id,
    split_occurrence,
    well_spaced,
)
from ahs_routing.domain.week_plan import WeekDay, WeekPlan, WeekUnassigned, missing_counts, week_kpis
from ahs_routing.solve.options import SolveHints
from ahs_routing.solve.pipeline import provenance, solve, travel_label
from ahs_routing.solve.week_continuity import (
    ANCHOR_TOLERANCE,
    ContinuitySteps,
    _served,
    _State,
    _with_unassigned,
)
from ahs_routing.solve.week_options import WeekOptions
from ahs_routing.solve.week_roster import may_serve, planned_staff, shortfall
from ahs_routing.times import MAX_CLOCK_SECONDS
from ahs_routing.travel import TravelMatrix, TravelProvider, travel_matrix

log = logging.getLogger(__name__)

#: More combinations of dates than this for one visit are not all scored (the first ones in date order are).
MAX_DATE_SETS = 5000
#: Choosing dates, a visit costs its detour plus its work times these weights: BALANCE_WEIGHT x the
#: date's busy share after it (a mild pull towards emptier dates), CROWDING_WEIGHT x the share above
#: CROWDED_SHARE (days that full leave the day solver no room; their visits go elsewhere).
BALANCE_WEIGHT = 0.25
#: A visit whose windows come within this of another's is "around the same time" (the same shift).
NEARBY_SECONDS = 30 * 60
CROWDING_WEIGHT = 4.0
CROWDED_SHARE = 0.6


class _WeekSolver(ContinuitySteps):
    def __init__(self, week: Week, options: WeekOptions, matrix: TravelMatrix, travel_provider: str,
                 should_stop: Callable[[], bool] | None = None) -> None:
        self.week = week
        self.options = options
        self.matrix = matrix
        self.travel_provider = travel_provider
        self.should_stop = should_stop
        self.timed_out = False
        self.started = time.monotonic()
        self.ineligible = ineligible_patients(week.template, matrix)
        self.excluded = {p.patient for p in self.ineligible}
        self.staff = planned_staff(week)
        self.solved: dict[tuple[object, ...], Plan] = {}
        self.flexible = [item for item in week.visits
                         if not week.happens_every_allowed_date(item) and item.visit.patient not in self.excluded]
        # Visits another one is linked to by `after`: moved together with it, never alone.
        self.linked = {item.visit.after.visit for item in week.visits if item.visit.after is not None}

    # Dates ---------------------------------------------------------------------------------

    def usable_dates(self, item: WeekVisit) -> list[dt.date]:
        """Allowed dates with someone rostered who may do the visit."""
        patient = self.week.template.patient_of(item.visit)
        return [d for d in self.week.allowed_dates(item)
                if sum(may_serve(s, item.visit, patient.attributes, patient.excluded_staff)
                       for s in self.staff[d]) >= item.visit.staff_count]

    def fixed_dates(self) -> dict[str, list[dt.date]]:
        return {item.id: list(self.week.allowed_dates(item)) for item in self.week.visits
                if self.week.happens_every_allowed_date(item)}

    def assign(self) -> dict[str, list[dt.date]]:
        chosen = self.fixed_dates()
        if self.options.assignment == "first_dates":
            for item in self.flexible:
                chosen[item.id] = _first_spaced(self.week.allowed_dates(item), item)
            return chosen
        capacity = {d: sum(s.latest_end - s.shift.start - sum(b.duration for b in s.breaks) for s in self.staff[d])
                    for d in self.week.dates}
        load: dict[dt.date, float] = defaultdict(float)
        homes: dict[dt.date, set[tuple[str, int, int]]] = defaultdict(set)
        for visit_id, dates in chosen.items():
            for d in dates:
                load[d] += self.work_seconds(self.week.visit_by_id[visit_id].visit)
                homes[d].add(self.stay(self.week.visit_by_id[visit_id].visit))
        order = sorted(self.flexible, key=lambda it: (-it.visit.priority, len(self.usable_dates(it)) - _count(it),
                                                      -it.visit.duration, self.week.visits.index(it)))
        for item in order:
            usable = self.usable_dates(item)
            wanted = min(_count(item), max_spaced(usable, _gap(item)))
            work = self.work_seconds(item.visit)
            best: tuple[float, tuple[dt.date, ...]] | None = None
            for option in itertools.islice(itertools.combinations(usable, wanted), MAX_DATE_SETS):
                if not well_spaced(option, _gap(item)):
                    continue
                score = sum(self.date_cost(item.visit, work, load[d], capacity[d], homes[d]) for d in option)
                if best is None or score < best[0] - 1e-9:
                    best = (score, option)
            picked = list(best[1]) if best is not None else []
            for d in picked:
                load[d] += work
                homes[d].add(self.stay(item.visit))
            chosen[item.id] = picked
        return chosen

    def stay(self, visit: Visit) -> tuple[str, int, int]:
        """Where a visit happens and the span of its windows (the whole day without windows)."""
        place = self.week.template.place_of_visit(visit)
        if not visit.windows:
            return place, 0, MAX_CLOCK_SECONDS
        return place, min(w.start for w in visit.windows), max(w.end for w in visit.windows)

    def date_cost(self, visit: Visit, work: float, load: float, room: float,
                  homes: set[tuple[str, int, int]]) -> float:
        """Seconds a visit is estimated to cost on a date: the detour from the nearest place visited that
        date around the same time of day (or the base), and the crowding of that date's staff."""
        place, start, end = self.stay(visit)
        near = sorted(p for p, lo, hi in homes if _overlaps((p, lo, hi), start, end))
        detour = min(self.matrix.seconds(p, place) + self.matrix.seconds(place, p)
                     for p in (*near, self.week.base.id))
        share = (load + work) / max(room, 1.0)
        return detour + work * (BALANCE_WEIGHT * share + CROWDING_WEIGHT * max(0.0, share - CROWDED_SHARE))

    def work_seconds(self, visit: Visit) -> float:
        """Service plus the trip from the base: the load a visit puts on its date's staff."""
        place = self.week.template.place_of_visit(visit)
        trip = self.matrix.seconds(self.week.base.id, place)
        return visit.staff_count * (self.week.template.service_seconds(visit) + trip)

    # Routes --------------------------------------------------------------------------------

    def day_visits(self, state: _State, date: dt.date) -> list[str]:
        return [item.id for item in self.week.visits if date in state.dates.get(item.id, ())]

    def route_day(self, state: _State, date: dt.date, hints: Mapping[str, frozenset[str]],
                  extra: Sequence[str] = (), *, minutes: float | None = None, starts: Mapping[str, int] | None = None,
                  warm: Mapping[str, Sequence[str]] | None = None) -> Plan:
        """Solve a date's day problem with staff hints (each costing `minutes`, default `continuity_minutes`),
        announced starts (`starts`, occurrence id -> clock seconds) and a plan to start the search from."""
        ids = [*self.day_visits(state, date), *extra]
        problem, blocked = self.search_problem(date, ids)
        wishes = {v: s for v, s in hints.items() if v in problem.visit_by_id}
        targets = {v: t for v, t in (starts or {}).items() if v in problem.visit_by_id}
        price = self.options.continuity_minutes if minutes is None else minutes
        initial = {staff: tuple(visits) for staff, visits in (warm or {}).items() if visits}
        key = (date, tuple(sorted(ids)), tuple(sorted(wishes.items(), key=lambda kv: kv[0])), price,
               tuple(sorted(targets.items())), tuple(sorted(initial.items())))
        if key not in self.solved:  # the same day asked again (a move undone, hints unchanged): same answer
            day_hints = SolveHints(preferred_staff=wishes, preferred_staff_minutes=price, target_starts=targets,
                                   target_tolerance_seconds=ANCHOR_TOLERANCE, initial_routes=initial)
            plan = solve(problem, self.options.day, travel=self.matrix,
                         hints=day_hints if wishes or targets or initial else None, should_stop=self.should_stop)
            # The matrix is the week's own, built from the week's travel: name that, as the week's meta does.
            plan = dataclasses.replace(plan, meta={**plan.meta, "travel_provider": self.travel_provider})
            self.solved[key] = _with_unassigned(plan, [blocked[v] for v in ids if v in blocked])
        return self.solved[key]

    def search_problem(self, date: dt.date, ids: Sequence[str]) -> tuple[Problem, dict[str, Unassigned]]:
        """The day problem the search solves for a date's visits (staff as narrowed), and the visits blocked."""
        blocked = self.blocked(date, ids)
        return self.week.day_problem(date, [v for v in ids if v not in blocked], self.staff[date]), blocked

    def blocked(self, date: dt.date, ids: Sequence[str]) -> dict[str, Unassigned]:
        """Visits of a date that cannot be solved: pinned to someone not planned that date (off, or no room
        under their weekly cap), and the visits linked to them. Occurrence entries, by week visit id."""
        present = {person.id for person in self.staff[date]}
        rostered = {person.id for person in self.week.staff_on(date)}
        pins = {v: self.week.visit_by_id[v].visit.pinned_staff for v in ids}
        found = {v: Unassigned(occurrence_id(v, date), UnassignedReason.CAPACITY,
                               f"pinned to {pin}, whose max_week_minutes leaves no room this date")
                 if pin in rostered else
                 Unassigned(occurrence_id(v, date), UnassignedReason.NO_COMPATIBLE_STAFF,
                            f"pinned to {pin}, who is not rostered this date")
                 for v, pin in pins.items() if pin is not None and pin not in present}
        links = [(v, after.visit) for v in ids if (after := self.week.visit_by_id[v].visit.after) is not None]
        grown = bool(found)
        while grown:
            grown = False
            for a, b in links:
                for mine, theirs in ((a, b), (b, a)):
                    if theirs in found and mine not in found:
                        found[mine] = Unassigned(occurrence_id(mine, date), UnassignedReason.LINKED_VISIT_UNSERVED,
                                                 f"linked to {theirs}, which cannot be served this date")
                        grown = True
        return found

    def continuity_hints(self, state: _State, date: dt.date, skip: dt.date | None = None) -> dict[str, frozenset[str]]:
        """Occurrence id -> the staff who visit its patient on the other planned dates."""
        seen: dict[str, set[str]] = defaultdict(set)
        for other, plan in state.plans.items():
            if other != skip:
                for route, stop in plan.stops():
                    seen[stop.patient].add(route.staff)
        return {occurrence_id(visit_id, date): frozenset(seen[patient])
                for visit_id in self.day_visits(state, date)
                if (patient := self.week.visit_by_id[visit_id].visit.patient) in seen}


    def route_all(self, state: _State) -> None:
        """Route every date on its own, for travel; continuity comes after (`relabel`, `harmonise`)."""
        for date in self.week.dates:
            state.plans[date] = self.route_day(state, date, {})
            self.note_reasons(state, state.plans[date])

    def note_reasons(self, state: _State, plan: Plan) -> None:
        for entry in plan.unassigned:
            parts = split_occurrence(entry.visit)
            if parts is not None:
                state.tried.setdefault(parts[0], entry.reason)

    # Improvement ---------------------------------------------------------------------------

    def cancelled(self) -> bool:
        return self.should_stop is not None and self.should_stop()

    def out_of_time(self) -> bool:
        """Whether improving must stop: the week's time limit (a cap; budgets are the day solves') or a cancel."""
        limit = self.options.time_limit
        if limit is not None and time.monotonic() - self.started > limit:
            self.timed_out = True
        return self.cancelled() or self.timed_out

    def relocate(self, state: _State) -> None:
        """Move each occurrence a day left out to another allowed date, re-routing that date."""
        for item in self.flexible:
            for date in list(state.dates[item.id]):
                if self.out_of_time():
                    return
                occurrence = occurrence_id(item.id, date)
                if occurrence in _served(state.plans[date]):
                    continue
                for target in self.targets(state, item, date):
                    dates = sorted([*(d for d in state.dates[item.id] if d != date), target])
                    plan = self.route_day(state, target, self.continuity_hints(state, target), extra=[item.id])
                    if _better(plan, state.plans[target]):
                        state.dates[item.id] = dates
                        state.plans[target] = plan
                        self.note_reasons(state, plan)
                        state.plans[date] = _without(state.plans[date], occurrence)
                        break

    def targets(self, state: _State, item: WeekVisit, leaving: dt.date) -> list[dt.date]:
        """Usable dates the visit may move to from `leaving`, the least busy first."""
        kept = [d for d in state.dates[item.id] if d != leaving]
        found = [d for d in self.usable_dates(item) if d not in state.dates[item.id]
                 and well_spaced([*kept, d], _gap(item))]
        return sorted(found, key=lambda d: (_busy_share(state.plans[d], self.staff[d]), d))


    # The plan ------------------------------------------------------------------------------

    def finish(self, state: _State) -> WeekPlan:
        days = [WeekDay(date, self.final_day(state, date)) for date in self.week.dates]
        short = missing_counts(self.week, days)
        unassigned = tuple(WeekUnassigned(visit_id, missing, *self.why(state, visit_id))
                           for visit_id, missing in short.items())
        return WeekPlan(days=tuple(days), unassigned=unassigned, kpis=week_kpis(self.week, days))

    def final_day(self, state: _State, date: dt.date) -> Plan:
        """The day plan on the real roster: served occurrences, fixed-date ones, and their linked partners."""
        plan = state.plans[date]
        keep = _served(plan) | {occurrence_id(item.id, date) for item in self.week.visits if item.date == date}
        links = {occurrence_id(item.id, date): occurrence_id(item.visit.after.visit, date)
                 for item in self.week.visits if item.visit.after is not None}
        grown = True
        while grown:
            extra = {links[v] for v in keep if v in links} | {v for v, partner in links.items() if partner in keep}
            grown = not extra <= keep
            keep |= extra
        ids = [parts[0] for v in keep if (parts := split_occurrence(v)) is not None]
        problem = self.week.day_problem(date, ids)
        unassigned = {u.visit: u for u in plan.unassigned if u.visit in keep}
        final = assemble_plan(problem, plan.routes, unassigned, plan.ineligible_patients, has_km=self.matrix.has_km)
        return dataclasses.replace(final, meta=plan.meta)  # the day solve's provenance

    def why(self, state: _State, visit_id: str) -> tuple[UnassignedReason, str]:
        item = self.week.visit_by_id[visit_id]
        if item.visit.patient in self.excluded:
            return UnassignedReason.PATIENT_INELIGIBLE, f"patient {item.visit.patient} is not eligible"
        short = shortfall(self.week, item, self.staff, _count(item))
        if short is not None:
            return short
        usable = self.usable_dates(item)
        if max_spaced(usable, _gap(item)) < _count(item):
            return (UnassignedReason.UNREACHABLE_IN_SHIFT,
                    f"the dates with staff able to do it cannot be {_gap(item)} days apart {_count(item)} times")
        reason = state.tried.get(visit_id, UnassignedReason.CAPACITY)
        return reason, "not served on every date it was planned for, nor on another allowed date with room"


def _overlaps(stay: tuple[str, int, int], start: int, end: int) -> bool:
    """True when a stay's windows come within NEARBY_SECONDS of [start, end]."""
    return stay[1] - NEARBY_SECONDS <= end and start <= stay[2] + NEARBY_SECONDS


def _count(item: WeekVisit) -> int:
    return item.recurrence.count if item.recurrence is not None else 1


def _gap(item: WeekVisit) -> int:
    return item.recurrence.min_days_apart if item.recurrence is not None else 0


def _first_spaced(dates: Sequence[dt.date], item: WeekVisit) -> list[dt.date]:
    picked: list[dt.date] = []
    for date in sorted(dates):
        if len(picked) < _count(item) and well_spaced([*picked, date], _gap(item)):
            picked.append(date)
    return picked


def _better(new: Plan, old: Plan) -> bool:
    """True when `new` serves everything `old` serves (as sets of occurrences) and more."""
    return _served(old) < _served(new)


def _without(plan: Plan, occurrence: str) -> Plan:
    """The plan with an unserved occurrence taken out of its unassigned list (it moved to another date)."""
    return dataclasses.replace(plan, unassigned=tuple(u for u in plan.unassigned if u.visit != occurrence))


def _busy_share(plan: Plan, staff: Sequence[Staff]) -> float:
    room = sum(s.latest_end - s.shift.start for s in staff)
    return sum(r.end - r.start for r in plan.routes) / room if room else 1.0


def solve_week(
    week: Week,
    options: WeekOptions | None = None,
    *,
    travel: TravelMatrix | TravelProvider | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> WeekPlan:
    """Return a checked week plan: the dates of every recurring visit, a day plan per date, week KPIs.

    `should_stop` is polled by every day solve and between improvement steps; once it returns True
    the remaining days are solved no further and the week plan is still a checked one.
    """
    options = options or WeekOptions()
    matrix = travel if isinstance(travel, TravelMatrix) else travel_matrix(week.template, travel)
    label = travel_label(week.template.travel.provider, travel)
    solver = _WeekSolver(week, options, matrix, label, should_stop)
    state = _State(dates=solver.assign())
    solver.route_all(state)
    solver.relabel(state)
    for _ in range(options.improvement_rounds):
        solver.relocate(state)
        solver.harmonise(state)
        solver.copy_days(state)
        solver.move_dates(state)
        solver.relabel(state)
    stopped_by = "cancelled" if solver.cancelled() else "time_limit" if solver.timed_out else "completed"
    plan = dataclasses.replace(solver.finish(state),
                               meta=provenance(options.day, week.template.travel.provider, travel, stopped_by)
                               | {"time_limit": options.time_limit, "day_time_limit": options.day.time_limit})
    violations = check_week_plan(week, plan, matrix)
    if violations:  # a bug, never the input's fault: say so rather than return a wrong plan
        raise RuntimeError("the week plan breaks the contract: " + "; ".join(str(v) for v in violations[:5]))
    log.info("week of %d dates: %d of %d occurrences served", len(week.dates), plan.kpis.visits_served,
             plan.kpis.visits)
    return plan

