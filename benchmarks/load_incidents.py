"""Loading a 1,000,000-row incident CSV: civicgrid against ogr2ogr and geopandas.to_postgis.

Same file, same database server, one run. The file is WGS-84 (so no peer is asked for a
datum shift it cannot do); each way is timed from the CSV on disk to committed rows:

- civicgrid: `etl.load.load("incidents", …)` — every check (keys, coordinates, swaps,
  inside the city outline, times, categories, duplicates), personal columns hashed, H3
  cell, binary COPY into the empty, month-partitioned `incidents` table (24 months) with
  its 6 indexes (primary and unique keys among them) and foreign key (the partition-exchange path:
  `etl/exchange.py` builds the months on two connections, the load attaches them).
- ogr2ogr: `ogr2ogr -f PostgreSQL` (GDAL's COPY path) into a scratch table with its
  default GiST index; no validation.
- geopandas: `pandas.read_csv` + `points_from_xy` + `GeoDataFrame.to_postgis` into a
  scratch table; no validation.

The benchmark uses its own database (`civicgrid_bench`, or CIVICGRID_BENCH_DB; created
and migrated on the local cluster) with the Suzhou city outline as the `city` admin
unit, and points drawn inside it.

    .venv/bin/python benchmarks/load_incidents.py [--rows 1000000] [--csv PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import bench_db
import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
CATEGORIES = ["刑事案件", "治安案件", "交通事故", "火灾", "纠纷", "求助", "噪音扰民", "其他"]
#: the benchmark's own database (CIVICGRID_BENCH_DB keeps two sessions' runs apart)
BENCH_DB = os.environ.get("CIVICGRID_BENCH_DB", "civicgrid_bench")


def city_outline() -> shapely.Geometry:
    doc = json.loads((ROOT / "data/suzhou-districts/320500.geojson").read_text(encoding="utf-8"))
    return shapely.geometry.shape(doc["features"][0]["geometry"] if "features" in doc else doc)


def make_csv(path: Path, rows: int, city: shapely.Geometry, seed: int = 2026) -> None:
    """Write `rows` incidents with the sample file's Chinese headers, points inside `city`."""
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = city.bounds
    shapely.prepare(city)
    lon, lat = np.empty(0), np.empty(0)
    while len(lon) < rows:
        x, y = rng.uniform(xmin, xmax, rows), rng.uniform(ymin, ymax, rows)
        keep = shapely.intersects_xy(city, x, y)
        lon, lat = np.concatenate([lon, x[keep]]), np.concatenate([lat, y[keep]])
    lon, lat = lon[:rows].round(6), lat[:rows].round(6)
    start = np.datetime64("2024-01-01T00:00:00")
    times = start + rng.integers(0, 2 * 365 * 86400, rows).astype("timedelta64[s]")
    table = pa.table(
        {
            "警情编号": pa.array(np.char.add("JQ", np.arange(rows).astype("U12"))),
            "报警时间": pa.array(np.datetime_as_string(times, unit="s")).cast(pa.string()),
            "警情类别": pa.array(np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), rows)]),
            "警情细类": pa.array(np.full(rows, "一般")),
            "处置结果": pa.array(np.full(rows, "已处置")),
            "发生地址": pa.array(
                np.char.add("苏州市某路", rng.integers(1, 999, rows).astype("U4"))
            ),
            "经度": lon,
            "纬度": lat,
            "报警人": pa.array(np.char.add("张", rng.integers(0, 50_000, rows).astype("U5"))),
            "联系电话": pa.array(np.char.add("138", rng.integers(10**7, 10**8, rows).astype("U8"))),
        }
    )
    times_col = pa.compute.replace_substring(table["报警时间"], "T", " ")
    table = table.set_column(1, "报警时间", times_col)
    pacsv.write_csv(table, path)


