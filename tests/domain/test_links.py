"""Linked visits: team visits and `after` chains, and spreading a decision along them."""

from __future__ import annotations

from builders import day, nurse, patient, visit

from ahs_routing import After
from ahs_routing.domain.links import after_linked, coupled_visits, linked_groups, spread_along_links

# a1 <- a2 <- a3 is one chain (a2 after a1, a3 after a2); t is a team visit; s stands alone.
DAY = day(
    [nurse("n1"), nurse("n2")],
    [patient("p")],
    [visit("a1", "p"), visit("s", "p"), visit("a2", "p", after=After("a1")), visit("t", "p", staff_count=2),
     visit("a3", "p", after=After("a2"))],
    {"p": 10},
)


def test_the_ends_of_after_links_and_the_coupled_visits() -> None:
    """Both ends of every link are linked; team visits are coupled too; s is neither."""
    assert after_linked(DAY) == {"a1", "a2", "a3"}
    assert coupled_visits(DAY) == {"a1", "a2", "a3", "t"}


def test_a_decision_spreads_along_the_chain_and_says_where_it_came_from() -> None:
    """From a3 the chain is reached back to a1, each visit from its neighbour; the seed maps to itself."""
    assert spread_along_links(DAY, ["a3"]) == {"a3": "a3", "a2": "a3", "a1": "a2"}
    assert spread_along_links(DAY, ["s"]) == {"s": "s"}


def test_spreading_stops_where_it_may_not_reach_or_a_link_is_not_followed() -> None:
    """a2 may not be reached: a1 stays apart from a3. Not following a3's link stops at a3."""
    assert spread_along_links(DAY, ["a1"], may_reach=lambda v: v != "a2") == {"a1": "a1"}
    assert spread_along_links(DAY, ["a3"], follows=lambda v: v.id != "a3") == {"a3": "a3"}


def test_linked_groups_keep_problem_order_and_ignore_links_leaving_the_set() -> None:
    """The chain is one group in problem order; without a2 the chain falls apart into a1 and a3."""
    everyone = {v.id for v in DAY.visits}
    assert [[v.id for v in g] for g in linked_groups(DAY, everyone)] == [["a1", "a2", "a3"], ["s"], ["t"]]
    assert [[v.id for v in g] for g in linked_groups(DAY, everyone - {"a2"})] == [["a1"], ["s"], ["t"], ["a3"]]
