"""Reasons before the search: qualified, compatible, reachable, and linked visits."""

from __future__ import annotations

from builders import day, hm, minutes, nurse, patient, visit

from ahs_routing import After, Mode, UnassignedReason, travel_matrix
from ahs_routing.solve.diagnosis import diagnose


def _diagnose(problem):  # type: ignore[no-untyped-def]
    return diagnose(problem, travel_matrix(problem), {})


def test_candidates_are_qualified_compatible_and_reachable() -> None:
    """n1 lacks the skill, n2 avoids the cat, n3 starts too late for the window: only n4 remains."""
    problem = day(
        [nurse("n1"), nurse("n2", skills=frozenset({"tube"}), avoid=frozenset({"cat"})),
         nurse("n3", start="10:00", skills=frozenset({"tube"})), nurse("n4", skills=frozenset({"tube"}))],
        [patient("p1", attributes=frozenset({"cat"}))],
        [visit("v1", "p1", 30, [("08:00", "09:00")], skills=frozenset({"tube"}))],
        {"p1": 10},
    )
    candidates, unserved = _diagnose(problem)
    assert candidates["v1"].staff == ("n4",) and unserved == {}


def test_reasons_in_order_of_specificity() -> None:
    """Skills first, then compatibility, then reach — each visit gets the first that applies."""
    problem = day(
        [nurse("n1", skills=frozenset({"chemo"}), avoid=frozenset({"dog"}), start="09:00")],
        [patient("dog", attributes=frozenset({"dog"})), patient("p2")],
        [visit("skill", "p2", skills=frozenset({"palliative"})),
         visit("compat", "dog", skills=frozenset({"chemo"})),
         visit("reach", "p2", 30, [("08:00", "08:30")])],
        {"dog": 5, "p2": 5},
    )
    _, unserved = _diagnose(problem)
    assert {k: v.reason for k, v in unserved.items()} == {
        "skill": UnassignedReason.NO_QUALIFIED_STAFF,
        "compat": UnassignedReason.NO_COMPATIBLE_STAFF,
        "reach": UnassignedReason.UNREACHABLE_IN_SHIFT,
    }
    assert "n1 can be there at 09:05 at the earliest" in unserved["reach"].detail


def test_pinned_to_someone_unable_is_a_compatibility_conflict() -> None:
    """Pinned to n2, who is qualified but excluded by the patient: no_compatible_staff."""
    problem = day([nurse("n1"), nurse("n2")], [patient("p1", excluded_staff=frozenset({"n2"}))],
                  [visit("v1", "p1", pinned_staff="n2")], {"p1": 5})
    _, unserved = _diagnose(problem)
    assert unserved["v1"].reason is UnassignedReason.NO_COMPATIBLE_STAFF
    assert "pinned to n2" in unserved["v1"].detail and "excluded" in unserved["v1"].detail


def test_travel_cap_and_shift_length_make_visits_unreachable() -> None:
    """A 30-min home is beyond a 50-min daily travel cap; a 5-hour visit does not fit a 4-hour shift."""
    problem = day([nurse("n1", end="12:00", max_travel=minutes(50))], [patient("p1"), patient("p2")],
                  [visit("capped", "p1", 10), visit("long", "p2", 300)], {"p1": 30, "p2": 1})
    _, unserved = _diagnose(problem)
    assert unserved["capped"].reason is UnassignedReason.UNREACHABLE_IN_SHIFT
    assert "over their cap of 50 min" in unserved["capped"].detail
    assert unserved["long"].reason is UnassignedReason.UNREACHABLE_IN_SHIFT


def test_remote_visits_are_reached_at_the_base() -> None:
    """A remote follow-up of a far-away home is reachable: it happens at the base."""
    problem = day([nurse("n1", start="08:00", end="08:30")], [patient("p1")],
                  [visit("video", "p1", 20, mode=Mode.REMOTE)], {"p1": 55})
    candidates, _ = _diagnose(problem)
    assert candidates["video"].staff == ("n1",)


def test_linked_visits_follow_each_other_out_transitively() -> None:
    """c cannot be served; b follows c and a follows b: both become linked_visit_unserved."""
    problem = day([nurse("n1")], [patient("p1")],
                  [visit("a", "p1", after=After("b", 0)), visit("b", "p1", after=After("c", 0)),
                   visit("c", "p1", skills=frozenset({"x"})), visit("d", "p1")],
                  {"p1": 5})
    candidates, unserved = _diagnose(problem)
    assert {k: v.reason.value for k, v in unserved.items()} == {
        "c": "no_qualified_staff", "b": "linked_visit_unserved", "a": "linked_visit_unserved"}
    assert set(candidates) == {"d"}
    assert "linked by 'after' to c" in unserved["b"].detail


def test_window_boundaries_are_inclusive() -> None:
    """Arriving exactly at the window's end still counts."""
    problem = day([nurse("n1", start="08:50")], [patient("p1")], [visit("v1", "p1", 30, [("08:00", "09:00")])],
                  {"p1": 10})
    candidates, _ = _diagnose(problem)
    assert "v1" in candidates
    assert hm("09:00") == hm("08:50") + minutes(10)


def test_breaks_can_make_a_visit_unreachable() -> None:
    """A 4-hour visit in a 08:00-13:00 shift cannot leave room for a break due 10:00-12:00."""
    from ahs_routing import Break

    problem = day([nurse("n1", end="13:00", breaks=(Break(hm("10:00"), hm("12:00"), minutes(30)),))],
                  [patient("p1")], [visit("long", "p1", 240, [("08:00", "12:00")]), visit("short", "p1", 60)],
                  {"p1": 10})
    candidates, unserved = _diagnose(problem)
    assert unserved["long"].reason is UnassignedReason.UNREACHABLE_IN_SHIFT
    assert "breaks leave no room" in unserved["long"].detail
    assert "short" in candidates


def test_an_after_gap_no_shift_can_hold_sets_both_visits_aside_as_capacity() -> None:
    """`first` starts at 13:45 at the earliest, `later` 2-4 h after it: 15:45 at the earliest, but a 20-min
    visit 10 min from the base must start by 15:30 to be back at 16:00. Each alone is servable."""
    problem = day([nurse("n1"), nurse("n2")], [patient("p1")],
                  [visit("first", "p1", 60, [("13:45", "15:45")]),
                   visit("later", "p1", 20, after=After("first", hm("02:00"), hm("04:00")))],
                  {"p1": 10})
    candidates, unserved = _diagnose(problem)
    assert candidates == {}
    assert {k: v.reason for k, v in unserved.items()} == {"first": UnassignedReason.CAPACITY,
                                                          "later": UnassignedReason.CAPACITY}
    assert ("later must start 120-240 min after first starts, so at 15:45 at the earliest, and no staff member "
            "can start it after 15:30") in unserved["later"].detail


def test_an_after_gap_some_shift_can_hold_is_left_to_the_search() -> None:
    """The same pair with an evening nurse until 18:00: 15:45 is reachable, so nothing is set aside."""
    problem = day([nurse("n1"), nurse("n2", start="12:00", end="18:00")], [patient("p1")],
                  [visit("first", "p1", 60, [("13:45", "15:45")]),
                   visit("later", "p1", 20, after=After("first", hm("02:00"), hm("04:00")))],
                  {"p1": 10})
    candidates, unserved = _diagnose(problem)
    assert set(candidates) == {"first", "later"} and unserved == {}
