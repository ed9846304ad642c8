"""Write an incident archive as hive partitions by local month, one chunk at a time."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ProcessPoolExecutor
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
    return json.dumps(
        {
            "version": "1.1.0",
            "primary_column": "geometry",
            "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point"], "bbox": bbox}},
        }
    ).encode()


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


def _write_chunks(
    out: Path, rows: int, seed: int, chunk_rows: int, indexes: range
) -> dict[str, int]:
    """Draw and write the chunks `indexes` (the city is built once per call); rows per month."""
    city = build_city(SCALES["city"], np.random.default_rng([seed, 0]))
    months: dict[str, int] = {}
    for index in indexes:
        n = min(chunk_rows, rows - index * chunk_rows)
        table, month = chunk(city, n, seed, index)
        for key, count in _write_months(table, month, out, index).items():
            months[key] = months.get(key, 0) + count
    return months


def write(
    out: Path | str,
    rows: int = PROVINCE_ROWS,
    seed: int = 42,
    chunk_rows: int = CHUNK_ROWS,
    jobs: int = 1,
) -> dict[str, Any]:
    """Write `rows` synthetic incidents into `out` (replacing an archive there); return the manifest.

    The incidents of the whole sample city (`city` scale) are drawn `chunk_rows` at a time;
    chunk i uses the random stream (seed, 101, i) and goes to part-<i>.parquet, so the
    files depend only on seed and chunk_rows (the first k chunks of a bigger archive are
    the files of a smaller one), not on `jobs` (processes drawing chunks i ≡ j mod jobs).
    """
    if rows < 1 or chunk_rows < 1 or jobs < 1:
        raise ValueError("rows, chunk_rows and jobs must be positive")
    out = Path(out)
    for old in out.glob("month=*"):
        shutil.rmtree(old)
    out.mkdir(parents=True, exist_ok=True)
    n_chunks = -(-rows // chunk_rows)
    jobs = min(jobs, n_chunks)
    if jobs == 1:
        found = [_write_chunks(out, rows, seed, chunk_rows, range(n_chunks))]
    else:
        with ProcessPoolExecutor(jobs) as pool:
            found = list(
                pool.map(
                    _write_chunks,
                    *zip(
                        *[
                            (out, rows, seed, chunk_rows, range(j, n_chunks, jobs))
                            for j in range(jobs)
                        ],
                        strict=True,
                    ),
                )
            )
    months: dict[str, int] = {}
    for part in found:
        for key, count in part.items():
            months[key] = months.get(key, 0) + count
    manifest = {
        "rows": rows,
        "seed": seed,
        "chunk_rows": chunk_rows,
        "chunks": n_chunks,
        "partitioning": "hive, month = local month (UTC+8)",
        "columns": ["source_key", "occurred_at", "category", "lon", "lat", "geometry"],
        "crs": "EPSG:4326",
        "months": dict(sorted(months.items())),
    }
    (out / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return manifest
