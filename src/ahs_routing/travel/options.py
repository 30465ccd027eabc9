"""The `travel.options` extension: which keys each provider takes, and the one place they are validated.

`TravelModel` (the domain) checks which provider is asked for and where its data is (`path`,
`url`, the `matrix` tables); the provider's settings are the travel package's business, so their
rules live here alone, in `TRAVEL_OPTIONS`. Every way in applies them: the contract when it reads
a problem document (so that they are reported with the document's other problems), `provider_for`
for a model built in Python, and `OsrmProvider` for the limits it is given directly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ahs_routing.errors import InputProblem

_POSITIVE = "a number > 0"
_NON_NEGATIVE = "a number >= 0"
_COUNT = "a whole number >= 0"
_SIZE = "a whole number >= 1"
_TEXT = "a non-empty string"
_GEODESIC = "'geodesic'"

#: Allowed `travel.options` keys per provider, with the kind of value each takes (docs/CONTRACT.md).
TRAVEL_OPTIONS: Mapping[str, Mapping[str, str]] = {
    "geodesic": {"detour_factor": _POSITIVE, "leg_overhead_minutes": _NON_NEGATIVE},
    "matrix": {},
    "graph": {"cache": _TEXT, "snap_warning_m": _POSITIVE, "access_kmh": _POSITIVE, "fallback": _GEODESIC},
    "osrm": {"cache": _TEXT, "profile": _TEXT, "max_table_size": _SIZE, "timeout_seconds": _POSITIVE,
             "retries": _COUNT, "backoff_seconds": _NON_NEGATIVE, "fallback": _GEODESIC},
}


def _option_fits(kind: str, value: object) -> bool:
    if kind == _TEXT:
        return isinstance(value, str) and bool(value.strip())
    if kind == _GEODESIC:
        return value == "geodesic"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    if kind in (_COUNT, _SIZE) and not isinstance(value, int):
        return False
    lowest = {_POSITIVE: 0.0, _NON_NEGATIVE: 0.0, _COUNT: 0.0, _SIZE: 1.0}[kind]
    return value > lowest if kind == _POSITIVE else value >= lowest


def travel_option_problems(provider: str, options: Mapping[str, object]) -> list[InputProblem]:
    """Return every problem with a `travel.options` object (unknown keys, wrong values), paths under it."""
    allowed = TRAVEL_OPTIONS.get(provider, {})
    found = []
    for key, value in options.items():
        if key not in allowed:
            known = ", ".join(allowed) or "none"
            found.append(InputProblem(f"options.{key}", f"unknown option for the {provider} provider (known: {known})"))
        elif not _option_fits(allowed[key], value):
            found.append(InputProblem(f"options.{key}", f"{value!r} must be {allowed[key]}"))
    return found


def option_number(options: Mapping[str, object], key: str, default: float) -> float:
    """Return a numeric option, or `default` when it is not given."""
    value = options.get(key, default)
    return float(value) if isinstance(value, int | float) else default
