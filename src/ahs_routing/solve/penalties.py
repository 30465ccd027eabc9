"""What a plan pays besides travel, in seconds of travel: soft goals, and visits left out.

`Preferences` are the soft goals of one solve (continuity, announced starts, lateness,
balance) with a warm start; `drop_penalties` makes leaving a visit out cost more than any
plan's travel and soft costs, lexicographically by priority class. Both engines use them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ahs_routing.domain.model import Priority

log = logging.getLogger(__name__)

#: Every cost the search adds up stays below this, so sums of them fit in 64 bits.
COST_LIMIT = 2**62


@dataclass(frozen=True, slots=True)
class Preferences:
    """Soft goals priced in the objective (cost unit: one second of travel).

    - `stranger_cost`: visit id -> (staff who know the family, cost when anyone else serves it);
    - `target_starts`: visit id -> (announced start, tolerance, cost per second beyond it);
    - `lateness_weight`: cost per second a visit starts past its last window (within `late`);
    - `balance_weight`: cost per second a staff member works beyond the team's mean workload;
    - `initial_routes`: staff id -> visit ids, a warm start.
    """

    stranger_cost: Mapping[str, tuple[frozenset[str], int]] = field(default_factory=dict)
    target_starts: Mapping[str, tuple[int, int, int]] = field(default_factory=dict)
    lateness_weight: int = 1
    balance_weight: int = 0
    initial_routes: Mapping[str, Sequence[str]] = field(default_factory=dict)


def drop_penalties(counts: Mapping[Priority, int], worst_cost: int) -> dict[Priority, int]:
    """Return a drop penalty per priority class: each exceeds all lower classes and all costs.

    `worst_cost` bounds every travel and overtime cost a plan can have, so serving one more
    visit of a class always beats any saving in cost or any number of lower-class visits.
    """
    penalties: dict[Priority, int] = {}
    below = worst_cost
    for priority in sorted(Priority):
        penalties[priority] = below + 1
        below += (below + 1) * counts.get(priority, 0)
    if below < COST_LIMIT:
        return penalties
    # Thousands of visits in every class: strict lexicographic penalties would overflow 64-bit
    # costs. Fall back to classes `ratio` times apart, the largest ratio whose total still fits;
    # every visit still outweighs any saving in cost.
    ratio = 1 << 20
    while ratio > 1 and sum(counts.get(p, 0) * (worst_cost + 1) * ratio**rank
                            for rank, p in enumerate(sorted(Priority))) >= COST_LIMIT:
        ratio //= 2
    log.warning("too many visits for strict lexicographic priorities; classes are %d times apart", ratio)
    return {priority: (worst_cost + 1) * ratio**rank for rank, priority in enumerate(sorted(Priority))}
