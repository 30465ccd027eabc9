"""Demand scenarios: generate_day unchanged, the Trondheim region, care programmes, rosters, bad parameters."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import Counter

import pytest

from ahs_routing import InputError, Mode, SolveOptions, check_plan, problem_to_dict, solve
from ahs_routing.check.eligibility import ineligible_patients
from ahs_routing.studies.scenarios import (
    CHILDREN_HOME_HOSPITAL,
    MUNICIPAL_HOME_CARE,
    TRONDHEIM_POPULATION,
    TRONDHEIM_REGION,
    children_home_hospital,
    generate_day,
    municipal_home_care,
    scenario,
    towns_table,
)
from ahs_routing.travel import travel_matrix

MINUTE = 60


def _digest(problem: object) -> str:
    return hashlib.sha256(json.dumps(problem_to_dict(problem), sort_keys=True).encode()).hexdigest()[:16]  # type: ignore[arg-type]


@pytest.mark.parametrize(("args", "digest"), [
    # Digests of the days generate_day gave before the scenarios were added (commit eeb08bf):
    # benchmarks and other tests rely on exactly these days.
    ((30, 1), "fb91e7b0059a42ce"),
    ((100, 5, 2), "f3dca763fb428b5f"),
])
def test_generate_day_is_unchanged(args: tuple[int, ...], digest: str) -> None:
    """generate_day(visits, seed, staff, ...) still returns the very same days."""
    assert _digest(generate_day(*args)) == digest


def test_towns_state_their_population_and_source() -> None:
    """Every town has a population and a source; Trondheim's districts add up to the municipal figure."""
    assert all(t.population > 0 and t.source for t in TRONDHEIM_REGION)
    trondheim = sum(t.population for t in TRONDHEIM_REGION if t.municipality == "Trondheim")
    assert abs(trondheim - TRONDHEIM_POPULATION) <= 10  # district shares are rounded
    assert {t.municipality for t in TRONDHEIM_REGION} >= {"Trondheim", "Melhus", "Malvik", "Stjørdal", "Oppdal"}


def test_some_towns_lie_beyond_the_hour() -> None:
    """With the geodesic model, Oppdal and Levanger are beyond 60 minutes from St. Olavs; Melhus is within."""
    minutes = {row["town"]: row["minutes"] for row in towns_table()}
    assert minutes["Oppdal"] > 60 and minutes["Levanger"] > 60
    assert minutes["Melhus"] <= 60 and minutes["Midtbyen"] <= 10


def test_a_day_depends_only_on_seed_and_index() -> None:
    """The same day index gives the same demand whatever the staff count or travel limit; another index differs."""
    chosen = children_home_hospital(12, seed=4)
    first = chosen.day(3, staff=4, travel_limit=45)
    again = chosen.day(3, staff=9, travel_limit=75)
    assert first.patients == again.patients and first.visits == again.visits
    assert first.policy.max_travel_minutes_from_base == 45 and again.policy.max_travel_minutes_from_base == 75
    assert len(first.staff) == 4 and len(again.staff) == 9
    assert chosen.day(4, 4).patients != first.patients
    assert children_home_hospital(12, seed=5).day(3, 4).patients != first.patients


def test_homes_follow_population() -> None:
    """Within 20 km only Trondheim, Melhus, Skaun and Malvik supply homes, in proportion to population."""
    chosen = children_home_hospital(60, radius_km=20, seed=2)
    reach = chosen.towns_in_reach()
    assert {t.municipality for t in reach} == {"Trondheim", "Melhus", "Skaun", "Malvik"}
    expected = TRONDHEIM_POPULATION / sum(t.population for t in reach)
    homes = [p.location for d in range(10) for p in chosen.day(d, 2).patients]

    def nearest(lat: float, lon: float) -> str:
        return min(reach, key=lambda t: (t.lat - lat) ** 2 + ((t.lon - lon) * 0.45) ** 2).municipality

    share = sum(1 for loc in homes if nearest(loc.lat, loc.lon) == "Trondheim") / len(homes)
    assert len(homes) > 450
    assert abs(share - expected) < 0.05  # expected 0.84; the sampling error on ~600 homes is about 0.015


