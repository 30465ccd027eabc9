"""The plan checker: holds a plan to every hard rule of the contract.

It is written apart from the solver and shares none of its scheduling code: every time
is re-derived from the problem and its travel model. `check_plan` returns one
`Violation` per broken rule and place; an empty list means the plan is valid. Where a
breach has a size in time (minutes late, minutes of a break missed, minutes of care by
unqualified staff) the violation carries it, so a replay of a historical day can total it.

Conventions it checks (docs/CONTRACT.md): a stop's travel is driven in one piece and
ends at its `arrival`; a route's `start` and `end` enclose its travel, visits and breaks;
the trip back to the end location fits, in one piece, between the last visit and `end`.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ahs_routing.check.eligibility import ineligible_patients
from ahs_routing.domain.model import Break, Problem, Staff, Visit, start_ranges, starts_in_time
from ahs_routing.domain.plan import Plan, PlanStatus, Route, Stop
from ahs_routing.times import format_clock, seconds_to_minutes
from ahs_routing.travel import TravelMatrix, travel_matrix

RULES = (
    "visit_accounted",  # 1: each visit routed staff_count times on distinct staff, or unassigned
    "window",  # 2: starts inside a window; end = start + duration + parking
    "sequence",  # 3: travel, arrival, waiting along a route
    "travel_model",  # 3: a stop's travel equals the travel model
    "shift",  # 4: route within shift + overtime
    "skills",  # 5
    "avoid",  # 5
    "excluded_staff",  # 5
    "pinned_staff",  # 5
    "capacity",  # 5
    "max_travel",  # 5
    "break",  # 6
    "team",  # 7
    "after",  # 8
    "ineligible",  # 9
    "consistency",  # ids, status and totals agree with the routes
)


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken hard rule: which rule, where, a sentence with the figures, and its size in seconds.

    `seconds` is how far the rule is broken where that is a time: how late or early a start is,
    by how much a route overruns its shift, how much of a break is missing, how long a visit by
    the wrong staff member lasted. None for rules without a size (a missing visit, a load).
    """

    rule: str
    message: str
    staff: str | None = None
    visit: str | None = None
    seconds: int | None = None

    @property
    def minutes(self) -> int | float | None:
        """Return the size of the breach in minutes, or None when it has no size in time."""
        return None if self.seconds is None else seconds_to_minutes(self.seconds)

    def __str__(self) -> str:
        where = " ".join(x for x in (f"staff {self.staff}" if self.staff else "",
                                     f"visit {self.visit}" if self.visit else "") if x)
        return f"[{self.rule}] {where + ': ' if where else ''}{self.message}"


def _t(seconds: int) -> str:
    return format_clock(seconds)


def _m(seconds: int) -> str:
    return f"{seconds_to_minutes(seconds)} min"


