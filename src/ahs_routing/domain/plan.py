"""The plan for a day: routes of stops, breaks, what was not served and why, and KPIs.

A `Plan` names only the problem's own ids; times are seconds after midnight of the plan
date and durations are seconds (see `ahs_routing.times`). `ahs_routing.io.contract` writes it as the contract's JSON.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ahs_routing.times import format_clock, seconds_to_minutes


class PlanStatus(enum.StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"


class UnassignedReason(enum.StrEnum):
    """Why a visit is not in any route (the contract's codes)."""

    PATIENT_INELIGIBLE = "patient_ineligible"
    NO_QUALIFIED_STAFF = "no_qualified_staff"
    NO_COMPATIBLE_STAFF = "no_compatible_staff"
    UNREACHABLE_IN_SHIFT = "unreachable_in_shift"
    LINKED_VISIT_UNSERVED = "linked_visit_unserved"
    CAPACITY = "capacity"


class IneligibleReason(enum.StrEnum):
    TRAVEL_LIMIT = "travel_limit"
    AGE_LIMIT = "age_limit"


@dataclass(frozen=True, slots=True)
class Stop:
    """One visit on a route: travel to it, arrival, and the served interval [start, end]."""

    visit: str
    patient: str
    travel: int
    arrival: int
    start: int
    end: int

    @property
    def waiting(self) -> int:
        """Return the seconds between arriving and starting."""
        return self.start - self.arrival


@dataclass(frozen=True, slots=True)
class BreakTaken:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Route:
    """One staff member's day: leaves at `start`, is back at the end location by `end`."""

    staff: str
    start: int
    end: int
    travel: int
    distance_km: float | None
    stops: tuple[Stop, ...]
    breaks: tuple[BreakTaken, ...] = ()

    @property
    def visit_ids(self) -> list[str]:
        """Return the visit ids in the order they are served."""
        return [s.visit for s in self.stops]


@dataclass(frozen=True, slots=True)
class Unassigned:
    """A visit left out of every route, with the contract's reason code and a sentence."""

    visit: str
    reason: UnassignedReason
    detail: str = ""


@dataclass(frozen=True, slots=True)
class IneligiblePatient:
    patient: str
    reason: IneligibleReason
    detail: str = ""


class InMinutes:
    """Travel and overtime in minutes, as the JSON shows them, for figures kept in seconds."""

    __slots__ = ()
    travel_seconds: int
    overtime_seconds: int

    @property
    def travel_minutes(self) -> int | float:
        """Return the travel time in minutes, as the JSON shows it."""
        return seconds_to_minutes(self.travel_seconds)

    @property
    def overtime_minutes(self) -> int | float:
        """Return the overtime in minutes, as the JSON shows it."""
        return seconds_to_minutes(self.overtime_seconds)


@dataclass(frozen=True, slots=True)
class Kpis(InMinutes):
    """Key figures of a plan (durations in seconds; the JSON shows minutes)."""

    visits: int
    visits_served: int
    travel_seconds: int
    distance_km: float | None
    overtime_seconds: int
    continuity_rate: float | None
    staff_used: int



class Meta(Mapping[str, Any]):
    """A read-only mapping of JSON values (a plan's provenance); unlike a mappingproxy it pickles."""

    __slots__ = ("_items",)
    _items: dict[str, Any]

    def __init__(self, items: Mapping[str, Any] | None = None) -> None:
        # A copy: the caller's dict can change without changing the plan.
        object.__setattr__(self, "_items", dict(items or {}))

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a plan's meta is read-only")

    def __reduce__(self) -> tuple[type[Meta], tuple[dict[str, Any]]]:
        return Meta, (self._items,)

    def __repr__(self) -> str:
        return f"Meta({self._items!r})"


@dataclass(frozen=True, slots=True)
class Plan:
    """The answer for one planning day.

    `meta` is provenance (library version, seed, time limit, when it was solved, ...; the
    contract's `meta` extension, docs/CONTRACT.md): a read-only mapping of JSON values, empty
    unless a solver filled it. It is not part of the plan's content, so two plans that differ
    only in `meta` compare equal.
    """

    date: dt.date
    status: PlanStatus
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    ineligible_patients: tuple[IneligiblePatient, ...]
    kpis: Kpis
    meta: Mapping[str, Any] = field(default_factory=Meta, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.meta, Meta):
            object.__setattr__(self, "meta", Meta(self.meta))

    def stops(self) -> Iterator[tuple[Route, Stop]]:
        """Yield every (route, stop) pair, route by route."""
        for route in self.routes:
            for stop in route.stops:
                yield route, stop

    def route_of(self, staff_id: str) -> Route | None:
        """Return the route of a staff member, or None when they have none."""
        return next((r for r in self.routes if r.staff == staff_id), None)

    def summary(self) -> str:
        """Return a short, human-readable account of the plan (ids only, no personal data)."""
        k = self.kpis
        lines = [
            f"Plan for {self.date.isoformat()}: {self.status.value}, "
            f"{k.visits_served} of {k.visits} visits served by {k.staff_used} staff",
            f"  travel {k.travel_minutes} min"
            + (f", {k.distance_km:.1f} km" if k.distance_km is not None else "")
            + f", overtime {k.overtime_minutes} min"
            + (f", continuity {k.continuity_rate:.0%}" if k.continuity_rate is not None else ""),
        ]
        for route in self.routes:
            visits = " ".join(f"{format_clock(s.start)} {s.visit}" for s in route.stops)
            lines.append(f"  {route.staff:>8} {format_clock(route.start)}-{format_clock(route.end)}: {visits}")
        lines += [f"  unassigned {u.visit}: {u.reason.value} ({u.detail})" for u in self.unassigned]
        lines += [f"  ineligible {p.patient}: {p.reason.value} ({p.detail})" for p in self.ineligible_patients]
        return "\n".join(lines)
