"""ahs_routing and the plain OR-Tools peer side by side on HHCRSP days with linked visits.

Each instance becomes the library's problem (`hhcrsp.to_problem`, hard windows: double
services as two visits with an `after` gap) and is written as a contract JSON problem; the
peer (`../shared/benchmarks/peers/plain_ortools_hhc.py`) and ahs_routing (`hhcrsp.py`) then
solve it at the same time, each in its own process (one core each), with the same seconds.
Both plans are checked by the library's checker and scored on the instance's own matrix
(real-valued travel minutes; gap of travel / 3 to the best-known literature cost, which for
these instances has no lateness).

    python benchmarks/linked_peers.py INSTANCE.json.gz ... --seconds 20 [--out rows.jsonl] [--peer-only]

With `--peer-only` the peer runs alone: its side of a run whose ahs_routing side is
`hhcrsp.py --mode literature` in another process at the same time (one core each). A complete
hard-window plan has no lateness, so its literature cost is travel / 3 and its gap compares.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import hhcrsp

from ahs_routing import check_plan
from ahs_routing.io.contract import plan_from_dict, problem_to_dict

HERE = Path(__file__).resolve().parent
PEER = HERE.parents[1] / "shared" / "benchmarks" / "peers" / "plain_ortools_hhc.py"


def side_by_side(path: str, seconds: float, seed: int, peer_only: bool = False) -> dict[str, object]:
    """Return one row: ahs_routing's and the peer's served visits, travel, gap and checker verdicts.

    `peer_only`: run the peer alone (for a run whose ahs_routing side is `hhcrsp.py` in another
    process, e.g. in literature mode, which the peer does not model).
    """
    data = hhcrsp.read_json(path)
    problem = hhcrsp.to_problem(data, "hard")
    bks = hhcrsp.best_known(hhcrsp.instance_name(path))
    with tempfile.TemporaryDirectory() as folder:
        problem_file, plan_file = Path(folder) / "problem.json", Path(folder) / "plan.json"
        problem_file.write_text(json.dumps(problem_to_dict(problem)))
        peer = subprocess.Popen([sys.executable, str(PEER), str(problem_file), "-o", str(plan_file),
                                 "--seconds", str(seconds)], stdout=subprocess.PIPE, text=True)
        ours = None if peer_only else subprocess.Popen(
            [sys.executable, str(HERE / "hhcrsp.py"), path, "--mode", "hard", "--seconds", str(seconds),
             "--seed", str(seed), "--json"], stdout=subprocess.PIPE, text=True)
        ours_row = {} if ours is None else json.loads(ours.communicate()[0].strip().splitlines()[-1])
        peer.communicate()
        written = json.loads(plan_file.read_text())
        # The peer writes no distance (its travel is a matrix of minutes); the contract's field may be null.
        written.get("kpis", {}).setdefault("distance_km", None)
        peer_plan = plan_from_dict(written)
    peer_travel = hhcrsp.plan_travel(data, peer_plan)
    peer_complete = not peer_plan.unassigned
    return {
        "instance": hhcrsp.instance_name(path),
        "visits": len(problem.visits),
        "bks_travel": round(3 * bks, 1) if bks else None,
        "ahs_unassigned": ours_row.get("unassigned"),
        "ahs_travel": ours_row.get("travel"),
        "ahs_gap": ours_row.get("gap"),
        "ahs_checker": ours_row.get("checker", []),
        "peer_unassigned": len(peer_plan.unassigned),
        "peer_travel": round(peer_travel, 3),
        "peer_gap": round(100.0 * (peer_travel / 3 - bks) / bks, 2) if bks and peer_complete else None,
        "peer_checker": [str(v) for v in check_plan(problem, peer_plan)[:3]],
        "seconds": seconds,
        "ahs_seconds": ours_row.get("seconds"),
        "ahs_stopped_by": ours_row.get("stopped_by"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the instances one after the other, each side by side; print one JSON row each and a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="append JSON lines here too")
    parser.add_argument("--peer-only", action="store_true", help="run the peer alone (hard windows)")
    args = parser.parse_args(argv)
    rows = []
    for path in args.files:
        row = side_by_side(path, args.seconds, args.seed, args.peer_only)
        rows.append(row)
        if args.out is not None:
            with args.out.open("a") as handle:
                handle.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)
    print("| instance | best-known travel | ahs_routing | plain OR-Tools | ahs_routing's run |\n|---|---|---|---|---|")
    for r in rows:
        run = f"{r['ahs_seconds']} s, {r['ahs_stopped_by']}"
        print(f"| {r['instance']} | {r['bks_travel']} | {_cell(r, 'ahs')} | {_cell(r, 'peer')} | {run} |")
    gaps = [(r["ahs_gap"], r["peer_gap"]) for r in rows]
    if all(a is not None and b is not None for a, b in gaps):
        ours, peer = (sum(g[i] for g in gaps) / len(gaps) for i in (0, 1))
        print(f"| mean gap | | {ours:.2f}% | {peer:.2f}% | |")
    return 1 if any(r["ahs_checker"] for r in rows) else 0


def _cell(row: dict[str, object], who: str) -> str:
    """Return 'travel (gap%)', how many visits were left out, or that the side did not run."""
    if row[f"{who}_travel"] is None:
        return "not run"
    if row[f"{who}_unassigned"]:
        return f"{row[f'{who}_travel']} ({row[f'{who}_unassigned']} left out)"
    return f"{row[f'{who}_travel']} ({row[f'{who}_gap']}%)"


if __name__ == "__main__":
    sys.exit(main())
