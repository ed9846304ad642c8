"""Shared test data and readers for the export tests (real GDAL: pyogrio and ogrinfo)."""

from __future__ import annotations

import datetime as dt
import struct
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point, Polygon

LONG_A = "网格员所在社区名称"  # 18 bytes in GBK, 27 in UTF-8
LONG_B = "网格员所在社区代码"  # same first 10 GBK bytes / 9 UTF-8 bytes as LONG_A
NAMES = ["姑苏区平江街道网格一", "吴中区甪直镇（测试）网格"]
H3_CELLS = [622236750694711295, 622236751694711295]  # beyond 2**53


def sample(geoms: list | None = None) -> gpd.GeoDataFrame:
    """Two grids with Chinese text, long Chinese names, dates, int64 and a personal column."""
    return gpd.GeoDataFrame(
        {
            "name": NAMES,
            LONG_A: ["平江社区", "甪直社区"],
            LONG_B: ["320508001001", "320506101002"],
            "grid_code": np.array([320508001001001, 320506101002003], dtype="int64"),
            "cell": np.array(H3_CELLS, dtype="int64"),
            "risk": pd.array([1, None], dtype="Int64"),
            "area_m2": [12345.678, np.nan],
            "inspected": [dt.date(2026, 3, 1), None],
            "occurred_at": pd.to_datetime(
                ["2026-11-01T00:30:00Z", "2026-11-02T15:59:59Z"], utc=True
            ),
            "reporter_phone": ["13800138000", "13900139000"],
        },
        geometry=geoms
        or [
            Polygon([(120.60, 31.30), (120.62, 31.30), (120.62, 31.32), (120.60, 31.32)]),
            Polygon([(120.70, 31.10), (120.72, 31.10), (120.71, 31.12)]),
        ],
        crs="EPSG:4326",
    )


def mixed() -> gpd.GeoDataFrame:
    """Points, polygons and a line in one layer."""
    geoms = [Point(120.6, 31.3), Polygon([(120.6, 31.3), (120.7, 31.3), (120.7, 31.4)])]
    gdf = sample(geoms)
    line = sample([LineString([(120.6, 31.3), (120.65, 31.35)]), Point(120.61, 31.31)])
    return pd.concat([gdf, line], ignore_index=True)


def ogrinfo(*args: str | Path) -> bytes:
    """Raw stdout bytes of the system's `ogrinfo` (a GDAL client independent of pyogrio)."""
    proc = subprocess.run(["ogrinfo", "-ro", *map(str, args)], capture_output=True, check=True)
    return proc.stdout


def dbf_field_names(path: Path) -> list[bytes]:
    """Raw field names from a .dbf header (dBASE: 32-byte descriptors after the header)."""
    data = path.read_bytes()
    header_len = struct.unpack("<H", data[8:10])[0]
    names = []
    for offset in range(32, header_len - 1, 32):
        if data[offset] == 0x0D:
            break
        names.append(data[offset : offset + 11].split(b"\x00")[0])
    return names


def local_iso(series: pd.Series) -> list[str]:
    return [v.isoformat() for v in series.dt.tz_convert("Asia/Shanghai")]
