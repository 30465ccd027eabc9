"""`--version`, and a missing optional dependency reported before any work with its own exit code."""

from __future__ import annotations

import importlib.util
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

import ahs_routing
from ahs_routing.cli import plan as plan_command
from ahs_routing.cli.main import EXIT_MISSING_DEPENDENCY, main

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "trondheim_weekday.json")


def test_version_is_the_installed_packages(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"ahs-routing {ahs_routing.__version__}"
    assert ahs_routing.__version__ == metadata.version("ahs_routing")


def _without(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make `modules` look uninstalled to the dependency check."""
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name in modules else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def _no_solving(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("solved before reporting the missing dependency")

    monkeypatch.setattr(plan_command, "solve_with_stats", refuse)


@pytest.mark.parametrize("option", ["--map", "--gantt"])
def test_plan_with_a_picture_but_without_plots_stops_before_solving(
    option: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    _without(monkeypatch, "folium", "matplotlib")
    _no_solving(monkeypatch)
    assert main(["plan", EXAMPLE, option, str(tmp_path / "picture")]) == EXIT_MISSING_DEPENDENCY
    error = capsys.readouterr().err
    assert "pip install 'ahs_routing[plots]'" in error and option in error


def _study_config(tmp_path: Path) -> str:
    config = tmp_path / "study.toml"
    config.write_text('[scenario]\nservice = "children_home_hospital"\n[study]\nstaff = [3]\ndays = 1\n')
    return str(config)


def test_study_without_pyarrow_stops_before_solving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    _without(monkeypatch, "pyarrow")
    code = main(["study", _study_config(tmp_path), "--out", str(tmp_path / "out"), "--no-progress"])
    assert code == EXIT_MISSING_DEPENDENCY
    assert "pip install 'ahs_routing[study]'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_study_on_dask_without_distributed_stops_before_solving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    _without(monkeypatch, "distributed")
    code = main(["study", _study_config(tmp_path), "--out", str(tmp_path / "out"), "--dask", "tcp://127.0.0.1:1",
                 "--no-progress"])
    assert code == EXIT_MISSING_DEPENDENCY
    error = capsys.readouterr().err
    assert "--dask needs distributed" in error and "pip install 'ahs_routing[study]'" in error
