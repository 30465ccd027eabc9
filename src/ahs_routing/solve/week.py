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
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from scipy.optimize import linear_sum_assignment

from ahs_routing.check.checker import check_plan
from ahs_routing.check.eligibility import ineligible_patients
from ahs_routing.check.week import check_week_plan
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.model import Problem, Staff, TimeWindow, Visit
from ahs_routing.domain.plan import Plan, Route, Unassigned, UnassignedReason
from ahs_routing.domain.week import (
    OCCURRENCE_SEPARATOR,
    Week,
    WeekVisit,
    max_spaced,
    occurrence_id,
    split_occurrence,
    well_spaced,
)
from ahs_routing.domain.week_plan import WeekDay, WeekPlan, WeekUnassigned, missing_counts, week_kpis, week_minutes
from ahs_routing.schedule.insertion import Budget
from ahs_routing.schedule.timing import retime_route
from ahs_routing.solve.fitting import ways_to_fit
from ahs_routing.solve.options import SolveHints
from ahs_routing.solve.pipeline import provenance, solve, travel_label
from ahs_routing.solve.week_options import WeekOptions
from ahs_routing.solve.week_roster import may_serve, planned_staff, shortfall
from ahs_routing.times import MAX_CLOCK_SECONDS, SECONDS_PER_MINUTE
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
#: A recurring visit starting within this of its usual (median) start over the week costs nothing,
#: in the week's cost and in the day solves' announced starts alike.
ANCHOR_TOLERANCE = 15 * 60
#: Stands in for "may not" in an assignment's cost matrix (linear_sum_assignment needs finite costs).
UNFIT = 1e12
#: How much more than its first visit a staff-patient pair can cost in all (`_pair_price`).
CONCENTRATION = 0.5
#: Passes of offering each date the other dates' routes (no solves: route re-timing and insertion only).
COPY_PASSES = 6
#: Route evaluations for inserting a date's own visits into another date's routes.
COPY_EVALUATIONS = 20_000
COPY_DETAIL = "not in the routes copied from another date"
#: Passes of handing out routes over the week (no solves; each pass sees the previous one's hand-out).
RELABEL_PASSES = 4


@dataclass
class _State:
    """The week being searched: chosen dates per visit and the current day plans."""

    dates: dict[str, list[dt.date]]
    plans: dict[dt.date, Plan] = field(default_factory=dict)
    tried: dict[str, UnassignedReason] = field(default_factory=dict)


