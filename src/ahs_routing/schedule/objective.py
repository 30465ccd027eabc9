"""What a plan costs, in seconds of travel: the prices the search, insertions and suggestions share.

After serving visits (priorities are lexicographic, see the solver), a plan is judged by its
travel time; every other soft goal is priced as travel so that one number ranks plans.
"""

#: How much one minute of overtime weighs against one minute of travel. Overtime "is used
#: only to serve visits that could not be served otherwise" (contract), so it must cost
#: clearly more than the driving it could save.
DEFAULT_OVERTIME_WEIGHT = 4
#: Minutes of extra driving worth accepting so that a family sees a nurse they know.
DEFAULT_CONTINUITY_MINUTES = 10.0
#: How much one minute late (within a visit's `late_minutes`) weighs against a minute of travel.
DEFAULT_LATENESS_WEIGHT = 2


def insertion_price(added_travel: int, overtime: int, lateness: int, extra: float = 0.0) -> int:
    """Return what a change to a route costs in seconds of travel: the travel it adds, a caller's
    `extra` (e.g. delays to announced visits), and its overtime and lateness at their weights."""
    return round(added_travel + extra + DEFAULT_OVERTIME_WEIGHT * overtime + DEFAULT_LATENESS_WEIGHT * lateness)


def route_price(
    travel: int, overtime: int, lateness: int,
    overtime_weight: int = DEFAULT_OVERTIME_WEIGHT, lateness_weight: int = DEFAULT_LATENESS_WEIGHT,
) -> int:
    """Return what a route (or a change to one) costs in seconds of travel: its travel, and its overtime
    and lateness (seconds) at the given weights."""
    return travel + overtime_weight * overtime + lateness_weight * lateness
