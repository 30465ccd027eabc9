"""`ahs-routing serve`: its options and environment become the service's configuration (the server itself
runs for real in tests/service/test_server.py)."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from ahs_routing.cli.main import EXIT_INPUT, EXIT_MISSING_DEPENDENCY, EXIT_OK, main

pytest.importorskip("fastapi")

from ahs_routing.service import server
from ahs_routing.service.app import ServiceConfig


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[ServiceConfig]:
    """Record the configuration `serve` would run with, instead of serving."""
    configs: list[ServiceConfig] = []
    monkeypatch.setattr(server, "serve", configs.append)
    monkeypatch.delenv("AHS_API_TOKEN", raising=False)
    return configs


def test_defaults_are_loopback_one_worker_and_a_jobs_file_here(served: list[ServiceConfig]) -> None:
    assert main(["serve"]) == EXIT_OK
    assert served == [ServiceConfig(jobs_path="ahs_routing_jobs.sqlite", host="127.0.0.1", port=8080, workers=1,
                                    token=None, max_queued=100, max_body_bytes=5 * 1024 * 1024)]


def test_options_and_the_token_from_the_environment(served: list[ServiceConfig], monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AHS_API_TOKEN", "t0ken")
    argv = ["serve", "--host", "0.0.0.0", "--port", "9000", "--jobs", "j.sqlite", "--workers", "3",
            "--max-queued", "7", "--max-body-mb", "0.5"]
    assert main(argv) == EXIT_OK
    assert served[0] == ServiceConfig(jobs_path="j.sqlite", host="0.0.0.0", port=9000, workers=3, token="t0ken",
                                      max_queued=7, max_body_bytes=512 * 1024)
    assert "bearer token required" in capsys.readouterr().err


def test_a_public_address_without_a_token_is_warned_about(served: list[ServiceConfig],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--host", "0.0.0.0"]) == EXIT_OK
    assert "without AHS_API_TOKEN" in capsys.readouterr().err


def test_bad_limits_are_input_errors(served: list[ServiceConfig]) -> None:
    assert main(["serve", "--workers", "0"]) == EXIT_INPUT
    assert served == []


def test_without_the_service_extra_it_says_what_to_install(
    served: list[ServiceConfig], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "uvicorn" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert main(["serve"]) == EXIT_MISSING_DEPENDENCY
    assert "pip install 'ahs_routing[service]'" in capsys.readouterr().err
    assert served == []
