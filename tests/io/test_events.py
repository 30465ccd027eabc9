"""Reading the day's events and single visits: the contract's parsers under the event's path."""

from __future__ import annotations

import pytest
from builders import hm, minutes, visit

from ahs_routing import InputError, Location, Patient
from ahs_routing.domain.events import SetDuration, StaffUnavailable
from ahs_routing.errors import ProblemCollector
from ahs_routing.io.contract import patient_from_doc, staff_from_doc
from ahs_routing.io.documents import PatientDoc, StaffDoc, parse_document, parse_part
from ahs_routing.io.events import events_from_list, visit_from_dict


def test_events_are_read_from_the_issue_format() -> None:
    """All five kinds, with the contract's own visit and staff objects."""
    events = events_from_list([
        {"type": "add_visit", "visit": {"id": "u", "patient": "c", "duration_minutes": 20,
                                        "windows": [{"start": "09:30", "end": "10:15"}], "priority": "critical"}},
        {"type": "cancel_visit", "visit": "v3"},
        {"type": "set_duration", "visit": "v4", "minutes": 45},
        {"type": "staff_unavailable", "staff": "n1", "from": "11:00"},
        {"type": "add_staff", "staff": {"id": "n3", "shift": {"start": "09:00", "end": "15:00"}}},
    ])
    assert [type(e).__name__ for e in events] == ["AddVisit", "CancelVisit", "SetDuration", "StaffUnavailable",
                                                  "AddStaff"]
    assert events[2] == SetDuration("v4", minutes(45)) and events[3] == StaffUnavailable("n1", hm("11:00"))


@pytest.mark.parametrize(("events", "expected"), [
    # not a list at all
    ({"type": "cancel_visit"}, "the events document must be a JSON list, got dict"),
    # unknown type
    ([{"type": "postpone"}], "events[0].type: 'postpone' is not one of add_visit, cancel_visit, set_duration, "
                             "staff_unavailable, add_staff"),
    # missing field, unknown field
    ([{"type": "set_duration", "visit": "v1", "mins": 5}], "events[0].minutes: is missing\n"
                                                           "events[0].mins: unknown key for a set_duration event"),
    # a bad number and a bad clock, both reported
    ([{"type": "set_duration", "visit": "v1", "minutes": -5}, {"type": "staff_unavailable", "staff": "n1",
                                                               "from": "9am"}],
     "events[0].minutes: -5 must be a number of minutes from 0 to 2880\n"
     "events[1].from: '9am' is not a time of day HH:MM"),
    # the contract's validation of the visit, under the event's path
    ([{"type": "add_visit", "visit": {"id": "u", "patient": "a", "duration_minutes": 20,
                                      "windows": [{"start": "10:00", "end": "09:00"}]}}],
     "events[0].visit.windows[0]: end 09:00 is before start 10:00"),
])
def test_bad_events_name_the_event_and_field(events: object, expected: str) -> None:
    """Every problem is reported at once, each with its path."""
    with pytest.raises(InputError) as caught:
        events_from_list(events)
    assert str(caught.value) == expected


def test_one_visit_is_read_with_the_contracts_validation_under_its_path() -> None:
    """`visit_from_dict` (the VISIT.json of `suggest`) builds a `Visit` in seconds or names each fault."""
    read = visit_from_dict({"id": "u", "patient": "c", "duration_minutes": 20,
                            "windows": [{"start": "09:30", "end": "10:15"}]})
    assert read == visit("u", "c", 20, [("09:30", "10:15")])
    with pytest.raises(InputError) as caught:
        visit_from_dict({"id": "u", "patient": "c", "duration_minutes": 20, "windows": [{"start": "9am",
                                                                                        "end": "8am"}]}, "new")
    assert str(caught.value) == ("new.windows[0].start: '9am' is not a time of day HH:MM\n"
                                 "new.windows[0].end: '8am' is not a time of day HH:MM")


def test_contract_parts_record_their_faults_and_give_none() -> None:
    """`parse_part` and the element parsers record faults under the path given and return None."""
    problems = ProblemCollector()
    assert parse_part(problems, "events[2].staff", StaffDoc, {"id": "n3", "shift": {}, "hat": 1}) is None
    assert [str(p) for p in problems.problems] == ["events[2].staff.shift.start: Field required",
                                                   "events[2].staff.shift.end: Field required",
                                                   "events[2].staff.hat: unknown key (not in the contract)"]
    doc = parse_document(StaffDoc, {"id": "n3", "shift": {"start": "09:00", "end": "08:00"}})
    assert staff_from_doc(doc, "staff[0]", problems) is None
    assert str(problems.problems[-1]) == "staff[0].shift.end: shift end 08:00 is not after its start 09:00"
    good = parse_document(PatientDoc, {"id": "c", "location": {"lat": 63.4, "lon": 10.4}, "parking_minutes": 2})
    assert patient_from_doc(good, "patients[0]", problems) == Patient("c", Location(63.4, 10.4), parking=120)


def test_staff_unavailable_from_a_timestamp_uses_the_problems_timezone() -> None:
    """11:00Z on 2026-11-23 is 12:00 in Oslo; without a timezone the offset is refused under the event's path."""
    import datetime as dt

    date = dt.date(2026, 11, 23)
    item = {"type": "staff_unavailable", "staff": "n1", "from": "2026-11-23T11:00:00Z"}
    assert events_from_list([item], date, "Europe/Oslo") == [StaffUnavailable("n1", hm("12:00"))]
    assert events_from_list([{**item, "from": "12:00"}], date, "Europe/Oslo") == [StaffUnavailable("n1", hm("12:00"))]
    with pytest.raises(InputError, match=r"events\[0\]\.from: .* carries a UTC offset, but the problem has no"):
        events_from_list([item], date, None)
