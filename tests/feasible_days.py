"""Days built backwards from a known feasible schedule, so a complete plan is known to exist.

Staff drive along a line (travel minutes = distance). Each staff member's day is laid out
first — team visits at shared anchor times, single visits in between — and then every
visit gets a window around its scheduled start; `after` links are drawn between scheduled
visits with a tolerance around their actual gap.
"""

from __future__ import annotations

import random

from builders import day, minutes, nurse, patient, visit

from ahs_routing import After, Problem

SHIFT_START = 8 * 60
SHIFT_END = 16 * 60


def feasible_day(
    n_staff: int = 8, seed: int = 0, teams: int = 4, links: int = 6, window: int = 40
) -> tuple[Problem, dict[str, int]]:
    """Return a problem with a known complete schedule, and that schedule's start minutes."""
    rng = random.Random(seed)
    positions: dict[str, float] = {}
    visits = []
    starts: dict[str, int] = {}
    # Team anchors: (time, position) shared by two staff.
    anchors: dict[int, list[tuple[int, float, str]]] = {s: [] for s in range(n_staff)}
    for t in range(teams):
        a, b = rng.sample(range(n_staff), 2)
        moment = rng.randrange(10 * 60, 14 * 60, 5)
        pid = f"team{t}"
        positions[pid] = float(rng.randint(5, 40))
        duration = rng.choice([30, 45])
        clash = any(abs(m - moment) < 120 for s in (a, b) for m, _, _ in anchors[s])
        if clash:
            continue
        for s in (a, b):
            anchors[s].append((moment, positions[pid], f"T{t}"))
        visits.append(visit(f"T{t}", pid, duration, [(_clock(moment - window // 2), _clock(moment + window // 2))],
                            staff_count=2))
        starts[f"T{t}"] = moment
    durations = {v.id: v.duration // 60 for v in visits}
    count = 0
    for s in range(n_staff):
        now, where = SHIFT_START, 0.0
        plan = sorted(anchors[s])
        for anchor_time, anchor_pos, anchor_id in [*plan, (SHIFT_END, 0.0, "")]:
            while True:
                pos = float(rng.randint(2, 45))
                duration = rng.choice([15, 20, 30, 45])
                arrive = now + abs(pos - where) + rng.choice([0, 0, 5, 10])
                leave = arrive + duration
                if leave + abs(anchor_pos - pos) > anchor_time - 5:
                    break
                vid, pid = f"v{count}", f"p{count}"
                count += 1
                positions[pid] = pos
                visits.append(visit(vid, pid, duration,
                                    [(_clock(max(SHIFT_START, arrive - window // 2)), _clock(arrive + window // 2))]))
                starts[vid] = int(arrive)
                durations[vid] = duration
                now, where = leave, pos
            if anchor_id:
                now, where = anchor_time + durations[anchor_id], anchor_pos
    singles = [v for v in visits if v.staff_count == 1]
    by_id = {v.id: v for v in visits}
    for _ in range(links):
        first, then = sorted(rng.sample(singles, 2), key=lambda v: starts[v.id])
        if by_id[then.id].after is not None or starts[then.id] == starts[first.id]:
            continue
        gap = starts[then.id] - starts[first.id]
        by_id[then.id] = visit(then.id, then.patient, then.duration / 60,
                               [(_clock(w.start // 60), _clock(w.end // 60)) for w in then.windows],
                               after=After(first.id, minutes(max(0, gap - 15)), minutes(gap + 15)))
    staff = [nurse(f"n{s}") for s in range(n_staff)]
    problem = day(staff, [patient(p) for p in positions], [by_id[v.id] for v in visits], positions)
    return problem, starts


def _clock(minute: float) -> str:
    minute = int(minute)
    return f"{minute // 60:02d}:{minute % 60:02d}"
