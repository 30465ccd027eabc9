"""The time-ordered first plan: window order, linked starts, breaks, and what it leaves out, on line days."""

from __future__ import annotations

from builders import day, hm, nurse, patient, visit

from ahs_routing import After, Break, SolveOptions, check_plan, solve_with_stats, travel_matrix
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.model import Problem
from ahs_routing.domain.plan import Unassigned, UnassignedReason
from ahs_routing.schedule.timing import RouteSketch, realise_route
from ahs_routing.solve.construct import Sketch, time_ordered_plan
from ahs_routing.solve.diagnosis import diagnose


def _sketch(problem: Problem) -> Sketch:
    travel = travel_matrix(problem)
    candidates, _ = diagnose(problem, travel, {})
    sketch = time_ordered_plan(problem, travel, {v: c.staff for v, c in candidates.items()})
    assert sketch is not None
    # Whatever it builds must be a valid plan once driven: the checker is the judge.
    routes = [realise_route(problem, travel, problem.staff_by_id[s],
                            RouteSketch(problem.staff_by_id[s].shift.start, 0, visits, sketch.breaks[s]))
              for s, visits in sketch.visits.items()]
    left = {v: Unassigned(v, UnassignedReason.CAPACITY) for v in sketch.left_out}
    assert check_plan(problem, assemble_plan(problem, routes, left, [], has_km=travel.has_km), travel) == []
    return sketch


def test_visits_are_driven_in_the_order_of_their_windows() -> None:
    """c (30 min out) at 08:30, then a (10 out) at 09:20, then b (20 out) at 10:00."""
    problem = day([nurse("n1")], [patient("a"), patient("b"), patient("c")],
                  [visit("va", "a", 30, [("09:00", "09:30")]), visit("vb", "b", 30, [("10:00", "10:30")]),
                   visit("vc", "c", 30, [("08:00", "08:30")])], {"a": 10, "b": 20, "c": 30})
    sketch = _sketch(problem)
    assert sketch.visits == {"n1": [("vc", hm("08:30")), ("va", hm("09:20")), ("vb", hm("10:00"))]}
    assert sketch.lateness == 0
    assert sketch.travel == 60 * (30 + 20 + 10 + 20)


def test_a_simultaneous_pair_starts_when_the_later_staff_member_arrives() -> None:
    """n2 is busy 40 min out until 09:10 and needs 30 min to reach a: both start v1/v2 at 09:40."""
    problem = day(
        [nurse("n1", skills=frozenset({"s1"})), nurse("n2", skills=frozenset({"s2"}))],
        [patient("a"), patient("f")],
        [visit("w", "f", 30, [("08:00", "08:40")], skills=frozenset({"s2"})),
         visit("v1", "a", 30, [("08:30", "12:00")], skills=frozenset({"s1"})),
         visit("v2", "a", 30, [("08:30", "12:00")], skills=frozenset({"s2"}), after=After("v1", 0, 0))],
        {"a": 10, "f": 40})
    sketch = _sketch(problem)
    assert sketch.visits["n1"] == [("v1", hm("09:40"))]
    assert sketch.visits["n2"] == [("w", hm("08:40")), ("v2", hm("09:40"))]


def test_a_maximum_gap_moves_the_first_visit_later() -> None:
    """v2 can start at 11:00 at the earliest (n2's shift), at most 90 min after v1: v1 waits until 09:30."""
    problem = day(
        [nurse("n1", skills=frozenset({"s1"})), nurse("n2", "10:50", "16:00", skills=frozenset({"s2"}))],
        [patient("a")],
        [visit("v1", "a", 30, [("08:00", "12:00")], skills=frozenset({"s1"})),
         visit("v2", "a", 30, [("08:00", "12:00")], skills=frozenset({"s2"}), after=After("v1", 60 * 60, 90 * 60))],
        {"a": 10})
    sketch = _sketch(problem)
    assert sketch.visits == {"n1": [("v1", hm("09:30"))], "n2": [("v2", hm("11:00"))]}


def test_a_break_is_taken_before_the_visit_it_would_otherwise_follow_too_late() -> None:
    """After a (ends 10:00) the next visit would end 12:30, past the break's latest start: rest 10:30-11:00."""
    problem = day([nurse("n1", breaks=(Break(hm("10:30"), hm("12:00"), 30 * 60),))], [patient("a"), patient("b")],
                  [visit("va", "a", 60, [("09:00", "09:00")]), visit("vb", "b", 30, [("12:00", "12:30")])],
                  {"a": 10, "b": 20})
    sketch = _sketch(problem)
    assert sketch.visits["n1"] == [("va", hm("09:00")), ("vb", hm("12:00"))]
    assert sketch.breaks["n1"] == [(hm("10:30"), hm("11:00"))]


def test_a_team_visit_gets_two_staff_at_one_start() -> None:
    problem = day([nurse("n1"), nurse("n2"), nurse("n3", "12:00", "16:00")], [patient("a")],
                  [visit("lift", "a", 30, [("08:00", "10:00")], staff_count=2)], {"a": 10})
    sketch = _sketch(problem)
    assert sketch.visits == {"n1": [("lift", hm("08:10"))], "n2": [("lift", hm("08:10"))]}


