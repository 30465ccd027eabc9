"""The library's version, as installed (one source: pyproject.toml's `version`)."""

from __future__ import annotations

from importlib import metadata

#: What `library_version` says when the package runs from a source tree that was never installed.
UNKNOWN_VERSION = "0+unknown"


def library_version() -> str:
    """Return the installed version of ahs_routing (`UNKNOWN_VERSION` when it is not installed)."""
    try:
        return metadata.version("ahs_routing")
    except metadata.PackageNotFoundError:
        return UNKNOWN_VERSION
