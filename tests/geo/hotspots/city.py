"""A small synthetic city for the aggregate and hotspots CLI tests: places, incidents, expectations."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from sqlalchemy import text

from geo import hexes

BOX = (120.55, 31.25, 120.70, 31.35)  # lon/lat of the synthetic city
CLUSTER = (120.62, 31.30)
CATEGORIES = ["theft", "fight", "fraud"]


def polygon(x0, y0, x1, y1) -> str:
    return f"SRID=4326;MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


def seed_places(engine) -> None:
    """City, two districts, a town, an active grid version and key sites near the cluster."""
    with engine.begin() as conn:
        bid = conn.execute(
            text("""INSERT INTO load_batches (kind, file_name, file_sha256, file_size)
                                   VALUES ('boundaries', 'b.geojson', 'b', 1) RETURNING id""")
        ).scalar_one()
        units = [
            ("city", "320500", "苏州市", None, BOX),
            ("district", "320508", "姑苏区", "320500", (120.55, 31.25, 120.63, 31.35)),
            ("district", "320506", "吴中区", "320500", (120.63, 31.25, 120.70, 31.35)),
            ("town", "320508001", "平江街道", "320508", (120.55, 31.25, 120.63, 31.35)),
        ]
        for level, code, name, parent, box in units:
            conn.execute(
                text("""INSERT INTO admin_units (level, code, name, parent_code, geom, batch_id)
                                 VALUES (:l, :c, :n, :p, ST_GeomFromEWKT(:g), :b)"""),
                {"l": level, "c": code, "n": name, "p": parent, "g": polygon(*box), "b": bid},
            )
        vid = conn.execute(
            text("""INSERT INTO grid_versions (name, status) VALUES ('v1', 'active')
                                   RETURNING id""")
        ).scalar_one()
        conn.execute(
            text("""INSERT INTO grids (version_id, grid_code, geom, batch_id)
                             VALUES (:v, 'G-001', ST_GeomFromEWKT(:g), :b)"""),
            {"v": vid, "g": polygon(120.61, 31.29, 120.63, 31.31), "b": bid},
        )
        sites = [
            ("s1", "平江实验学校", "school", CLUSTER[0] + 0.0005, CLUSTER[1]),
            ("s2", "far hospital", "hospital", 120.56, 31.26),
        ]
        for key, name, kind, lon, lat in sites:
            conn.execute(
                text("""INSERT INTO key_sites (source_key, name, kind, geom, batch_id)
                                 VALUES (:k, :n, :t, ST_SetSRID(ST_MakePoint(:x, :y), 4326), :b)"""),
                {"k": key, "n": name, "t": kind, "x": lon, "y": lat, "b": bid},
            )


def incidents(n_background: int, n_cluster: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lon = np.r_[
        rng.uniform(BOX[0], BOX[2], n_background), rng.normal(CLUSTER[0], 0.0008, n_cluster)
    ]
    lat = np.r_[
        rng.uniform(BOX[1], BOX[3], n_background), rng.normal(CLUSTER[1], 0.0008, n_cluster)
    ]
    n = len(lon)
    seconds = rng.integers(0, 180 * 86400, n)
    at = pd.Timestamp("2026-01-01", tz="Asia/Shanghai") + pd.to_timedelta(seconds, unit="s")
    return pd.DataFrame(
        {
            "lon": lon,
            "lat": lat,
            "occurred_at": at.tz_convert("UTC"),
            "category": rng.choice(CATEGORIES, n),
        }
    )


def load_batch(engine, frame: pd.DataFrame, name: str) -> int:
    """A load_batches row plus its incidents, as the loader would write them."""
    h3s = hexes.cells(frame["lon"].to_numpy(), frame["lat"].to_numpy(), 10).astype(np.int64)
    with engine.begin() as conn:
        bid = conn.execute(
            text("""INSERT INTO load_batches (kind, file_name, file_sha256, file_size, loaded)
                                   VALUES ('incidents', :f, :f, 1, :n) RETURNING id"""),
            {"f": name, "n": len(frame)},
        ).scalar_one()
        conn.execute(
            text("""
            INSERT INTO incidents (source_key, occurred_at, category, h3, geom, batch_id)
            VALUES (:key, :at, :cat, :h3, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :b)
        """),
            [
                {
                    "key": f"{name}-{i}",
                    "at": r.occurred_at.to_pydatetime(),
                    "cat": r.category,
                    "h3": int(c),
                    "lon": r.lon,
                    "lat": r.lat,
                    "b": bid,
                }
                for i, (r, c) in enumerate(zip(frame.itertuples(), h3s, strict=True))
            ],
        )
    return bid


def expected_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """The former res 7–10 × day/week/month cube, in pandas: parents of the res-10 cells,
    local days/weeks/months — what every count read must still add up to."""
    cell10 = hexes.cells(frame["lon"].to_numpy(), frame["lat"].to_numpy(), 10)
    local = frame["occurred_at"].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    starts = {
        "day": local.dt.normalize(),
        "week": (local - pd.to_timedelta(local.dt.weekday, unit="D")).dt.normalize(),
        "month": local.dt.to_period("M").dt.start_time,
    }
    parts = []
    for res in (7, 8, 9, 10):
        for period, start in starts.items():
            parts.append(
                pd.DataFrame(
                    {
                        "res": res,
                        "cell": hexes.parents(cell10, res).astype(np.int64),
                        "period": period,
                        "period_start": start.dt.date,
                        "category": frame["category"],
                    }
                )
            )
    out = pd.concat(parts).groupby(["res", "cell", "period", "period_start", "category"]).size()
    return out.rename("count").sort_index()


def expected_months(frame: pd.DataFrame, resolutions=(7, 8, 9)) -> pd.Series:
    """What incident_counts keeps: the month rows of `expected_counts` at `resolutions`,
    indexed (res, month, cell, category) as the table's key."""
    full = expected_counts(frame).reset_index()
    months = full[(full["period"] == "month") & full["res"].isin(resolutions)]
    months = months.rename(columns={"period_start": "month"})
    return months.set_index(["res", "month", "cell", "category"])["count"].sort_index()


def stored_counts(engine) -> pd.Series:
    with engine.connect() as conn:
        rows = pd.DataFrame(
            conn.execute(text("SELECT * FROM incident_counts")).mappings().all(),
            columns=["res", "month", "cell", "category", "count"],
        )
    return rows.set_index(["res", "month", "cell", "category"])["count"].sort_index()


def run_json(cli, *args):
    out = cli(*args, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)
