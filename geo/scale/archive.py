"""Find and read the partitions of an incident archive (hive folders `month=YYYY-MM`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from geo.errors import InputError

COLUMNS = ("occurred_at", "category", "lon", "lat")


def partitions(archive: Path | str) -> list[list[str]]:
    """The archive's partitions, each as its sorted list of parquet files (folders sorted)."""
    root = Path(archive)
    if not root.is_dir():
        raise InputError(f"{root}: no such archive folder", file=str(root))
    parts = [sorted(str(f) for f in folder.glob("*.parquet"))
             for folder in sorted(root.glob("month=*")) if folder.is_dir()]
    parts = [p for p in parts if p]
    if not parts:
        raise InputError(f"{root}: no month=… partitions with parquet files", file=str(root))
    return parts


def read(files: list[str]) -> dict[str, np.ndarray]:
    """The columns the counting needs: occurred_at as µs since the epoch (UTC), category, lon, lat."""
    try:
        tables = [pq.read_table(f, columns=list(COLUMNS)) for f in files]
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(f"{files[0]}: not an incident archive partition ({exc})",
                         file=files[0]) from exc
    out: dict[str, list[np.ndarray]] = {c: [] for c in COLUMNS}
    for t in tables:
        stamps = t.column("occurred_at").combine_chunks()
        micros = stamps.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
        out["occurred_at"].append(micros.to_numpy(zero_copy_only=False))
        out["category"].append(t.column("category").to_numpy().astype(object))
        out["lon"].append(t.column("lon").to_numpy().astype(np.float64))
        out["lat"].append(t.column("lat").to_numpy().astype(np.float64))
    return {c: np.concatenate(v) if v else np.empty(0) for c, v in out.items()}
