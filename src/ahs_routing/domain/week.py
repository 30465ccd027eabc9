"""A planning week: its dates, each person's roster, visits on a fixed date or recurring, and occurrences.

A `Week` is several planning days planned together (the contract's week problem). Each visit
happens on a fixed `date` or on `count` dates chosen from its allowed dates (`Recurrence`);
its happening on one date is an **occurrence** with the id ``"{visit}@{date}"``. The day
problem of a date (`Week.day_problem`) is an ordinary `Problem` with the staff rostered on that
date and the occurrences given, so the day solver and the day checker serve weeks unchanged.
Times and durations are seconds, as in `ahs_routing.domain.model`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from ahs_routing.domain.model import (
    Base,
    Break,
    Patient,
    Place,
    Policy,
    Problem,
    Shift,
    Staff,
    TravelModel,
    Visit,
)
from ahs_routing.errors import InputError, ProblemCollector

#: Separates a visit id from the date in an occurrence id (``"shower-p3@2026-11-25"``).
OCCURRENCE_SEPARATOR = "@"
#: Longest `max_week_minutes` the model accepts: every minute of the longest week, 31 days.
MAX_WEEK_SECONDS = 31 * 24 * 3600


def occurrence_id(visit_id: str, date: dt.date) -> str:
    """Return the id of a visit's occurrence on a date: ``"{visit}@{YYYY-MM-DD}"``."""
    return f"{visit_id}{OCCURRENCE_SEPARATOR}{date.isoformat()}"


def split_occurrence(occurrence: str) -> tuple[str, dt.date] | None:
    """Return (visit id, date) of an occurrence id, or None when it is not one."""
    visit_id, separator, text = occurrence.rpartition(OCCURRENCE_SEPARATOR)
    if not separator or not visit_id:
        return None
    try:
        return visit_id, dt.date.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class RosterDay:
    """One date a staff member works: that date's shift, allowed overtime (seconds) and breaks."""

    date: dt.date
    shift: Shift
    overtime: int = 0
    breaks: tuple[Break, ...] = ()


@dataclass(frozen=True, slots=True)
class WeekStaff:
    """A member of the team over the week: the day fields that do not change, the roster, a weekly cap.

    `max_week` caps the sum over the week of (route end - route start), in seconds (None = no cap).
    """

    id: str
    days: tuple[RosterDay, ...] = ()
    role: str = ""
    skills: frozenset[str] = frozenset()
    avoid: frozenset[str] = frozenset()
    max_travel: int | None = None
    capacity: float | None = None
    start_location: Place | None = None
    end_location: Place | None = None
    max_week: int | None = None

    def __post_init__(self) -> None:
        problems = ProblemCollector()
        with problems.at(""):
            self.profile()  # the fields every date shares, checked once
        if self.max_week is not None and not 0 <= self.max_week <= MAX_WEEK_SECONDS:
            problems.add("max_week_minutes", f"{self.max_week / 60:g} must be between 0 and {MAX_WEEK_SECONDS // 60}")
        seen: dict[dt.date, int] = {}
        for j, day in enumerate(self.days):
            if day.date in seen:
                problems.add(f"days[{j}].date",
                             f"{day.date.isoformat()} is listed twice (first at days[{seen[day.date]}])")
            seen.setdefault(day.date, j)
            with problems.at(f"days[{j}]"):
                self._staff(day)
        problems.raise_if_any()

    def profile(self) -> Staff:
        """Return the person as a day's `Staff` with a placeholder shift and no breaks (for references)."""
        return self._staff(RosterDay(dt.date.min, Shift(0, 1)))

    def _staff(self, day: RosterDay) -> Staff:
        return Staff(id=self.id, shift=day.shift, role=self.role, skills=self.skills, overtime=day.overtime,
                     breaks=day.breaks, avoid=self.avoid, max_travel=self.max_travel, capacity=self.capacity,
                     start_location=self.start_location, end_location=self.end_location)

    def roster_on(self, date: dt.date) -> RosterDay | None:
        """Return the roster entry for a date, or None on a day off."""
        return next((day for day in self.days if day.date == date), None)

    def on(self, date: dt.date) -> Staff | None:
        """Return the person as that date's `Staff` (its shift, overtime, breaks), or None on a day off."""
        day = self.roster_on(date)
        return None if day is None else self._staff(day)


@dataclass(frozen=True, slots=True)
class Recurrence:
    """`count` distinct dates chosen from `dates` (None = every date of the week), `min_days_apart` apart."""

    count: int
    dates: tuple[dt.date, ...] | None = None
    min_days_apart: int = 0

    def __post_init__(self) -> None:
        problems = ProblemCollector()
        if not (isinstance(self.count, int) and self.count >= 1):
            problems.add("count", f"{self.count!r} must be a whole number >= 1")
        if not (isinstance(self.min_days_apart, int) and self.min_days_apart >= 0):
            problems.add("min_days_apart", f"{self.min_days_apart!r} must be a whole number >= 0")
        for k, date in enumerate(self.dates or ()):
            if date in (self.dates or ())[:k]:
                problems.add(f"dates[{k}]", f"{date.isoformat()} is listed twice")
        problems.raise_if_any()


