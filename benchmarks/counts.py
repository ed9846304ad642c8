"""What the incident counts cost on the city sample: the kept months against the former full cube.

Peer, built in the same run from the same incidents: the former `incident_counts` — every
H3 res 7–10 × day/week/month × category row, counted in memory and COPYed with its
primary key and lookup index built after (the former full rebuild, `_count_into_empty`)
— in a scratch table, read by the former queries. Ours: `geo.counts.refresh` (month
counts at res 7–9) and `geo.counts.store`. Measured:

- size of each table with its indexes, against the size of `incidents`;
- full rebuild, seconds;
- each read the pages, KPIs and hot spot runs make, median of --repeat, both ways, and
  the answers compared (they must be equal);
- with --batch, the seconds a load of a 10,000-row monthly file adds by refreshing the
  counts of its batch (`civicgrid load incidents`, with and without --no-aggregate).

The database is CIVICGRID_DB_NAME (the city sample loaded, e.g. by `civicgrid demo`):

    CIVICGRID_DB_NAME=civicgrid_counts .venv/bin/python benchmarks/counts.py --sample DIR [--batch]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import text

from geo.counts import store
from geo.counts.cube import cell_counts
from geo.counts.periods import PERIODS, split_months
from geo.counts.refresh import refresh_counts
from geo.db.arrow import read_arrow
from geo.db.copy import Column, bulk_insert
from geo.db.engine import get_engine
from geo.hexes import parents

ROOT = Path(__file__).resolve().parents[1]
PEER = "incident_counts_former"


def size_mb(conn, table: str) -> float:
    return float(conn.execute(text("SELECT pg_total_relation_size(CAST(:t AS regclass))"), {"t": table}).scalar()) / 2**20


def incidents_mb(conn) -> float:
    return float(conn.execute(text("SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
                             "WHERE inhparent = 'incidents'::regclass")).scalar()) / 2**20


def build_peer(engine) -> tuple[float, int]:
    """The former full rebuild into PEER; returns (seconds, rows)."""
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {PEER}"))
        conn.execute(text(f"""CREATE TABLE {PEER} (res int2, cell int8, period text, period_start date,
                              category text, count int4 NOT NULL,
                              PRIMARY KEY (res, cell, period, period_start, category))"""))
        conn.execute(text(f"CREATE INDEX {PEER}_lookup ON {PEER} (res, period, period_start)"))
    started = time.perf_counter()
    with engine.begin() as conn:
        rows = read_arrow(engine, "SELECT h3, occurred_at, category FROM incidents")
        counts = cell_counts(rows["h3"].to_numpy(), rows["occurred_at"].cast(pa.int64()).to_numpy(),
                             rows["category"].to_numpy(zero_copy_only=False), [7, 8, 9, 10], PERIODS)
        columns = [Column("res", "int2", counts["res"].to_numpy()),
                   Column("cell", "int8", counts["cell"].to_numpy()),
                   Column("period", "text", np.array(PERIODS, dtype=object)[counts["period"].to_numpy()]),
                   Column("period_start", "date", counts["period_start"].to_numpy()),
                   Column("category", "text", counts["category"].to_numpy()),
                   Column("count", "int4", counts["count"].to_numpy())]
        bulk_insert(conn.connection.driver_connection, PEER, columns, np.arange(len(counts)))
    return time.perf_counter() - started, len(counts)


def _range(start, end) -> str:
    months, edges = split_months(start, end)
    parts = [f"(period = 'day' AND period_start BETWEEN '{a}' AND '{b}')" for a, b in edges]
    if months:
        parts.append("(period = 'month' AND period_start IN (" + ", ".join(f"'{m}'" for m in months) + "))")
    return " OR ".join(parts)


def former(engine, sql: str, params: dict | None = None) -> pd.DataFrame:
    """A former query (SQLAlchemy rows, as the former store read them)."""
    with engine.connect() as conn:
        result = conn.execute(text(sql), params or {})
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def reads(engine, lo: dt.date, hi: dt.date):
    """(name, ours, peer, equal) for each read the pages, KPIs and hot spot runs make."""
    d90, d30 = hi - dt.timedelta(days=89), hi - dt.timedelta(days=29)
    busiest = int(store.cell_counts(engine, 9, d90, hi).idxmax())
    cells8 = [int(parents([busiest], 8)[0])]

    def peer_cells(res, a, b, category=None):
        cat = f"category = '{category}' AND " if category else ""
        f = former(engine, f"SELECT cell, sum(count) AS n FROM {PEER} WHERE res = {res} AND {cat}({_range(a, b)}) "
                           "GROUP BY cell")
        return pd.Series(f["n"].to_numpy(dtype=np.int64), index=f["cell"].to_numpy(dtype=np.int64))

    def same_cells(a, b):
        return a.sort_index().to_dict() == b.sort_index().to_dict()

    def peer_trend(res, period, cells=None):
        where = f" AND cell IN ({', '.join(map(str, cells))})" if cells else ""
        return former(engine, f"SELECT period_start, category, sum(count) AS count FROM {PEER} WHERE res = {res} "
                              f"AND period = '{period}'{where} GROUP BY 1, 2 ORDER BY 1, 2")

    def same_trend(a, b):
        return a["count"].tolist() == b["count"].astype(int).tolist() and \
            list(a["period_start"]) == list(b["period_start"])

    def peer_hot(res, by):
        bucket = f", date_trunc('{by}', period_start)::date AS period" if by else ""
        group = ", 2" if by else ""
        return former(engine, f"SELECT cell{bucket}, sum(count)::bigint AS count FROM {PEER} "
                              f"WHERE res = {res} AND period = 'day' GROUP BY 1{group} ORDER BY 1{group}")

    def same_hot(a, b):
        return a["count"].tolist() == b["count"].astype(int).tolist() and \
            a["cell"].tolist() == b["cell"].astype(np.int64).tolist()

    yield ("hotspots first map: res 9, 90 days", lambda: store.cell_counts(engine, 9, d90, hi),
           lambda: peer_cells(9, d90, hi), same_cells)
    yield ("resolution 9 → 8, 90 days", lambda: store.cell_counts(engine, 8, d90, hi),
           lambda: peer_cells(8, d90, hi), same_cells)
    yield ("res 10, 90 days", lambda: store.cell_counts(engine, 10, d90, hi),
           lambda: peer_cells(10, d90, hi), same_cells)
    yield ("overview KPI layer: res 8, 30 days", lambda: store.cell_counts(engine, 8, d30, hi),
           lambda: peer_cells(8, d30, hi), same_cells)
    yield ("res 9, whole span", lambda: store.cell_counts(engine, 9, lo, hi),
           lambda: peer_cells(9, lo, hi), same_cells)
    yield ("one category, res 9, 90 days", lambda: store.cell_counts(engine, 9, d90, hi, ["纠纷"]),
           lambda: peer_cells(9, d90, hi, "纠纷"), same_cells)
    yield ("overview trend: weekly, city", lambda: store.trend(engine, 7, "week"),
           lambda: peer_trend(7, "week"), same_trend)
    yield ("detail: weekly series of one res-9 cell", lambda: store.trend(engine, 9, "week", None, [busiest]),
           lambda: peer_trend(9, "week", [busiest]), same_trend)
    yield ("detail: weekly series of one res-8 cell", lambda: store.trend(engine, 8, "week", None, cells8),
           lambda: peer_trend(8, "week", cells8), same_trend)
    yield ("hotspots CLI: res 9 totals, whole span", lambda: store.period_counts(engine, 9),
           lambda: peer_hot(9, None), same_hot)
    yield ("emerging: res 9 by month, whole span", lambda: store.period_counts(engine, 9, by="month"),
           lambda: peer_hot(9, "month"), same_hot)


def median_time(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def monthly_file(sample: Path, out: Path, month: str, seed: int, n: int = 10_000) -> Path:
    """n incidents of the sample, given new keys and times inside local month `month`."""
    rng = np.random.default_rng(seed)
    frame = pd.read_csv(sample / "incidents" / "incidents.csv", dtype=str, nrows=200_000)
    frame = frame.iloc[rng.choice(len(frame), n, replace=False)].reset_index(drop=True)
    frame["警情编号"] = [f"BENCH{month.replace('-', '')}{i:06d}" for i in range(n)]
    start = pd.Timestamp(f"{month}-01")
    days = (start + pd.offsets.MonthBegin(1) - start).days
    frame["报警时间"] = (start + pd.to_timedelta(np.sort(rng.integers(0, days * 86400, n)), unit="s")
                     ).strftime("%Y-%m-%d %H:%M:%S")
    path = out / f"incidents_{month}.csv"
    frame.to_csv(path, index=False)
    return path


def load(path: Path, *extra: str) -> dict:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "geo", "load", "incidents", str(path), "--crs", "gcj02",
                           *extra, "--json"], capture_output=True, text=True, cwd=ROOT, env=os.environ)
    if proc.returncode:
        sys.exit(proc.stderr)
    return {**json.loads(proc.stdout), "wall": time.perf_counter() - started}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--sample", type=Path, help="the city sample folder (for --batch)")
    ap.add_argument("--batch", action="store_true", help="time the refresh of a 10,000-row monthly load")
    args = ap.parse_args()
    engine = get_engine()
    out: dict = {"date": dt.date.today().isoformat()}
    with engine.connect() as conn:
        out["incidents"] = conn.execute(text("SELECT count(*) FROM incidents")).scalar()
        out["incidents_mb"] = round(incidents_mb(conn), 1)
    peer_s, peer_rows = build_peer(engine)
    started = time.perf_counter()
    ours = refresh_counts(engine, full=True)
    ours_s = time.perf_counter() - started
    with engine.connect() as conn:
        out["rebuild"] = {"ours_s": round(ours_s, 2), "ours_rows": ours.rows,
                          "ours_mb": round(size_mb(conn, "incident_counts"), 1),
                          "peer_s": round(peer_s, 2), "peer_rows": peer_rows,
                          "peer_mb": round(size_mb(conn, PEER), 1)}
    print(json.dumps(out, ensure_ascii=False), flush=True)
    lo, hi = store.incident_span(engine)
    out["reads"] = []
    for name, ours_fn, peer_fn, same in reads(engine, lo, hi):
        t_ours, a = median_time(ours_fn, args.repeat)
        t_peer, b = median_time(peer_fn, args.repeat)
        row = {"read": name, "ours_s": round(t_ours, 3), "peer_s": round(t_peer, 3), "equal": bool(same(a, b))}
        out["reads"].append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    if args.batch:
        folder = ROOT / ".civicgrid" / "bench-counts"
        folder.mkdir(parents=True, exist_ok=True)
        plain = load(monthly_file(args.sample, folder, "2026-01", 1), "--no-aggregate")
        refresh_counts(engine)  # counts that file, so the next refresh has only its own batch
        refreshed = load(monthly_file(args.sample, folder, "2026-02", 2))
        out["batch"] = {"rows": refreshed["loaded"], "load_no_aggregate_s": round(plain["wall"], 2),
                        "load_with_refresh_s": round(refreshed["wall"], 2),
                        "refresh_s": refreshed["aggregate"]["seconds"],
                        "refresh_mode": refreshed["aggregate"]["mode"]}
        print(json.dumps(out["batch"]), flush=True)
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {PEER}"))
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