class _Checker:
    def __init__(self, problem: Problem, plan: Plan, travel: TravelMatrix) -> None:
        self.problem = problem
        self.plan = plan
        self.travel = travel
        self.found: list[Violation] = []

    def add(self, rule: str, message: str, staff: str | None = None, visit: str | None = None,
            seconds: int | None = None) -> None:
        self.found.append(Violation(rule, message, staff, visit, seconds))

    def run(self) -> list[Violation]:
        routed = self.check_accounting()
        for route in self.plan.routes:
            person = self.problem.staff_by_id.get(route.staff)
            if person is None:
                continue
            self.check_route(route, person)
        self.check_teams(routed)
        self.check_after(routed)
        self.check_ineligible(routed)
        self.check_status(routed)
        return self.found

    # Rule 1 and ids ----------------------------------------------------------------------

    def check_accounting(self) -> dict[str, list[tuple[Route, Stop]]]:
        problem = self.problem
        routed: dict[str, list[tuple[Route, Stop]]] = defaultdict(list)
        staff_seen = Counter(r.staff for r in self.plan.routes)
        for staff_id, count in staff_seen.items():
            if staff_id not in problem.staff_by_id:
                self.add("consistency", f"route for unknown staff {staff_id!r}", staff=staff_id)
            elif count > 1:
                self.add("consistency", f"{count} routes for one staff member", staff=staff_id)
        for route, stop in self.plan.stops():
            visit = problem.visit_by_id.get(stop.visit)
            if visit is None:
                self.add("consistency", f"unknown visit {stop.visit!r}", staff=route.staff, visit=stop.visit)
                continue
            if stop.patient != visit.patient:
                self.add("consistency", f"stop names patient {stop.patient!r}, the visit is for {visit.patient!r}",
                         staff=route.staff, visit=visit.id)
            routed[visit.id].append((route, stop))
        unassigned = Counter(u.visit for u in self.plan.unassigned)
        for visit_id in unassigned:
            if visit_id not in problem.visit_by_id:
                self.add("consistency", f"unassigned list names unknown visit {visit_id!r}", visit=visit_id)
        for visit in problem.visits:
            places = routed.get(visit.id, [])
            staff = [r.staff for r, _ in places]
            listed = unassigned.get(visit.id, 0)
            if places and listed:
                self.add("visit_accounted", "is both routed and unassigned", visit=visit.id)
            elif not places and listed != 1:
                self.add("visit_accounted",
                         "is neither routed nor unassigned" if not listed else f"is unassigned {listed} times",
                         visit=visit.id)
            elif places and len(places) != visit.staff_count:
                self.add("visit_accounted", f"needs {visit.staff_count} staff, routed {len(places)} times",
                         visit=visit.id)
            if len(set(staff)) != len(staff):
                self.add("visit_accounted", "appears twice on one staff member's route", visit=visit.id)
        return routed

    # Rules 2-6 along one route -----------------------------------------------------------

    def check_route(self, route: Route, person: Staff) -> None:
        problem = self.problem
        if route.start < person.shift.start:
            self.add("shift", f"route starts {_t(route.start)}, before the shift starts {_t(person.shift.start)}",
                     staff=person.id, seconds=person.shift.start - route.start)
        if route.end > person.latest_end:
            self.add("shift", f"route ends {_t(route.end)}, after shift end plus overtime {_t(person.latest_end)}",
                     staff=person.id, seconds=route.end - person.latest_end)
        busy: list[tuple[int, int, str]] = []  # travel and visits, to test breaks against
        place = problem.start_place(person)
        previous_end = route.start
        travel_total = 0
        load = 0.0
        for stop in route.stops:
            visit = problem.visit_by_id.get(stop.visit)
            if visit is None:
                continue
            self.check_stop_rules(route, person, visit, stop)
            load += visit.demand
            there = problem.place_of_visit(visit)
            expected = self.travel.seconds(place, there)
            travel_total += stop.travel
            if stop.travel != expected:
                self.add("travel_model", f"travel {_m(stop.travel)} from {place}, the travel model says "
                         f"{_m(expected)}", staff=person.id, visit=visit.id, seconds=abs(stop.travel - expected))
            if stop.arrival < previous_end + expected:
                self.add("sequence", f"arrives {_t(stop.arrival)}, but cannot be there before "
                         f"{_t(previous_end + expected)}", staff=person.id, visit=visit.id,
                         seconds=previous_end + expected - stop.arrival)
            if stop.start < stop.arrival:
                self.add("sequence", f"starts {_t(stop.start)}, before arriving {_t(stop.arrival)}",
                         staff=person.id, visit=visit.id, seconds=stop.arrival - stop.start)
            busy.append((stop.arrival - expected, stop.arrival, f"travel to {visit.id}"))
            busy.append((stop.start, stop.end, f"visit {visit.id}"))
            place, previous_end = there, stop.end
        back = self.travel.seconds(place, problem.end_place(person))
        travel_total += back
        if route.end < previous_end + back:
            self.add("sequence", f"route ends {_t(route.end)}, but the trip back takes until "
                     f"{_t(previous_end + back)}", staff=person.id, seconds=previous_end + back - route.end)
        if route.travel != travel_total:
            self.add("consistency", f"route travel {_m(route.travel)} differs from its legs, {_m(travel_total)}",
                     staff=person.id, seconds=abs(route.travel - travel_total))
        if person.max_travel is not None and travel_total > person.max_travel:
            self.add("max_travel", f"drives {_m(travel_total)}, over the cap of {_m(person.max_travel)}",
                     staff=person.id, seconds=travel_total - person.max_travel)
        if person.capacity is not None and load > person.capacity + 1e-9:
            self.add("capacity", f"carries {load:g}, over the capacity of {person.capacity:g}", staff=person.id)
        self.check_breaks(route, person, busy, previous_end, back)

    def check_stop_rules(self, route: Route, person: Staff, visit: Visit, stop: Stop) -> None:
        patient = self.problem.patient_of(visit)
        if not starts_in_time(visit, stop.start):
            shown = ", ".join(f"{_t(w.start)}-{_t(w.end)}" for w in visit.windows)
            late = f" (and over {_m(visit.late)} late)" if visit.late else ""
            self.add("window", f"starts {_t(stop.start)}, outside its windows {shown}{late}", person.id, visit.id,
                     _outside_ranges(visit, stop.start))
        expected_end = stop.start + self.problem.service_seconds(visit)
        if stop.end != expected_end:
            self.add("window", f"ends {_t(stop.end)}; start plus duration and parking is {_t(expected_end)}",
                     person.id, visit.id, abs(stop.end - expected_end))
        # A visit by someone who may not make it is wrong for as long as it lasts.
        length = max(0, stop.end - stop.start)
        missing = visit.skills - person.skills
        if missing:
            self.add("skills", f"{person.id} lacks {sorted(missing)}", person.id, visit.id, length)
        clash = person.avoid & patient.attributes
        if clash:
            self.add("avoid", f"{person.id} avoids {sorted(clash)}, which the home has", person.id, visit.id, length)
        if person.id in patient.excluded_staff:
            self.add("excluded_staff", f"{person.id} is excluded by patient {patient.id}", person.id, visit.id,
                     length)
        if visit.pinned_staff is not None and visit.pinned_staff != person.id:
            self.add("pinned_staff", f"pinned to {visit.pinned_staff}, served by {person.id}", person.id, visit.id,
                     length)

    def check_breaks(
        self, route: Route, person: Staff, busy: list[tuple[int, int, str]], last_end: int, back: int
    ) -> None:
        taken = sorted((b.start, b.end) for b in route.breaks)
        for start, end in taken:
            if start < route.start or end > route.end:
                self.add("break", f"break {_t(start)}-{_t(end)} lies outside the route "
                         f"{_t(route.start)}-{_t(route.end)}", staff=person.id,
                         seconds=max(0, route.start - start) + max(0, end - route.end))
            for busy_start, busy_end, what in busy:
                if busy_start < end and start < busy_end:
                    self.add("break", f"break {_t(start)}-{_t(end)} overlaps {what} "
                             f"{_t(busy_start)}-{_t(busy_end)}", staff=person.id,
                             seconds=min(end, busy_end) - max(start, busy_start))
        for (_, first_end), (second_start, _) in itertools.pairwise(taken):
            if second_start < first_end:
                self.add("break", "two breaks overlap", staff=person.id, seconds=first_end - second_start)
        if not _breaks_match(person.breaks, taken):
            wanted = ", ".join(f"{_m(b.duration)} in {_t(b.earliest_start)}-{_t(b.latest_end)}"
                               for b in person.breaks) or "none"
            shown = ", ".join(f"{_t(s)}-{_t(e)}" for s, e in taken) or "none"
            self.add("break", f"breaks taken ({shown}) do not match the breaks due ({wanted})", staff=person.id,
                     seconds=break_shortfall(person.breaks, taken) or None)
        # The trip back, in one piece, between the last visit and the route's end.
        gaps = _free_slots(last_end, route.end, taken)
        if back > 0 and not any(e - s >= back for s, e in gaps):
            self.add("sequence", f"no {_m(back)} without a break between the last visit and the route end",
                     staff=person.id, seconds=back)

    # Rules 7-9 and status -------------------------------------------------------------------

    def check_teams(self, routed: dict[str, list[tuple[Route, Stop]]]) -> None:
        for visit_id, places in routed.items():
            starts = {stop.start for _, stop in places}
            if len(starts) > 1:
                shown = ", ".join(f"{r.staff} {_t(s.start)}" for r, s in places)
                self.add("team", f"team members start at different times: {shown}", visit=visit_id,
                         seconds=max(starts) - min(starts))

    def check_after(self, routed: dict[str, list[tuple[Route, Stop]]]) -> None:
        for visit in self.problem.visits:
            link = visit.after
            if link is None:
                continue
            then, first = routed.get(visit.id), routed.get(link.visit)
            if bool(then) != bool(first):
                served, missing = (visit.id, link.visit) if then else (link.visit, visit.id)
                self.add("after", f"{served} is served but its linked visit {missing} is not", visit=visit.id)
                continue
            if not then or not first:
                continue
            gap = then[0][1].start - first[0][1].start
            if gap < link.min_gap or (link.max_gap is not None and gap > link.max_gap):
                upper = "" if link.max_gap is None else f" and at most {_m(link.max_gap)}"
                outside = link.min_gap - gap if gap < link.min_gap else gap - (link.max_gap or 0)
                self.add("after", f"starts {_m(gap)} after {link.visit}; must be at least "
                         f"{_m(link.min_gap)}{upper}", visit=visit.id, seconds=outside)

    def check_ineligible(self, routed: dict[str, list[tuple[Route, Stop]]]) -> None:
        excluded = {p.patient: p for p in ineligible_patients(self.problem, self.travel)}
        listed = Counter(p.patient for p in self.plan.ineligible_patients)
        for entry in self.plan.ineligible_patients:
            due = excluded.get(entry.patient)
            if due is None:
                self.add("ineligible", f"ineligible_patients lists {entry.patient!r}, who is eligible"
                         if entry.patient in self.problem.patient_by_id else
                         f"ineligible_patients lists unknown patient {entry.patient!r}")
            elif entry.reason is not due.reason:
                self.add("ineligible", f"patient {entry.patient} is listed as {entry.reason.value}, but the "
                         f"reason is {due.reason.value} ({due.detail})")
        for patient, times in sorted(listed.items()):
            if times > 1:
                self.add("ineligible", f"ineligible_patients lists patient {patient} {times} times")
        for patient, due in excluded.items():
            if patient not in listed:
                self.add("ineligible", f"patient {patient} is ineligible ({due.reason.value}: {due.detail}) "
                         "but missing from ineligible_patients")
        for visit_id, places in routed.items():
            patient = self.problem.visit_by_id[visit_id].patient
            if patient in excluded:
                self.add("ineligible", f"patient {patient} is ineligible ({excluded[patient].detail}) "
                         "but the visit is routed", staff=places[0][0].staff, visit=visit_id)

    def check_status(self, routed: dict[str, list[tuple[Route, Stop]]]) -> None:
        excluded = {p.patient for p in ineligible_patients(self.problem, self.travel)}
        complete = all(v.id in routed for v in self.problem.visits if v.patient not in excluded)
        expected = PlanStatus.COMPLETE if complete else PlanStatus.PARTIAL
        if self.plan.status != expected:
            self.add("consistency", f"status is {self.plan.status.value}, the routes make it {expected.value}")
        served = sum(1 for v in self.problem.visits if v.id in routed)
        if self.plan.kpis.visits_served != served or self.plan.kpis.visits != len(self.problem.visits):
            self.add("consistency", f"kpis say {self.plan.kpis.visits_served} of {self.plan.kpis.visits} visits "
                     f"served, the routes serve {served} of {len(self.problem.visits)}")


