"""The partitioned incident archive: hive months, GeoParquet, deterministic chunks, the CLI."""

from __future__ import annotations

import json

import geopandas
import numpy as np
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from etl.archive import write
from etl.sample.incidents import CATEGORIES


def _files(root):
    return sorted(p.relative_to(root) for p in root.rglob("*.parquet"))


def test_archive_is_partitioned_by_local_month_and_deterministic(tmp_path):
    """Chunk i depends only on seed and i: a smaller archive is the first chunks of a bigger one,
    whether the chunks were drawn by one process or two."""
    a = write(tmp_path / "a", rows=5_000, seed=7, chunk_rows=2_500, jobs=2)
    b = write(tmp_path / "b", rows=2_500, seed=7, chunk_rows=2_500)
    files = _files(tmp_path / "a")
    small = _files(tmp_path / "b")
    assert small == [f for f in files if f.name == "part-00000.parquet"]
    assert all(
        (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in small
    )
    assert a["chunks"] == 2 and sum(a["months"].values()) == 5_000
    assert sum(b["months"].values()) == 2_500
    assert len(a["months"]) == 24 and str(files[0]).startswith("month=2024-01/part-00000")

    table = ds.dataset(tmp_path / "a", partitioning="hive").to_table()
    assert table.num_rows == 5_000
    keys = table.column("source_key").to_pylist()
    assert len(set(keys)) == 5_000  # unique over chunks
    assert set(table.column("category").to_pylist()) <= set(CATEGORIES)
    # every row sits in the folder of its local (UTC+8) month
    local = table.column("occurred_at").to_numpy().astype("datetime64[us]") + np.timedelta64(8, "h")
    months = local.astype("datetime64[M]").astype(str)
    assert (months == np.asarray(table.column("month").to_pylist())).all()


def test_archive_is_geoparquet_in_wgs84(tmp_path):
    write(tmp_path, rows=1_000, seed=1, chunk_rows=1_000)
    path = tmp_path / "month=2024-06" / "part-00000.parquet"
    gdf = geopandas.read_parquet(path)
    assert gdf.crs.to_epsg() == 4326 or gdf.crs.to_string() == "OGC:CRS84"
    assert np.allclose(gdf.geometry.x, gdf.lon) and np.allclose(gdf.geometry.y, gdf.lat)
    assert gdf.lon.between(119.9, 121.4).all() and gdf.lat.between(30.7, 32.1).all()  # Suzhou
    geo = json.loads(pq.read_schema(path).metadata[b"geo"])
    assert geo["columns"]["geometry"]["encoding"] == "WKB"


def test_cli_writes_archive(cli, tmp_path):
    out = tmp_path / "arch"
    proc = cli(
        "sample",
        "--scale",
        "province",
        "--format",
        "parquet",
        "--rows",
        "1500",
        "--out",
        str(out),
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["rows"] == 1500 and summary["partitions"] == 24
    assert ds.dataset(out, partitioning="hive").count_rows() == 1500
    bad = cli("sample", "--scale", "city", "--format", "parquet", "--out", str(out))
    assert bad.returncode == 2
