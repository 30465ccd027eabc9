"""What a re-plan changed: the differences a coordinator may need to phone about, by time.

A visit is `added`, `cancelled`, `unassigned`, `moved` (other staff) or `shifted` (same staff,
start moved by more than the tolerance); a staff member's day may lose a break or run into
overtime. The plan document's `changes` list is `change_to_dict` of each (docs/REPLAN.md).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ahs_routing.domain.model import Problem
from ahs_routing.domain.plan import Plan, Unassigned
from ahs_routing.times import format_clock

#: A served visit: its staff (sorted) and its start.
_Served = tuple[tuple[str, ...], int]


class ChangeKind(enum.StrEnum):
    """What happened to a visit (or, for breaks and overtime, to a staff member's day)."""

    ADDED = "added"  # served now, not served before (a new visit, or one that was unassigned)
    CANCELLED = "cancelled"
    UNASSIGNED = "unassigned"  # served before, not any more
    MOVED = "moved"  # served by other staff
    SHIFTED = "shifted"  # same staff, start moved by more than the tolerance
    BREAK_DROPPED = "break_dropped"  # a break that no longer fits the staff member's day
    OVERTIME = "overtime"  # a visit running long keeps a staff member past shift end plus overtime


@dataclass(frozen=True, slots=True)
class Change:
    """One change a coordinator may need to phone about: before and after, and a sentence."""

    kind: ChangeKind
    visit: str | None
    staff_before: tuple[str, ...] = ()
    staff_after: tuple[str, ...] = ()
    start_before: int | None = None
    start_after: int | None = None
    detail: str = ""

    @property
    def shift(self) -> int | None:
        """Seconds the start moved (positive: later), when the visit is served before and after."""
        if self.start_before is None or self.start_after is None:
            return None
        return self.start_after - self.start_before


@dataclass(frozen=True, slots=True)
class StaffNote:
    """A change to a staff member's day found while rebuilding it (a dropped break, overtime)."""

    kind: ChangeKind
    staff: str
    detail: str


def plan_changes(
    before: Plan, day: Problem, after: Plan, cancelled: frozenset[str], notes: Sequence[StaffNote],
    tolerance_seconds: int, causes: Mapping[str, str] | None = None,
) -> list[Change]:
    """Return what changed between the plans, in the order a coordinator would phone: by time.

    `causes` gives, per visit, why it had to change (e.g. its staff member went home); it leads the detail.
    """
    served_before, served_after = _served(before), _served(after)
    reasons = {u.visit: u for u in after.unassigned}
    was_unassigned = {u.visit for u in before.unassigned}
    changes: list[Change] = []
    for visit_id in sorted(cancelled):
        staff, start = served_before.get(visit_id, ((), None))
        changes.append(Change(ChangeKind.CANCELLED, visit_id, staff, (), start, None, "cancelled"))
    for visit in day.visits:
        change = _visit_change(visit.id, served_before.get(visit.id), served_after.get(visit.id),
                               reasons.get(visit.id), visit.id in was_unassigned, tolerance_seconds)
        if change is not None and causes and visit.id in causes:
            change = dataclasses.replace(change, detail=f"{causes[visit.id]}; {change.detail}")
        if change is not None:
            changes.append(change)
    changes += [Change(n.kind, None, (n.staff,), (n.staff,), detail=n.detail) for n in notes
                if after.route_of(n.staff) is not None]
    return sorted(changes, key=_when)


def change_to_dict(change: Change) -> dict[str, Any]:
    """Return a change as the plan document's `changes` entry (see docs/REPLAN.md)."""
    return {
        "change": change.kind.value,
        "visit": change.visit,
        "staff_before": list(change.staff_before),
        "staff_after": list(change.staff_after),
        "start_before": None if change.start_before is None else format_clock(change.start_before),
        "start_after": None if change.start_after is None else format_clock(change.start_after),
        "detail": change.detail,
    }


def _served(plan: Plan) -> dict[str, _Served]:
    found: dict[str, tuple[list[str], int]] = {}
    for route, stop in plan.stops():
        found.setdefault(stop.visit, ([], stop.start))[0].append(route.staff)
    return {v: (tuple(sorted(s)), start) for v, (s, start) in found.items()}


def _visit_change(
    visit_id: str, old: _Served | None, new: _Served | None, why: Unassigned | None, was_unassigned: bool,
    tolerance_seconds: int,
) -> Change | None:
    """Return what happened to one visit of the day, or None when nothing a family would notice did."""
    if new is not None and old is None:
        origin = "was unassigned" if was_unassigned else "new visit"
        return Change(ChangeKind.ADDED, visit_id, (), new[0], None, new[1],
                      f"{origin}; {', '.join(new[0])} at {format_clock(new[1])}")
    if old is not None and new is None:
        return Change(ChangeKind.UNASSIGNED, visit_id, old[0], (), old[1], None,
                      f"{why.reason.value}: {why.detail}" if why else "not served")
    if old is None or new is None:
        return None
    if old[0] != new[0]:
        return Change(ChangeKind.MOVED, visit_id, old[0], new[0], old[1], new[1],
                      f"{', '.join(old[0])} -> {', '.join(new[0])}, {format_clock(old[1])} -> {format_clock(new[1])}")
    if abs(new[1] - old[1]) > tolerance_seconds:
        return Change(ChangeKind.SHIFTED, visit_id, old[0], new[0], old[1], new[1],
                      f"{format_clock(old[1])} -> {format_clock(new[1])}")
    return None


def _when(change: Change) -> tuple[int, str]:
    moments = [m for m in (change.start_before, change.start_after) if m is not None]
    return (min(moments) if moments else -1, change.visit or "")
