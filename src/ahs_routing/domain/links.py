"""Visits whose times tie them to other visits: team visits and both ends of `after` links.

The one home of "linked visits are served together or not at all": the solver, the diagnosis,
the repair after the search and re-planning all spread a decision along the same links.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

from ahs_routing.domain.model import Problem, Visit


def after_linked(problem: Problem) -> set[str]:
    """Return the ids of both ends of every `after` link."""
    return {v.id for v in problem.visits if v.after is not None} | {
        v.after.visit for v in problem.visits if v.after is not None}


def coupled_visits(problem: Problem) -> set[str]:
    """Return visits whose times are tied to another route: team visits and both ends of `after` links."""
    return after_linked(problem) | {v.id for v in problem.visits if v.staff_count > 1}


def spread_along_links(
    problem: Problem,
    seeds: Iterable[str],
    *,
    may_reach: Callable[[str], bool] = lambda _: True,
    follows: Callable[[Visit], bool] = lambda _: True,
) -> dict[str, str]:
    """Return the seeds and every visit tied to them by `after` links, each mapped to the visit it was reached from.

    Seeds map to themselves; the others come in the order they are reached, so a caller can
    give each the fate of the visit it came from. `may_reach` says which visits may be
    reached and `follows` which links (by the visit that carries them) are followed.
    """
    reached = {seed: seed for seed in seeds}
    changed = True
    while changed:
        changed = False
        for visit in problem.visits:
            if visit.after is None or not follows(visit):
                continue
            pair = (visit.after.visit, visit.id)
            for one, other in (pair, pair[::-1]):
                if one in reached and other not in reached and may_reach(other):
                    reached[other] = one
                    changed = True
    return reached


def linked_groups(problem: Problem, within: Collection[str]) -> list[list[Visit]]:
    """Return the visits in `within` grouped by the `after` links among them, groups and members in problem order."""
    parent = {v.id: v.id for v in problem.visits if v.id in within}

    def root(visit_id: str) -> str:
        while parent[visit_id] != visit_id:
            parent[visit_id] = parent[parent[visit_id]]
            visit_id = parent[visit_id]
        return visit_id

    for visit in problem.visits:
        if visit.after is not None and visit.id in parent and visit.after.visit in parent:
            parent[root(visit.id)] = root(visit.after.visit)
    members: dict[str, list[Visit]] = {}
    for visit in problem.visits:
        if visit.id in parent:
            members.setdefault(root(visit.id), []).append(visit)
    return list(members.values())
