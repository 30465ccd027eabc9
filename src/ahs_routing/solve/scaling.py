"""Loads in whole units: demand and capacity are fractional in the contract, the engines count integers.

OR-Tools and PyVRP see the same integers: thousandths, demand rounded up and capacity down,
so neither model is ever more generous than the contract. The slack takes a float product
that misses a whole number by rounding error (4.35 * 1000 = 4349.999999999999) as that number.
"""

from __future__ import annotations

import math

#: Load units per unit of demand or capacity in the contract.
LOAD_SCALE = 1000
_SLACK = 1e-9


def demand_units(demand: float) -> int:
    """Return a visit's demand in thousandths, rounded up."""
    return math.ceil(demand * LOAD_SCALE - _SLACK)


def capacity_units(capacity: float) -> int:
    """Return a staff member's capacity in thousandths, rounded down."""
    return math.floor(capacity * LOAD_SCALE + _SLACK)
