"""What the pictures share: the colours, one per staff member and per priority, and loading the `plots` extra.

matplotlib is used through its object API with the Agg canvas only (no pyplot, no global
backend switch), so it works on servers and leaves a notebook's own backend alone; figures
still show inline in Jupyter. folium and matplotlib come with the `plots` extra and are
imported only when a picture is drawn, so the rest of the library works without them.
"""

from __future__ import annotations

import importlib
from typing import Any

from ahs_routing.domain.model import Priority, Problem

#: One colour per staff member, in route order (matplotlib's tab10, then tab20's light tones).
STAFF_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#9edae5", "#dbdb8d",
)
INELIGIBLE_COLOUR = "#9e9e9e"
UNSERVED_COLOUR = "#000000"
REACH_COLOUR = "#3388ff"
PRIORITY_COLOURS = {
    Priority.CRITICAL: "#c62828",
    Priority.HIGH: "#ef6c00",
    Priority.NORMAL: "#1565c0",
    Priority.LOW: "#78909c",
}
TRAVEL_COLOUR = "#616161"
WAIT_COLOUR = "#fff59d"
BREAK_COLOUR = "#66bb6a"
SHIFT_COLOUR = "#eeeeee"


def staff_colours(problem: Problem) -> dict[str, str]:
    """Return a colour per staff member, in the problem's staff order."""
    return {s.id: STAFF_COLOURS[i % len(STAFF_COLOURS)] for i, s in enumerate(problem.staff)}


def activity_legend() -> list[Any]:
    """Return the legend patches of a time line's parts: shift, travel, waiting and break."""
    patches = require_extra("matplotlib.patches")
    return [patches.Patch(color=colour, label=label) for colour, label in
            ((SHIFT_COLOUR, "shift"), (TRAVEL_COLOUR, "travel"), (WAIT_COLOUR, "waiting"), (BREAK_COLOUR, "break"))]


def require_extra(module: str) -> Any:
    """Return the imported module, or raise ImportError saying to install the `plots` extra."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{module} is needed for this picture: pip install 'ahs_routing[plots]'") from None
