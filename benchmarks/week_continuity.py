"""Continuity across the week: the week solver's faces and times, against the same routes handed out at random.

Plans the bundled example weeks and generated planted weeks (`planted_week`: each built around a
known complete plan, so every visit can be served) with the options `ahs-routing plan` uses
(`week_options` over `--time-limit`, `--seed`, `--work`), and the first-dates baseline
(`baseline_options`, no continuity). For each plan: occurrences served, travel, staff per patient
(mean / max), start spread of recurring visits (mean / max minutes). "random" hands each date's
routes of the week solver's plan to staff picked at random among those rostered that date who could
drive them (same places, same breaks, a shift that holds the route, allowed to do every visit), keeping
only draws the week checker passes: what the same routes give without any care for continuity.

    python benchmarks/week_continuity.py                       # 10 s a week, seed 0: the CLI's defaults
    python benchmarks/week_continuity.py --time-limit 120 --seed 1 examples/homecare_week.json
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scipy.optimize import linear_sum_assignment

from ahs_routing import SolveOptions, check_week_plan, read_week, solve_week
from ahs_routing.domain.kpis import assemble_plan
from ahs_routing.domain.model import Staff
from ahs_routing.domain.plan import Route
from ahs_routing.domain.week import Week, occurrence_id, split_occurrence
from ahs_routing.domain.week_plan import WeekDay, WeekPlan, week_kpis
from ahs_routing.io.week import week_from_dict
from ahs_routing.schedule.timing import retime_route
from ahs_routing.solve.week_options import WeekOptions, baseline_options, week_options
from ahs_routing.solve.week_roster import may_serve
from ahs_routing.travel import travel_matrix

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
DEFAULT_WEEKS = (EXAMPLES / "trondheim_week.json", EXAMPLES / "homecare_week.json")
MONDAY = dt.date(2026, 11, 23)
#: Travel minutes per km between generated homes (30 km/h, straight lines: a metric, so planted times hold).
MINUTES_PER_KM = 2.0
#: The cost of a hand-out that may not be (linear_sum_assignment needs finite costs).
UNFIT = 1e9


def planted_week(seed: int, rounds: int = 4, per_round: int = 6, dates: int = 5) -> Week:
    """Return a generated week built around a known complete plan (`planted`)."""
    return planted(seed, rounds, per_round, dates)[0]


def planted(seed: int, rounds: int = 4, per_round: int = 6,
            dates: int = 5) -> tuple[Week, dict[int, list[list[str]]]]:
    """Return a generated week and its planted routes (date index -> visit ids per route, in order).

    `rounds` x `per_round` patients in a 16 km square around the base, grouped into `rounds`
    sectors by angle. Each sector is one planted route a day, its homes in angle order from 08:00,
    each visit's window 45 minutes either side of its planted start. Every patient has a daily visit;
    every third a second one twice a week, two days apart (planted on the first and third dates).
    `rounds + 1` staff, each off on one date (no two on the same date), so every date has `rounds`
    people for `rounds` routes. Travel is a matrix of straight-line minutes.
    """
    rng = random.Random(seed)
    days = [(MONDAY + dt.timedelta(days=i)).isoformat() for i in range(dates)]
    homes = {f"c{i + 1}": (rng.uniform(-8, 8), rng.uniform(-8, 8)) for i in range(rounds * per_round)}
    by_angle = sorted(homes, key=lambda p: math.atan2(homes[p][1], homes[p][0]))
    sectors = [by_angle[k * per_round:(k + 1) * per_round] for k in range(rounds)]
    where = {"base": (0.0, 0.0), **homes}
    names = list(where)

    def minutes(a: str, b: str) -> float:
        return round(math.dist(where[a], where[b]) * MINUTES_PER_KM, 2)

    durations = {p: rng.choice((15, 20, 30)) for p in homes}
    twice = {p for i, p in enumerate(by_angle) if i % 3 == 0}
    planted: dict[tuple[str, int], int] = {}  # (visit id, date index) -> planted start, minutes after midnight
    orders: dict[int, list[list[str]]] = {d: [] for d in range(dates)}
    for d in range(dates):
        for sector in sectors:
            clock, here = 8 * 60.0, "base"
            orders[d].append([])
            for p in sector:
                for visit_id in ([f"daily-{p}"] + ([f"twice-{p}"] if p in twice and d in (0, 2) else [])):
                    orders[d][-1].append(visit_id)
                    clock += minutes(here, p) + 1  # a minute's slack per leg for the matrix's rounding up
                    planted[visit_id, d] = math.ceil(clock)
                    clock = planted[visit_id, d] + (durations[p] if visit_id.startswith("daily") else 30)
                    here = p

    def window(visit_id: str) -> list[dict[str, str]]:
        starts = [t for (v, _), t in planted.items() if v == visit_id]
        low, high = max(8 * 60, min(starts) - 45), min(15 * 60, max(starts) + 45)
        return [{"start": f"{low // 60:02d}:{low % 60:02d}", "end": f"{high // 60:02d}:{high % 60:02d}"}]

    staff = [{"id": f"n{i + 1}", "skills": ["care"],
              "days": [{"date": day, "shift": {"start": "08:00", "end": "16:00"}}
                       for j, day in enumerate(days) if j != i % dates]}
             for i in range(rounds + 1)]
    visits: list[dict[str, Any]] = []
    for p in homes:
        visits.append({"id": f"daily-{p}", "patient": p, "duration_minutes": durations[p], "skills": ["care"],
                       "windows": window(f"daily-{p}"), "recurrence": {"count": dates}})
        if p in twice:
            visits.append({"id": f"twice-{p}", "patient": p, "duration_minutes": 30, "skills": ["care"],
                           "windows": window(f"twice-{p}"), "recurrence": {"count": 2, "min_days_apart": 2}})
    document = {
        "schema_version": 1, "kind": "week", "dates": days,
        "base": {"id": "base", "name": "base", "location": {"lat": 63.4208, "lon": 10.3886}},
        "policy": {"max_travel_minutes_from_base": 120, "max_patient_age_years": None},
        "travel": {"provider": "matrix", "locations": names,
                   "minutes": [[minutes(a, b) for b in names] for a in names]},
        "staff": staff,
        "patients": [{"id": p, "location": {"lat": 63.4208 + where[p][1] / 111, "lon": 10.3886 + where[p][0] / 50}}
                     for p in homes],
        "visits": visits,
    }
    return week_from_dict(document), orders


def planted_plan(week: Week, orders: dict[int, list[list[str]]]) -> WeekPlan:
    """Return the planted plan of a generated week: each date's routes at their earliest times, to the staff on."""
    matrix = travel_matrix(week.template)
    days = []
    for d, date in enumerate(week.dates):
        ids = [v for route in orders[d] for v in route]
        problem = week.day_problem(date, ids)
        routes = [retime_route(problem, matrix, person, [occurrence_id(v, date) for v in route])
                  for person, route in zip(problem.staff, orders[d], strict=False)]
        assert all(r is not None for r in routes), "a planted route does not fit its shift"
        days.append(WeekDay(date, assemble_plan(problem, [r for r in routes if r is not None], {}, [],
                                                has_km=matrix.has_km)))
    return WeekPlan(tuple(days), (), week_kpis(week, days))


