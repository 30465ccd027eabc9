#!/usr/bin/env bash
# A real OSRM for the test suite (`make unit` runs this): the osrm-* binaries of the osrm-bindings
# wheel in a Python 3.12 environment, and the Oslo extract built with scripts/prepare_osrm.sh once.
#
#   scripts/osrm_for_tests.sh ENV_FILE
#
# Writes AHS_OSRM_BIN=<folder holding osrm-routed> and AHS_OSRM_DATA=<folder holding
# oslo-center.osrm*> to ENV_FILE, for tests/travel to start osrm-routed on loopback. Both are
# cached under $AHS_OSRM_CACHE (default ~/.cache/ahs_routing/osrm), keyed by the wheel's version
# and the extract's checksum, so a repeat run takes about a second.
#
# The wheel is cp312-abi3: Python 3.12 (`python3.12`; with pyenv, PYENV_VERSION=3.12.1) gets a
# venv with it. Without a Python 3.12 the same wheel is downloaded for 3.12 and unpacked (its
# binaries are plain Linux executables that need no Python). When neither works, ENV_FILE stays
# empty and the real-server tests skip, unless CI=true: then this script fails.
set -euo pipefail

OSRM_BINDINGS_VERSION=26.10.0
if [[ $# -ne 1 ]]; then
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
env_file=$1
: > "$env_file"
root=$(cd "$(dirname "$0")/.." && pwd)
pbf=${AHS_OSRM_PBF:-$root/../shared/data/osm/oslo-center.osm.pbf}
cache=${AHS_OSRM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ahs_routing/osrm}
started=$(date +%s)

give_up() {
    echo "osrm_for_tests: $*" >&2
    if [[ ${CI:-} == true ]]; then
        echo "osrm_for_tests: CI=true, so the real-OSRM tests may not be skipped: failing" >&2
        exit 1
    fi
    echo "osrm_for_tests: the real-OSRM tests will be skipped" >&2
    exit 0
}

[[ -f $pbf ]] || give_up "no OpenStreetMap extract at $pbf"
mkdir -p "$cache"

# 1. The binaries ---------------------------------------------------------------------------------
bin=""
venv=$cache/venv-py312-osrm-$OSRM_BINDINGS_VERSION
if [[ -f $venv/.ready ]]; then
    bin=$(cat "$venv/.ready")
elif PYENV_VERSION=${PYENV_VERSION:-3.12.1} python3.12 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' \
        2>/dev/null; then
    rm -rf "$venv"
    PYENV_VERSION=${PYENV_VERSION:-3.12.1} python3.12 -m venv "$venv"
    if "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
            "osrm-bindings==$OSRM_BINDINGS_VERSION" >&2; then
        # Found without importing the extension module: only its executables are needed.
        bin=$("$venv/bin/python" -c 'import importlib.util, pathlib
spec = importlib.util.find_spec("osrm")
print(pathlib.Path(list(spec.submodule_search_locations)[0]) / "bin")')
        echo "$bin" > "$venv/.ready"
        echo "osrm_for_tests: osrm-bindings $OSRM_BINDINGS_VERSION installed in a Python 3.12 venv" >&2
    fi
fi
unpacked=$cache/wheel-osrm-$OSRM_BINDINGS_VERSION
if [[ -z $bin && -f $unpacked/.ready ]]; then
    bin=$unpacked/osrm/bin
elif [[ -z $bin ]]; then
    echo "osrm_for_tests: no Python 3.12; unpacking the osrm-bindings wheel for its binaries" >&2
    rm -rf "$unpacked" && mkdir -p "$unpacked/wheel"
    if python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
            --python-version 3.12 --platform manylinux_2_28_x86_64 \
            "osrm-bindings==$OSRM_BINDINGS_VERSION" -d "$unpacked/wheel" >&2; then
        python3 - "$unpacked" <<'EOF'
import pathlib, stat, sys, zipfile
target = pathlib.Path(sys.argv[1])
for wheel in (target / "wheel").glob("*.whl"):
    zipfile.ZipFile(wheel).extractall(target)
for exe in (target / "osrm" / "bin").iterdir():
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
EOF
        touch "$unpacked/.ready"
        bin=$unpacked/osrm/bin
    fi
fi
[[ -n $bin && -x $bin/osrm-routed ]] || give_up "could not get osrm-bindings $OSRM_BINDINGS_VERSION's binaries"
"$bin/osrm-routed" --version > /dev/null 2>&1 || give_up "$bin/osrm-routed does not run on this machine"

# 2. The Oslo extract, built once -----------------------------------------------------------------
checksum=$(python3 -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest()[:16])' \
    "$pbf")
data=$cache/oslo-center-$checksum-osrm-$OSRM_BINDINGS_VERSION
if [[ ! -f $data/.ready ]]; then
    building=$(mktemp -d "$cache/building.XXXXXX")
    if ! PATH="$bin:$PATH" bash "$root/scripts/prepare_osrm.sh" "$pbf" "$building" > "$building.log" 2>&1; then
        tail -20 "$building.log" >&2
        rm -rf "$building" "$building.log"
        give_up "building the Oslo extract failed"
    fi
    touch "$building/.ready"
    rm -f "$building.log"
    # Another run may have finished first: keep theirs.
    mv -T "$building" "$data" 2>/dev/null || rm -rf "$building"
    echo "osrm_for_tests: built the Oslo extract into $data" >&2
fi
{
    echo "AHS_OSRM_BIN=$bin"
    echo "AHS_OSRM_DATA=$data"
} > "$env_file"
echo "osrm_for_tests: real OSRM ready in $(( $(date +%s) - started )) s ($("$bin/osrm-routed" --version 2>&1 | head -1))" >&2
