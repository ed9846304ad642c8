#!/usr/bin/env bash
# CI: nothing missing at run time. Build the wheel, install it WITHOUT the dev extra into
# a fresh venv (pip may use its cache), then run `civicgrid --help` and file the grids of
# a small sample city with the installed command alone, on a scratch database of the
# project's PostGIS cluster (started by `make test` before this runs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d)
SMOKE_DB=civicgrid_wheel_smoke
# start from an empty database, so the smoke can run again on the same cluster
drop_db() {
  (cd "$ROOT" && CIVICGRID_HOME="$ROOT" "$ROOT/.venv/bin/python" -c "
from sqlalchemy.engine import make_url
from geo.db import cluster
from geo.db.engine import owner_url
cluster.drop_database(make_url(owner_url()).set(database='$SMOKE_DB').render_as_string(hide_password=False))")
}
trap 'rm -rf "$WORK"' EXIT
drop_db

"$PYTHON" -m pip wheel --no-deps -q -w "$WORK/dist" .
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q "$WORK"/dist/civicgrid-*.whl
if "$WORK/venv/bin/python" -c "import pytest" 2>/dev/null; then
  echo "wheel-smoke: the dev extra leaked into the runtime install" >&2; exit 1
fi

cd "$WORK"  # away from the checkout: the installed package must not read it
export CIVICGRID_HOME="$ROOT" CIVICGRID_DB_NAME=$SMOKE_DB
CG="$WORK/venv/bin/civicgrid"
"$CG" --help >/dev/null
"$CG" db up >/dev/null
"$CG" db migrate
"$CG" sample --out "$WORK/city" --scale small --json >/dev/null
for f in districts towns communities; do
  "$CG" load boundaries "$WORK/city/boundaries/$f.shp" --json >/dev/null
done
"$CG" load grids "$WORK/city/grids/grids_2025.shp" --grid-version 2025 --json >/dev/null
"$CG" grids file 2025 --out "$WORK/filing" --json \
  --accept-all "wheel smoke: the sample city's planted faults" >/dev/null
test -n "$(ls "$WORK/filing")"
echo "wheel-smoke: installed civicgrid ran --help and filed the sample grids"