def test_children_days_have_ineligible_homes_beyond_the_limit() -> None:
    """Over a few days some children live beyond 60 minutes; with no limit nobody is ineligible; all are under 18."""
    chosen = children_home_hospital(15, seed=1)
    beyond = 0
    for d in range(4):
        problem = chosen.day(d, 3)
        beyond += len(ineligible_patients(problem, travel_matrix(problem)))
        assert all(p.age_years is not None and p.age_years < 18 for p in problem.patients)
        unlimited = chosen.day(d, 3, travel_limit=None)
        assert ineligible_patients(unlimited, travel_matrix(unlimited)) == []
    assert beyond >= 1


def test_meals_are_linked_by_intervals() -> None:
    """A patient on four meals gets breakfast, lunch, dinner and supper, each 'after' the one before."""
    chosen = municipal_home_care(30, mix={"meals_4": 1.0}, seed=3)
    problem = chosen.day(0, 4)
    assert problem.policy.max_patient_age_years is None
    first = [v for v in problem.visits if v.patient == "p1" and v.kind != "shower"]
    kinds = [v.kind for v in first]
    assert kinds == ["breakfast", "lunch", "dinner", "supper"]
    assert first[0].after is None
    for earlier, later in itertools.pairwise(first):
        assert later.after is not None and later.after.visit == earlier.id
        assert later.after.min_gap >= 150 * MINUTE and later.after.max_gap is not None
    assert all(v.priority.label == "high" for v in first)


def test_home_care_mix_has_every_kind_of_visit() -> None:
    """Over a week, home care has medication, meals, wound care, remote checks and showers (about 1 in 7 patients)."""
    chosen = municipal_home_care(40, seed=1)
    days = [chosen.day(d, 6) for d in range(7)]
    kinds = Counter(v.kind for p in days for v in p.visits)
    wanted = {"medication", "breakfast", "lunch", "dinner", "supper", "wound_care", "remote_check", "shower"}
    assert wanted <= set(kinds)
    patients = sum(len(p.patients) for p in days)
    assert 0.07 < kinds["shower"] / patients < 0.22
    remote = [v for p in days for v in p.visits if v.kind == "remote_check"]
    assert all(v.mode is Mode.REMOTE for v in remote)
    assert all(p.age_years is not None and p.age_years >= 67 for d in days for p in d.patients)


def test_roster_adds_the_next_person_in_order() -> None:
    """n staff are the first n of the roster; home care alternates day and evening shifts."""
    team = MUNICIPAL_HOME_CARE.roster.members(4)
    assert [s.id for s in team] == ["rn1", "hw1", "hw2", "rn2"]
    assert [s.shift.start // 3600 for s in team] == [7, 15, 7, 15]
    assert MUNICIPAL_HOME_CARE.roster.members(5)[:4] == team
    assert len(CHILDREN_HOME_HOSPITAL.roster.members(20)) == 20
    assert {s.role for s in CHILDREN_HOME_HOSPITAL.roster.members(5)} == {
        "specialist_paediatric_nurse", "paediatrician", "public_health_nurse"}


@pytest.mark.parametrize(("make", "path"), [
    (lambda: scenario("children_home_hospital", patients_per_day=0), "patients_per_day"),
    (lambda: scenario("children_home_hospital", mix={"yoga": 1.0}), "mix.yoga"),
    (lambda: scenario("children_home_hospital", mix={"blood_sample": -1.0}), "mix.blood_sample"),
    (lambda: scenario("children_home_hospital", mix={"blood_sample": 0.0}), "mix"),
    (lambda: scenario("children_home_hospital", radius_km=0.5), "radius_km"),  # no town centre that close
    (lambda: scenario("dentistry"), "service"),
])
def test_bad_parameters_are_named(make: object, path: str) -> None:
    """Planner parameters that make no sense give an InputError naming the parameter."""
    with pytest.raises(InputError) as caught:
        make()  # type: ignore[operator]
    assert [p.path for p in caught.value.problems] == [path]


def test_a_small_scenario_day_gives_a_checked_plan() -> None:
    """A small children's day solves into a plan the checker accepts."""
    problem = children_home_hospital(4, seed=2).day(0, 3)
    plan = solve(problem, SolveOptions(time_limit=2, seed=0, solution_limit=15, warm_start="none"))
    assert check_plan(problem, plan) == []
    assert plan.kpis.visits == len(problem.visits)
