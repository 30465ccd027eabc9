"""Fixtures of a real osrm-routed on loopback for tests/travel (helpers in real_osrm.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from real_osrm import OsloOsrm, Routed, find_oslo_osrm


@pytest.fixture(scope="session")
def oslo_osrm(tmp_path_factory: pytest.TempPathFactory) -> OsloOsrm:
    """The osrm-routed binary and the built Oslo extract (skipped without them, failed with CI=true)."""
    return find_oslo_osrm(tmp_path_factory)


@pytest.fixture
def routed(oslo_osrm: OsloOsrm) -> Iterator[Routed]:
    """A server started by the test (`routed.start()`), killed afterwards whatever happened."""
    server = Routed(oslo_osrm)
    yield server
    server.kill()


@pytest.fixture(scope="module")
def osrm_server(oslo_osrm: OsloOsrm) -> Iterator[str]:
    """The url of one osrm-routed shared by a module's tests."""
    server = Routed(oslo_osrm).start()
    try:
        yield server.url
    finally:
        server.kill()