def bench_database() -> str:
    """URL of a freshly migrated bench database with the city outline loaded."""
    from geo.db.engine import get_engine

    url = bench_db.migrated(BENCH_DB)
    with get_engine(bench_db.owner()).begin() as conn:
        conn.execute(text("TRUNCATE load_batches, load_rejects, incidents, admin_units CASCADE"))
        conn.execute(
            text(
                "INSERT INTO admin_units (level, code, name, geom) VALUES "
                "('city', '320500', '苏州市', ST_Multi(ST_GeomFromText(:wkt, 4326)))"
            ),
            {"wkt": city_outline().wkt},
        )
    return url


def run_civicgrid(url: str, csv: Path) -> tuple[float, int]:
    from etl.load import load
    from geo.db.engine import get_engine

    with get_engine(bench_db.owner()).begin() as conn:
        conn.execute(text("TRUNCATE incidents"))
        conn.execute(text("DELETE FROM load_batches WHERE kind = 'incidents'"))  # rejects cascade
    start = time.perf_counter()
    result = load("incidents", csv, crs="wgs84", url=url)
    seconds = time.perf_counter() - start
    print(
        f"civicgrid phases (s): {result['timings']} ({result['write_path']} write; "
        f"rejected {result['rejected']})",
        flush=True,
    )
    return seconds, result["loaded"]


def run_ogr2ogr(url: str, csv: Path) -> tuple[float, int]:
    from geo.db.engine import get_engine, libpq_dsn

    start = time.perf_counter()
    subprocess.run(
        [
            "ogr2ogr",
            "-f",
            "PostgreSQL",
            f"PG:{libpq_dsn(url)}",
            str(csv),
            "-nln",
            "bench_ogr2ogr",
            "-overwrite",
            "-a_srs",
            "EPSG:4326",
            "-oo",
            "X_POSSIBLE_NAMES=经度",
            "-oo",
            "Y_POSSIBLE_NAMES=纬度",
            "-lco",
            "GEOMETRY_NAME=geom",
            "-gt",
            "65536",
        ],
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - start
    with get_engine(url).connect() as conn:
        return seconds, conn.execute(text("SELECT count(*) FROM bench_ogr2ogr")).scalar()


def run_to_postgis(url: str, csv: Path) -> tuple[float, int]:
    from geo.db.engine import get_engine

    engine = get_engine(url)
    start = time.perf_counter()
    df = pd.read_csv(csv)
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["经度"], df["纬度"]), crs="EPSG:4326")
    gdf.to_postgis("bench_to_postgis", engine, if_exists="replace", index=False)
    seconds = time.perf_counter() - start
    with engine.connect() as conn:
        return seconds, conn.execute(text("SELECT count(*) FROM bench_to_postgis")).scalar()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--csv", type=Path, help="an existing incident CSV (WGS-84) to load")
    parser.add_argument("--only", choices=["civicgrid", "ogr2ogr", "geopandas"], action="append")
    args = parser.parse_args()

    url = bench_database()
    with tempfile.TemporaryDirectory() as tmp:
        csv = args.csv or Path(tmp) / "incidents.csv"
        if args.csv is None:
            make_csv(csv, args.rows, city_outline())
        # civicgrid loads as the application role; the peers create tables, so as the owner
        ways = {
            "civicgrid": run_civicgrid,
            "ogr2ogr": lambda _, csv: run_ogr2ogr(bench_db.owner(), csv),
            "geopandas": lambda _, csv: run_to_postgis(bench_db.owner(), csv),
        }
        results = {}
        for name, run in ways.items():
            if args.only and name not in args.only:
                continue
            seconds, rows = run(url, csv)
            results[name] = {
                "seconds": round(seconds, 2),
                "rows": rows,
                "rows_per_s": round(rows / seconds),
            }
            print(
                f"{name:10s} {rows:>9,d} rows in {seconds:7.2f} s = {rows / seconds:>10,.0f} rows/s",
                flush=True,
            )
    if "civicgrid" in results:
        ours = results["civicgrid"]["rows_per_s"]
        for peer in ("ogr2ogr", "geopandas"):
            if peer in results:
                print(f"civicgrid / {peer}: {ours / results[peer]['rows_per_s']:.2f}x")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
