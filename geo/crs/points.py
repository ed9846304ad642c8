"""Point conversion between any supported system and WGS-84.

GCJ-02 and BD-09 use the published formulas (exact inverses by iteration); CGCS2000 is
treated as equal to WGS-84 (they differ by centimetres); EPSG codes go through pyproj.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyproj
from numpy.typing import ArrayLike

from geo.crs.bd09 import bd09_to_gcj02, gcj02_to_bd09
from geo.crs.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02
from geo.crs.names import BD09, CGCS2000, GCJ02, WGS84, normalise_name


@lru_cache(maxsize=64)
def _transformer(src: str, dst: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def _arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """Flat float64 copies of broadcast lon/lat, with the shape to restore.

    A point with any non-finite coordinate is missing: both its coordinates become NaN.
    """
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    shape = x.shape
    x, y = x.ravel().copy(), y.ravel().copy()
    missing = ~(np.isfinite(x) & np.isfinite(y))
    x[missing] = np.nan
    y[missing] = np.nan
    return x, y, shape


def _pyproj(x: np.ndarray, y: np.ndarray, src: str, dst: str) -> tuple[np.ndarray, np.ndarray]:
    """Transform with pyproj; points it cannot project become NaN."""
    u, v = _transformer(src, dst).transform(x, y, errcheck=False)
    u, v = np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64)
    bad = ~(np.isfinite(u) & np.isfinite(v))
    u[bad] = np.nan
    v[bad] = np.nan
    return u, v


def to_wgs84(lon: ArrayLike, lat: ArrayLike, src: str) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in `src` → WGS-84 (lon, lat) as float64 arrays of the input's shape.

    `src`: 'wgs84', 'gcj02', 'bd09', 'cgcs2000' or 'EPSG:n' (aliases accepted; for a
    projected EPSG the inputs are easting, northing). A point with a NaN (or infinite)
    coordinate comes out as (NaN, NaN).
    """
    name = normalise_name(src)
    x, y, shape = _arrays(lon, lat)
    if name == GCJ02:
        x, y = gcj02_to_wgs84(x, y)
    elif name == BD09:
        x, y = gcj02_to_wgs84(*bd09_to_gcj02(x, y))
    elif name not in (WGS84, CGCS2000):
        x, y = _pyproj(x, y, name, "EPSG:4326")
    return x.reshape(shape), y.reshape(shape)


def from_wgs84(lon: ArrayLike, lat: ArrayLike, dst: str) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 (lon, lat) → coordinates in `dst`, float64 arrays of the input's shape.

    `dst` as for `to_wgs84`; a point with a NaN coordinate comes out as (NaN, NaN).
    """
    name = normalise_name(dst)
    x, y, shape = _arrays(lon, lat)
    if name == GCJ02:
        x, y = wgs84_to_gcj02(x, y)
    elif name == BD09:
        x, y = gcj02_to_bd09(*wgs84_to_gcj02(x, y))
    elif name not in (WGS84, CGCS2000):
        x, y = _pyproj(x, y, "EPSG:4326", name)
    return x.reshape(shape), y.reshape(shape)


def transform(lon: ArrayLike, lat: ArrayLike, src: str, dst: str) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates from `src` to `dst` (through WGS-84 unless both are the same system)."""
    if normalise_name(src) == normalise_name(dst):
        x, y, shape = _arrays(lon, lat)
        return x.reshape(shape), y.reshape(shape)
    return from_wgs84(*to_wgs84(lon, lat, src), dst)
