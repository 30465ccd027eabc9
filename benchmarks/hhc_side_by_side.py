"""Join an ahs_routing run (`hhcrsp.py --json --out`) and a peer run (`linked_peers.py --peer-only --out`).

Both runs cover the same instances with the same seconds, one process each, at the same time.
The peer models hard windows only; a complete peer plan has no lateness, so its literature cost
is travel / 3 and its gap compares with ahs_routing's literature gap. A peer plan that leaves
visits out has no gap (the table says how many it left out).

    python benchmarks/hhc_side_by_side.py OURS.jsonl PEER.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from statistics import mean
from typing import Any

from hhcrsp import family_of


def read_rows(path: Path) -> dict[str, dict[str, Any]]:
    """Return the JSON rows of a run by instance name (a later row of an instance wins)."""
    rows: dict[str, dict[str, Any]] = {}
    for line in path.read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            rows[row["instance"]] = row
    return rows


def _gap(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def tables(ours: dict[str, dict[str, Any]], peer: dict[str, dict[str, Any]]) -> str:
    """Return the Markdown tables: mean gap per family side by side, then every instance."""
    names = sorted(ours, key=lambda n: (family_of(n), n))
    families: dict[str, list[str]] = {}
    for name in names:
        families.setdefault(family_of(name), []).append(name)
    lines = ["| family | instances | ahs_routing: complete, mean gap % | peer: complete, mean gap % "
             "| ahs_routing ahead / level / behind (both complete) |", "|---|---|---|---|---|"]
    for family, group in families.items():
        mine = [ours[n]["gap"] for n in group if ours[n]["gap"] is not None]
        theirs = [peer[n]["peer_gap"] for n in group if n in peer and peer[n]["peer_gap"] is not None]
        both = [(ours[n]["gap"], peer[n]["peer_gap"]) for n in group
                if n in peer and ours[n]["gap"] is not None and peer[n]["peer_gap"] is not None]
        ahead = sum(a < b - 0.005 for a, b in both)
        behind = sum(a > b + 0.005 for a, b in both)
        lines.append(f"| {family} | {len(group)} | {len(mine)}, {_gap(mean(mine) if mine else None)} | "
                     f"{len(theirs)}, {_gap(mean(theirs) if theirs else None)} | "
                     f"{ahead} / {len(both) - ahead - behind} / {behind} |")
    lines += ["", "| instance | visits | BKS | ahs_routing cost | ahs_routing gap % | ahs_routing checker "
              "| peer travel | peer gap % | peer left out | peer checker |", "|---" * 10 + "|"]
    for name in names:
        r, p = ours[name], peer.get(name, {})
        lines.append(f"| {name} | {r['visits']} | {r['bks']} | {r['cost'] or ''} | {_gap(r['gap'])} | "
                     f"{'ok' if not r['checker'] else 'VIOLATIONS'} | {p.get('peer_travel', '')} | "
                     f"{_gap(p.get('peer_gap'))} | {p.get('peer_unassigned', '')} | "
                     f"{'' if not p else 'ok' if not p['peer_checker'] else 'objections'} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the side-by-side tables of two runs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("ours", type=Path)
    parser.add_argument("peer", type=Path)
    args = parser.parse_args(argv)
    print(tables(read_rows(args.ours), read_rows(args.peer)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
