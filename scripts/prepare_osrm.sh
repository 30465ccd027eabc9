#!/usr/bin/env bash
# Prepare OSRM routing data from an OpenStreetMap PBF, for the `osrm` travel provider.
#
#   scripts/prepare_osrm.sh REGION.osm.pbf OUTDIR [PROFILE.lua]
#
# Runs osrm-extract -> osrm-partition -> osrm-customize (MLD) and osrm-contract (CH) into
# OUTDIR/REGION.osrm*, so that either algorithm can serve it. Then serve it on loopback:
#
#   osrm-routed --algorithm ch --ip 127.0.0.1 --port 5000 --max-table-size 1000 \
#       --verbosity WARNING OUTDIR/REGION.osrm
#
# (CH answers large /table requests fastest; --verbosity WARNING keeps request URLs, which
# hold coordinates, out of the server log.) Binaries: from your OSRM install, or
# `python3.12 -m venv v && v/bin/pip install osrm-bindings` (ships osrm-* under
# site-packages/osrm/bin and the profiles under site-packages/osrm/share/profiles).
# The profile defaults to car.lua found next to the binaries; pass another as 3rd argument.
set -euo pipefail

if [[ $# -lt 2 ]]; then
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
pbf=$1
out=$2
profile=${3:-${OSRM_PROFILE:-}}

extract=$(command -v osrm-extract) || { echo "osrm-extract not on PATH" >&2; exit 2; }
bin=$(dirname "$extract")
if [[ -z $profile ]]; then
    for candidate in "$bin/../share/profiles/car.lua" /usr/local/share/osrm/profiles/car.lua \
                     /usr/share/osrm/profiles/car.lua /opt/car.lua; do
        if [[ -f $candidate ]]; then profile=$candidate; break; fi
    done
fi
[[ -f $profile ]] || { echo "no OSRM profile found; pass car.lua as the third argument" >&2; exit 2; }

mkdir -p "$out"
name=$(basename "$pbf")
cp "$pbf" "$out/$name"
base="$out/${name%%.*}"
# osrm-extract names its output after the input file, minus .osm.pbf / .pbf.
osrm-extract -p "$profile" "$out/$name"
osrm-partition "$base.osrm"
osrm-customize "$base.osrm"
osrm-contract "$base.osrm"
rm -f "$out/$name"
echo "ready: $base.osrm"
