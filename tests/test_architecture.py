"""The layout's rules (docs/ARCHITECTURE.md) that import-linter does not check: cycles, private names, module size."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

import ahs_routing

PACKAGE = Path(ahs_routing.__file__).parent
MAX_MODULE_LINES = 600


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
#: Compiled extension modules (a stub beside no source, e.g. solve/_lnscore.pyi): leaves that import nothing.
COMPILED = {_module_name(p) for p in PACKAGE.rglob("*.pyi") if not p.with_suffix(".py").exists()}


def _subpackage(module: str) -> str:
    """Return the part of the library a module belongs to: 'solve' for ahs_routing.solve._ortools."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _imports(module: str) -> list[tuple[str, str | None, int]]:
    """Return (module imported, name imported from it or None, line) for every import statement, at any depth."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: list[tuple[str, str | None, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.append((submodule, None, node.lineno) if submodule in MODULES else
                             (base, alias.name, node.lineno))
    return [f for f in found if f[0] == "ahs_routing" or f[0].startswith("ahs_routing.")]


def _graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(MODULES)
    for module in MODULES:
        for target, _, _ in _imports(module):
            if target in COMPILED:
                continue
            while target not in MODULES and "." in target:
                target = target.rsplit(".", 1)[0]
            if target != module:
                graph.add_edge(module, target)
    return graph


def test_the_rules_see_every_module() -> None:
    """The walk finds the package's modules and their imports (a broken walk would pass every rule)."""
    assert {"ahs_routing.solve._ortools", "ahs_routing.check.checker", "ahs_routing.domain.model"} <= set(MODULES)
    assert ("ahs_routing.check.checker", "ahs_routing.domain.model") in _graph().edges


def test_no_import_cycles_between_modules() -> None:
    """No module imports, directly or through others, a module that imports it (function-level imports count)."""
    cycles = [" -> ".join([*c, c[0]]) for c in nx.simple_cycles(_graph())]
    assert cycles == []


def test_no_private_name_crosses_a_subpackage() -> None:
    """A `_name` (or a `_module`) is used only inside its own subpackage."""
    offences = []
    for module in MODULES:
        for target, name, line in _imports(module):
            private = any(_private(part) for part in target.split(".")) or (name is not None and _private(name))
            if private and _subpackage(target) != _subpackage(module):
                offences.append(f"{module}:{line} imports {target}{'.' + name if name else ''}")
    assert offences == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_600_lines(module: str) -> None:
    """Modules stay small enough to read in one sitting."""
    assert len(MODULES[module].read_text(encoding="utf-8").splitlines()) <= MAX_MODULE_LINES


def test_the_55_public_names_of_0_1_0_still_import_from_the_package() -> None:
    """The layout moved modules, not the public API."""
    names_0_1_0 = {
        "After", "Base", "Break", "BreakTaken", "CachedProvider", "GeodesicProvider", "GraphProvider",
        "IneligiblePatient", "IneligibleReason", "InputError", "InputProblem", "Kpis", "Location",
        "MatrixProvider", "Mode", "OsrmProvider", "Patient", "Place", "Plan", "PlanStatus", "Policy", "Priority",
        "Problem", "Route", "Shift", "SolveHints", "SolveOptions", "SolveStats", "Staff", "Stop", "TimeWindow",
        "TravelError", "TravelMatrix", "TravelModel", "TravelProvider", "Unassigned", "UnassignedReason",
        "Violation", "Visit", "check_plan", "dumps", "json_schemas", "plan_from_dict", "plan_to_dict",
        "plan_to_frame", "problem_from_dict", "problem_from_tables", "problem_to_dict", "problem_to_tables",
        "read_plan", "read_problem", "solve", "solve_with_stats", "travel_matrix", "unassigned_to_frame",
    }
    assert len(names_0_1_0) == 55
    assert names_0_1_0 <= set(ahs_routing.__all__)
    assert all(hasattr(ahs_routing, name) for name in names_0_1_0)


def test_the_week_planning_names_import_from_the_package() -> None:
    """Planning a week (issue 15): the model, the plan, reading and writing, tables, solving and checking."""
    week_names = {
        "Recurrence", "RosterDay", "Week", "WeekStaff", "WeekVisit", "WeekDay", "WeekKpis", "WeekPlan",
        "WeekUnassigned", "WeekOptions", "check_week_plan", "read_week", "read_week_plan", "solve_week",
        "week_from_dict", "week_from_tables", "week_plan_from_dict", "week_plan_to_dict", "week_plan_to_frame",
        "week_to_dict", "week_to_tables",
    }
    assert len(week_names) == 21
    assert week_names <= set(ahs_routing.__all__)
    assert all(hasattr(ahs_routing, name) for name in week_names)
