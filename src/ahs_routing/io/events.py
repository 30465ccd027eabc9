"""Reading the day's events (the EVENTS.json list of `ahs-routing replan`) and one new visit (VISIT.json).

An event is a JSON object with a `type` and the keys of its kind (docs/REPLAN.md). The visit,
patient and staff an event carries are the contract's own objects, validated by the contract's
parsers; every fault is reported at once under the event's path
(``events[0].visit.windows[0]: end 09:00 is before start 10:00``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ahs_routing.domain.events import AddStaff, AddVisit, CancelVisit, Event, SetDuration, StaffUnavailable
from ahs_routing.domain.model import MAX_DURATION_SECONDS, Visit
from ahs_routing.errors import InputError, ProblemCollector
from ahs_routing.io.contract import patient_from_doc, staff_from_doc, visit_from_doc
from ahs_routing.io.documents import PatientDoc, StaffDoc, VisitDoc, parse_part
from ahs_routing.io.timestamps import timestamp_seconds
from ahs_routing.times import SECONDS_PER_MINUTE, minutes_to_seconds, parse_clock

D = TypeVar("D")
R = TypeVar("R")

#: The longest `set_duration`, in minutes: the model's bound on any duration.
_MAX_DURATION_MINUTES = MAX_DURATION_SECONDS // SECONDS_PER_MINUTE


def events_from_list(data: Any, date: dt.date | None = None, timezone: str | None = None) -> list[Event]:
    """Return the events of an EVENTS.json list; an `InputError` names each bad event's index and field.

    A `staff_unavailable` event's `from` is "HH:MM"; given the problem's `date` (and `timezone`),
    also a date and time, with or without an offset (`io.timestamps` converts it).
    """
    if not isinstance(data, list):
        raise InputError(f"the events document must be a JSON list, got {type(data).__name__}")
    problems = ProblemCollector()
    events: list[Event] = []
    for i, item in enumerate(data):
        event = _event_from_dict(item, f"events[{i}]", problems, date, timezone)
        if event is not None:
            events.append(event)
    problems.raise_if_any()
    return events


def visit_from_dict(data: Any, path: str = "visit") -> Visit:
    """Return the `Visit` of one contract visit object; an `InputError` names each bad field under `path`."""
    problems = ProblemCollector()
    visit = _part(problems, path, data, VisitDoc, visit_from_doc)
    problems.raise_if_any()
    assert visit is not None  # every failure was recorded and raised
    return visit


def _event_from_dict(item: Any, path: str, problems: ProblemCollector,
                     date: dt.date | None, timezone: str | None) -> Event | None:
    if not isinstance(item, dict):
        problems.add(path, f"an event must be a JSON object, got {type(item).__name__}")
        return None
    kind = item.get("type")
    if kind not in _KINDS:
        problems.add(f"{path}.type", f"{kind!r} is not one of {', '.join(EVENT_TYPES)}")
        return None
    required, optional, read = _KINDS[kind]
    found = len(problems.problems)
    for key in sorted(required - item.keys()):
        problems.add(f"{path}.{key}", "is missing")
    for key in sorted(item.keys() - required - optional - {"type"}):
        problems.add(f"{path}.{key}", f"unknown key for a {kind} event")
    if len(problems.problems) > found:
        return None
    if kind == "staff_unavailable" and date is not None:
        return _staff_unavailable(item, path, problems, lambda value: timestamp_seconds(value, date, timezone))
    return read(item, path, problems)


def _add_visit(item: Mapping[str, Any], path: str, problems: ProblemCollector) -> AddVisit | None:
    visit = _part(problems, f"{path}.visit", item["visit"], VisitDoc, visit_from_doc)
    patient = None
    if item.get("patient") is not None:
        patient = _part(problems, f"{path}.patient", item["patient"], PatientDoc, patient_from_doc)
        if patient is None:
            return None
    return None if visit is None else AddVisit(visit, patient)


def _cancel_visit(item: Mapping[str, Any], path: str, problems: ProblemCollector) -> CancelVisit | None:
    visit_id = _id(problems, f"{path}.visit", item["visit"])
    return None if visit_id is None else CancelVisit(visit_id)


def _set_duration(item: Mapping[str, Any], path: str, problems: ProblemCollector) -> SetDuration | None:
    visit_id = _id(problems, f"{path}.visit", item["visit"])
    minutes = item["minutes"]
    if isinstance(minutes, bool) or not isinstance(minutes, int | float) or not math.isfinite(minutes) \
            or not 0 <= minutes <= _MAX_DURATION_MINUTES:
        problems.add(f"{path}.minutes", f"{minutes!r} must be a number of minutes from 0 to {_MAX_DURATION_MINUTES}")
        return None
    return None if visit_id is None else SetDuration(visit_id, minutes_to_seconds(minutes))


def _staff_unavailable(item: Mapping[str, Any], path: str, problems: ProblemCollector,
                       moment_of: Callable[[Any], int] = parse_clock) -> StaffUnavailable | None:
    staff_id = _id(problems, f"{path}.staff", item["staff"])
    moment = _moment(problems, f"{path}.from", item["from"], moment_of)
    return None if staff_id is None or moment is None else StaffUnavailable(staff_id, moment)


def _add_staff(item: Mapping[str, Any], path: str, problems: ProblemCollector) -> AddStaff | None:
    staff = _part(problems, f"{path}.staff", item["staff"], StaffDoc, staff_from_doc)
    return None if staff is None else AddStaff(staff)


_Reader = Callable[[Mapping[str, Any], str, ProblemCollector], Event | None]

#: Each event type: its required keys, its optional keys, and its reader.
_KINDS: dict[str, tuple[set[str], set[str], _Reader]] = {
    "add_visit": ({"visit"}, {"patient"}, _add_visit),
    "cancel_visit": ({"visit"}, set(), _cancel_visit),
    "set_duration": ({"visit", "minutes"}, set(), _set_duration),
    "staff_unavailable": ({"staff", "from"}, set(), _staff_unavailable),
    "add_staff": ({"staff"}, set(), _add_staff),
}
EVENT_TYPES = tuple(_KINDS)


def _part(
    problems: ProblemCollector, path: str, data: Any, model: type[D],
    build: Callable[[D, str, ProblemCollector], R | None],
) -> R | None:
    """Return one contract object (visit, patient, staff) built with the contract's own validation."""
    doc = parse_part(problems, path, model, data)
    return None if doc is None else build(doc, path, problems)


def _id(problems: ProblemCollector, path: str, value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value
    problems.add(path, f"{value!r} must be a non-empty id string")
    return None


def _moment(problems: ProblemCollector, path: str, value: Any, moment_of: Callable[[Any], int]) -> int | None:
    with problems.at(path):
        return moment_of(value)
    return None
