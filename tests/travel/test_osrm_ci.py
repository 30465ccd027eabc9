"""In CI the real-OSRM tests never skip: without binaries they fail (a real pytest subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.mark.parametrize(("ci", "outcome"), [("true", "1 error"), ("", "1 skipped")])
def test_without_osrm_binaries_ci_fails_where_a_developer_skips(tmp_path: Path, ci: str, outcome: str) -> None:
    env = {**os.environ, "CI": ci, "AHS_OSRM_BIN": str(tmp_path), "AHS_OSRM_DATA": ""}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         str(HERE / "test_osrm.py"), "-k", "real_osrm_eligibility"],
        env=env, cwd=HERE.parents[1], capture_output=True, text=True, timeout=120, check=False)
    assert outcome in result.stdout, result.stdout[-2000:]
    assert result.returncode == (1 if ci else 0)
    if ci:
        assert "may not be skipped" in result.stdout
