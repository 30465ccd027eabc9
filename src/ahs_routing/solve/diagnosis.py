"""Why a visit cannot be served: checks that need no search, and the sentences that explain them.

Before solving, each visit's candidate staff are narrowed step by step: skills
(`no_qualified_staff`), then avoid / excluded / pinned (`no_compatible_staff`), then
whether some window can be reached and the staff member get back within the shift
(`unreachable_in_shift`). A visit tied by `after` or a team to a visit that cannot be
served is `linked_visit_unserved`. An `after` pair whose starts can never keep their gap (each
visit servable alone, but no shift reaches the second one in the gap after any start of the
first) is `capacity` for both, with a sentence saying so, and is not searched for. What survives
is handed to the solver with its candidates; whatever the solver then leaves out could be served
alone: `capacity`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ahs_routing.domain.links import spread_along_links
from ahs_routing.domain.model import Problem, Staff, Visit, start_ranges
from ahs_routing.domain.plan import Unassigned, UnassignedReason
from ahs_routing.schedule.timing import Item, best_timing
from ahs_routing.times import SECONDS_PER_MINUTE, format_clock
from ahs_routing.travel import TravelMatrix


@dataclass(frozen=True, slots=True)
class Candidates:
    """The staff who could serve a visit on their own, and why the others cannot."""

    visit: str
    staff: tuple[str, ...]


def _names(ids: list[str], limit: int = 4) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _quoted(items: frozenset[str] | set[str]) -> str:
    return ", ".join(f"'{x}'" for x in sorted(items))


def incompatibility(problem: Problem, visit: Visit, person: Staff) -> str | None:
    """Return why `person` may not serve `visit` (avoid, excluded, pinned), or None if they may."""
    patient = problem.patient_of(visit)
    if visit.pinned_staff is not None and visit.pinned_staff != person.id:
        return f"the visit is pinned to {visit.pinned_staff}"
    if person.id in patient.excluded_staff:
        return f"{person.id} is excluded by this patient"
    clash = person.avoid & patient.attributes
    if clash:
        return f"{person.id} avoids {_quoted(clash)}, which this home has"
    return None


def reach_problem(problem: Problem, travel: TravelMatrix, visit: Visit, person: Staff) -> str | None:
    """Return why `person` cannot reach any window of `visit` and get back in time, or None."""
    place = problem.place_of_visit(visit)
    there_seconds = travel.seconds(problem.start_place(person), place)
    back_seconds = travel.seconds(place, problem.end_place(person))
    if person.max_travel is not None and there_seconds + back_seconds > person.max_travel:
        return (f"{person.id} would drive {(there_seconds + back_seconds) // SECONDS_PER_MINUTE} min there and back, "
                f"over their cap of {person.max_travel // SECONDS_PER_MINUTE} min")
    earliest = person.shift.start + there_seconds
    service_seconds = problem.service_seconds(visit)
    ranges = start_ranges(visit) or [(person.shift.start, person.latest_end)]
    fits_without_breaks = False
    for window_start, window_end in ranges:
        low = max(window_start, earliest)
        high = min(window_end, person.latest_end - service_seconds - back_seconds)
        if low > high:
            continue
        fits_without_breaks = True
        if _breaks_leave_room(person, low, high, there_seconds, service_seconds + back_seconds):
            return None
    if fits_without_breaks:
        # Breaks may also be taken at the patient's place, before the visit or after it: the
        # route-timing engine tries every slot (rarely reached, so the quick test above stays first).
        alone = [Item.of(visit, person)]
        if best_timing(problem, person, person.shift.start, alone, [there_seconds, back_seconds], person.breaks):
            return None
        return f"{person.id}'s breaks leave no room to travel there, do it and get back"
    if earliest > ranges[-1][1]:
        return (f"{person.id} can be there at {format_clock(earliest)} at the earliest, "
                f"after the window ends at {format_clock(ranges[-1][1])}")
    return (f"{person.id} cannot start in a window from {format_clock(ranges[0][0])} and be back "
            f"by {format_clock(person.latest_end)}")


def _breaks_leave_room(person: Staff, low: int, high: int, there: int, after: int) -> bool:
    """True when some start in [low, high] lets every break fit before leaving or after getting back
    (the quick test; `reach_problem` then asks the timing engine about breaks at the patient's place).

    Alone on a route, the staff member is busy from `start - there` to `start + after`; each
    break needs its length outside that stretch, inside its own limits and the shift. For one
    break the good starts are a ray up (break before leaving) and a ray down (break after
    returning), so testing the ends of those rays and of [low, high] is exact.
    """
    if not person.breaks:
        return True
    limits = [(max(b.earliest_start, person.shift.start), min(b.latest_end, person.latest_end), b.duration)
              for b in person.breaks]
    candidates = {low, high}
    for earliest, latest, duration in limits:
        candidates.add(earliest + duration + there)  # the earliest start with the break taken first
        candidates.add(latest - duration - after)  # the latest start with the break taken on return
    for start in sorted(c for c in candidates if low <= c <= high):
        if all(earliest + duration <= start - there or max(earliest, start + after) + duration <= latest
               for earliest, latest, duration in limits):
            return True
    return False


def diagnose(
    problem: Problem, travel: TravelMatrix, excluded: Mapping[str, Unassigned]
) -> tuple[dict[str, Candidates], dict[str, Unassigned]]:
    """Return candidate staff per servable visit, and the visits no one could ever serve.

    `excluded` holds visits already ruled out (ineligible patients); they are passed on,
    and their linked visits become `linked_visit_unserved`.
    """
    unserved: dict[str, Unassigned] = dict(excluded)
    candidates: dict[str, Candidates] = {}
    for visit in problem.visits:
        if visit.id in unserved:
            continue
        verdict = _single_visit(problem, travel, visit)
        if isinstance(verdict, Unassigned):
            unserved[visit.id] = verdict
        else:
            candidates[visit.id] = verdict
    _propagate_links(problem, candidates, unserved)
    if _gaps_out_of_reach(problem, travel, candidates, unserved):
        _propagate_links(problem, candidates, unserved)
    return candidates, unserved


def start_hull(problem: Problem, travel: TravelMatrix, visit: Visit, staff: Sequence[str]) -> tuple[int, int] | None:
    """Return the earliest and latest start any of `staff` could give `visit` alone (breaks ignored), or None.

    A relaxation: every start a plan could give the visit lies inside, so a gap no start pair
    inside two hulls can keep is one no plan keeps.
    """
    low, high = None, None
    service_seconds = problem.service_seconds(visit)
    place = problem.place_of_visit(visit)
    for person in (problem.staff_by_id[s] for s in staff):
        earliest = person.shift.start + travel.seconds(problem.start_place(person), place)
        latest = person.latest_end - service_seconds - travel.seconds(place, problem.end_place(person))
        for window_start, window_end in start_ranges(visit) or [(person.shift.start, person.latest_end)]:
            first, last = max(window_start, earliest), min(window_end, latest)
            if first <= last:
                low = first if low is None else min(low, first)
                high = last if high is None else max(high, last)
    return None if low is None or high is None else (low, high)


def _gaps_out_of_reach(
    problem: Problem, travel: TravelMatrix, candidates: dict[str, Candidates], unserved: dict[str, Unassigned],
) -> bool:
    """Set aside, as `capacity`, each `after` pair whose gap no starts of the two could keep; True if any was."""
    found = False
    for visit in problem.visits:
        link = visit.after
        if link is None or visit.id not in candidates or link.visit not in candidates:
            continue
        first = problem.visit_by_id[link.visit]
        first_hull = start_hull(problem, travel, first, candidates[first.id].staff)
        later_hull = start_hull(problem, travel, visit, candidates[visit.id].staff)
        if first_hull is None or later_hull is None:
            continue
        need = f"{visit.id} must start {link.min_gap // SECONDS_PER_MINUTE}"
        need += "" if link.max_gap is None else f"-{link.max_gap // SECONDS_PER_MINUTE}"
        need += f" min after {first.id} starts"
        if later_hull[1] < first_hull[0] + link.min_gap:
            why = (f"{need}, so at {format_clock(first_hull[0] + link.min_gap)} at the earliest, and no staff "
                   f"member can start it after {format_clock(later_hull[1])} and be back within the shift")
        elif link.max_gap is not None and later_hull[0] > first_hull[1] + link.max_gap:
            why = (f"{need}, so by {format_clock(first_hull[1] + link.max_gap)}, and no staff member can "
                   f"be there before {format_clock(later_hull[0])}")
        else:
            continue
        for member in (first.id, visit.id):
            del candidates[member]
            unserved[member] = Unassigned(member, UnassignedReason.CAPACITY,
                                          f"servable alone, but not with its linked visit: {why}")
        found = True
    return found


def _single_visit(problem: Problem, travel: TravelMatrix, visit: Visit) -> Candidates | Unassigned:
    need = visit.staff_count
    team = f"{need} staff" if need > 1 else "a staff member"
    qualified = [s for s in problem.staff if visit.skills <= s.skills]
    if len(qualified) < need:
        missing = sorted(visit.skills)
        if not qualified:
            detail = f"needs {_quoted(set(missing))}; no staff member has all of them"
        else:
            detail = (f"needs {team} with {_quoted(set(missing))}; only "
                      f"{_names([s.id for s in qualified])} {'has' if len(qualified) == 1 else 'have'} them")
        return Unassigned(visit.id, UnassignedReason.NO_QUALIFIED_STAFF, detail)
    blocked = {s.id: incompatibility(problem, visit, s) for s in qualified}
    compatible = [s for s in qualified if blocked[s.id] is None]
    if len(compatible) < need:
        skill_text = f"needs {_quoted(set(visit.skills))}" if visit.skills else "needs a visit"
        reasons = "; ".join(r for r in blocked.values() if r is not None)
        holders = _names([s.id for s in qualified])
        detail = f"{skill_text} — qualified: {holders}; {reasons}"
        return Unassigned(visit.id, UnassignedReason.NO_COMPATIBLE_STAFF, detail)
    unreachable = {s.id: reach_problem(problem, travel, visit, s) for s in compatible}
    able = [s.id for s in compatible if unreachable[s.id] is None]
    if len(able) < need:
        reasons = "; ".join(r for r in unreachable.values() if r is not None)
        return Unassigned(visit.id, UnassignedReason.UNREACHABLE_IN_SHIFT,
                          f"no {team} can reach a window and get back within the shift: {reasons}")
    return Candidates(visit.id, tuple(able))


def _propagate_links(problem: Problem, candidates: dict[str, Candidates], unserved: dict[str, Unassigned]) -> None:
    """Mark visits linked by `after` to an unservable visit, to a fixed point."""
    reached = spread_along_links(problem, list(unserved), may_reach=lambda v: v in candidates)
    for partner, lost in reached.items():
        if partner == lost:
            continue
        del candidates[partner]
        cause = unserved[lost]
        unserved[partner] = Unassigned(
            partner,
            UnassignedReason.LINKED_VISIT_UNSERVED,
            f"linked by 'after' to {lost}, which cannot be served ({cause.reason.value})",
        )
