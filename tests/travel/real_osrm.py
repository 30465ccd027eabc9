"""A real osrm-routed on loopback for tests/travel: the binaries, the built Oslo extract, a server process.

`make unit` runs scripts/osrm_for_tests.sh, which sets AHS_OSRM_BIN (the folder holding
osrm-routed, from the osrm-bindings wheel) and AHS_OSRM_DATA (the Oslo extract, built once and
cached). Without them the binaries are looked up on PATH and the extract is built here. When
no OSRM can be had the real-server tests skip — except with CI=true, where they fail.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parents[2]
OSLO = ROOT.parent / "shared" / "data" / "osm" / "oslo-center.osm.pbf"


def unavailable(reason: str) -> NoReturn:
    """Skip a real-server test, or fail it in CI, where the real-OSRM tests must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the real-OSRM tests may not be skipped; `make unit` prepares OSRM)")
    pytest.skip(reason)


def free_port() -> int:
    """Return a loopback port nothing listens on (closed again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True, slots=True)
class OsloOsrm:
    """The osrm-routed binary and the built Oslo extract (`oslo-center.osrm`)."""

    routed: Path
    data: Path


@dataclass
class Routed:
    """One osrm-routed process serving the Oslo extract on a loopback port (CH, coordinates not logged)."""

    osrm: OsloOsrm
    port: int = field(default_factory=free_port)
    max_table_size: int = 1000
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Routed:
        """Start the server and return once it answers (or fail the test)."""
        self.process = subprocess.Popen(
            [str(self.osrm.routed), "--algorithm", "ch", "--ip", "127.0.0.1", "--port", str(self.port),
             "--max-table-size", str(self.max_table_size), "--verbosity", "WARNING", str(self.osrm.data)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/nearest/v1/driving/10.75,59.91", timeout=1).read()
                return self
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    pytest.fail("osrm-routed did not start")
                time.sleep(0.1)

    def signal(self, number: signal.Signals) -> None:
        """Send a signal to the server process."""
        assert self.process is not None
        self.process.send_signal(number)

    def kill(self) -> None:
        """SIGKILL the server and reap it."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait(timeout=10)


def find_oslo_osrm(tmp_path_factory: pytest.TempPathFactory) -> OsloOsrm:
    """Return the binary and the Oslo extract, built with scripts/prepare_osrm.sh when not prepared already."""
    configured = os.environ.get("AHS_OSRM_BIN")
    found = shutil.which("osrm-routed")
    binaries = Path(configured) if configured else (Path(found).parent if found else None)
    if binaries is None or not (binaries / "osrm-routed").exists():
        unavailable("OSRM binaries not found: set AHS_OSRM_BIN to the folder holding osrm-routed "
                    "(scripts/osrm_for_tests.sh gets them from the osrm-bindings wheel) or put them on PATH")
    prepared = os.environ.get("AHS_OSRM_DATA")
    if prepared and (Path(prepared) / ".ready").is_file():
        return OsloOsrm(binaries / "osrm-routed", Path(prepared) / "oslo-center.osrm")
    if not OSLO.is_file():
        unavailable(f"the Oslo extract is not at {OSLO}")
    work = tmp_path_factory.mktemp("osrm")
    env = {**os.environ, "PATH": f"{binaries}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run(["bash", str(ROOT / "scripts" / "prepare_osrm.sh"), str(OSLO), str(work)],
                   check=True, env=env, capture_output=True, timeout=300)
    return OsloOsrm(binaries / "osrm-routed", work / "oslo-center.osrm")