class _WeekSolver:
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

    def cost(self, state: _State) -> float:
        """The week's soft objective in seconds: travel, overtime, visits by someone other than the
        patient's preferred staff and weekly work beyond the team's mean at the day solver's prices
        (`balance_weight`, 0 = off), `continuity_minutes` per distinct staff-patient pair (`_pair_price`), and
        `start_spread_weight` per second a recurring visit starts away from its usual time (`spread_seconds`)."""
        pairs = Counter((route.staff, stop.patient) for plan in state.plans.values() for route, stop in plan.stops())
        travel = sum(plan.kpis.travel_seconds for plan in state.plans.values())
        overtime = sum(max(0, route.end - person.shift.end) for date, plan in state.plans.items()
                       for route in plan.routes for person in self.staff[date] if person.id == route.staff)
        strangers = sum(self.stranger_seconds(route.staff, stop.patient)
                        for plan in state.plans.values() for route, stop in plan.stops())
        worked = week_minutes(self.as_days(state))
        mean = self.mean_work(worked)
        beyond = sum(max(0.0, seconds - mean) for seconds in worked.values())
        return (travel + overtime * self.options.day.overtime_weight + strangers
                + beyond * self.options.day.balance_weight
                + self.options.continuity_minutes * SECONDS_PER_MINUTE * sum(map(_pair_price, pairs.values()))
                + self.options.start_spread_weight * self.spread_seconds(state))

    def mean_work(self, worked: Mapping[str, int]) -> float:
        """The team's mean working seconds in the week, over everyone rostered at all."""
        rostered = sum(1 for person in self.week.staff if person.days)
        return sum(worked.values()) / rostered if rostered else 0.0

    def stranger_seconds(self, staff: str, patient: str) -> float:
        """What the day solver charges for a visit by someone not among the patient's `preferred_staff`."""
        wanted = self.week.template.patient_by_id[patient].preferred_staff
        return self.options.day.continuity_minutes * SECONDS_PER_MINUTE if wanted and staff not in wanted else 0.0

    def best_of(self, state: _State, date: dt.date, candidates: Sequence[Plan]) -> Plan:
        """The candidate plan for a date that serves most, then costs the week least (the first on ties)."""
        def score(plan: Plan) -> tuple[int, float]:
            state.plans[date] = plan
            return -len(_served(plan)), self.cost(state)

        scored = [(score(plan), i) for i, plan in enumerate(candidates)]
        best = candidates[min(scored)[1]]
        state.plans[date] = best
        return best

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

    def harmonise(self, state: _State) -> None:
        """Re-route each date towards the week's primary staff per patient and its recurring visits' usual
        starts, from the current plan; keep a new plan that serves as much and costs the week less.

        The primary staff (`primary_staff`) and the anchor starts (`anchor_starts`) are chosen once per
        round from the whole week, so every date is pulled towards the same faces and times.
        """
        if self.options.continuity_minutes <= 0 and self.options.start_spread_weight <= 0:
            return
        primary = self.primary_staff(state) if self.options.continuity_minutes > 0 else {}
        anchors = self.anchor_starts(state) if self.options.start_spread_weight > 0 else {}
        for date in self.week.dates:
            if self.out_of_time():
                return
            current = state.plans[date]
            hints = self.primary_hints(state, date, primary)
            starts = {occurrence_id(v, date): anchors[v] for v in self.day_visits(state, date) if v in anchors}
            # From the date's own plan: a search started afresh with these hints, and without the
            # group moves they turn off, served less and drove up to a quarter more on the home-care week.
            warm = {r.staff: [stop.visit for stop in r.stops] for r in current.routes}
            plan = self.route_day(state, date, hints, minutes=self.options.primary_staff_minutes, starts=starts,
                                  warm=warm)
            kept = _served(current) <= _served(plan) and self.best_of(state, date, [current, plan]) is plan
            log.debug("harmonise %s: %d hints, %d starts, served %d -> %d, travel %d -> %d, kept %s", date,
                      len(hints), len(starts), len(_served(current)), len(_served(plan)),
                      current.kpis.travel_seconds // 60, plan.kpis.travel_seconds // 60, kept)

    def copy_days(self, state: _State) -> None:
        """Offer each date the other dates' routes (`copied_day`); keep one that serves as much and costs less.

        No day solve: the same rounds on every date are what let `relabel` give each patient the
        same few faces, at the times they had. Passes over the week until no date changes.
        """
        if self.options.continuity_minutes <= 0 and self.options.start_spread_weight <= 0:
            return
        for _ in range(COPY_PASSES):
            changed = False
            for date in self.week.dates:
                if self.cancelled():
                    return
                current = state.plans[date]
                kinds = [None, *dict.fromkeys(self.kind(date, r.staff) for r in current.routes)]
                copies = [plan for source in self.week.dates if source != date for kind in kinds
                          if (plan := self.copied_day(state, source, date, kind)) is not None
                          and _served(current) <= _served(plan)]
                if self.keep_first_valid(state, date, copies):
                    changed = True
                    log.debug("copy_days %s: %d copies, kept one", date, len(copies))
            before = dict(state.plans)
            self.relabel(state)
            if not changed and state.plans == before:
                return

    def move_dates(self, state: _State) -> None:
        """Move single visits of flexible recurring visits to other allowed dates where they cost the week less.

        No day solve: the occurrence leaves its route (the others keep their times) and is inserted
        into the other date's plan where `ways_to_fit` finds room, by whoever makes the week cheapest
        (a shower on the day the patient's usual nurse works); both days must pass the day checker.
        """
        if self.options.continuity_minutes <= 0:
            return
        for item in self.flexible:
            if item.visit.staff_count > 1 or item.visit.after is not None or item.id in self.linked:
                continue
            for date in list(state.dates[item.id]):
                if self.cancelled():
                    return
                occurrence = occurrence_id(item.id, date)
                if occurrence in _served(state.plans[date]):
                    self.move_date(state, item, date)

    def move_date(self, state: _State, item: WeekVisit, date: dt.date) -> None:
        """`move_dates` for one occurrence: the best move that lowers the week's cost, if any."""
        occurrence = occurrence_id(item.id, date)
        left = self.without_stop(state, date, occurrence)
        if left is None:
            return
        old_dates, old_plans = list(state.dates[item.id]), dict(state.plans)
        best: tuple[float, dt.date, Plan] | None = None
        mark = self.cost(state)
        for target in self.targets(state, item, date):
            state.dates[item.id] = sorted([*(d for d in old_dates if d != date), target])
            problem, blocked = self.search_problem(target, self.day_visits(state, target))
            new = occurrence_id(item.id, target)
            base = state.plans[target]
            routes = [r for r in base.routes if r.stops]
            unserved = {u.visit: u for u in base.unassigned if u.visit in problem.visit_by_id}
            unserved[new] = Unassigned(new, UnassignedReason.CAPACITY, COPY_DETAIL)
            start = assemble_plan(problem, routes, unserved, base.ineligible_patients, has_km=self.matrix.has_km)
            for fit in ways_to_fit(problem, self.matrix, start, new, relax=False, budget=Budget(COPY_EVALUATIONS)):
                if fit.route is None:
                    continue
                placed = {r.staff: r for r in routes} | {fit.staff: fit.route}
                plan = assemble_plan(problem, list(placed.values()), {k: v for k, v in unserved.items() if k != new},
                                     base.ineligible_patients, has_km=self.matrix.has_km)
                state.plans[date], state.plans[target] = left, _with_unassigned(plan, list(blocked.values()))
                value = self.cost(state)
                if value < mark - 1e-6 and (best is None or value < best[0] - 1e-6) \
                        and not check_plan(problem, plan, self.matrix):
                    best = (value, target, state.plans[target])
                state.plans = dict(old_plans)
        if best is None:
            state.dates[item.id] = old_dates
            return
        _, target, plan = best
        state.dates[item.id] = sorted([*(d for d in old_dates if d != date), target])
        state.plans[date], state.plans[target] = left, plan

    def without_stop(self, state: _State, date: dt.date, occurrence: str) -> Plan | None:
        """The date's plan without an occurrence: its route re-timed with the other stops held, or None."""
        plan = state.plans[date]
        visit_id = occurrence.rpartition(OCCURRENCE_SEPARATOR)[0]
        ids = [v for v in self.day_visits(state, date) if v != visit_id]
        problem, blocked = self.search_problem(date, ids)
        routes = []
        for route in plan.routes:
            if not any(s.visit == occurrence for s in route.stops):
                routes.append(route)
                continue
            rest = [s for s in route.stops if s.visit != occurrence]
            held = {s.visit: dataclasses.replace(problem.visit_by_id[s.visit], windows=(TimeWindow(s.start, s.start),),
                                                 late=0) for s in rest}
            person = problem.staff_by_id[route.staff]
            again = retime_route(problem, self.matrix, person, [s.visit for s in rest], held) if rest else None
            if rest and again is None:
                return None
            if again is not None:
                routes.append(again)
        unserved = {u.visit: u for u in plan.unassigned if u.visit in problem.visit_by_id}
        new = assemble_plan(problem, routes, unserved, plan.ineligible_patients, has_km=self.matrix.has_km)
        if check_plan(problem, new, self.matrix):
            return None
        return dataclasses.replace(_with_unassigned(new, list(blocked.values())), meta=plan.meta)

    def keep_first_valid(self, state: _State, date: dt.date, candidates: Sequence[Plan]) -> bool:
        """Put the best candidate for a date that the day checker passes into `state` when it serves more
        or costs the week less than the date's plan; True when one was put.

        Candidates are checked best first and only while better than the plan (checking is the costly part).
        """
        current = state.plans[date]
        problem, _ = self.search_problem(date, self.day_visits(state, date))

        def score(plan: Plan) -> tuple[int, float]:
            state.plans[date] = plan
            return -len(_served(plan)), self.cost(state)

        mark = score(current)
        ranked = sorted((score(plan), i) for i, plan in enumerate(candidates))
        state.plans[date] = current
        for value, i in ranked:
            if value >= mark:
                return False
            routed = dataclasses.replace(candidates[i], unassigned=tuple(
                u for u in candidates[i].unassigned if u.visit in problem.visit_by_id))
            if not check_plan(problem, routed, self.matrix):
                state.plans[date] = candidates[i]
                return True
        return False

    def kind(self, date: dt.date, staff_id: str) -> tuple[object, ...]:
        """Who can stand in for whom: a person's shift, breaks and places that date (as narrowed)."""
        person = next(s for s in self.staff[date] if s.id == staff_id)
        return person.shift, person.latest_end, person.breaks, person.start_location, person.end_location

    def copied_day(self, state: _State, source: dt.date, date: dt.date,
                   kind: tuple[object, ...] | None = None) -> Plan | None:
        """The plan of `date` made of `source`'s routes, or None when they do not make a valid one.

        Each route keeps the visits `date` has, in order and at the times they had on `source` (held:
        links and breaks stay as they were), and goes to someone planned on `date` who could drive it
        (`handing_cost`); `date`'s other visits are inserted where they add least travel (the day
        checker is the caller's, `keep_first_valid`). With a `kind` (`kind`), only the routes of people of that kind
        are copied and `date`'s other routes stay: day and evening rounds are copied apart, so a
        date with fewer people on one shift still takes the other shift's rounds.
        """
        problem, blocked = self.search_problem(date, self.day_visits(state, date))
        current = state.plans[date]
        stay = [] if kind is None else [r for r in current.routes if self.kind(date, r.staff) != kind]
        template = self.template(state, source, date, problem, kind, stay)
        if not template:
            return None
        routes: dict[str, Route] = {r.staff: r for r in stay}
        for staff_id, (occurrences, starts) in template.items():
            person = problem.staff_by_id[staff_id]
            held = {v: dataclasses.replace(problem.visit_by_id[v], windows=(TimeWindow(t, t),), late=0)
                    for v, t in zip(occurrences, starts, strict=True)}
            route = retime_route(problem, self.matrix, person, occurrences, held) if occurrences else None
            if occurrences and route is None:
                return None
            if route is not None:
                routes[staff_id] = route
        placed = {stop.visit for route in routes.values() for stop in route.stops}
        reasons = {u.visit: u for u in current.unassigned}
        unserved = {v.id: reasons.get(v.id, Unassigned(v.id, UnassignedReason.CAPACITY, COPY_DETAIL))
                    for v in problem.visits if v.id not in placed}
        plan = assemble_plan(problem, list(routes.values()), unserved, current.ineligible_patients,
                             has_km=self.matrix.has_km)
        budget = Budget(COPY_EVALUATIONS)
        for visit_id in [v for v in unserved if v in _served(current)]:
            fits = ways_to_fit(problem, self.matrix, plan, visit_id, relax=False, budget=budget)
            if not fits or fits[0].route is None:
                return None  # the copy would serve less than the date's plan
            routes[fits[0].staff] = fits[0].route
            del unserved[visit_id]
            plan = assemble_plan(problem, list(routes.values()), unserved, current.ineligible_patients,
                                 has_km=self.matrix.has_km)
        # The day checker runs in `keep_first_valid`, on the copies worth keeping only.
        plan = dataclasses.replace(plan, meta={**current.meta, "routes_from": source.isoformat()})
        return _with_unassigned(plan, [blocked[v] for v in blocked])

    def template(self, state: _State, source: dt.date, date: dt.date, problem: Problem,
                 kind: tuple[object, ...] | None = None,
                 stay: Sequence[Route] = ()) -> dict[str, tuple[list[str], list[int]]]:
        """Staff id -> (occurrence ids, their starts on `source`): `source`'s routes for `date`'s problem.

        Each route (of people of `kind` only, when given) keeps the visits of `problem` that no route
        in `stay` has, in its order, and goes, by an optimal assignment, to someone planned that date
        and not driving a route in `stay` who could drive it (as in `relabel`) and knows its patients best.
        """
        plan = state.plans[source]
        routes = [r for r in plan.routes if r.stops and (kind is None or self.kind(source, r.staff) == kind)]
        busy = {r.staff for r in stay}
        taken = {s.visit for r in stay for s in r.stops}
        people = [p for p in self.staff[date] if p.id not in busy]
        if not routes or not people:
            return {}
        owners = {person.id: person for person in self.staff[source]}
        known: dict[str, set[str]] = defaultdict(set)
        for other, other_plan in state.plans.items():
            if other != date:
                for route, stop in other_plan.stops():
                    known[route.staff].add(stop.patient)
        costs = [[self.handing_cost(route, owners[route.staff], person, known[person.id]) for person in people]
                 for route in routes]
        finite = [[min(c, UNFIT) for c in row] for row in costs]
        rows, cols = linear_sum_assignment(finite)
        found: dict[str, tuple[list[str], list[int]]] = {}
        for r, c in zip(rows, cols, strict=True):
            if costs[r][c] == math.inf:
                continue  # nobody that date could drive it: its visits are inserted one by one
            kept = [(occurrence, stop.start) for stop in routes[r].stops
                    if (parts := split_occurrence(stop.visit)) is not None
                    and (occurrence := occurrence_id(parts[0], date)) in problem.visit_by_id
                    and occurrence not in taken]
            found[people[c].id] = ([v for v, _ in kept], [t for _, t in kept])
        return found

    def primary_staff(self, state: _State) -> dict[str, tuple[str, ...]]:
        """Patient -> the few staff who should visit them all week, chosen on the current plans.

        Greedy cover of the patient's planned occurrences: the person who visits the patient most this
        week first, then whoever visits most among those able to take an occurrence not yet covered
        (rostered that date, allowed to, a shift around its windows), until every occurrence is covered.
        The regulars are kept and the occasional faces dropped; days off get a steady substitute.
        """
        visits: dict[tuple[str, str], int] = defaultdict(int)
        for plan in state.plans.values():
            for route, stop in plan.stops():
                visits[route.staff, stop.patient] += 1
        occurrences: dict[str, list[tuple[Visit, dt.date]]] = defaultdict(list)
        for item in self.week.visits:
            if item.visit.patient not in self.excluded:
                occurrences[item.visit.patient].extend((item.visit, d) for d in state.dates.get(item.id, ()))
        order = {person.id: i for i, person in enumerate(self.week.staff)}
        chosen: dict[str, tuple[str, ...]] = {}
        for patient, wanted in occurrences.items():
            uncovered = set(range(len(wanted)))
            core: list[str] = []
            while uncovered:
                covers = {person: {i for i in uncovered if self.able(person, *wanted[i])} for person in order}
                picks = [p for p in order if covers[p] and p not in core]
                if not picks:
                    break
                best = min(picks, key=lambda p: (-visits[p, patient], -len(covers[p]), order[p]))
                core.append(best)
                uncovered -= covers[best]
            chosen[patient] = tuple(core)
        return chosen

    def able(self, person_id: str, visit: Visit, date: dt.date) -> bool:
        """True when the person is planned that date, may do the visit, and their shift reaches its windows."""
        person = next((s for s in self.staff[date] if s.id == person_id), None)
        if person is None:
            return False
        patient = self.week.template.patient_of(visit)
        _, earliest, latest = self.stay(visit)
        return (may_serve(person, visit, patient.attributes, patient.excluded_staff)
                and person.shift.start <= latest and earliest <= person.latest_end)

    def primary_hints(self, state: _State, date: dt.date,
                      primary: Mapping[str, tuple[str, ...]]) -> dict[str, frozenset[str]]:
        """Occurrence id -> the patient's primary staff able to do it that date (none: no hint)."""
        hints: dict[str, frozenset[str]] = {}
        for visit_id in self.day_visits(state, date):
            visit = self.week.visit_by_id[visit_id].visit
            keepers = frozenset(p for p in primary.get(visit.patient, ()) if self.able(p, visit, date))
            if keepers:
                hints[occurrence_id(visit_id, date)] = keepers
        return hints

    def anchor_starts(self, state: _State) -> dict[str, int]:
        """Recurring week visit served on 2 or more dates -> its usual start (the lower median of its starts)."""
        starts = {v: sorted(by_date.values()) for v, by_date in self.recurring_starts(state).items()}
        return {v: times[(len(times) - 1) // 2] for v, times in starts.items() if len(times) >= 2}

    def recurring_starts(self, state: _State) -> dict[str, dict[dt.date, int]]:
        """Recurring week visit -> date -> start of its occurrence (the earliest stop's, for a team)."""
        found: dict[str, dict[dt.date, int]] = defaultdict(dict)
        for date in self.week.dates:
            plan = state.plans.get(date)
            for _, stop in (plan.stops() if plan is not None else ()):
                parts = split_occurrence(stop.visit)
                if parts is None or self.week.visit_by_id[parts[0]].recurrence is None:
                    continue
                known = found[parts[0]].get(date)
                found[parts[0]][date] = stop.start if known is None else min(known, stop.start)
        return found

    def spread_seconds(self, state: _State) -> float:
        """Seconds by which recurring visits start more than ANCHOR_TOLERANCE from their usual (median) start.

        Summed over every served occurrence, rather than latest minus earliest start: moving one date
        towards the others then always pays, where the span would not move until the last date did.
        """
        total = 0
        for by_date in self.recurring_starts(state).values():
            times = sorted(by_date.values())
            usual = times[(len(times) - 1) // 2]
            total += sum(max(0, abs(t - usual) - ANCHOR_TOLERANCE) for t in times)
        return total

    def relabel(self, state: _State) -> None:
        """Hand each date's routes to the colleagues who know their patients best, at no cost in travel.

        A route may go to anyone rostered that date who may serve all its visits, starts and ends at
        the same places, has the same breaks due and whose shift (as narrowed) holds it; an optimal
        assignment per date gives each route the person who adds fewest new staff-patient pairs to
        the week (overtime priced as in the day solver). Kept only when the week costs less.
        """
        if self.options.continuity_minutes <= 0:
            return
        # Each date's best hand-out depends on the others': pass over the week until nothing changes.
        for _ in range(RELABEL_PASSES):
            before = dict(state.plans)
            for date in self.week.dates:
                self.relabel_day(state, date)
            if state.plans == before:
                return

    def relabel_day(self, state: _State, date: dt.date) -> None:
        """`relabel` for one date."""
        plan = state.plans[date]
        if not plan.routes or self.options.continuity_minutes <= 0:
            return
        known: dict[str, set[str]] = defaultdict(set)
        elsewhere: dict[str, int] = defaultdict(int)
        for other, other_plan in state.plans.items():
            if other != date:
                for route, stop in other_plan.stops():
                    known[route.staff].add(stop.patient)
                for route in other_plan.routes:
                    elsewhere[route.staff] += route.end - route.start
        mean = self.mean_work(week_minutes(self.as_days(state)))
        people = self.staff[date]
        owners = {person.id: person for person in people}
        balance = self.options.day.balance_weight
        costs = [[self.handing_cost(route, owners[route.staff], person, known[person.id])
                  + balance * max(0.0, elsewhere[person.id] + route.end - route.start - mean)
                  for person in people]
                 for route in plan.routes]
        rows, cols = linear_sum_assignment(costs)
        if any(costs[r][c] == math.inf for r, c in zip(rows, cols, strict=True)):
            return
        handed = tuple(dataclasses.replace(plan.routes[r], staff=people[c].id)
                       for r, c in zip(rows, cols, strict=True))
        if any(a.staff != b.staff for a, b in zip(handed, plan.routes, strict=True)):
            self.best_of(state, date, [plan, dataclasses.replace(plan, routes=handed)])

    def handing_cost(self, route: Route, owner: Staff, person: Staff, knows: set[str]) -> float:
        """Seconds of the week's objective if `person` drove `route` (inf when they may not)."""
        template = self.week.template
        visits = [template.visit_by_id[s.visit.rpartition(OCCURRENCE_SEPARATOR)[0]] for s in route.stops]
        fits = (person.start_location == owner.start_location and person.end_location == owner.end_location
                and person.breaks == owner.breaks and person.shift.start <= route.start
                and route.end <= person.latest_end
                and (person.max_travel is None or route.travel <= person.max_travel)
                and (person.capacity is None or sum(v.demand for v in visits) <= person.capacity + 1e-9)
                and all(may_serve(person, v, template.patient_of(v).attributes, template.patient_of(v).excluded_staff)
                        for v in visits))
        if not fits:
            return math.inf
        strangers = len({s.patient for s in route.stops} - knows)
        overtime = max(0, route.end - person.shift.end)
        moved = 0.0 if person.id == owner.id else 1e-3  # on a tie, the route stays with its owner
        unwanted = sum(self.stranger_seconds(person.id, s.patient) for s in route.stops)
        return (strangers * self.options.continuity_minutes * SECONDS_PER_MINUTE
                + overtime * self.options.day.overtime_weight + unwanted + moved)

    def as_days(self, state: _State) -> list[WeekDay]:
        return [WeekDay(d, state.plans[d]) for d in self.week.dates if d in state.plans]

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


def _pair_price(visits: int) -> float:
    """What a staff-patient pair with this many visits in the week costs, in units of `continuity_minutes`.

    1 for the pair, plus up to CONCENTRATION more the more visits it has: concave, so that taking a
    visit from a patient's occasional visitor to a regular always pays, one date at a time (with a
    flat price per pair nothing pays until the occasional visitor's last date has moved).
    """
    return 1 + CONCENTRATION * (1 - 1 / visits)


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


def _served(plan: Plan) -> set[str]:
    return {stop.visit for _, stop in plan.stops()}


def _better(new: Plan, old: Plan) -> bool:
    """True when `new` serves everything `old` serves (as sets of occurrences) and more."""
    return _served(old) < _served(new)


def _without(plan: Plan, occurrence: str) -> Plan:
    """The plan with an unserved occurrence taken out of its unassigned list (it moved to another date)."""
    return dataclasses.replace(plan, unassigned=tuple(u for u in plan.unassigned if u.visit != occurrence))


def _with_unassigned(plan: Plan, entries: Sequence[Unassigned]) -> Plan:
    """The plan with more unassigned occurrences listed (its KPIs are recomputed when the week is assembled)."""
    return dataclasses.replace(plan, unassigned=(*plan.unassigned, *entries)) if entries else plan


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

