"""Run ahs_routing and the peers side by side on VRPTW instances; write the table to RESULTS.md.

Runs are sequential (one core each), same budget, same seed; every row is appended to a
JSON-lines file as soon as it is measured, so an interrupted run resumes where it stopped.

    python benchmarks/run_solomon.py --set peers12 --seconds 10 --solvers ahs ortools-pca ortools-pci pyvrp vroom-x5
    python benchmarks/run_solomon.py --set solomon56 --seconds 10 --table solomon56-10s

A solver spec is a peer name (see peers.PEERS) or ``ahs`` with SolveOptions changes:
``ahs:first_solution=savings,metaheuristic=tabu_search`` (the row is named by the spec).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from peers import PEERS
from vrptw import SHARED, read_instance, solve_instance

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
SOLOMON = SHARED / "solomon" / "instances"
PEERS12 = ("C101", "C201", "C205", "R101", "R105", "R108", "R201", "R205", "RC101", "RC105", "RC201", "RC208")
SETS = {
    "peers12": [SOLOMON / f"{name}.txt" for name in PEERS12],
    "solomon56": sorted(SOLOMON.glob("*.txt")),
    # Evaluation only (README of the shared data): the four PEERS.md instances, never tuned on.
    "gh4": [SHARED / "gh" / "instances" / f"{name}.txt" for name in ("c1_2_1", "r1_2_1", "rc2_2_1", "rc1_4_1")],
}

Row = dict[str, object]


def run_one(path: Path, spec: str, seconds: float, seed: int) -> Row:
    """Return the row of one solver spec on one instance file."""
    instance = read_instance(path)
    if spec == "ahs" or spec.startswith("ahs:"):
        changes: dict[str, object] = {}
        if ":" in spec:
            for part in spec.split(":", 1)[1].split(","):
                key, value = part.split("=")
                changes[key] = int(value) if value.isdigit() else value
        row = solve_instance(instance, seconds, seed, "dimacs", **changes)
        row["solver"] = spec
        return row
    return PEERS[spec](instance, seconds, seed)


def load(path: Path) -> list[Row]:
    """Return the rows stored in a JSON-lines file (none when it does not exist)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def table(rows: Sequence[Row], solvers: Sequence[str]) -> str:
    """Return a Markdown table: gap % per instance and solver, then mean gap, solved count, ratio."""
    by = {(str(r["instance"]), str(r["solver"])): r for r in rows}
    instances = sorted({str(r["instance"]) for r in rows}, key=_natural)
    lines = ["| instance | " + " | ".join(solvers) + " |", "|---" * (len(solvers) + 1) + "|"]
    for name in instances:
        cells = []
        for solver in solvers:
            row = by.get((name, solver))
            if row is None:
                cells.append("")
            elif not row.get("feasible"):
                cells.append("no plan" if row.get("vehicles") is None else "INFEASIBLE")
            else:
                cells.append(f"{row['gap']:.2f} ({row['vehicles']})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    means, solved, ratios = [], [], []
    best_peer = {name: min((float(r["distance"]) for (i, s), r in by.items()  # type: ignore[arg-type]
                            if i == name and r.get("feasible") and "ahs" not in s), default=None)
                 for name in instances}
    for solver in solvers:
        ok = [by[(n, solver)] for n in instances if (n, solver) in by and by[(n, solver)].get("feasible")]
        tried = [n for n in instances if (n, solver) in by]
        gaps = [float(r["gap"]) for r in ok if r.get("gap") is not None]  # type: ignore[arg-type]
        means.append(f"{sum(gaps) / len(gaps):.2f}" if gaps else "")
        solved.append(f"{len(ok)}/{len(tried)}")
        pairs = [float(r["distance"]) / best_peer[str(r["instance"])]  # type: ignore[arg-type, operator]
                 for r in ok if best_peer.get(str(r["instance"]))]
        ratios.append(f"{sum(pairs) / len(pairs):.4f}" if pairs else "")
    lines.append("| **mean gap %** | " + " | ".join(means) + " |")
    lines.append("| feasible / run | " + " | ".join(solved) + " |")
    lines.append("| mean distance / best peer | " + " | ".join(ratios) + " |")
    return "\n".join(lines)


def _natural(name: str) -> tuple[str, int]:
    match = re.match(r"([A-Z_]+?)(\d+)$", name)
    return (match.group(1), int(match.group(2))) if match else (name, 0)


def machine() -> str:
    """Return a one-line description of this machine (CPU model, cores, Python)."""
    try:
        info = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("Model name")),
                     platform.processor())
    except OSError:
        model = platform.processor()
    import os

    return f"{model}, {os.cpu_count()} logical CPUs (shared with other processes), Python {platform.python_version()}"


def solver_version() -> str:
    """Return where ahs_routing was loaded from and the repository commit, for the record."""
    import ahs_routing

    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False,
                          cwd=HERE).stdout.strip()
    return f"ahs_routing {ahs_routing.__version__} from {Path(ahs_routing.__file__).parent} (repository HEAD {head})"


def write_table(name: str, body: str, command: str, rows_file: Path) -> None:
    """Put a table into RESULTS.md between its markers (hand-written notes stay untouched)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = (f"<!-- table:{name} -->\nTable written {stamp} from `{rows_file.relative_to(HERE.parent)}` "
             f"(rows as measured) on {machine()}.\nAt writing: {solver_version()}.\n"
             f"Command: `{command}`\n"
             f"Cells: gap % to bks.csv (vehicles); DIMACS convention for every solver.\n\n{body}\n"
             f"<!-- /table:{name} -->")
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"<!-- table:{re.escape(name)} -->.*?<!-- /table:{re.escape(name)} -->", re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the missing (instance, solver) pairs, then write the table; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--set", choices=sorted(SETS), default="peers12")
    parser.add_argument("--instances", nargs="*", help="instance files instead of a set")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--solvers", nargs="+", default=["ahs", "ortools-pca", "ortools-pci", "pyvrp", "vroom-x5"])
    parser.add_argument("--out", type=Path, default=None, help="JSON-lines file (default results/SET-Ns.jsonl)")
    parser.add_argument("--table", default=None, help="name of the RESULTS.md table to write (default: none)")
    parser.add_argument("--report-only", action="store_true", help="write the table from stored rows only")
    args = parser.parse_args(argv)
    files = [Path(p) for p in args.instances] if args.instances else SETS[args.set]
    out = args.out or HERE / "results" / f"{args.set}-{args.seconds:g}s.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    done = {(r["instance"], r["solver"]) for r in load(out)}
    if not args.report_only:
        for path in files:
            for spec in args.solvers:
                name = read_instance(path).name
                if (name, spec) in done:
                    continue
                row = run_one(path, spec, args.seconds, args.seed)
                with out.open("a") as handle:
                    handle.write(json.dumps(row) + "\n")
                gap = "-" if row.get("gap") is None else f"{row['gap']:.2f}%"
                print(f"{name:6} {spec:40} feasible={row['feasible']} vehicles={row['vehicles']} "
                      f"distance={row['distance']} gap={gap} {row['seconds']}s", flush=True)
    names = {read_instance(p).name for p in files}
    rows = [r for r in load(out) if r["instance"] in names and r["solver"] in args.solvers]
    body = table(rows, args.solvers)
    print(body)
    if args.table:
        command = "python benchmarks/run_solomon.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_table(args.table, body, command, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