def _could_drive(week: Week, person: Staff, owner: Staff, route: Route) -> bool:
    """True when `person` could drive `route` as it stands (the week solver's own rule for handing routes)."""
    template = week.template
    visits = [template.visit_by_id[parts[0]] for s in route.stops if (parts := split_occurrence(s.visit))]
    return (person.start_location == owner.start_location and person.end_location == owner.end_location
            and person.breaks == owner.breaks and person.shift.start <= route.start <= route.end <= person.latest_end
            and (person.max_travel is None or route.travel <= person.max_travel)
            and (person.capacity is None or sum(v.demand for v in visits) <= person.capacity + 1e-9)
            and all(may_serve(person, v, template.patient_of(v).attributes, template.patient_of(v).excluded_staff)
                    for v in visits))


def random_handouts(week: Week, plan: WeekPlan, draws: int, seed: int) -> list[WeekPlan]:
    """Return up to `draws` checker-clean plans: each date's routes handed to compatible rostered staff at random."""
    rng = random.Random(seed)
    found = []
    for _ in range(draws * 5):
        if len(found) == draws:
            break
        days = []
        for day in plan.days:
            people = week.staff_on(day.date)
            owner = {s.id: s for s in people}
            # Random costs, and a prohibitive one for whoever may not drive a route: a random hand-out
            # in which every route still finds a driver (picking one route at a time can strand the last).
            costs = [[rng.random() if _could_drive(week, person, owner[route.staff], route) else UNFIT
                      for person in people] for route in day.plan.routes]
            rows, cols = linear_sum_assignment(costs) if costs else ([], [])
            handed = {r: people[c].id for r, c in zip(rows, cols, strict=True) if costs[r][c] < UNFIT}
            routes = tuple(dataclasses.replace(route, staff=handed.get(i, route.staff))
                           for i, route in enumerate(day.plan.routes))
            days.append(WeekDay(day.date, dataclasses.replace(day.plan, routes=routes)))
        drawn = dataclasses.replace(plan, days=tuple(days), kpis=week_kpis(week, days))
        if not check_week_plan(week, drawn):
            found.append(drawn)
    return found


