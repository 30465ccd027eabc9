"""Where a new visit fits: ranked insertions, each checked when applied."""

from __future__ import annotations

import pytest
from builders import day, hm, minutes, nurse, patient, visit
from planned_days import five_visits, morning

from ahs_routing import InputError, Priority, SolveOptions, check_plan
from ahs_routing.intraday.suggest import apply_suggestion, suggest
from ahs_routing.solve import solve
from ahs_routing.studies.scenarios import generate_day
from ahs_routing.times import format_clock


def test_best_insertion_adds_no_travel_and_moves_nobody() -> None:
    """20 min at c, 09:30-10:15. n1 leaves b at 10:00, reaches c 10:10, ends 10:30 when v3 starts there:
    no added travel. n2 can take it between v4 and v5 (d -> c -> e: 10 min more) but v5 then starts
    10:10 instead of 10:00. Every other place misses a window."""
    problem, plan = five_visits()
    new = visit("u", "c", 20, [("09:30", "10:15")])
    found = suggest(problem, plan, new)
    shown = [(s.staff, format_clock(s.start), s.added_travel // 60, s.moved_visits, s.delay // 60) for s in found]
    assert shown == [("n1", "10:10", 0, (), 0), ("n2", "09:45", 10, ("v5",), 10)]
    assert [s.score for s in found] == [0, minutes(10) + minutes(10)]
    assert [s.staff for s in suggest(problem, plan, new, k=1)] == ["n1"]
    for suggestion in found:
        updated, applied = apply_suggestion(problem, plan, new, suggestion)
        assert check_plan(updated, applied) == []


def test_team_and_linked_visits_keep_their_times() -> None:
    """n1: v1 at a 08:30, then v2 at b 09:30 (10 min away). A 30-min visit at a at 09:00 delays v2 to
    09:40 (10 min, cheaper than n2's 20 min drive there and back): fine for a single visit with a
    window to 10:00, impossible for a team visit at 09:30, which n2 cannot reach after it either."""
    staff = [nurse("n1"), nurse("n2")]
    patients = [patient("a"), patient("b")]
    new = visit("u", "a", 30, [("09:00", "09:00")])
    single = day(staff, patients, [visit("v1", "a", 30, [("08:30", "08:30")]),
                                   visit("v2", "b", 30, [("09:30", "10:00")])], {"a": 10, "b": 20})
    found = suggest(single, morning(single, {"n1": ["v1", "v2"]}), new)
    assert [(s.staff, s.moved_visits, s.delay // 60) for s in found] == [("n1", ("v2",), 10), ("n2", (), 0)]
    team = day(staff, patients, [visit("v1", "a", 30, [("08:30", "08:30")]),
                                 visit("v2", "b", 30, [("09:30", "10:00")], staff_count=2)], {"a": 10, "b": 20})
    assert suggest(team, morning(team, {"n1": ["v1", "v2"], "n2": ["v2"]}), new) == []


def test_with_now_the_past_stays_and_nothing_new_starts_before() -> None:
    """At 09:15 n1 waits at b's door for v2: the visit (from 09:00) can only come after v2, at 10:10."""
    problem, plan = five_visits()
    new = visit("u", "c", 20, [("09:00", "10:15")])
    found = suggest(problem, plan, new, now=hm("09:15"))
    assert [(s.staff, format_clock(s.start)) for s in found] == [("n1", "10:10"), ("n2", "09:45")]
    n1 = found[0].route
    old = plan.route_of("n1")
    assert old is not None and n1.stops[:2] == old.stops[:2] and n1.start == old.start


def test_an_unassigned_visit_of_the_plan_can_be_placed() -> None:
    """v6 was left out; it fits n2's empty day."""
    problem = day([nurse("n1"), nurse("n2")], [patient("a"), patient("b")],
                  [visit("v1", "a", 30, [("09:00", "09:00")]), visit("v6", "b", 30, [("09:00", "09:00")])],
                  {"a": 10, "b": 20})
    plan = morning(problem, {"n1": ["v1"]})
    (best, *_) = suggest(problem, plan, problem.visit_by_id["v6"])
    assert (best.staff, best.start, best.added_travel) == ("n2", hm("09:00"), minutes(40))
    updated, applied = apply_suggestion(problem, plan, problem.visit_by_id["v6"], best)
    assert updated is problem and check_plan(problem, applied) == [] and applied.status.value == "complete"
    assert best.route.start == hm("08:40")  # leaves as late as the visit allows


@pytest.mark.parametrize(("new", "expected"), [
    (visit("u", "a", 30, staff_count=2), "visit.staff_count: suggestions are for one-person visits; 'u' needs 2"),
    (visit("v1", "a", 30, [("08:30", "08:30")]), "visit.id: visit 'v1' is already in the plan"),
    (visit("v1", "b", 30), "visit.id: a different visit 'v1' is already in the problem"),
    (visit("u", "zz", 30), "visit.patient: unknown patient 'zz'"),
])
def test_bad_visits_are_input_errors(new: object, expected: str) -> None:
    """Each names the field."""
    problem, plan = five_visits()
    with pytest.raises(InputError) as caught:
        suggest(problem, plan, new)  # type: ignore[arg-type]
    assert str(caught.value).startswith(expected)


def test_generated_day_every_suggestion_is_valid_when_applied() -> None:
    """A 60-visit day with breaks and team visits: the suggestions, applied, pass the checker,
    with and without a moment that fixes the morning."""
    problem = generate_day(60, seed=5)
    plan = solve(problem, SolveOptions(time_limit=1.5, seed=1, solution_limit=200))
    new = visit("urgent", "p3", 30, [("10:00", "15:00")], priority=Priority.CRITICAL)
    for now in (None, hm("11:00")):
        found = suggest(problem, plan, new, k=5, now=now, per_staff=2)
        assert found, now
        assert [s.score for s in found] == sorted(s.score for s in found)
        for suggestion in found:
            updated, applied = apply_suggestion(problem, plan, new, suggestion)
            assert check_plan(updated, applied) == []
            if now is not None:
                assert suggestion.start >= now
