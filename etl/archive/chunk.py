"""One chunk of archive incidents: the city generator's rows as typed WGS-84 columns."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl.sample import incidents
from etl.sample.polygons import City
from geo import localtime
from geo.crs import to_wgs84

#: one random stream per chunk: (seed, STREAM, chunk index)
STREAM = 101


def point_wkb(lon: np.ndarray, lat: np.ndarray) -> pa.Array:
    """ISO WKB points (little-endian, 21 bytes each) built by NumPy, not one by one."""
    rows = np.zeros(len(lon), dtype=[("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])
    rows["order"], rows["type"], rows["x"], rows["y"] = 1, 1, lon, lat
    offsets = pa.array(np.arange(len(lon) + 1, dtype=np.int32) * 21)
    return pa.BinaryArray.from_buffers(
        pa.binary(), len(lon), [None, offsets.buffers()[1], pa.py_buffer(rows.tobytes())]
    )


def chunk(city: City, n: int, seed: int, index: int) -> tuple[pa.Table, np.ndarray]:
    """`n` incidents of chunk `index` (sorted by time) and each one's local month (datetime64[M]).

    Columns: source_key (警情编号 prefixed by the chunk, unique over the archive),
    occurred_at (timestamp µs UTC), category, lon, lat (WGS-84, 7 decimals), geometry (WKB).
    """
    raw = incidents.generate(city, n, np.random.default_rng([seed, STREAM, index]))
    g_lon = raw.column("经度").to_numpy().astype(np.float64)
    g_lat = raw.column("纬度").to_numpy().astype(np.float64)
    lon, lat = (np.round(a, 7) for a in to_wgs84(g_lon, g_lat, "gcj02"))
    local = pc.strptime(raw.column("报警时间"), format="%Y-%m-%d %H:%M:%S", unit="s")
    local_s = local.to_numpy().astype("datetime64[s]").astype(np.int64)
    utc_us = (local_s - localtime.OFFSET_S) * 1_000_000
    month = local_s.astype("datetime64[s]").astype("datetime64[M]")
    table = pa.table(
        {
            "source_key": pc.binary_join_element_wise(f"P{index:05d}", raw.column("警情编号"), "-"),
            "occurred_at": pa.array(utc_us, pa.timestamp("us", tz="UTC")),
            "category": raw.column("警情类别"),
            "lon": pa.array(lon),
            "lat": pa.array(lat),
            "geometry": point_wkb(lon, lat),
        }
    )
    return table, month
