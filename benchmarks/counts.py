"""What the incident counts cost on the city sample: ours against the former refresh, and the former full cube.

Rebuild and batch refresh (default): the peer is the former refresh (`PeerRefresh`
below, the code of `geo.counts.refresh` before #23's speed work: pandas groupby over
(cell, month, category) per resolution, a lexsort of the result, the batch state read
by three scans of the incidents), run in the same process on the same incidents into
the same `incident_counts`, alternating with ours (`geo.counts.refresh`). Measured:

- full rebuild, seconds, each of --rebuilds runs both ways, and the stored rows
  compared (they must be equal);
- with --batch, the refresh of one 10,000-row monthly file loaded with --no-aggregate:
  the peer's incremental refresh (rolled back after reading what it stored) and ours,
  their stored rows compared;
- with --reads, the former full cube (res 7–10 × day/week/month × category) built in a
  scratch table and each read the pages, KPIs and hot spot runs make against it
  (median of --repeat, the answers compared).

The database is CIVICGRID_DB_NAME (the city sample loaded, e.g. by `civicgrid demo`):

    CIVICGRID_DB_NAME=civicgrid_counts .venv/bin/python benchmarks/counts.py --sample DIR [--batch] [--reads]
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
from bench_db import incidents_mb, size_mb
from sqlalchemy import text

from geo.counts import store
from geo.counts.cube import cell_counts
from geo.counts.periods import PERIODS, split_months
from geo.counts.refresh import LOCK_KEY, refresh_counts
from geo.db.arrow import read_arrow
from geo.db.copy import Column, bulk_insert, stage
from geo.db.engine import get_engine
from geo.hexes import parents

ROOT = Path(__file__).resolve().parents[1]
PEER = "incident_counts_former"


class PeerRefresh:
    """The former `geo.counts.refresh.refresh_counts` (before #23's speed work), kept here
    as the peer: month counts at res 7–9 through pandas' groupby, lexsorted, COPYed."""

    def __init__(self, engine, resolutions=(7, 8, 9)):
        self.engine, self.res = engine, list(resolutions)

    def _needs_rebuild(self, conn) -> bool:
        aggregated = conn.execute(
            text("SELECT count(*) FROM incidents i JOIN aggregate_state s USING (batch_id)")
        ).scalar_one()
        totals = conn.execute(
            text("SELECT res, sum(count) FROM incident_counts GROUP BY res")
        ).all()
        return any(int(t) != aggregated for _, t in totals) or (not totals and aggregated > 0)

    def _count(self, batch_ids) -> pd.DataFrame:
        rows = read_arrow(
            self.engine,
            "SELECT h3, occurred_at, category FROM incidents WHERE batch_id = "
            f"ANY('{{{','.join(str(int(b)) for b in batch_ids)}}}'::int8[])",
        )
        counted = cell_counts(
            rows["h3"].to_numpy(),
            rows["occurred_at"].cast(pa.int64()).to_numpy(),
            rows["category"].to_numpy(zero_copy_only=False),
            self.res,
            ["month"],
        )
        frame = counted.rename(columns={"period_start": "month"}).drop(columns="period")
        category = pd.Categorical(frame["category"])
        order = np.lexsort(
            (
                category.codes,
                frame["cell"].to_numpy(),
                frame["month"].to_numpy(),
                frame["res"].to_numpy(),
            )
        )
        return frame.iloc[order].reset_index(drop=True)

    def run(self, conn, full: bool) -> int:
        """One refresh inside `conn`'s transaction (the caller commits or rolls back); rows written."""
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        rebuild = full or self._needs_rebuild(conn)
        if rebuild:
            conn.execute(text("TRUNCATE incident_counts"))
            conn.execute(text("DELETE FROM aggregate_state"))
        batch_ids = [
            int(b)
            for b in conn.execute(
                text(
                    "SELECT DISTINCT batch_id FROM incidents WHERE batch_id NOT IN "
                    "(SELECT batch_id FROM aggregate_state) ORDER BY 1"
                )
            ).scalars()
        ]
        if not batch_ids:
            return 0
        conn.execute(
            text("SELECT count(*) FROM incidents WHERE batch_id = ANY(:b)"), {"b": batch_ids}
        )
        frame = self._count(batch_ids)
        columns = [
            Column("res", "int2", frame["res"].to_numpy()),
            Column("month", "date", frame["month"].to_numpy()),
            Column("cell", "int8", frame["cell"].to_numpy()),
            Column("category", "text", frame["category"]),
            Column("count", "int4", frame["count"].to_numpy()),
        ]
        raw, idx = conn.connection.driver_connection, np.arange(len(frame))
        if rebuild:
            bulk_insert(raw, "incident_counts", columns, idx)
        else:
            stage(raw, "counts_staged", "incident_counts", columns, idx)
            conn.execute(
                text("""
                INSERT INTO incident_counts AS ic (res, month, cell, category, count)
                SELECT res, month, cell, category, count FROM counts_staged
                ON CONFLICT (res, month, cell, category) DO UPDATE SET count = ic.count + EXCLUDED.count""")
            )
        conn.execute(
            text("INSERT INTO aggregate_state (batch_id) SELECT unnest(CAST(:b AS bigint[]))"),
            {"b": batch_ids},
        )
        return len(frame)


def stored(conn) -> list[tuple]:
    """Every stored count, in key order."""
    return conn.execute(
        text("SELECT res, month, cell, category, count FROM incident_counts ORDER BY 1, 2, 3, 4")
    ).all()


def rebuilds(engine, runs: int) -> dict:
    """Full rebuilds, peer then ours, `runs` times; seconds of each and whether equal."""
    peer = PeerRefresh(engine)
    out = {"peer_s": [], "ours_s": [], "equal": True}
    for _ in range(runs):
        started = time.perf_counter()
        with engine.begin() as conn:
            rows = peer.run(conn, full=True)
        out["peer_s"].append(round(time.perf_counter() - started, 2))
        with engine.connect() as conn:
            theirs = stored(conn)
        started = time.perf_counter()
        ours = refresh_counts(engine, full=True)
        out["ours_s"].append(round(time.perf_counter() - started, 2))
        with engine.connect() as conn:
            out["equal"] &= stored(conn) == theirs and ours.rows == rows
        print(json.dumps(out), flush=True)
    out["rows"] = rows
    return out


def batch_refresh(engine, sample: Path) -> dict:
    """A 10,000-row monthly file loaded without refresh, then the peer's incremental
    refresh (rolled back) and ours, timed in process; their stored rows compared."""
    folder = ROOT / ".civicgrid" / "bench-counts"
    folder.mkdir(parents=True, exist_ok=True)
    refresh_counts(engine)
    tag = dt.datetime.now().strftime("%H%M%S")
    loaded = load(monthly_file(sample, folder, "2026-03", int(tag), tag=tag), "--no-aggregate")
    started = time.perf_counter()
    with engine.connect() as conn, conn.begin() as tx:
        PeerRefresh(engine).run(conn, full=False)
        peer_s = time.perf_counter() - started
        theirs = stored(conn)
        tx.rollback()
    started = time.perf_counter()
    ours = refresh_counts(engine)
    ours_s = time.perf_counter() - started
    with engine.connect() as conn:
        equal = stored(conn) == theirs
    return {
        "rows": loaded["loaded"],
        "load_no_aggregate_s": round(loaded["wall"], 2),
        "peer_refresh_s": round(peer_s, 2),
        "ours_refresh_s": round(ours_s, 2),
        "ours_mode": ours.mode,
        "equal": equal,
    }


def build_peer(engine) -> tuple[float, int]:
    """The former full rebuild into PEER; returns (seconds, rows)."""
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {PEER}"))
        conn.execute(
            text(f"""CREATE TABLE {PEER} (res int2, cell int8, period text, period_start date,
                              category text, count int4 NOT NULL,
                              PRIMARY KEY (res, cell, period, period_start, category))""")
        )
        conn.execute(text(f"CREATE INDEX {PEER}_lookup ON {PEER} (res, period, period_start)"))
    started = time.perf_counter()
    with engine.begin() as conn:
        rows = read_arrow(engine, "SELECT h3, occurred_at, category FROM incidents")
        counts = cell_counts(
            rows["h3"].to_numpy(),
            rows["occurred_at"].cast(pa.int64()).to_numpy(),
            rows["category"].to_numpy(zero_copy_only=False),
            [7, 8, 9, 10],
            PERIODS,
        )
        columns = [
            Column("res", "int2", counts["res"].to_numpy()),
            Column("cell", "int8", counts["cell"].to_numpy()),
            Column("period", "text", np.array(PERIODS, dtype=object)[counts["period"].to_numpy()]),
            Column("period_start", "date", counts["period_start"].to_numpy()),
            Column("category", "text", counts["category"].to_numpy()),
            Column("count", "int4", counts["count"].to_numpy()),
        ]
        bulk_insert(conn.connection.driver_connection, PEER, columns, np.arange(len(counts)))
    return time.perf_counter() - started, len(counts)


def _range(start, end) -> str:
    months, edges = split_months(start, end)
    parts = [f"(period = 'day' AND period_start BETWEEN '{a}' AND '{b}')" for a, b in edges]
    if months:
        parts.append(
            "(period = 'month' AND period_start IN (" + ", ".join(f"'{m}'" for m in months) + "))"
        )
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
        f = former(
            engine,
            f"SELECT cell, sum(count) AS n FROM {PEER} WHERE res = {res} AND {cat}({_range(a, b)}) "
            "GROUP BY cell",
        )
        return pd.Series(f["n"].to_numpy(dtype=np.int64), index=f["cell"].to_numpy(dtype=np.int64))

    def same_cells(a, b):
        return a.sort_index().to_dict() == b.sort_index().to_dict()

    def peer_trend(res, period, cells=None):
        where = f" AND cell IN ({', '.join(map(str, cells))})" if cells else ""
        return former(
            engine,
            f"SELECT period_start, category, sum(count) AS count FROM {PEER} WHERE res = {res} "
            f"AND period = '{period}'{where} GROUP BY 1, 2 ORDER BY 1, 2",
        )

    def same_trend(a, b):
        return a["count"].tolist() == b["count"].astype(int).tolist() and list(
            a["period_start"]
        ) == list(b["period_start"])

    def peer_hot(res, by):
        bucket = f", date_trunc('{by}', period_start)::date AS period" if by else ""
        group = ", 2" if by else ""
        return former(
            engine,
            f"SELECT cell{bucket}, sum(count)::bigint AS count FROM {PEER} "
            f"WHERE res = {res} AND period = 'day' GROUP BY 1{group} ORDER BY 1{group}",
        )

    def same_hot(a, b):
        return (
            a["count"].tolist() == b["count"].astype(int).tolist()
            and a["cell"].tolist() == b["cell"].astype(np.int64).tolist()
        )

    yield (
        "hotspots first map: res 9, 90 days",
        lambda: store.cell_counts(engine, 9, d90, hi),
        lambda: peer_cells(9, d90, hi),
        same_cells,
    )
    yield (
        "resolution 9 → 8, 90 days",
        lambda: store.cell_counts(engine, 8, d90, hi),
        lambda: peer_cells(8, d90, hi),
        same_cells,
    )
    yield (
        "res 10, 90 days",
        lambda: store.cell_counts(engine, 10, d90, hi),
        lambda: peer_cells(10, d90, hi),
        same_cells,
    )
    yield (
        "overview KPI layer: res 8, 30 days",
        lambda: store.cell_counts(engine, 8, d30, hi),
        lambda: peer_cells(8, d30, hi),
        same_cells,
    )
    yield (
        "res 9, whole span",
        lambda: store.cell_counts(engine, 9, lo, hi),
        lambda: peer_cells(9, lo, hi),
        same_cells,
    )
    yield (
        "one category, res 9, 90 days",
        lambda: store.cell_counts(engine, 9, d90, hi, ["纠纷"]),
        lambda: peer_cells(9, d90, hi, "纠纷"),
        same_cells,
    )
    yield (
        "overview trend: weekly, city",
        lambda: store.trend(engine, 7, "week"),
        lambda: peer_trend(7, "week"),
        same_trend,
    )
    yield (
        "detail: weekly series of one res-9 cell",
        lambda: store.trend(engine, 9, "week", None, [busiest]),
        lambda: peer_trend(9, "week", [busiest]),
        same_trend,
    )
    yield (
        "detail: weekly series of one res-8 cell",
        lambda: store.trend(engine, 8, "week", None, cells8),
        lambda: peer_trend(8, "week", cells8),
        same_trend,
    )
    yield (
        "hotspots CLI: res 9 totals, whole span",
        lambda: store.period_counts(engine, 9),
        lambda: peer_hot(9, None),
        same_hot,
    )
    yield (
        "emerging: res 9 by month, whole span",
        lambda: store.period_counts(engine, 9, by="month"),
        lambda: peer_hot(9, "month"),
        same_hot,
    )


def median_time(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def monthly_file(
    sample: Path, out: Path, month: str, seed: int, n: int = 10_000, tag: str = ""
) -> Path:
    """n incidents of the sample, given new keys and times inside local month `month`."""
    rng = np.random.default_rng(seed)
    frame = pd.read_csv(sample / "incidents" / "incidents.csv", dtype=str, nrows=200_000)
    frame = frame.iloc[rng.choice(len(frame), n, replace=False)].reset_index(drop=True)
    frame["警情编号"] = [f"BENCH{tag}{month.replace('-', '')}{i:06d}" for i in range(n)]
    start = pd.Timestamp(f"{month}-01")
    days = (start + pd.offsets.MonthBegin(1) - start).days
    frame["报警时间"] = (
        start + pd.to_timedelta(np.sort(rng.integers(0, days * 86400, n)), unit="s")
    ).strftime("%Y-%m-%d %H:%M:%S")
    path = out / f"incidents_{month}{tag}.csv"
    frame.to_csv(path, index=False)
    return path


def load(path: Path, *extra: str) -> dict:
    started = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "geo",
            "load",
            "incidents",
            str(path),
            "--crs",
            "gcj02",
            *extra,
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ,
    )
    if proc.returncode:
        sys.exit(proc.stderr)
    return {**json.loads(proc.stdout), "wall": time.perf_counter() - started}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="runs of each read (--reads)")
    ap.add_argument("--rebuilds", type=int, default=3, help="full rebuilds each way")
    ap.add_argument("--sample", type=Path, help="the city sample folder (for --batch)")
    ap.add_argument(
        "--batch", action="store_true", help="time the refresh of a 10,000-row monthly load"
    )
    ap.add_argument(
        "--reads", action="store_true", help="the former full cube and the pages' reads"
    )
    args = ap.parse_args()
    engine = get_engine()
    out: dict = {"date": dt.date.today().isoformat()}
    with engine.connect() as conn:
        out["incidents"] = conn.execute(text("SELECT count(*) FROM incidents")).scalar()
        out["incidents_mb"] = round(incidents_mb(conn), 1)
        out["load_average"] = os.getloadavg()[0]
    out["rebuild"] = rebuilds(engine, args.rebuilds)
    with engine.connect() as conn:
        out["rebuild"]["mb"] = round(size_mb(conn, "incident_counts"), 1)
    print(json.dumps(out, ensure_ascii=False), flush=True)
    if args.batch:
        out["batch"] = batch_refresh(engine, args.sample)
        print(json.dumps(out["batch"]), flush=True)
    if args.reads:
        peer_s, peer_rows = build_peer(engine)
        with engine.connect() as conn:
            out["full_cube"] = {
                "s": round(peer_s, 2),
                "rows": peer_rows,
                "mb": round(size_mb(conn, PEER), 1),
            }
        lo, hi = store.incident_span(engine)
        out["reads"] = []
        for name, ours_fn, peer_fn, same in reads(engine, lo, hi):
            t_ours, a = median_time(ours_fn, args.repeat)
            t_peer, b = median_time(peer_fn, args.repeat)
            row = {
                "read": name,
                "ours_s": round(t_ours, 3),
                "peer_s": round(t_peer, 3),
                "equal": bool(same(a, b)),
            }
            out["reads"].append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {PEER}"))
    out["load_average_end"] = os.getloadavg()[0]
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
