"""Filtering the pages by a 细类: counting the incidents against keeping counts per 细类.

`incident_counts` is keyed by the 大类. A page filtered by a 细类 can be answered in two
ways; this measures both on the database CIVICGRID_DB_NAME (the city sample loaded):

- ours (`geo.counts.levels`): count the month-partitioned incidents of the 细类 in the
  range (the range prunes the months read), by geo.vocab.store.matches;
- peer, built here in a scratch table: month counts per res 7–9 cell and 细类 code (the
  kept counts keyed by the finer level, as #23 stores them by 大类), read for the whole
  months of the range plus the incidents of the days at its edges.

Reported: the size of the peer table and of incident_counts against the incidents (#23
allows the counts at most half of it), and the median seconds of the reads a page makes
with a 细类 filter (and the 大类 read, for scale), their answers compared.

    CIVICGRID_DB_NAME=cg_x .venv/bin/python benchmarks/counts_levels.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time

import numpy as np
import pandas as pd
import pyarrow as pa
from bench_db import incidents_mb, size_mb
from sqlalchemy import text

from geo.counts import levels, store
from geo.counts.cube import cell_counts
from geo.counts.periods import split_months
from geo.db.arrow import read_arrow
from geo.db.copy import Column, copy_rows
from geo.db.engine import get_engine, owner_url

PEER = "incident_counts_fine_bench"
FINE = ("盗窃", "1001")  # (name, code) of the 细类 read


def build_peer(engine, owner) -> tuple[float, int]:
    """Month counts per res 7–9 cell and 细类 code (else the stored 大类) into PEER."""
    started = time.perf_counter()
    rows = read_arrow(
        engine, "SELECT h3, occurred_at, coalesce(category_code, category) AS code FROM incidents"
    )
    counts = cell_counts(
        rows["h3"].to_numpy(),
        rows["occurred_at"].cast(pa.int64()).to_numpy(),
        rows["code"].to_numpy(zero_copy_only=False),
        [7, 8, 9],
        ["month"],
    )
    with owner.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {PEER}"))
        conn.execute(
            text(
                f"CREATE TABLE {PEER} (res int2, month date, cell int8, code text, "
                "count int4 NOT NULL)"
            )
        )
        columns = [
            Column("res", "int2", counts["res"].to_numpy()),
            Column("month", "date", counts["period_start"].to_numpy()),
            Column("cell", "int8", counts["cell"].to_numpy()),
            Column("code", "text", counts["category"].to_numpy()),
            Column("count", "int4", counts["count"].to_numpy()),
        ]
        copy_rows(conn.connection.driver_connection, PEER, columns, np.arange(len(counts)))
        conn.execute(text(f"ALTER TABLE {PEER} ADD PRIMARY KEY (res, month, cell, code)"))
    return time.perf_counter() - started, len(counts)


def peer_cells(engine, res: int, start: dt.date, end: dt.date) -> pd.Series:
    """The 细类's counts per cell from PEER (whole months) and the incidents (edge days)."""
    months, edges = split_months(start, end)
    frames = []
    if months:
        with engine.connect() as conn:
            got = conn.execute(
                text(
                    f"SELECT cell, sum(count)::int8 FROM {PEER} WHERE res = :r "
                    "AND code = :c AND month = ANY(:m) GROUP BY cell"
                ),
                {"r": res, "c": FINE[1], "m": months},
            ).all()
        frames.append(pd.DataFrame(got, columns=["cell", "count"]))
    for a, b in edges:
        frames.append(levels.counts(engine, res, a, b, [FINE[0]])[["cell", "count"]])
    frame = pd.concat(frames, ignore_index=True).groupby("cell")["count"].sum()
    return frame.astype(np.int64)


def median_time(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    engine, owner = get_engine(), get_engine(owner_url())
    out: dict = {"date": dt.date.today().isoformat()}
    with engine.connect() as conn:
        out["incidents"] = conn.execute(text("SELECT count(*) FROM incidents")).scalar()
        out["fine_codes"] = conn.execute(
            text("SELECT count(DISTINCT category_code) FROM incidents")
        ).scalar()
        out["incidents_mb"] = round(incidents_mb(conn), 1)
        out["counts_rows"] = conn.execute(text("SELECT count(*) FROM incident_counts")).scalar()
        out["counts_mb"] = round(size_mb(conn, "incident_counts"), 1)
    peer_s, peer_rows = build_peer(engine, owner)
    with owner.connect() as conn:
        out["peer"] = {
            "rows": peer_rows,
            "mb": round(size_mb(conn, PEER), 1),
            "build_s": round(peer_s, 1),
        }
    out["counts_ratio"] = round(out["counts_mb"] / out["incidents_mb"], 2)
    out["peer_ratio"] = round(out["peer"]["mb"] / out["incidents_mb"], 2)
    print(json.dumps(out, ensure_ascii=False), flush=True)
    lo, hi = store.incident_span(engine)
    d90 = hi - dt.timedelta(days=89)

    def ours_fine(res, a, b):
        f = levels.counts(engine, res, a, b, [FINE[0]])
        return pd.Series(f["count"].to_numpy(), index=f["cell"].to_numpy())

    out["reads"] = []
    for name, res, a, b in (
        ("page: res 9, 90 days", 9, d90, hi),
        ("page: res 8, 90 days", 8, d90, hi),
        ("hotspots CLI: res 9, whole span", 9, lo, hi),
    ):
        t_ours, x = median_time(lambda res=res, a=a, b=b: ours_fine(res, a, b), args.repeat)
        t_peer, y = median_time(
            lambda res=res, a=a, b=b: peer_cells(engine, res, a, b), args.repeat
        )
        t_top, _ = median_time(
            lambda res=res, a=a, b=b: store.cell_counts(engine, res, a, b, ["刑事"]), args.repeat
        )
        row = {
            "read": name,
            "fine_from_incidents_s": round(t_ours, 3),
            "fine_from_peer_counts_s": round(t_peer, 3),
            "top_from_counts_s": round(t_top, 3),
            "equal": x.sort_index().to_dict() == y.sort_index().to_dict(),
            "cells": len(x),
        }
        out["reads"].append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    with owner.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {PEER}"))
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