@dataclass(frozen=True, slots=True)
class WeekVisit:
    """A visit of the week: the day's `Visit` and when it happens (a fixed `date` or a `recurrence`)."""

    visit: Visit
    date: dt.date | None = None
    recurrence: Recurrence | None = None

    def __post_init__(self) -> None:
        problems = ProblemCollector()
        if (self.date is None) == (self.recurrence is None):
            problems.add("", "a week visit has exactly one of date and recurrence")
        if OCCURRENCE_SEPARATOR in self.visit.id:
            problems.add("id", f"visit ids of a week contain no {OCCURRENCE_SEPARATOR!r}: {self.visit.id!r}")
        problems.raise_if_any()

    @property
    def id(self) -> str:
        """Return the visit id."""
        return self.visit.id


def max_spaced(dates: Iterable[dt.date], min_days_apart: int) -> int:
    """Return how many of `dates` can be chosen with any two at least `min_days_apart` days apart."""
    chosen = 0
    last: dt.date | None = None
    for date in sorted(set(dates)):  # earliest-first is optimal for spacing on a line
        if last is None or (date - last).days >= max(1, min_days_apart):
            chosen, last = chosen + 1, date
    return chosen


def well_spaced(dates: Iterable[dt.date], min_days_apart: int) -> bool:
    """True when the dates are distinct and any two are at least `min_days_apart` days apart."""
    ordered = sorted(dates)
    return all((b - a).days >= max(1, min_days_apart) for a, b in itertools.pairwise(ordered))


