"""Early warning on the city sample: alerts for a week and a month, and the Knox test on
20,000 incidents, each against a named peer measured in the same run.

- alerts (`geo.warning.run.run_alerts`, week and month) against one Gi* hot spot run
  over the same week (`geo.hotspots.run.run_hotspots`, res 8, k = 1) — the analysis an
  analyst would otherwise start from;
- the Knox table (5 distance × 4 time bands, 99 permutations) of the 20,000 incidents of
  one category nearest to the end of the data, against PySAL pointpats' `Knox` for one
  band (delta = 200 m, tau = 7 days, 99 permutations) on the same points; the first
  band's count, its 99 simulated counts (same seed) and p-value must be pointpats'.

The city sample is generated into DIR if absent and loaded into its own database
(civicgrid_bench_warning, or --db NAME) when that is empty.

    .venv/bin/python benchmarks/warning.py [--data DIR] [--db NAME] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import time
from pathlib import Path

import bench_db
import numpy as np
from pointpats.spacetime import Knox
from sqlalchemy import text

from geo.config import project_home, settings
from geo.crs import from_wgs84
from geo.db.engine import get_engine
from geo.hotspots.run import HotspotParams, run_hotspots
from geo.views.counts import incident_span
from geo.warning import store
from geo.warning.knox import near_repeat
from geo.warning.run import AlertParams, run_alerts

BENCH_DB = "civicgrid_bench_warning"
LOADS = (
    ("boundaries", "boundaries/districts.shp"),
    ("boundaries", "boundaries/towns.shp"),
    ("boundaries", "boundaries/communities.shp"),
    ("grids", "grids/grids_2025.shp", "--grid-version", "2025"),
    ("incidents", "incidents/incidents.csv", "--crs", "gcj02"),
    ("key-sites", "key_sites/key_sites.csv", "--crs", "gcj02"),
)


def civicgrid(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "geo", *args], check=True, capture_output=True)


def prepare(data: Path) -> None:
    if not (data / "manifest.json").exists():
        civicgrid("sample", "--out", str(data), "--scale", "city", "--seed", "42")
    with get_engine().connect() as conn:
        loaded = conn.execute(text("SELECT count(*) FROM incidents")).scalar()
    if not loaded:
        for kind, rel, *extra in LOADS:
            civicgrid("load", kind, str(data / rel), *extra)
    with get_engine().connect() as conn:
        counted = conn.execute(text("SELECT count(*) FROM aggregate_state")).scalar()
    if not counted:  # the Gi* peer reads the counts
        civicgrid("aggregate", "--res", "8", "--period", "day")


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", type=Path, default=project_home() / "demo-data" / "city")
    ap.add_argument("--db", default=BENCH_DB, help="database to load and measure in")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    bench_db.migrated(args.db)
    prepare(args.data)
    engine = get_engine()
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM incidents")).scalar()
    print(f"{dt.date.today()} · {n:,} incidents · median of {args.repeat}")

    week_s, week = timed(lambda: run_alerts(engine, AlertParams(period="week")), args.repeat)
    month_s, month = timed(lambda: run_alerts(engine, AlertParams(period="month")), args.repeat)
    gi_s, _ = timed(
        lambda: run_hotspots(
            engine,
            HotspotParams(
                res=8,
                k=1,
                start=dt.date.fromisoformat(str(week["from"])),
                end=dt.date.fromisoformat(str(week["to"])),
            ),
        ),
        args.repeat,
    )
    print(
        f"alerts week  {week_s:6.2f} s  ({len(week['alerts'])} alerts, {week['incidents']:,} incidents that week)"
    )
    print(f"alerts month {month_s:6.2f} s  ({len(month['alerts'])} alerts)")
    print(f"peer: one Gi* run over the same week {gi_s:6.2f} s  → alerts/Gi* {week_s / gi_s:.2f}x")

    first, last = incident_span(engine)
    with engine.connect() as conn:
        category = conn.execute(
            text("SELECT category FROM incidents GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        ).scalar()
    pts = store.points(engine, first, last, [category]).sort_values("occurred_at").tail(20_000)
    x, y = from_wgs84(pts["lon"].to_numpy(), pts["lat"].to_numpy(), settings().metric_crs)
    xy = np.column_stack([x, y])
    days = ((pts["occurred_at"] - pts["occurred_at"].min()).dt.total_seconds() / 86_400).to_numpy()
    ours_s, ours = timed(
        lambda: near_repeat(xy, days, np.arange(6) * 200.0, np.arange(5) * 7.0, 99), 1
    )
    np.random.seed(0)  # pointpats shuffles with numpy's global generator: ours use seed 0
    peer_s, peer = timed(
        lambda: Knox(xy, days.reshape(-1, 1), delta=200, tau=7, permutations=99, keep=True), 1
    )
    assert ours.observed[0, 0] == peer.statistic_, "first band must equal pointpats' Knox statistic"
    assert ours.simulated[:, 0, 0].tolist() == peer.sim.tolist(), "same shuffles as pointpats"
    assert ours.p[0, 0] == peer.p_sim
    print(
        f"knox 20,000 incidents ({category}, {days.max():.0f} days), 5x4 bands, 99 perms: "
        f"{ours_s:6.2f} s; peer pointpats Knox, one band, 99 perms: {peer_s:6.2f} s → {peer_s / ours_s:.1f}x"
    )
    print(
        f"{ours.observed[0, 0]} pairs within 200 m and 7 days, ratio {ours.ratio[0, 0]:.2f}, p {ours.p[0, 0]:.2f}"
    )


if __name__ == "__main__":
    main()
