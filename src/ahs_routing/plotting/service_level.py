"""The capacity study's service-level curve (matplotlib, Agg canvas): share of visits served against staff."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ahs_routing.errors import InputError
from ahs_routing.plotting.style import STAFF_COLOURS, require_extra

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


def service_level_curve(table: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Return the study's service-level curve: share of visits served (and of critical ones) against staff,
    one line per travel limit, with the range over days shaded."""
    figure_module = require_extra("matplotlib.figure")
    backend = require_extra("matplotlib.backends.backend_agg")
    ticker = require_extra("matplotlib.ticker")
    figure: Figure = figure_module.Figure(figsize=(8, 5), layout="constrained")
    backend.FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    missing = {"travel_limit", "staff", "served_share", "critical_served_share"} - set(table.columns)
    if missing:
        raise InputError(f"the table lacks the columns {sorted(missing)}; pass CapacityStudy.run()'s table")
    for i, (limit, group) in enumerate(table.groupby("travel_limit", dropna=False, sort=True)):
        group = group.sort_values("staff")
        colour = STAFF_COLOURS[i % len(STAFF_COLOURS)]
        label = "no travel limit" if _is_missing(limit) else f"{limit:g} min limit"
        ax.plot(group["staff"], 100 * group["served_share"], marker="o", color=colour, label=f"all visits, {label}")
        ax.plot(group["staff"], 100 * group["critical_served_share"], marker="^", linestyle="--", color=colour,
                label=f"critical visits, {label}")
        if {"served_share_min", "served_share_max"} <= set(group.columns):
            ax.fill_between(group["staff"], 100 * group["served_share_min"], 100 * group["served_share_max"],
                            color=colour, alpha=0.12, linewidth=0)
    ax.set_xlabel("staff on duty")
    ax.set_ylabel("visits served (% of eligible patients' visits)")
    ax.set_ylim(0, 102)
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.grid(color="#dddddd", linewidth=0.5)
    ax.legend(fontsize=8)
    ax.set_title(title or "Service level by staffing (shaded: range over days)")
    return figure


def save_service_level_curve(table: pd.DataFrame, path: str | Path, **options: Any) -> Path:
    """Write the service-level curve as an image (PNG by the file's suffix); return its path."""
    target = Path(path)
    service_level_curve(table, **options).savefig(target, dpi=120)
    return target


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