def _outside_ranges(visit: Visit, moment: int) -> int:
    """Seconds from `moment` to the nearest moment the visit may start (0 when it may start then)."""
    ranges = start_ranges(visit)
    if not ranges:
        return 0
    return min(low - moment if moment < low else max(0, moment - high) for low, high in ranges)


def _free_slots(start: int, end: int, taken: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    slots, moment = [], start
    for s, e in sorted(taken):
        if e <= moment or s >= end:
            continue
        if s > moment:
            slots.append((moment, s))
        moment = max(moment, e)
    if end > moment:
        slots.append((moment, end))
    return slots


def _breaks_match(due: tuple[Break, ...], taken: list[tuple[int, int]]) -> bool:
    """True when each break due is taken exactly once, inside its limits and long enough."""
    if len(due) != len(taken):
        return False
    if len(due) > 6:  # permutations grow fast; breaks in order of their windows then
        return all(_fits(b, t) for b, t in zip(sorted(due, key=lambda b: b.earliest_start), taken, strict=True))
    return any(all(_fits(b, t) for b, t in zip(order, taken, strict=True)) for order in itertools.permutations(due))


def break_shortfall(due: tuple[Break, ...], taken: list[tuple[int, int]]) -> int:
    """Return the seconds of rest due but not taken: per break, its length minus the longest taken
    break's part inside its window, under the pairing of taken to due breaks that leaves least missing."""

    def credit(brk: Break, rest: tuple[int, int] | None) -> int:
        if rest is None:
            return 0
        return max(0, min(rest[1], brk.latest_end) - max(rest[0], brk.earliest_start))

    if not due:
        return 0
    padded: list[tuple[int, int] | None] = [*taken, *([None] * max(0, len(due) - len(taken)))]
    if len(padded) > 6:  # as in _breaks_match: pair in window order rather than try every pairing
        ordered = sorted(due, key=lambda b: b.earliest_start)
        return sum(max(0, b.duration - credit(b, t)) for b, t in zip(ordered, padded, strict=False))
    return min(
        sum(max(0, b.duration - credit(b, t)) for b, t in zip(due, pairing, strict=True))
        for pairing in itertools.permutations(padded, len(due))
    )


def _fits(due: Break, taken: tuple[int, int]) -> bool:
    start, end = taken
    return due.earliest_start <= start and end <= due.latest_end and end - start >= due.duration


def check_plan(problem: Problem, plan: Plan, travel: TravelMatrix | None = None) -> list[Violation]:
    """Return every hard-rule violation of `plan` for `problem` (empty when the plan is valid)."""
    matrix = travel if travel is not None else travel_matrix(problem)
    return _Checker(problem, plan, matrix).run()
