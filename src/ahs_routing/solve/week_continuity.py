"""The week search's continuity steps: who visits whom, at what time, and the week's cost.

`ContinuitySteps` is mixed into the week solver (`ahs_routing.solve.week`), which provides the day
solves (`route_day`, `search_problem`, `day_visits`), the stops (`cancelled`, `out_of_time`) and the
date moves (`targets`). Here: the week's cost (travel, overtime, unwanted staff, weekly balance, a
concave price per staff-patient pair, start spread), handing each date's routes out (`relabel`),
re-routing towards primary staff and usual starts (`harmonise`), copying rounds between dates
(`copy_days`) and moving single occurrences between dates (`move_dates`). Only `harmonise` runs day
solves (one per date and round); the rest re-times and inserts, every kept day checked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from scipy.optimize import linear_sum_assignment

from ahs_routing.check.checker import check_plan
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.model import Problem, Staff, TimeWindow, Visit
from ahs_routing.domain.plan import Plan, Route, Unassigned, UnassignedReason
from ahs_routing.domain.week import OCCURRENCE_SEPARATOR, Week, WeekVisit, occurrence_id, split_occurrence
from ahs_routing.domain.week_plan import WeekDay, recurring_starts, week_minutes
from ahs_routing.schedule.insertion import Budget
from ahs_routing.schedule.timing import retime_route
from ahs_routing.solve.fitting import ways_to_fit
from ahs_routing.solve.week_options import WeekOptions
from ahs_routing.solve.week_roster import may_serve
from ahs_routing.times import SECONDS_PER_MINUTE
from ahs_routing.travel import TravelMatrix

log = logging.getLogger(__name__)

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


def _pair_price(visits: int) -> float:
    """What a staff-patient pair with this many visits in the week costs, in units of `continuity_minutes`.

    1 for the pair, plus up to CONCENTRATION more the more visits it has: concave, so that taking a
    visit from a patient's occasional visitor to a regular always pays, one date at a time (with a
    flat price per pair nothing pays until the occasional visitor's last date has moved).
    """
    return 1 + CONCENTRATION * (1 - 1 / visits)


def _served(plan: Plan) -> set[str]:
    return {stop.visit for _, stop in plan.stops()}


def _with_unassigned(plan: Plan, entries: Sequence[Unassigned]) -> Plan:
    """The plan with more unassigned occurrences listed (its KPIs are recomputed when the week is assembled)."""
    return dataclasses.replace(plan, unassigned=(*plan.unassigned, *entries)) if entries else plan


class ContinuitySteps:
    """The continuity steps of the week solver, on the attributes and day solves the solver provides."""

    week: Week
    options: WeekOptions
    matrix: TravelMatrix
    staff: dict[dt.date, tuple[Staff, ...]]
    flexible: list[WeekVisit]
    linked: set[str]
    excluded: set[str]

    # Provided by the week solver ------------------------------------------------------------

    def day_visits(self, state: _State, date: dt.date) -> list[str]:
        """The week visit ids planned on a date."""
        raise NotImplementedError

    def search_problem(self, date: dt.date, ids: Sequence[str]) -> tuple[Problem, dict[str, Unassigned]]:
        """The day problem the search solves for a date's visits, and the visits blocked."""
        raise NotImplementedError

    def route_day(self, state: _State, date: dt.date, hints: Mapping[str, frozenset[str]],
                  extra: Sequence[str] = (), *, minutes: float | None = None, starts: Mapping[str, int] | None = None,
                  warm: Mapping[str, Sequence[str]] | None = None) -> Plan:
        """A day solve of a date."""
        raise NotImplementedError

    def cancelled(self) -> bool:
        """Whether the caller asked to stop."""
        raise NotImplementedError

    def out_of_time(self) -> bool:
        """Whether improving must stop."""
        raise NotImplementedError

    def targets(self, state: _State, item: WeekVisit, leaving: dt.date) -> list[dt.date]:
        """Usable dates a visit may move to."""
        raise NotImplementedError

    def stay(self, visit: Visit) -> tuple[str, int, int]:
        """Where a visit happens and the span of its windows."""
        raise NotImplementedError

    # The week's cost and the continuity steps -------------------------------------------------

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
        return recurring_starts(self.week, self.as_days(state))

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