@dataclass(frozen=True)
class Week:
    """Several planning days planned together: dates, base, policy, travel, staff, patients, visits.

    Building it checks everything the day `Problem` checks (on the week's visits) and the week's own
    rules, and raises one `InputError` listing every problem with its path.
    """

    dates: tuple[dt.date, ...]
    base: Base
    staff: tuple[WeekStaff, ...]
    patients: tuple[Patient, ...]
    visits: tuple[WeekVisit, ...]
    policy: Policy = field(default_factory=Policy)
    travel: TravelModel = field(default_factory=TravelModel)
    timezone: str | None = None

    def __post_init__(self) -> None:
        for name in ("dates", "staff", "patients", "visits"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
        problems = ProblemCollector()
        if not self.dates:
            problems.add("dates", "a week has at least one date")
        if self.timezone is not None and not _known_zone(self.timezone):
            problems.add("timezone", f"{self.timezone!r} is not an IANA time zone name such as 'Europe/Oslo'")
        for i, date in enumerate(self.dates):
            if date in self.dates[:i]:
                problems.add(f"dates[{i}]",
                             f"duplicate date {date.isoformat()} (first at dates[{self.dates.index(date)}])")
        week = set(self.dates)
        for i, person in enumerate(self.staff):
            for j, day in enumerate(person.days):
                if day.date not in week:
                    problems.add(f"staff[{i}].days[{j}].date", f"{day.date.isoformat()} is not a date of the week")
        for i, item in enumerate(self.visits):
            self._check_when(problems, f"visits[{i}]", item)
        self._check_links(problems)
        self._check_pinned(problems)
        if not problems.problems:
            with problems.at(""):
                self.template  # noqa: B018 - building it checks the day rules on every visit
        problems.raise_if_any()

    def _check_when(self, problems: ProblemCollector, path: str, item: WeekVisit) -> None:
        week = set(self.dates)
        if item.date is not None and item.date not in week:
            problems.add(f"{path}.date", f"{item.date.isoformat()} is not a date of the week")
        rule = item.recurrence
        if rule is None:
            return
        outside = False
        for k, date in enumerate(rule.dates or ()):
            if date not in week:
                problems.add(f"{path}.recurrence.dates[{k}]", f"{date.isoformat()} is not a date of the week")
                outside = True
        if outside:
            return
        allowed = self.allowed_dates(item)
        if rule.count > len(allowed):
            problems.add(f"{path}.recurrence.count", f"{rule.count} dates asked for, {len(allowed)} allowed")
        elif max_spaced(allowed, rule.min_days_apart) < rule.count:
            problems.add(f"{path}.recurrence.min_days_apart",
                         f"{rule.count} of the {len(allowed)} allowed dates cannot be {rule.min_days_apart} days apart "
                         f"(at most {max_spaced(allowed, rule.min_days_apart)})")

    def _check_links(self, problems: ProblemCollector) -> None:
        by_id = {item.id: item for item in self.visits}
        for i, item in enumerate(self.visits):
            link = item.visit.after
            partner = by_id.get(link.visit) if link is not None else None
            if partner is None:
                continue  # an unknown partner is the day rules' to report
            mine, theirs = self._link_dates(item), self._link_dates(partner)
            if mine is None or theirs is None or mine != theirs:
                problems.add(f"visits[{i}].after.visit",
                             f"{item.id} and {partner.id} do not happen on the same dates; an 'after' link "
                             "joins visits on one fixed date or recurring on every allowed date alike")

    def _check_pinned(self, problems: ProblemCollector) -> None:
        by_id = {person.id: person for person in self.staff}
        for i, item in enumerate(self.visits):
            person = by_id.get(item.visit.pinned_staff or "")
            if person is not None and item.date is not None and person.roster_on(item.date) is None:
                problems.add(f"visits[{i}].pinned_staff",
                             f"pinned to {person.id}, who has no entry for {item.date.isoformat()}")

    def _link_dates(self, item: WeekVisit) -> tuple[dt.date, ...] | None:
        """The dates a visit surely happens on, or None when they are chosen by the plan."""
        allowed = self.allowed_dates(item)
        if item.recurrence is not None and item.recurrence.count != len(allowed):
            return None
        return tuple(sorted(allowed))

    # Look-ups ---------------------------------------------------------------------------

    @cached_property
    def template(self) -> Problem:
        """Return one `Problem` with every person (placeholder shifts) and every visit, for references and travel."""
        return Problem(
            date=self.dates[0] if self.dates else dt.date.min,
            base=self.base,
            staff=tuple(person.profile() for person in self.staff),
            patients=self.patients,
            visits=tuple(item.visit for item in self.visits),
            policy=self.policy,
            travel=self.travel,
            timezone=self.timezone,
        )

    @cached_property
    def visit_by_id(self) -> Mapping[str, WeekVisit]:
        """Return the week's visits by id."""
        return {item.id: item for item in self.visits}

    @cached_property
    def staff_by_id(self) -> Mapping[str, WeekStaff]:
        """Return the week's staff by id."""
        return {person.id: person for person in self.staff}

    def allowed_dates(self, item: WeekVisit) -> tuple[dt.date, ...]:
        """Return the dates a visit may happen on, in the week's order."""
        if item.date is not None:
            return (item.date,)
        assert item.recurrence is not None
        wanted = set(item.recurrence.dates) if item.recurrence.dates is not None else set(self.dates)
        return tuple(d for d in dict.fromkeys(self.dates) if d in wanted)

    def wanted_count(self, item: WeekVisit) -> int:
        """Return on how many dates a visit should happen: 1 for a fixed date, else its recurrence count."""
        return 1 if item.recurrence is None else item.recurrence.count

    def happens_every_allowed_date(self, item: WeekVisit) -> bool:
        """True when the plan has no choice of dates for a visit (a fixed date, or `count` = allowed dates)."""
        return self._link_dates(item) is not None

    def staff_on(self, date: dt.date) -> tuple[Staff, ...]:
        """Return the staff rostered on a date, as that date's `Staff`, in the week's order."""
        return tuple(s for s in (person.on(date) for person in self.staff) if s is not None)

    def occurrence(self, visit_id: str, date: dt.date) -> Visit:
        """Return a visit's occurrence on a date: the visit with the occurrence id and its partner's."""
        visit = self.visit_by_id[visit_id].visit
        after = visit.after
        if after is not None:
            after = dataclasses.replace(after, visit=occurrence_id(after.visit, date))
        return dataclasses.replace(visit, id=occurrence_id(visit_id, date), after=after)

    def day_problem(self, date: dt.date, visit_ids: Iterable[str], staff: Iterable[Staff] | None = None) -> Problem:
        """Return the day problem of a date with the occurrences of `visit_ids` (week ids), in the week's order.

        `staff` replaces the rostered staff (a solver may narrow shifts); None = the date's roster.
        """
        wanted = set(visit_ids)
        unknown = wanted - set(self.visit_by_id)
        if unknown:
            raise InputError(f"unknown visits {sorted(unknown)}")
        people = self.staff_on(date) if staff is None else tuple(staff)
        present = {person.id for person in people}
        return Problem(
            date=date,
            base=self.base,
            staff=people,
            patients=tuple(_with_staff(patient, present) for patient in self.patients),
            visits=tuple(self.occurrence(item.id, date) for item in self.visits if item.id in wanted),
            policy=self.policy,
            travel=self.travel,
            timezone=self.timezone,
        )


def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _with_staff(patient: Patient, present: set[str]) -> Patient:
    """Return the patient with preferred and excluded staff narrowed to those at work (the others cannot come)."""
    preferred = tuple(s for s in patient.preferred_staff if s in present)
    excluded = patient.excluded_staff & present
    if preferred == patient.preferred_staff and excluded == patient.excluded_staff:
        return patient
    return dataclasses.replace(patient, preferred_staff=preferred, excluded_staff=excluded)