def figures(week: Week, plan: WeekPlan) -> dict[str, Any]:
    """Return a plan's served, travel, staff per patient and start spread figures."""
    k, c = plan.kpis, plan.kpis.continuity
    assert c is not None
    return {"served": k.visits_served, "occurrences": k.visits, "travel_minutes": k.travel_minutes,
            "spp_mean": None if c.staff_per_patient_mean is None else round(c.staff_per_patient_mean, 2),
            "spp_max": c.staff_per_patient_max,
            "spread_mean": None if c.start_spread_mean_minutes is None else round(c.start_spread_mean_minutes, 1),
            "spread_max": c.start_spread_max_minutes, "measured": c.recurring_visits_measured,
            "violations": len(check_week_plan(week, plan))}


def measure(name: str, week: Week, options: WeekOptions, baseline: WeekOptions, draws: int,
            seed: int) -> list[dict[str, Any]]:
    """Return the rows of one week: the week solver, random hand-outs of its routes, and the baseline."""
    rows = []
    for method, chosen in (("week solver", options), ("baseline", baseline)):
        started = time.monotonic()
        plan = solve_week(week, chosen)
        rows.append({"week": name, "method": method, "seconds": round(time.monotonic() - started, 1)}
                    | figures(week, plan))
        if method == "week solver":
            drawn = random_handouts(week, plan, draws, seed)
            spp = [d.kpis.staff_per_patient for d in drawn if d.kpis.staff_per_patient is not None]
            mean = round(sum(spp) / len(spp), 2) if spp else None
            spread = figures(week, drawn[0]) if drawn else {}
            rows.append({"week": name, "method": f"random hand-out ({len(drawn)} draws)", "seconds": None,
                         **{k: spread.get(k) for k in ("served", "occurrences", "travel_minutes")},
                         "spp_mean": mean, "spp_max": max((d.kpis.continuity.staff_per_patient_max  # type: ignore[union-attr]
                                                           for d in drawn), default=None),
                         "spread_mean": spread.get("spread_mean"), "spread_max": spread.get("spread_max"),
                         "measured": spread.get("measured"), "violations": 0})
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    """Plan the weeks and print a table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("weeks", nargs="*", type=Path, default=None)
    parser.add_argument("--time-limit", type=float, default=10.0, help="the whole week, as `ahs-routing plan`")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=int, default=None)
    parser.add_argument("--planted", type=int, default=3, help="generated planted weeks (seeds 1..N)")
    parser.add_argument("--draws", type=int, default=20, help="random hand-outs per week")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    weeks: list[tuple[str, Week]] = [(p.stem, read_week(p)) for p in (args.weeks or DEFAULT_WEEKS)]
    if not args.weeks:
        for s in range(1, args.planted + 1):
            week, orders = planted(s)
            known = planted_plan(week, orders)
            violations = check_week_plan(week, known)
            assert not violations, f"planted plan {s} breaks the contract: {violations[:3]}"
            print(f"planted-{s}: planted plan serves {known.kpis.visits_served} of {known.kpis.visits}, "
                  f"{known.kpis.travel_minutes} min, checker-clean")
            weeks.append((f"planted-{s}", week))
    rows = []
    for name, week in weeks:
        day = SolveOptions(time_limit=args.time_limit, seed=args.seed, work=args.work)
        options = week_options(day, len(week.dates))
        rows += measure(name, week, options, baseline_options(options.day), args.draws, args.seed)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print("| week | method | served / occurrences | travel min | staff per patient mean / max | "
          "start spread mean / max min (visits) | violations | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['week']} | {r['method']} | {r['served']} / {r['occurrences']} | {r['travel_minutes']} | "
              f"{r['spp_mean']} / {r['spp_max']} | {r['spread_mean']} / {r['spread_max']} ({r['measured']}) | "
              f"{r['violations']} | {r['seconds'] if r['seconds'] is not None else '-'} |")


if __name__ == "__main__":
    main()
