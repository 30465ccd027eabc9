"""What can happen during a day: the events a re-plan applies to the morning's problem.

Times are integer seconds, like everywhere in the domain. `ahs_routing.io.events` reads them
from the EVENTS.json list; `ahs_routing.intraday.replan` applies them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ahs_routing.domain.model import Patient, Staff, Visit


@dataclass(frozen=True, slots=True)
class AddVisit:
    """A new visit (an urgent call); `patient` is given when the patient is not in the day yet."""

    visit: Visit
    patient: Patient | None = None


@dataclass(frozen=True, slots=True)
class CancelVisit:
    """A visit that will not take place (it must not have started)."""

    visit: str


@dataclass(frozen=True, slots=True)
class SetDuration:
    """A visit takes `duration` seconds instead of its planned duration (it may be under way)."""

    visit: str
    duration: int


@dataclass(frozen=True, slots=True)
class StaffUnavailable:
    """A staff member works no more from `start` (seconds): what they had not started is re-planned."""

    staff: str
    start: int


@dataclass(frozen=True, slots=True)
class AddStaff:
    """A staff member who joins the day."""

    staff: Staff


Event = AddVisit | CancelVisit | SetDuration | StaffUnavailable | AddStaff
