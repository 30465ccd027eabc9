"""Who the week search may plan on each date, and why a recurring visit found nobody.

`max_week_minutes` is hard (W4: the sum of route end - route start over the week), so the search
plans each capped person on narrowed shifts whose lengths add up to at most the cap: a route
never leaves its shift, so the routes cannot add up to more. Narrowing in proportion over every
rostered date is kept when each narrowed shift still holds its breaks. When it does not (a 901-minute
cap over five 450-minute days leaves 08:00-11:00, before an 11:00-13:00 break), the cap is
allocated instead: dates are taken in order of the work waiting there that the person may do (then
by date), each at the least length that still holds its breaks, while the cap allows; what is left
of the cap lengthens the taken dates in proportion to what they lost. The dates left out are not
planned for that person; visits short of staff because of it are reported as `capacity`.

Narrowed shift ends are whole minutes on the clock (an end is rounded down, a break's least length
up): a shift ending at 14:33:45 would put seconds on a whole-minute week's plan (issue 23).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence

from ahs_routing.domain.model import Shift, Staff, Visit
from ahs_routing.domain.plan import UnassignedReason
from ahs_routing.domain.week import Week, WeekStaff, WeekVisit
from ahs_routing.errors import InputError
from ahs_routing.times import SECONDS_PER_MINUTE


def may_serve(person: Staff, visit: Visit, attributes: frozenset[str], excluded: frozenset[str]) -> bool:
    """Return True when skills, avoid, excluded and pinned staff all allow `person` to do `visit`."""
    return (visit.skills <= person.skills and not (person.avoid & attributes) and person.id not in excluded
            and visit.pinned_staff in (None, person.id))


def planned_staff(week: Week) -> dict[dt.date, tuple[Staff, ...]]:
    """Return, per date, the staff the search may plan, shifts narrowed so that weekly caps hold."""
    demand = _demand(week)
    kept: dict[str, dict[dt.date, Staff]] = {person.id: _within_cap(person, demand[person.id])
                                             for person in week.staff}
    return {date: tuple(kept[person.id][date] for person in week.staff if date in kept[person.id])
            for date in week.dates}


def _cut(person: Staff, latest: int) -> Staff:
    """Return the person with everything after `latest` taken off the shift (overtime first).

    Raises InputError when a break no longer fits.
    """
    end = min(person.shift.end, latest)
    return dataclasses.replace(person, shift=Shift(person.shift.start, end), overtime=max(0, latest - end))


def _span(person: Staff) -> int:
    return person.latest_end - person.shift.start


def _cut_or_none(person: Staff, length: int) -> Staff | None:
    try:
        return _cut(person, person.shift.start + length)
    except InputError:
        return None


def _on_minute(person: Staff, length: int, up: bool = False) -> int:
    """Return `length` moved so that the shift ends on a whole minute (never past the rostered end)."""
    end = person.shift.start + length
    end = -(-end // SECONDS_PER_MINUTE) * SECONDS_PER_MINUTE if up else end - end % SECONDS_PER_MINUTE
    return max(0, min(end - person.shift.start, _span(person)))


def _least_length(person: Staff) -> int:
    """The shortest shift length (seconds from its start, ending on a whole minute) that still holds the breaks."""
    low, high = 0, _span(person)  # the full shift holds them (the roster was checked)
    while low < high:
        middle = (low + high) // 2
        if _cut_or_none(person, middle) is None:
            low = middle + 1
        else:
            high = middle
    return _on_minute(person, high, up=True)


def _within_cap(week_person: WeekStaff, demand: Mapping[dt.date, float]) -> dict[dt.date, Staff]:
    """The person's dates the search may use, each as a (possibly narrowed) `Staff`."""
    days = {d.date: s for d in week_person.days if (s := week_person.on(d.date)) is not None}
    cap = week_person.max_week
    total = sum(_span(s) for s in days.values())
    if cap is None or total <= cap:
        return days
    proportional = {d: _cut_or_none(s, _on_minute(s, cap * _span(s) // total)) for d, s in days.items()}
    if all(s is not None for s in proportional.values()):
        return {d: s for d, s in proportional.items() if s is not None}
    least = {d: _least_length(s) for d, s in days.items()}
    taken: list[dt.date] = []
    used = 0
    for date in sorted(days, key=lambda d: (-demand.get(d, 0.0), d)):
        if used + least[date] <= cap:
            taken.append(date)
            used += least[date]
    spare = {d: _span(days[d]) - least[d] for d in taken}
    room, extra = cap - used, sum(spare.values())
    found = {}
    for date in sorted(taken):
        grow = min(spare[date], room * spare[date] // extra) if extra else 0  # never past the rostered shift
        narrowed = _cut_or_none(days[date], max(least[date], _on_minute(days[date], least[date] + grow)))
        if narrowed is not None:
            found[date] = narrowed
    return found


def _demand(week: Week) -> dict[str, dict[dt.date, float]]:
    """Per person and date: the seconds of work they may do that is expected there (spread over a
    recurring visit's allowed dates)."""
    template = week.template
    found: dict[str, dict[dt.date, float]] = defaultdict(lambda: defaultdict(float))
    for item in week.visits:
        allowed = week.allowed_dates(item)
        if not allowed:
            continue
        patient = template.patient_of(item.visit)
        share = week.wanted_count(item) / len(allowed)
        work = item.visit.staff_count * template.service_seconds(item.visit) * share
        for person in week.staff:
            profile = person.profile()
            if may_serve(profile, item.visit, patient.attributes, patient.excluded_staff):
                for date in allowed:
                    found[person.id][date] += work
    return found


def shortfall(week: Week, item: WeekVisit, planned: Mapping[dt.date, Sequence[Staff]],
              count: int) -> tuple[UnassignedReason, str] | None:
    """Return why fewer than `count` allowed dates have `staff_count` people able to do a visit, or None.

    Tested level by level on each allowed date: people rostered at all, with the skills, compatible
    (avoid, excluded, pinned), and planned after the weekly caps; the first level short of `count`
    dates is the reason.
    """
    template = week.template
    visit = item.visit
    patient = template.patient_of(visit)
    need = visit.staff_count
    allowed = week.allowed_dates(item)
    rostered = {d: week.staff_on(d) for d in allowed}
    levels: list[tuple[UnassignedReason, str, list[dt.date]]] = [
        (UnassignedReason.UNREACHABLE_IN_SHIFT, "staff rostered (a shift to be served in)",
         [d for d in allowed if len(rostered[d]) >= need]),
        (UnassignedReason.NO_QUALIFIED_STAFF, "rostered staff with its skills",
         [d for d in allowed if sum(visit.skills <= s.skills for s in rostered[d]) >= need]),
        (UnassignedReason.NO_COMPATIBLE_STAFF, "rostered staff it is compatible with (avoid, excluded, pinned)",
         [d for d in allowed
          if sum(may_serve(s, visit, patient.attributes, patient.excluded_staff) for s in rostered[d]) >= need]),
        (UnassignedReason.CAPACITY, "staff able to do it with room left under their max_week_minutes",
         [d for d in allowed
          if sum(may_serve(s, visit, patient.attributes, patient.excluded_staff) for s in planned[d]) >= need]),
    ]
    who = "one person" if need == 1 else f"{need} people"
    for reason, what, dates in levels:
        if len(dates) < count:
            lacking = ", ".join(d.isoformat() for d in allowed if d not in dates)
            return reason, (f"needs {who} on {count} of its allowed dates, but only {len(dates)} of "
                            f"{len(allowed)} have enough {what}; too few on {lacking}")
    return None
