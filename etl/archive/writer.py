"""Write an incident archive as hive partitions by local month, one chunk at a time."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from etl.archive.chunk import chunk
from etl.sample.polygons import build_city
from etl.sample.scale import SCALES

#: rows drawn per chunk (memory ~ 1 GB at peak for the generator's string columns)
CHUNK_ROWS = 1_000_000
#: rows of the province archive
PROVINCE_ROWS = 50_000_000
MANIFEST = "_archive.json"


def geo_metadata(bbox: list[float]) -> bytes:
    """GeoParquet 1.1 file metadata for the WKB `geometry` column (WGS-84 lon/lat)."""
    return json.dumps({
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point"], "bbox": bbox}},
    }).encode()


def _write_months(table: pa.Table, month: np.ndarray, out: Path, index: int) -> dict[str, int]:
    """Write each local month of a time-sorted chunk to month=YYYY-MM/part-<index>.parquet."""
    written: dict[str, int] = {}
    starts = np.flatnonzero(np.r_[True, month[1:] != month[:-1]])
    for first, stop in zip(starts, np.r_[starts[1:], len(month)], strict=True):
        part = table.slice(first, stop - first)
        lon, lat = part.column("lon").to_numpy(), part.column("lat").to_numpy()
        bbox = [float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())]
        part = part.replace_schema_metadata({b"geo": geo_metadata(bbox)})
        key = str(month[first])
        folder = out / f"month={key}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(part, folder / f"part-{index:05d}.parquet", compression="zstd")
        written[key] = written.get(key, 0) + int(stop - first)
    return written


def write(out: Path | str, rows: int = PROVINCE_ROWS, seed: int = 42,
          chunk_rows: int = CHUNK_ROWS) -> dict[str, Any]:
    """Write `rows` synthetic incidents into `out` (replacing an archive there); return the manifest.

    The incidents of the whole sample city (`city` scale) are drawn `chunk_rows` at a time;
    chunk i uses the random stream (seed, 101, i), so the files depend only on rows,
    seed and chunk_rows.
    """
    if rows < 1 or chunk_rows < 1:
        raise ValueError("rows and chunk_rows must be positive")
    out = Path(out)
    for old in out.glob("month=*"):
        shutil.rmtree(old)
    out.mkdir(parents=True, exist_ok=True)
    city = build_city(SCALES["city"], np.random.default_rng([seed, 0]))
    months: dict[str, int] = {}
    n_chunks = -(-rows // chunk_rows)
    for index in range(n_chunks):
        n = min(chunk_rows, rows - index * chunk_rows)
        table, month = chunk(city, n, seed, index)
        for key, count in _write_months(table, month, out, index).items():
            months[key] = months.get(key, 0) + count
    manifest = {"rows": rows, "seed": seed, "chunk_rows": chunk_rows, "chunks": n_chunks,
                "partitioning": "hive, month = local month (Asia/Shanghai)",
                "columns": ["source_key", "occurred_at", "category", "lon", "lat", "geometry"],
                "crs": "EPSG:4326", "months": dict(sorted(months.items()))}
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest
