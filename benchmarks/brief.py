"""The meeting brief on the city sample (`civicgrid brief --period week`), phase by phase,
with its coverage gaps read from the stored coverage run (ours) against recomputing
them as the brief did before (`geo.views.coverage.blind_spots` for each facility kind,
cold caches: the peer), both in the same run.

The city sample is generated into DIR if absent and loaded into its own database
(--db, default civicgrid_bench_brief) when that is empty, with one stored
`coverage facilities --res 8` run (timed: what a user runs once after a load).

    .venv/bin/python benchmarks/brief.py [--data DIR] [--db NAME]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_db
from sqlalchemy import text

from geo.config import project_home

LOADS = (
    ("boundaries", "boundaries/districts.shp"),
    ("boundaries", "boundaries/towns.shp"),
    ("boundaries", "boundaries/communities.shp"),
    ("grids", "grids/grids_2025.shp", "--grid-version", "2025"),
    ("incidents", "incidents/incidents.csv", "--crs", "gcj02"),
    ("rentals", "rentals/rentals.xlsx", "--crs", "bd09"),
    ("hazards", "hazards/hazards.geojson"),
    ("facilities", "facilities/facilities.csv", "--crs", "wgs84"),
)


def civicgrid(*args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "geo", *args], check=True, capture_output=True, text=True
    ).stdout


def prepare(engine, data: Path) -> float | None:
    """Load the sample when the database is empty; seconds of the stored coverage run
    when it was made now (None when one was stored already)."""
    if not (data / "manifest.json").exists():
        civicgrid("sample", "--out", str(data), "--scale", "city", "--seed", "42")
    with engine.connect() as conn:
        loaded = conn.execute(text("SELECT count(*) FROM incidents")).scalar()
        runs = conn.execute(
            text("SELECT count(*) FROM analysis_results WHERE kind = 'coverage-facilities'")
        ).scalar()
    if not loaded:
        for kind, rel, *extra in LOADS:
            civicgrid("load", kind, str(data / rel), *extra)
    if runs:
        return None
    t0 = time.perf_counter()
    civicgrid("coverage", "facilities", "--res", "8", "--json")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", type=Path, default=project_home() / "demo-data" / "city")
    ap.add_argument("--db", default="civicgrid_bench_brief")
    args = ap.parse_args()
    bench_db.migrated(args.db)

    from geo.db.engine import get_engine

    engine = get_engine()
    coverage_s = prepare(engine, args.data)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM incidents")).scalar()
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · {n:,} incidents · database {args.db}")
    if coverage_s is not None:
        print(
            f"stored coverage run (coverage facilities --res 8), once after a load: {coverage_s:6.1f} s"
        )

    # ours: the CLI as a user runs it, imports and Chromium start included
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        out = json.loads(
            civicgrid("brief", "--period", "week", "--out", f"{tmp}/brief.pdf", "--json")
        )
        cli_s = time.perf_counter() - t0
    print(
        f"civicgrid brief --period week (CLI wall time): {cli_s:6.1f} s ({out['incidents']:,} incidents that week)"
    )

    # the phases, in this process, cold caches
    from geo.brief import page, pdf, store
    from geo.config import settings
    from geo.localtime import TZ
    from geo.views.coverage import blind_spots
    from geo.views.kpis import COVERAGE_KINDS

    t0 = time.perf_counter()
    data = store.gather(engine, "week")
    gather_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    store.stored_run(engine)
    stored_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    fig = page.figure(
        data, settings().metric_crs, {k: k for k in COVERAGE_KINDS}, dt.datetime.now(TZ)
    )
    figure_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        pdf.write(fig, Path(tmp) / "brief.pdf")
        pdf_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for kind in COVERAGE_KINDS:
        blind_spots(engine, kind, top=store.GAPS_N)
    peer_s = time.perf_counter() - t0
    print(
        f"gather (reads the stored run): {gather_s:6.1f} s, of which the stored run's rows: {stored_s:5.2f} s"
    )
    print(f"page figure {figure_s:6.1f} s · kaleido → PDF {pdf_s:6.1f} s")
    print(
        f"peer: coverage gaps recomputed (views.coverage.blind_spots × 3, cold): {peer_s:6.1f} s"
        f" → stored read {peer_s / stored_s:.0f}x faster"
    )


if __name__ == "__main__":
    main()