def test_a_pair_that_cannot_keep_its_gap_is_left_out_whole() -> None:
    """v2's only nurse rests 09:00-15:00; v1 starts by 12:00 and v2 30-60 min after it, so no start fits.

    The diagnosis ignores breaks (its start hulls allow the gap), so the pair reaches the
    construction, which must leave both out rather than route one.
    """
    problem = day(
        [nurse("n1", skills=frozenset({"s1"})),
         nurse("n2", "08:00", "18:00", skills=frozenset({"s2"}), breaks=(Break(hm("09:00"), hm("15:00"), 6 * 3600),))],
        [patient("a"), patient("b")],
        [visit("v1", "a", 30, [("08:00", "12:00")], skills=frozenset({"s1"})),
         visit("v2", "a", 30, skills=frozenset({"s2"}), after=After("v1", 30 * 60, 60 * 60)),
         visit("vb", "b", 30, [("08:00", "12:00")], skills=frozenset({"s1"}))],
        {"a": 10, "b": 20})
    candidates, unserved = diagnose(problem, travel_matrix(problem), {})
    assert set(candidates) == {"v1", "v2", "vb"} and not unserved
    sketch = _sketch(problem)
    assert sketch.left_out == {"v1", "v2"}
    assert sketch.visits["n1"] == [("vb", hm("08:20"))]
    assert not sketch.visits.get("n2")


def test_the_solver_starts_from_it_on_days_with_linked_visits() -> None:
    problem = day(
        [nurse("n1", skills=frozenset({"s1"})), nurse("n2", skills=frozenset({"s2"}))],
        [patient("a"), patient("b")],
        [visit("v1", "a", 30, [("08:00", "12:00")], skills=frozenset({"s1"})),
         visit("v2", "a", 30, [("08:00", "12:00")], skills=frozenset({"s2"}), after=After("v1", 30 * 60, 60 * 60)),
         visit("vb", "b", 30, [("09:00", "10:00")])],
        {"a": 10, "b": 20})
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=1, seed=1))
    assert stats.warm_started
    assert check_plan(problem, plan) == []
    assert not plan.unassigned


def test_progress_only_reports_new_bests_across_descents() -> None:
    """Several descents run one after another; the caller still sees one falling objective."""
    positions = {f"p{i}": float(5 + 3 * i) for i in range(8)}
    visits = [visit(f"a{i}", f"p{i}", 20, [("08:00", "14:00")], skills=frozenset({"s1"})) for i in range(8)]
    visits += [visit(f"b{i}", f"p{i}", 20, [("08:00", "14:00")], skills=frozenset({"s2"}),
                     after=After(f"a{i}", 0, 60 * 60)) for i in range(8)]
    problem = day([nurse("n1", skills=frozenset({"s1"})), nurse("n2", skills=frozenset({"s2"})),
                   nurse("n3", skills=frozenset({"s1", "s2"}))], [patient(p) for p in positions], visits, positions)
    seen: list[tuple[float, int, int]] = []
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=2, seed=1, patience=None),
                                   progress=lambda t, obj, served: seen.append((t, obj, served)))
    assert stats.warm_started
    assert check_plan(problem, plan) == []
    objectives = [o for _, o, _ in seen]
    assert seen and objectives == sorted(objectives, reverse=True) and len(set(objectives)) == len(objectives)
    assert [t for t, _, _ in seen] == sorted(t for t, _, _ in seen)


def test_a_partial_time_ordered_plan_is_the_fallback_when_the_search_serves_fewer(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """If OR-Tools finds nothing (seen on a 1000-visit day with teams and breaks), the checked
    time-ordered plan is returned rather than an empty day."""
    from ahs_routing.solve import _ortools

    problem = day(
        [nurse("n1", skills=frozenset({"s1"})), nurse("n2", skills=frozenset({"s2"}))],
        [patient("a"), patient("b"), patient("c")],
        [visit("va", "a", 30, [("08:00", "08:10")], skills=frozenset({"s1"})),
         visit("vb", "b", 30, [("08:00", "08:45")], skills=frozenset({"s1"})),
         visit("v1", "c", 30, [("10:00", "12:00")], skills=frozenset({"s1"})),
         visit("v2", "c", 30, [("10:00", "12:00")], skills=frozenset({"s2"}), after=After("v1", 0, 0))],
        {"a": 10, "b": 40, "c": 20})
    sketch = _sketch(problem)
    assert sketch.left_out == {"vb"}

    def no_plan(problem, travel, candidates, settings, preferences=None, on_solution=None):  # type: ignore[no-untyped-def]
        return _ortools.SearchOutcome({}, set(candidates), False, 0, None, "fail")

    monkeypatch.setattr(_ortools, "search", no_plan)
    plan, stats = solve_with_stats(problem, SolveOptions(time_limit=1, seed=1))
    assert stats.status == "time_ordered_plan"
    assert check_plan(problem, plan) == []
    assert sorted(s.visit for _, s in plan.stops()) == ["v1", "v2", "va"]
    assert [u.visit for u in plan.unassigned] == ["vb"]
